/**
 * Who gets in: the local session is offered only to loopback peers that address the hub as
 * localhost/127.0.0.1 and, when they send an Origin, from that same host; it can be turned off; a
 * configured policy replaces the hub's. Also the dashboard's files and its live feed.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSasToken } from '@hubwire/sas';
import { startSimDevice } from '../examples/demo/sim-device.ts';
import { hubError, startService, type ServiceFixture } from './support/sim-hub-service.ts';

const WAIT = 5000;
let service: ServiceFixture;

beforeAll(async () => {
  service = await startService();
});

afterAll(async () => {
  await service?.close();
});

/** A raw request, so that Host and Origin can be anything a browser elsewhere might send. */
function rawRequest(base: string, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local session', () => {
  it('gives a loopback browser a service token that the API accepts', async () => {
    const info = await service.call('GET', '/simhub/info', { authorization: null });
    expect(info.json).toEqual({ hostName: service.hub.hostName, policyName: 'iothubowner', localSession: true });
    const session = await service.call('POST', '/simhub/session', { authorization: null, headers: { Origin: service.base } });
    expect(session.status).toBe(200);
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(session.json.token).toMatch(/^SharedAccessSignature sr=.+&sig=.+&se=\d+&skn=iothubowner$/);
    expect(Date.parse(session.json.expiresUtc) - Date.now()).toBeGreaterThan(3000 * 1000);
    expect((await service.call('GET', '/devices', { authorization: session.json.token })).status).toBe(200);
  });

  it('refuses another site (Origin) and a page that reached the hub under another host name (DNS rebinding)', async () => {
    const port = new URL(service.base).port;
    const foreign = await rawRequest(service.base, 'POST', '/simhub/session', { Host: `127.0.0.1:${port}`, Origin: 'https://evil.example' });
    expect(foreign.status).toBe(401);
    expect(JSON.parse(foreign.body).Message).toContain('cannot open a local session');
    const rebound = await rawRequest(service.base, 'POST', '/simhub/session', { Host: `evil.example:${port}` });
    expect(rebound.status).toBe(401);
    const info = await rawRequest(service.base, 'GET', '/simhub/info', { Host: `evil.example:${port}` });
    expect(JSON.parse(info.body).localSession).toBe(false);
    const localhost = await rawRequest(service.base, 'POST', '/simhub/session', { Host: `localhost:${port}`, Origin: `http://localhost:${port}` });
    expect(localhost.status).toBe(200);
  });

  it('is not offered when turned off, and a configured policy replaces the hub one', async () => {
    const key = Buffer.alloc(32, 5).toString('base64');
    const strict = await startService({ service: { localSession: false, policyName: 'service', policyKey: key } });
    try {
      expect((await strict.call('GET', '/simhub/info', { authorization: null })).json.localSession).toBe(false);
      const refused = await strict.call('POST', '/simhub/session', { authorization: null });
      expect(hubError(refused).message).toContain('turned off');
      expect((await strict.call('GET', '/devices')).status).toBe(401);
      const token = await createSasToken({ resourceUri: strict.hub.hostName, key, keyName: 'service', expiresAt: Math.floor(Date.now() / 1000) + 60 });
      expect((await strict.call('GET', '/devices', { authorization: token })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('hands out the hub service connection string its tokens verify against', async () => {
    const connectionString = service.hub.serviceConnectionString();
    const match = /^HostName=([^;]+);SharedAccessKeyName=iothubowner;SharedAccessKey=([^;]+)$/.exec(connectionString);
    expect(match?.[1]).toBe(service.hub.hostName);
    const token = await createSasToken({ resourceUri: match![1]!, key: match![2]!, keyName: 'iothubowner', expiresAt: Math.floor(Date.now() / 1000) + 60 });
    expect((await service.call('GET', '/devices', { authorization: token })).status).toBe(200);
  });
});

describe('dashboard files', () => {
  it('serves the page and its modules with a strict content policy, and nothing outside its folder', async () => {
    const page = await fetch(`${service.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/dashboard/app.js">');
    const script = await fetch(`${service.base}/dashboard/views/device.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('export function renderDevice');
    const escape = await rawRequest(service.base, 'GET', '/dashboard/%2e%2e/index.ts', {});
    expect(escape.status).toBe(404);
    expect((await rawRequest(service.base, 'GET', '/dashboard/../../package.json', {})).status).toBe(404);
  });
});

describe('the live feed', () => {
  it('sends hello, then the device list as a device connects, and its telemetry in batches', async () => {
    await service.call('PUT', '/devices/feed-1', { json: {} });
    const controller = new AbortController();
    const response = await fetch(`${service.base}/simhub/events`, { headers: { Authorization: await service.token() }, signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
      const deadline = Date.now() + WAIT;
      for (;;) {
        const match = pattern.exec(received);
        if (match !== null) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${received.slice(-500)}`);
        received += (await reader.read()).value ?? '';
      }
    };
    const device = startSimDevice(service.addresses, service.hub.connectionString('feed-1'));
    try {
      expect(JSON.parse((await until(/event: hello\ndata: (.*)\n/))[1]!)).toMatchObject({ hostName: service.hub.hostName, idScope: service.addresses.idScope });
      const connected = await until(/event: devices\ndata: (.*"feed-1","connectionState":"Connected".*)\n/);
      expect(JSON.parse(connected[1]!).items).toEqual(expect.arrayContaining([expect.objectContaining({ deviceId: 'feed-1', connectionState: 'Connected', transport: 'tcp' })]));
      await device.events.nextOf('connected', WAIT);
      device.client.act((engine, now) => engine.publishTelemetry(now, 'live', { properties: { k: 'v' } }));
      const batch = JSON.parse((await until(/event: telemetry\ndata: (.*)\n/))[1]!);
      expect(batch).toMatchObject({ items: [{ deviceId: 'feed-1', body: 'live', properties: { application: { k: 'v' } } }], skipped: 0 });
    } finally {
      controller.abort();
      await device.stop();
    }
  });
});
