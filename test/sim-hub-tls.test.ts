/**
 * The simulated hub's front doors as the real services have them (docs/protocol.md §1): MQTT over TLS,
 * MQTT over WebSocket over TLS on `/$iothub/websocket`, the same for DPS, and the HTTPS service
 * listener, all behind a certificate issued by the hub's own CA; ports from options; a port in use is
 * a clear error. Real sockets on 127.0.0.1.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect as connectTls } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpsCredentials } from '@hubwire/sas';
import { ListenError, RawMqttClient, SimHub } from '@hubwire/sim-hub';
import { freePort } from './support/mosquitto.ts';
import { tempStateDir, useSimHub } from './support/sim-hub.ts';

const sim = useSimHub(undefined, { scope: 'file', prepare: (hub) => hub.addDevice({ deviceId: 'dev1' }) });

/** Resolves with status, content type and body of a GET. */
function get(url: string, ca?: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, ca === undefined ? {} : { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, type: response.headers['content-type'], body }));
    });
    request.on('error', reject).end();
  });
}

describe('TLS listeners', () => {
  it('serves MQTT over TLS with a certificate for localhost and 127.0.0.1 issued by the CA it reports', async () => {
    for (const servername of ['localhost', '127.0.0.1', sim.hub.hostName]) {
      const client = sim.track(await RawMqttClient.tls(sim.ports.mqttsPort, { ca: sim.ports.caPem, servername }));
      expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
      await sim.hub.waitForConnection('dev1');
      expect(sim.hub.connectedDevices()[0]!.transport).toBe('tls');
      client.disconnect();
      await client.waitClosed();
    }
    const ca = new X509Certificate(sim.ports.caPem);
    expect(ca.ca).toBe(true);
  });

  it('refuses a client that does not trust the CA, and survives plain MQTT sent to the TLS port', async () => {
    await expect(RawMqttClient.tls(sim.ports.mqttsPort, { ca: '' })).rejects.toThrow(/self.signed|unable to (get|verify)/i);
    const plain = await sim.raw(sim.ports.mqttsPort);
    plain.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dev1', clean: true, keepalive: 60 });
    await plain.waitClosed();
    const client = sim.track(await RawMqttClient.tls(sim.ports.mqttsPort, { ca: sim.ports.caPem }));
    expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
  });

  it('offers TLS 1.2 and later only', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connectTls({ host: '127.0.0.1', port: sim.ports.mqttsPort, ca: sim.ports.caPem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      socket.once('secureConnect', () => resolve('connected'));
      socket.once('error', (error) => resolve(error.message));
    });
    expect(outcome).not.toBe('connected');
  });

  it('serves MQTT over WebSocket over TLS on /$iothub/websocket with subprotocol mqtt', async () => {
    const client = sim.track(await RawMqttClient.webSocket(sim.ports.wssPort, '/$iothub/websocket', ['mqtt'], { ca: sim.ports.caPem }));
    expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
    await sim.hub.waitForConnection('dev1');
    expect(sim.hub.connectedDevices()[0]!.transport).toBe('wss');
    await expect(RawMqttClient.webSocket(sim.ports.wssPort, '/$iothub/websocket', ['mqttv3.1'], { ca: sim.ports.caPem })).rejects.toThrow(/401/);
  });

  it('also serves MQTT over WebSocket on the HTTPS port, as the real hub does on 443', async () => {
    const client = sim.track(await RawMqttClient.webSocket(sim.ports.httpsPort, '/$iothub/websocket', ['mqtt'], { ca: sim.ports.caPem }));
    expect(await client.connect(await sim.hub.credentials('dev1'))).toBe(0);
    await sim.hub.waitForConnection('dev1');
    expect(sim.hub.connectedDevices()[0]!.transport).toBe('wss');
  });

  it('serves DPS over TLS and over WebSocket over TLS', async () => {
    sim.hub.dps.addIndividualEnrollment({ registrationId: 'x509-reg', x509: true });
    const credentials = dpsCredentials({ idScope: sim.ports.idScope, registrationId: 'x509-reg' });
    const overTls = sim.track(await RawMqttClient.tls(sim.ports.dpsMqttsPort, { ca: sim.ports.caPem }));
    expect(await overTls.connect(credentials)).toBe(0);
    const overWss = sim.track(await RawMqttClient.webSocket(sim.ports.dpsWssPort, '/$iothub/websocket', ['mqtt'], { ca: sim.ports.caPem }));
    expect(await overWss.connect(credentials)).toBe(0);
    expect(await overWss.subscribe([['$dps/registrations/res/#', 1]])).toEqual([1]);
  });

  it('serves the service API and the dashboard on HTTPS and HTTP', async () => {
    for (const base of [`https://127.0.0.1:${sim.ports.httpsPort}`, `http://127.0.0.1:${sim.ports.httpPort}`]) {
      const unauthorized = await get(`${base}/devices/dev1?api-version=2021-04-12`, sim.ports.caPem);
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.type).toMatch(/^application\/json/);
      expect(JSON.parse(unauthorized.body)).toMatchObject({ Message: 'ErrorCode:IotHubUnauthorizedAccess;Unauthorized' });
      const info = await get(`${base}/simhub/info`, sim.ports.caPem);
      expect(JSON.parse(info.body)).toMatchObject({ hostName: sim.hub.hostName, policyName: 'iothubowner' });
      const page = await get(`${base}/`, sim.ports.caPem);
      expect(page.type).toBe('text/html; charset=utf-8');
    }
  });
});

