/**
 * The Artillery CLI drives hubwire devices against the simulated hub: `artillery run` loads
 * artillery-engine-hubwire, four virtual users take one device each from a CSV payload, answer a
 * direct method, read the twin, send telemetry in a loop, patch reported properties, wait for
 * a C2D message and disconnect. The test checks Artillery's JSON report and what the hub saw.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimHub, type DeliveryReceipt, type MethodResult, type SimHubAddresses } from '@hubwire/sim-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArtillery, THREE_WORKERS, type ArtilleryRun } from './support/artillery.ts';

const DEVICES = ['art-1', 'art-2', 'art-3', 'art-4'];
const MESSAGES_PER_DEVICE = 5;

/** The scenario under test; `port` is the simulated hub's plain TCP port. */
function scenario(port: number): string {
  return `
config:
  target: "mqtt://127.0.0.1:${port}"
  phases:
    - arrivalCount: ${DEVICES.length}
      duration: 1
  payload:
    path: devices.csv
    fields: [connectionString]
    order: sequence
  engines:
    hubwire:
      timeout: 10s
  plugins:
    ensure: {}
  ensure:
    thresholds:
      - "hubwire.ack_latency.p99": 5000
    conditions:
      - expression: "hubwire.messages_acked == hubwire.messages_sent"
scenarios:
  - name: thermostat
    engine: hubwire
    flow:
      - connect:
          connectionString: "{{ connectionString }}"
      - handleMethods:
          status: 200
          body: { pong: "{{ hubwire.deviceId }}" }
          delay: 20ms
      - getTwin:
          as: twin
      - loop:
          - send:
              body: '{"temperature": {{ $randomNumber(18, 26) }}, "seq": {{ $loopCount }} }'
              properties: { source: artillery }
          - think: 200ms
        count: ${MESSAGES_PER_DEVICE}
      - patchReported:
          lastRun: "{{ $uuid }}"
          sent: ${MESSAGES_PER_DEVICE}
      - waitForC2d:
          timeout: 10s
      - disconnect: {}
`;
}

describe('artillery run with artillery-engine-hubwire', () => {
  const hub = new SimHub();
  const dir = mkdtempSync(join(tmpdir(), 'hubwire-artillery-'));
  let addresses: SimHubAddresses;
  let run: ArtilleryRun;
  const methods: Promise<MethodResult>[] = [];
  const receipts: Promise<DeliveryReceipt>[] = [];

  beforeAll(async () => {
    addresses = await hub.start();
    for (const deviceId of DEVICES) hub.addDevice({ deviceId });
    writeFileSync(join(dir, 'devices.csv'), DEVICES.map((d) => hub.connectionString(d)).join('\n'));
    writeFileSync(join(dir, 'scenario.yml'), scenario(addresses.mqttPort));
    // One C2D message waits on the hub for each device; it is delivered once the device subscribes.
    for (const deviceId of DEVICES) receipts.push(hub.sendC2d(deviceId, `hello ${deviceId}`, { messageId: `c2d-${deviceId}` }));
    // Each device gets one method call once its first telemetry shows handleMethods has run.
    for (const deviceId of DEVICES) {
      methods.push(hub.waitForTelemetry((r) => r.deviceId === deviceId, 60_000).then(() => hub.invokeMethod(deviceId, 'ping', { n: 1 }, { timeoutMs: 5000 })));
    }
    run = await runArtillery(dir, 'scenario.yml', 90_000);
  }, 120_000);

  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 with every virtual user completed and no error of any kind', () => {
    const { counters } = run.aggregate;
    expect(run.exitCode, run.output).toBe(0);
    expect(counters['vusers.created']).toBe(DEVICES.length);
    expect(counters['vusers.completed']).toBe(DEVICES.length);
    expect(counters['vusers.failed'] ?? 0).toBe(0);
    expect(Object.keys(counters).filter((name) => name.startsWith('errors.') || name.startsWith('hubwire.errors.'))).toEqual([]);
  });

  it("passes the script's ensure checks on hubwire metrics", () => {
    expect(run.output).toMatch(/ok: hubwire\.ack_latency\.p99 < 5000/);
    expect(run.output).toMatch(/ok: hubwire\.messages_acked == hubwire\.messages_sent/);
  });

  it('reports connects, every QoS 1 message acknowledged, and twin, method and C2D counts', () => {
    const { counters, summaries } = run.aggregate;
    const sent = DEVICES.length * MESSAGES_PER_DEVICE;
    expect(counters['hubwire.connects']).toBe(DEVICES.length);
    expect(counters['hubwire.disconnects']).toBe(DEVICES.length);
    expect(counters['hubwire.messages_sent']).toBe(sent);
    expect(counters['hubwire.messages_acked']).toBe(sent);
    expect(counters['hubwire.twin_reads']).toBe(DEVICES.length);
    expect(counters['hubwire.reported_patches']).toBe(DEVICES.length);
    expect(counters['hubwire.methods_received']).toBe(DEVICES.length);
    expect(counters['hubwire.methods_answered']).toBe(DEVICES.length);
    expect(counters['hubwire.c2d_received']).toBe(DEVICES.length);
    expect(summaries['hubwire.connect_time']?.count).toBe(DEVICES.length);
    expect(summaries['hubwire.ack_latency']?.count).toBe(sent);
    expect(summaries['hubwire.twin_latency']?.count).toBe(2 * DEVICES.length);
    for (const name of ['hubwire.connect_time', 'hubwire.ack_latency', 'hubwire.twin_latency']) {
      const summary = summaries[name];
      expect(summary?.min, name).toBeGreaterThan(0);
      expect(summary?.max, name).toBeLessThan(10_000); // within the scenario's timeout
    }
  });

  it('reached the hub: the telemetry with its properties, the reported patches, the method answers and completed C2D', async () => {
    const records = hub.telemetry((r) => DEVICES.includes(r.deviceId));
    expect(records).toHaveLength(DEVICES.length * MESSAGES_PER_DEVICE);
    for (const deviceId of DEVICES) {
      const mine = records.filter((r) => r.deviceId === deviceId);
      expect(mine.map((r) => (JSON.parse(r.text) as { seq: number }).seq)).toEqual([0, 1, 2, 3, 4]);
      for (const record of mine) {
        const { temperature } = JSON.parse(record.text) as { temperature: number };
        expect(temperature).toBeGreaterThanOrEqual(18);
        expect(temperature).toBeLessThanOrEqual(26);
        expect(record.qos).toBe(1);
        expect(record.properties.application['source']).toBe('artillery');
      }
      expect(hub.twin(deviceId).reported['sent']).toBe(MESSAGES_PER_DEVICE);
      expect(typeof hub.twin(deviceId).reported['lastRun']).toBe('string');
    }
    const answers = await Promise.all(methods);
    expect(answers.map((a) => a.status)).toEqual(DEVICES.map(() => 200));
    expect(answers.map((a) => a.payload)).toEqual(DEVICES.map((deviceId) => ({ pong: deviceId })));
    const delivered = await Promise.all(receipts);
    expect(delivered.map((r) => r.outcome)).toEqual(DEVICES.map(() => 'completed'));
    expect(hub.connectedDevices()).toEqual([]);
  });
});

