/**
 * Load run for the simulated hub: N devices (default 10 000) connect over TLS from this one process,
 * each through hubwire's DeviceClient and engine, and each sends one QoS 1 telemetry message a second
 * for a while; the hub runs as its CLI in a child process, printing its stats every second. At the end
 * every message must have been acknowledged and counted by the hub: none lost. Prints progress, then a
 * summary, and writes `load.json` and `load.html` (a chart) to `--out`.
 *
 *   nice npx tsx packages/sim-hub/scripts/load.ts [--devices 10000] [--seconds 60] [--ramp 1000] [--out DIR] [--profile-hub DIR]
 *
 * Needs a file-descriptor limit above the device count in both processes (`ulimit -n` ≥ devices + 1000).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DeviceClient, tcpConnector } from '@hubwire/node';
import { SimHub } from '../src/index.ts';
import { loadReportHtml, type HubSample, type LoadResult } from './load-report.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '60' },
    ramp: { type: 'string', default: '1000' },
    out: { type: 'string', default: 'load-results' },
    // Writes a V8 CPU profile of the hub process into this folder (open it in Chrome DevTools).
    'profile-hub': { type: 'string' },
  },
});
const DEVICES = Number(values.devices);
const SECONDS = Number(values.seconds);
const RAMP_PER_SECOND = Number(values.ramp);
const OUT = resolve(values.out);
const BIN = fileURLToPath(new URL('../bin/hubwire-sim-hub.js', import.meta.url));
/** Publishing runs in 100 slots of 10 ms: device i sends in slot i % 100, so each sends once a second. */
const SLOTS = 100;