describe('ports, certificates and the state folder', () => {
  it('listens on the ports it is given, and names the listener whose port is in use', async () => {
    const [mqtts, https] = [await freePort(), await freePort()];
    const hub = new SimHub({ ports: { mqtts, https } });
    try {
      const addresses = await hub.start();
      expect([addresses.mqttsPort, addresses.httpsPort]).toEqual([mqtts, https]);
      const clash = new SimHub({ ports: { https } });
      const failure = await clash.start().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ListenError);
      expect((failure as Error).message).toBe(`cannot listen for the service API over HTTPS on 127.0.0.1:${https}: the port is in use`);
      await clash.close();
    } finally {
      await hub.close();
    }
  });

  it('makes its CA and server certificate once, keeps them across restarts, and reissues the server certificate for a new host name', async () => {
    const dir = tempStateDir();
    const first = new SimHub({ stateDir: dir, hostName: 'hub-a.local' });
    const { caPem } = await first.start();
    await first.close();
    const serverPem = readFileSync(join(dir, 'server.pem'), 'utf8');
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(caPem);
    expect(new X509Certificate(serverPem).checkHost('hub-a.local')).toBe('hub-a.local');
    expect(new X509Certificate(serverPem).checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(new X509Certificate(serverPem).verify(new X509Certificate(caPem).publicKey)).toBe(true);

    const again = new SimHub({ stateDir: dir, hostName: 'hub-a.local' });
    expect((await again.start()).caPem).toBe(caPem);
    await again.close();
    expect(readFileSync(join(dir, 'server.pem'), 'utf8')).toBe(serverPem);

    const renamed = new SimHub({ stateDir: dir, hostName: 'hub-b.local' });
    const addresses = await renamed.start();
    try {
      expect(addresses.caPem).toBe(caPem);
      const reissued = readFileSync(join(dir, 'server.pem'), 'utf8');
      expect(reissued).not.toBe(serverPem);
      expect(new X509Certificate(reissued).checkHost('hub-b.local')).toBe('hub-b.local');
      renamed.addDevice({ deviceId: 'dev9' });
      const client = sim.track(await RawMqttClient.tls(addresses.mqttsPort, { ca: caPem, servername: 'hub-b.local' }));
      expect(await client.connect(await renamed.credentials('dev9'))).toBe(0);
    } finally {
      await renamed.close();
    }
    expect(existsSync(join(dir, 'ca-key.pem'))).toBe(true);
  });

  it('uses a certificate and key it is given instead of its own', async () => {
    const dir = tempStateDir();
    const maker = new SimHub({ stateDir: dir });
    await maker.start();
    await maker.close();
    const cert = readFileSync(join(dir, 'server.pem'), 'utf8');
    const key = readFileSync(join(dir, 'server-key.pem'), 'utf8');
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const hub = new SimHub({ tls: { cert, key, ca } });
    try {
      const addresses = await hub.start();
      expect(addresses.caPem).toBe(ca);
      hub.addDevice({ deviceId: 'dev1' });
      const client = sim.track(await RawMqttClient.tls(addresses.mqttsPort, { ca, servername: 'localhost' }));
      expect(await client.connect(await hub.credentials('dev1'))).toBe(0);
    } finally {
      await hub.close();
    }
  });
});