describe('artillery run on three local workers, devices from the pool', () => {
  const hub = new SimHub();
  const dir = mkdtempSync(join(tmpdir(), 'hubwire-artillery-pool-'));
  const ids = Array.from({ length: 9 }, (_, i) => `pool-${i + 1}`);
  let run: ArtilleryRun;

  beforeAll(async () => {
    const { mqttPort } = await hub.start();
    for (const deviceId of ids) hub.addDevice({ deviceId });
    writeFileSync(join(dir, 'devices.txt'), ids.map((d) => hub.connectionString(d)).join('\n'));
    // Three users a second for three seconds, divided by Artillery between its three workers;
    // each holds its device for 1.5 s, so every worker needs two of its three devices at once.
    writeFileSync(
      join(dir, 'pool.yml'),
      `
config:
  target: "mqtt://127.0.0.1:${mqttPort}"
  phases:
    - { arrivalRate: 3, duration: 3 }
  engines:
    hubwire:
      pool: { file: devices.txt }
scenarios:
  - engine: hubwire
    flow:
      - connect: { pool: true }
      - log: "thread {{ $env.LOCAL_WORKER_ID }} has {{ hubwire.deviceId }}"
      - send: { body: "up" }
      - think: 1500ms
      - disconnect: {}
`,
    );
    run = await runArtillery(dir, 'pool.yml', 120_000, THREE_WORKERS);
  }, 150_000);

  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every worker its own third of the devices: no device shared, none taken over', () => {
    const { counters } = run.aggregate;
    expect(run.exitCode, run.output).toBe(0);
    expect(counters['vusers.completed']).toBe(9);
    expect(counters['hubwire.connects']).toBe(9);
    expect(Object.keys(counters).filter((name) => name.startsWith('errors.') || name.startsWith('hubwire.errors.'))).toEqual([]);
    const held = [...run.output.matchAll(/^thread (\d+) has pool-(\d+)$/gm)].map((m) => ({ thread: m[1], device: Number(m[2]) }));
    expect(held).toHaveLength(9);
    expect(new Set(held.map((h) => h.thread)).size).toBe(3);
    for (const thread of new Set(held.map((h) => h.thread))) {
      // Worker k of 3 takes devices k, k + 3, k + 6: one residue class each.
      expect(new Set(held.filter((h) => h.thread === thread).map((h) => h.device % 3)).size).toBe(1);
    }
    expect(hub.stats().takeovers).toBe(0);
    expect(ids.map((d) => hub.telemetry((r) => r.deviceId === d).length)).toEqual(ids.map(() => 1));
  });
});