const started = performance.now();
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string): void => console.log(`[${elapsed()}] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Waits for `condition`, checking every 100 ms; throws after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

// 1. A state folder with every device registered (the hub persists and reloads it).
const stateDir = mkdtempSync(join(tmpdir(), 'sim-hub-load-'));
const setup = new SimHub({ stateDir, hostName: 'localhost' });
const ids = Array.from({ length: DEVICES }, (_, i) => `load-${String(i).padStart(5, '0')}`);
for (const deviceId of ids) setup.addDevice({ deviceId });
const connectionStrings = ids.map((deviceId) => setup.connectionString(deviceId));
await setup.close();
say(`registered ${DEVICES} devices in ${stateDir}`);

// 2. The hub, as its CLI, in a child process.
const samples: HubSample[] = [];
const profile = values['profile-hub'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(values['profile-hub'])}`];
const hub = spawn(process.execPath, [...profile, BIN, '--state', stateDir, '--quiet', '--stats', '1', '--mqtts-port', '0', '--wss-port', '0', '--https-port', '0', '--dps-mqtts-port', '0', '--dps-wss-port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let hubOutput = '';
hub.stdout.setEncoding('utf8').on('data', (chunk: string) => {
  hubOutput += chunk;
  for (const match of chunk.matchAll(/stats: (\d+) connected, (\d+) telemetry\/s, (\d+) telemetry in all, rss (\d+) MiB, heap (\d+)\/(\d+) MiB, cpu ([\d.]+) s/g)) {
    const [, connected, rate, total, rss, heapUsed, heapTotal, cpu] = match.map(Number) as [number, number, number, number, number, number, number, number];
    samples.push({ atSeconds: (performance.now() - started) / 1000, connected, rate, total, rssMiB: rss, heapUsedMiB: heapUsed, heapTotalMiB: heapTotal, cpuSeconds: cpu });
  }
});
const hubExit = new Promise<number | null>((done) => hub.once('exit', done));
await until(() => /mqtts:\/\/127\.0\.0\.1:(\d+)/.test(hubOutput), 60_000, 'the hub to start');
const mqttsPort = Number(/mqtts:\/\/127\.0\.0\.1:(\d+)/.exec(hubOutput)![1]);
const ca = readFileSync(join(stateDir, 'ca.pem'), 'utf8');
say(`hub started (pid ${hub.pid}), MQTT over TLS on ${mqttsPort}`);

// 3. Every device connects over TLS, ramping up.
let connected = 0;
let lost = 0;
let sent = 0;
let acked = 0;
const everConnected = new Set<number>();
const connector = tcpConnector({ host: '127.0.0.1', port: mqttsPort, tls: { ca, servername: 'localhost' } });
const clients: DeviceClient[] = [];
for (let i = 0; i < DEVICES; i++) {
  const index = i;
  const client = DeviceClient.fromConnectionString(connectionStrings[i]!, {
    connector,
    engineOptions: { subscribe: { c2d: true, methods: true, twin: false } },
    onEvent: (event) => {
      if (event.type === 'telemetry-acked') acked++;
      else if (event.type === 'connected') {
        connected++;
        everConnected.add(index);
      } else if (event.type === 'connection-lost') {
        connected--;
        lost++;
      }
    },
  });
  clients.push(client);
  client.start();
  if ((i + 1) % Math.max(1, Math.round(RAMP_PER_SECOND / 10)) === 0) await sleep(100);
  if ((i + 1) % 1000 === 0) say(`started ${i + 1} devices, ${connected} connected`);
}
await until(() => connected === DEVICES, 120_000, `all ${DEVICES} devices to connect (${connected} so far)`);
const connectedAt = (performance.now() - started) / 1000;
say(`all ${DEVICES} devices connected over TLS`);

// 4. Each device sends one QoS 1 message a second, for SECONDS seconds.
const steadyFrom = (performance.now() - started) / 1000;
for (let tick = 0; tick < SECONDS * SLOTS; tick++) {
  const slotStart = performance.now();
  for (let i = tick % SLOTS; i < DEVICES; i += SLOTS) {
    const seq = Math.floor(tick / SLOTS);
    clients[i]!.act((engine, now) => engine.publishTelemetry(now, `{"seq":${seq}}`, { qos: 1 }));
    sent++;
  }
  if (tick % (SLOTS * 5) === SLOTS * 5 - 1) say(`sent ${sent}, acknowledged ${acked}, ${connected} connected, ${lost} connections lost`);
  await sleep(Math.max(0, 10 - (performance.now() - slotStart)));
}
const steadyTo = (performance.now() - started) / 1000;
await until(() => acked === sent, 60_000, `every message to be acknowledged (${acked}/${sent})`).catch((error: Error) => say(error.message));
say(`sending done: sent ${sent}, acknowledged ${acked}`);
const clientMemory = process.memoryUsage();

// 5. Stop the devices, then the hub (its last stats line has the final count).
await Promise.all(clients.map((client) => client.stop()));
hub.kill('SIGINT');
const hubCode = await hubExit;
const last = samples.at(-1);
const steady = samples.filter((sample) => sample.atSeconds >= steadyFrom + 2 && sample.atSeconds <= steadyTo);
const result: LoadResult = {
  devices: DEVICES,
  seconds: SECONDS,
  connectedAfterSeconds: connectedAt,
  sent,
  acknowledged: acked,
  hubCounted: last?.total ?? -1,
  connectionsLost: lost,
  devicesEverConnected: everConnected.size,
  hubExitCode: hubCode,
  hubPeakConnected: Math.max(0, ...samples.map((sample) => sample.connected)),
  // Counted by the hub between the first and last stats lines of the steady phase, over the time between them.
  hubMeanRatePerSecond: steady.length < 2 ? 0 : (steady.at(-1)!.total - steady[0]!.total) / (steady.at(-1)!.atSeconds - steady[0]!.atSeconds),
  hubPeakRssMiB: Math.max(0, ...samples.map((sample) => sample.rssMiB)),
  hubPeakHeapUsedMiB: Math.max(0, ...samples.map((sample) => sample.heapUsedMiB)),
  hubCpuMicrosPerMessage: steady.length < 2 ? 0 : ((steady.at(-1)!.cpuSeconds - steady[0]!.cpuSeconds) * 1e6) / Math.max(1, steady.at(-1)!.total - steady[0]!.total),
  clientRssMiB: Math.round(clientMemory.rss / 1_048_576),
  clientHeapUsedMiB: Math.round(clientMemory.heapUsed / 1_048_576),
  samples,
  command: `npx tsx packages/sim-hub/scripts/load.ts --devices ${DEVICES} --seconds ${SECONDS} --ramp ${RAMP_PER_SECOND}`,
  date: new Date().toISOString(),
};
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'load.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(OUT, 'load.html'), loadReportHtml(result));
rmSync(stateDir, { recursive: true, force: true });

const none = result.sent === result.acknowledged && result.acknowledged === result.hubCounted;
console.log(`
devices connected over TLS   ${result.hubPeakConnected} (all ${DEVICES} after ${result.connectedAfterSeconds.toFixed(1)} s; ${lost} connections lost)
messages sent / acked / hub  ${sent} / ${acked} / ${result.hubCounted}  ${none ? '(none lost)' : '(MISMATCH)'}
hub telemetry per second     ${result.hubMeanRatePerSecond.toFixed(0)} (mean over the steady phase)
hub CPU per message          ${result.hubCpuMicrosPerMessage.toFixed(0)} µs (so one core would carry about ${(1e6 / Math.max(1, result.hubCpuMicrosPerMessage)).toFixed(0)} messages a second)
hub memory (peak)            rss ${result.hubPeakRssMiB} MiB, heap used ${result.hubPeakHeapUsedMiB} MiB
client process memory        rss ${result.clientRssMiB} MiB, heap used ${result.clientHeapUsedMiB} MiB
report                       ${join(OUT, 'load.html')}`);
process.exit(none && hubCode === 0 ? 0 : 1);
