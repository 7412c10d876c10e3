/**
 * hubwire-fleet as a user runs it: a child process against its embedded simulated hub (the
 * README's acceptance run, smaller), its Prometheus endpoint scraped mid-run, two instances
 * splitting one id range on a shared hub, and configurations it must refuse with a clear line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary } from '@hubwire/fleet';
import { SimHub, type SimHubAddresses } from '@hubwire/sim-hub';
import { runFleetCli } from './support/fleet-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hubwire-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const readSummary = (path: string): FleetSummary => JSON.parse(readFileSync(path, 'utf8')) as FleetSummary;

/** No stack trace: no `at file:line` frames and no error class dumps. */
function expectCleanError(stderr: string, message: RegExp): void {
  expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

describe('hubwire-fleet against its embedded hub', () => {
  it('runs 200 TLS devices for 8 s with a periodic log, serves /metrics while running, and writes the summary and the report', async () => {
    const summaryPath = join(dir, 'summary.json');
    const reportPath = join(dir, 'report.html');
    let scraped: Promise<string> | undefined;
    const run = await runFleetCli(
      ['--devices', '200', '--duration', '8s', '--connect-rate', '100', '--metrics-port', '0', '--log-interval', '1s', '--summary-json', summaryPath, '--report', reportPath],
      {
        onStdout: (out) => {
          const port = /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(out)?.[1];
          if (port !== undefined && scraped === undefined) {
            scraped = fetch(`http://127.0.0.1:${port}/metrics`).then((res) => res.text());
          }
        },
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Not a terminal: plain progress lines, no carriage returns.
    expect(run.stdout).not.toContain('\r');
    expect(run.stdout.match(/^\s+\d+ s {2}connected \d+\/200/gm)?.length).toBeGreaterThanOrEqual(3);
    expect(run.stdout).toMatch(/hubwire-fleet summary — embedded simulated hub, tls/);

    const metrics = await (scraped as Promise<string>);
    expect(metrics).toMatch(/^hubwire_fleet_devices_target 200$/m);
    expect(metrics).toMatch(/^# TYPE hubwire_fleet_ack_latency_seconds histogram$/m);
    expect(Number(/^hubwire_fleet_devices_connected (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);

    const summary = readSummary(summaryPath);
    expect(summary.devices.everConnected).toBe(200);
    expect(summary.devices.connectedAtEnd).toBe(200);
    expect(summary.telemetry.sent).toBeGreaterThan(200);
    expect(summary.telemetry.acked).toBeGreaterThanOrEqual(summary.telemetry.sent - 200 * 16);
    expect(summary.telemetry.acked).toBeGreaterThan(0.8 * summary.telemetry.sent);
    expect(summary.ackLatencyMs.count).toBe(summary.telemetry.acked);
    expect(summary.connectLatencyMs.count).toBe(200);
    expect(summary.ackLatencyMs.p50).toBeLessThanOrEqual(summary.ackLatencyMs.p99);
    expect(summary.ackLatencyMs.p99).toBeLessThanOrEqual(summary.ackLatencyMs.max);
    expect(summary.errorTotal).toBe(0);
    expect(summary.process.heapPeakBytes).toBeGreaterThan(0);
    // The duration counts from the end of the ramp: 8 s with all 200 started.
    expect(run.stdout).toMatch(/^ramp done in \d+\.\d s: \d+ connected, \d+ connecting; running for 8 s from now$/m);
    expect(summary.telemetry.fullFleet?.seconds).toBeGreaterThanOrEqual(8);
    expect(summary.telemetry.fullFleet?.seconds).toBeLessThan(9);
    // The embedded hub ran in its own process and reported its cost.
    expect(summary.hubProcess?.busyPercent).toBeGreaterThan(0);
    expect(summary.hubProcess?.cpuPercent).toBeGreaterThan(0);
    expect(summary.hubProcess?.heapBytes).toBeGreaterThan(1_000_000);
    expect(summary.timeline.length).toBeGreaterThanOrEqual(4);

    const html = readFileSync(reportPath, 'utf8');
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('Connected devices');
    expect(html).toContain('Acknowledgement latency');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // self-contained: no script, no fetches
  });
});

describe('hubwire-fleet against a shared hub', () => {
  const hub = new SimHub();
  let addresses: SimHubAddresses;
  let file: string;

  beforeAll(async () => {
    addresses = await hub.start();
    const devices: Record<string, string> = {};
    for (let n = 0; n < 20; n++) {
      const deviceId = `split-${n}`;
      hub.addDevice({ deviceId });
      devices[deviceId] = hub.connectionString(deviceId);
    }
    file = join(dir, 'connection-strings.json');
    writeFileSync(file, JSON.stringify({ service: 'unused', devices }));
  });
  afterAll(() => hub.close());

  it('splits one id range between two instances with --start, without a single takeover', async () => {
    const common = ['--connection-strings', file, '--hub', `127.0.0.1:${addresses.mqttPort}`, '--transport', 'tcp', '--devices', '10', '--messages', '2', '--connect-rate', '0', '--progress', 'none'];
    const [a, b] = await Promise.all([
      runFleetCli([...common, '--start', '0', '--summary-json', join(dir, 'a.json'), '--report', join(dir, 'a.html')]),
      runFleetCli([...common, '--start', '10', '--summary-json', join(dir, 'b.json'), '--report', join(dir, 'b.html')]),
    ]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const senders = new Set(hub.telemetry().map((r) => r.deviceId));
    expect([...senders].sort()).toEqual(Array.from({ length: 20 }, (_, n) => `split-${n}`).sort());
    expect(hub.telemetry()).toHaveLength(40);
    expect(hub.stats().takeovers).toBe(0);
    expect([readSummary(join(dir, 'a.json')).telemetry.acked, readSummary(join(dir, 'b.json')).telemetry.acked]).toEqual([20, 20]);
  });

  it('creates its devices through the hub\'s service REST API over HTTPS, and reuses them on a second run', async () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, addresses.caPem);
    const common = [
      '--service-connection-string', hub.serviceConnectionString(), '--service-url', `https://127.0.0.1:${addresses.httpsPort}`, '--ca', ca,
      '--hub', `127.0.0.1:${addresses.mqttsPort}`, '--id-pattern', 'svc-{n}', '--devices', '4', '--messages', '1', '--connect-rate', '0', '--progress', 'none',
    ];
    const wrongKey = hub.serviceConnectionString().replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 3).toString('base64')}`);
    const [first, refused] = await Promise.all([
      runFleetCli([...common, '--summary-json', join(dir, 'svc1.json'), '--report', join(dir, 'svc1.html')]),
      runFleetCli(['--service-connection-string', wrongKey, ...common.slice(2)]),
    ]);
    expect(refused.code).toBe(1);
    expectCleanError(refused.stderr, /^hubwire-fleet: the IoT Hub service refused the service connection string \(HTTP 401\)/);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const ids = ['svc-0', 'svc-1', 'svc-2', 'svc-3'];
    const keys = ids.map((id) => hub.device(id)?.key);
    expect(keys.every((key) => typeof key === 'string' && key.length > 0)).toBe(true); // created by PUT, not by this test
    expect(hub.telemetry((r) => r.deviceId.startsWith('svc-')).map((r) => r.deviceId).sort()).toEqual(ids);
    expect(readSummary(join(dir, 'svc1.json')).telemetry.acked).toBe(4);

    // The devices exist now: PUT answers 409, the tool reads them back and connects with the same keys.
    const second = await runFleetCli([...common, '--summary-json', join(dir, 'svc2.json'), '--report', join(dir, 'svc2.html')]);
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(ids.map((id) => hub.device(id)?.key)).toEqual(keys);
    expect(readSummary(join(dir, 'svc2.json')).telemetry.acked).toBe(4);
  });

  it('dials each connection string\'s GatewayHostName and its port over TLS when no --hub is given', async () => {
    const gatewayFile = join(dir, 'gateway.txt');
    const ca = join(dir, 'gateway-ca.pem');
    writeFileSync(ca, addresses.caPem);
    const ids = ['gw-0', 'gw-1', 'gw-2'];
    for (const deviceId of ids) hub.addDevice({ deviceId });
    writeFileSync(gatewayFile, ids.map((id) => hub.connectionString(id, undefined, { gatewayHostName: `127.0.0.1:${addresses.mqttsPort}` })).join('\n'));
    const run = await runFleetCli(['--connection-strings', gatewayFile, '--ca', ca, '--devices', '3', '--messages', '1', '--connect-rate', '0', '--progress', 'none', '--summary-json', join(dir, 'gw.json'), '--report', join(dir, 'gw.html')]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(hub.telemetry((r) => r.deviceId.startsWith('gw-')).map((r) => r.deviceId).sort()).toEqual(ids);
    expect(readSummary(join(dir, 'gw.json')).telemetry.acked).toBe(3);
  });

  it('ends with one line and exit 1 when the hub refuses the credentials', async () => {
    const wrong = join(dir, 'wrong.txt');
    hub.addDevice({ deviceId: 'refused-1' });
    writeFileSync(wrong, `${hub.connectionString('refused-1').replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`)}\n`);
    const run = await runFleetCli(['--connection-strings', wrong, '--devices', '1', '--hub', `127.0.0.1:${addresses.mqttPort}`, '--transport', 'tcp', '--progress', 'none']);
    expect(run.code).toBe(1);
    expectCleanError(run.stderr, /^hubwire-fleet: the hub refused refused-1: not-authorized \(CONNACK 5\)/);
  });
});

describe('hubwire-fleet refuses what it cannot run', () => {
  it('exits 2 with one line for bad flags and a broken connection string, 1 for an unreachable hub', async () => {
    const broken = join(dir, 'broken.txt');
    writeFileSync(broken, 'HostName=hub.example.net;SharedAccessKey=abc\n');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closedPort = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const good = join(dir, 'good.txt');
    writeFileSync(good, 'HostName=hub.example.net;DeviceId=d1;SharedAccessKey=aHVid2lyZS10ZXN0LWRldmljZS1rZXktMDEyMzQ1Njc4OQ==\n');

    const [flags, cs, unreachable] = await Promise.all([
      runFleetCli(['--devices', 'many']),
      runFleetCli(['--connection-strings', broken, '--devices', '1']),
      runFleetCli(['--connection-strings', good, '--devices', '1', '--hub', `127.0.0.1:${closedPort}`, '--transport', 'tcp', '--progress', 'none']),
    ]);
    expect(flags.code).toBe(2);
    expectCleanError(flags.stderr, /^hubwire-fleet: --devices: "many" must be an integer from 1/);
    expect(cs.code).toBe(2);
    expectCleanError(cs.stderr, /^hubwire-fleet: .*broken\.txt line 1: broken connection string: .*DeviceId/);
    expect(unreachable.code).toBe(1);
    expectCleanError(unreachable.stderr, new RegExp(`^hubwire-fleet: cannot reach the hub for d1: ECONNREFUSED`));
  });
});
