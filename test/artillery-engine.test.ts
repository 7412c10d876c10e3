/**
 * artillery-engine-hubwire in process, with Artillery's own engine helpers (templates, loops,
 * think) and a real event emitter standing in for Artillery's runner: each step against the
 * simulated hub over real sockets, and every way a virtual user can fail, by kind and within
 * its bound. The CLI end to end is in artillery-run.test.ts.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimHub, type SimHubAddresses } from '@hubwire/sim-hub';
import { HubwireEngine, ScenarioError, type ArtilleryScript, type EngineHelpers } from 'artillery-engine-hubwire';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from './support/mosquitto.ts';
import { artilleryContext, artilleryHelpers, type RecordedMetrics } from './support/artillery.ts';

const helpers = artilleryHelpers() as EngineHelpers;

/** An engine for `config`, the metrics it emits, and a way to run one virtual user through a flow. */
function harness(config: ArtilleryScript['config']) {
  const events = new EventEmitter();
  const metrics: RecordedMetrics = { counters: new Map(), histograms: new Map(), errors: [], started: 0 };
  events.on('counter', (name: string, value: number) => metrics.counters.set(name, (metrics.counters.get(name) ?? 0) + value));
  events.on('histogram', (name: string, value: number) => metrics.histograms.set(name, [...(metrics.histograms.get(name) ?? []), value]));
  events.on('error', (code: string) => metrics.errors.push(code));
  events.on('started', () => metrics.started++);
  const engine = new HubwireEngine({ config }, events, helpers);
  return {
    metrics,
    count: (name: string): number => metrics.counters.get(name) ?? 0,
    /** Runs one user; resolves with its error (null when it completed) and how long it took. */
    async run(flow: unknown[], vars: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): Promise<{ error: Error | null; ms: number; vars: Record<string, unknown> }> {
      const scenario = engine.createScenario({ name: 'test', engine: 'hubwire', flow, ...spec }, events);
      const context = artilleryContext(vars);
      const started = performance.now();
      const error = await new Promise<Error | null>((resolve) => scenario(context, (e) => resolve(e ?? null)));
      return { error, ms: performance.now() - started, vars: context.vars };
    },
  };
}

/** The kind of a failed user's error. */
function kindOf(error: Error | null): string | undefined {
  return error instanceof ScenarioError ? error.kind : error === null ? undefined : `not a ScenarioError: ${error.message}`;
}

describe('artillery-engine-hubwire against the simulated hub', () => {
  const hub = new SimHub({ dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 1 } });
  let addresses: SimHubAddresses;
  let tcp: ArtilleryScript['config'];

  /** Registers `deviceId` and returns its connection string. */
  function device(deviceId: string): string {
    hub.addDevice({ deviceId });
    return hub.connectionString(deviceId);
  }

  beforeAll(async () => {
    addresses = await hub.start();
    tcp = { target: `mqtt://127.0.0.1:${addresses.mqttPort}`, engines: { hubwire: { timeout: '5s' } } };
  });

  afterAll(async () => {
    await hub.close();
  });

  it('runs every device step over a WebSocket, with templates, captures and QoS 0', async () => {
    const h = harness({ target: 'hub', engines: { hubwire: { transport: 'ws', host: '127.0.0.1', port: addresses.wsPort, timeout: '5s' } } });
    const cs = device('ws-steps');
    hub.updateDesired('ws-steps', { interval: 7 });
    void hub.sendC2d('ws-steps', 'calibrate', { messageId: 'cmd-1' });
    const { error, vars } = await h.run(
      [
        { connect: { connectionString: '{{ cs }}' } },
        { getTwin: { as: 'twin' } },
        { send: { body: { interval: '{{ twin.desired.interval }}', device: '{{ hubwire.deviceId }}' }, count: 3, messageId: 'm-{{ $uuid }}' } },
        { send: { body: 'fire and forget', qos: 0 } },
        { patchReported: { seenInterval: '{{ twin.desired.interval }}' } },
        { waitForC2d: { as: 'command' } },
        { patchReported: { lastCommand: '{{ command.body }}' } },
        { disconnect: {} },
      ],
      { cs },
    );
    expect(error).toBeNull();
    expect(vars['hubwire']).toEqual({ deviceId: 'ws-steps', hostName: hub.hostName });
    expect(h.count('hubwire.messages_sent')).toBe(4);
    expect(h.count('hubwire.messages_acked')).toBe(3);
    expect(h.metrics.histograms.get('hubwire.ack_latency')).toHaveLength(3);
    const records = hub.telemetry((r) => r.deviceId === 'ws-steps');
    expect(records.map((r) => r.qos)).toEqual([1, 1, 1, 0]);
    expect(JSON.parse(records[0]!.text)).toEqual({ interval: 7, device: 'ws-steps' });
    expect(records[0]!.properties).toMatchObject({ contentType: 'application/json', contentEncoding: 'utf-8' });
    expect(records[0]!.properties.messageId).toMatch(/^m-[0-9a-f-]{36}$/);
    expect(records[3]!.text).toBe('fire and forget');
    expect(hub.twin('ws-steps').reported).toMatchObject({ seenInterval: 7, lastCommand: 'calibrate' });
    expect(h.metrics.errors).toEqual([]);
    expect(h.metrics.started).toBe(1);
  });

  it('connects over TLS and WebSocket-over-TLS when given the hub\'s CA, and names the failure without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubwire-ca-'));
    try {
      writeFileSync(join(dir, 'hub-ca.pem'), addresses.caPem);
      const cs = device('tls-device');
      const tls = harness({ target: `mqtts://127.0.0.1:${addresses.mqttsPort}`, engines: { hubwire: { timeout: '5s', ca: join(dir, 'hub-ca.pem') } } });
      const overTls = await tls.run([{ connect: { connectionString: cs } }, { send: { body: 'over tls' } }, { disconnect: {} }]);
      expect(overTls.error).toBeNull();
      // The CA can be given on the step too; here over WSS.
      const wss = harness({ target: `wss://127.0.0.1:${addresses.wssPort}`, engines: { hubwire: { timeout: '5s' } } });
      const overWss = await wss.run([{ connect: { connectionString: cs, ca: join(dir, 'hub-ca.pem') } }, { send: { body: 'over wss' } }, { disconnect: {} }]);
      expect(overWss.error).toBeNull();
      expect(hub.telemetry((r) => r.deviceId === 'tls-device').map((r) => r.text)).toEqual(['over tls', 'over wss']);
      // Without the CA the hub's certificate is not trusted: tls_error, saying where.
      const untrusted = harness({ target: `mqtts://127.0.0.1:${addresses.mqttsPort}`, engines: { hubwire: { timeout: '5s' } } });
      const refused = await untrusted.run([{ connect: { connectionString: cs } }]);
      expect(kindOf(refused.error)).toBe('tls_error');
      expect(refused.error?.message).toContain(`tls://127.0.0.1:${addresses.mqttsPort}`);
      const refusedWss = await wss.run([{ connect: { connectionString: cs } }]);
      expect(kindOf(refusedWss.error)).toBe('tls_error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('provisions through DPS with a group key, then connects to the assigned hub', async () => {
    const { key } = hub.dps.addGroupEnrollment();
    const h = harness({
      target: `mqtt://127.0.0.1:${addresses.mqttPort}`,
      engines: { hubwire: { timeout: '5s', dps: { host: '127.0.0.1', port: addresses.dpsPort, idScope: addresses.idScope, timeout: '10s' } } },
    });
    const { error, vars } = await h.run([{ connect: { deviceId: 'dps-{{ n }}', groupKey: key } }, { send: { body: '{"up":true}' } }, { disconnect: {} }], { n: 7 });
    expect(error).toBeNull();
    expect(vars['hubwire']).toMatchObject({ deviceId: 'dps-7' });
    expect(h.count('hubwire.provisioned')).toBe(1);
    expect(h.metrics.histograms.get('hubwire.provision_time')).toHaveLength(1);
    expect(hub.dps.registrations().map((r) => r.registrationId)).toContain('dps-7');
    expect(hub.telemetry((r) => r.deviceId === 'dps-7').map((r) => r.text)).toEqual(['{"up":true}']);
  });

  it('answers methods as handleMethods says, per method, after the delay', async () => {
    const h = harness(tcp);
    const cs = device('methods');
    const user = h.run(
      [
        { connect: { connectionString: cs } },
        { handleMethods: { status: 201, body: { ok: '{{ hubwire.deviceId }}' }, methods: { fail: { status: 500, body: 'broken' }, slow: { delay: '300ms' } } } },
        { send: { body: 'ready' } },
        { waitForC2d: { timeout: '10s' } },
      ],
    );
    await hub.waitForTelemetry((r) => r.deviceId === 'methods', 5000); // sent after handleMethods
    expect(await hub.invokeMethod('methods', 'reboot', {}, { timeoutMs: 3000 })).toEqual({ status: 201, payload: { ok: 'methods' } });
    expect(await hub.invokeMethod('methods', 'fail', {}, { timeoutMs: 3000 })).toEqual({ status: 500, payload: 'broken' });
    const started = performance.now();
    expect(await hub.invokeMethod('methods', 'slow', {}, { timeoutMs: 3000 })).toEqual({ status: 201, payload: { ok: 'methods' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    void hub.sendC2d('methods', 'done');
    expect((await user).error).toBeNull();
    expect(h.count('hubwire.methods_received')).toBe(3);
    expect(h.count('hubwire.methods_answered')).toBe(3);
  });

  it('runs loops over lists, processor functions and scenario hooks', async () => {
    const calls: string[] = [];
    const h = harness({
      ...tcp,
      processor: {
        before: (context: { vars: Record<string, unknown> }, _events: unknown, next: () => void) => {
          context.vars['room'] = 'lab';
          calls.push('before');
          next();
        },
        note: async (context: { vars: Record<string, unknown> }) => {
          calls.push(`note ${String(context.vars['$loopElement'])}`);
        },
      },
    });
    const cs = device('loops');
    const { error } = await h.run(
      [
        { connect: { connectionString: cs } },
        { loop: [{ function: 'note' }, { send: { body: '{{ room }}-{{ $loopElement }}' } }, { think: '10ms' }], over: ['a', 'b', 'c'] },
        { disconnect: {} },
      ],
      {},
      { beforeScenario: 'before' },
    );
    expect(error).toBeNull();
    expect(calls).toEqual(['before', 'note a', 'note b', 'note c']);
    expect(hub.telemetry((r) => r.deviceId === 'loops').map((r) => r.text)).toEqual(['lab-a', 'lab-b', 'lab-c']);
  });

  it('lends pool devices from this worker\'s share, one user at a time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hubwire-pool-'));
    try {
      const ids = ['pool-1', 'pool-2', 'pool-3', 'pool-4'];
      writeFileSync(join(dir, 'devices.txt'), ids.map(device).join('\n'));
      // Worker 2 of 2, as Artillery marks the phases it divided: the 2nd and 4th devices.
      const h = harness({ ...tcp, phases: [{ arrivalRate: 1, duration: 1, worker: 2, totalWorkers: 2 }], engines: { hubwire: { timeout: '5s', pool: { file: join(dir, 'devices.txt') } } } });
      const hold = [{ connect: { pool: true } }, { waitForC2d: { timeout: '1s' } }];
      const users = [h.run(hold), h.run(hold), h.run(hold)];
      const results = await Promise.all(users);
      expect(results.map((r) => kindOf(r.error)).sort()).toEqual(['c2d_timeout', 'c2d_timeout', 'pool_exhausted']);
      expect(results.map((r) => (r.vars['hubwire'] as { deviceId: string } | undefined)?.deviceId).filter(Boolean).sort()).toEqual(['pool-2', 'pool-4']);
      // Given back at the end of each user: the next users get them again.
      const again = await h.run([{ connect: { pool: true } }, { disconnect: {} }]);
      expect(again.error).toBeNull();
      expect(['pool-2', 'pool-4']).toContain((again.vars['hubwire'] as { deviceId: string }).deviceId);
      expect(hub.stats().takeovers).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renews SAS tokens before they expire, so the hub never drops the device', async () => {
    // This hub's clock runs 1.5 s behind: a token is still good for that long after its `se`,
    // slack for a renewal on a loaded machine, while a device that never renews is still dropped.
    const lagging = new SimHub({ clock: () => Date.now() - 1500 });
    try {
      const { mqttPort } = await lagging.start();
      lagging.addDevice({ deviceId: 'renewing' });
      lagging.addDevice({ deviceId: 'fixed-token' });
      const h = harness({ target: `mqtt://127.0.0.1:${mqttPort}`, engines: { hubwire: { timeout: '5s', tokenTtl: 2 } } });
      const flow = (cs: string): unknown[] => [
        { connect: { connectionString: cs } },
        { loop: [{ send: { body: '{{ $loopCount }}' } }, { think: '500ms' }], count: 10 },
        { disconnect: {} },
      ];
      const renewing = await h.run(flow(lagging.connectionString('renewing')));
      expect(renewing.error).toBeNull();
      expect(h.count('hubwire.token_renewals')).toBeGreaterThanOrEqual(2);
      expect(h.count('hubwire.messages_acked')).toBe(10);
      // QoS 1 is at least once: a message in flight when the old connection closed is sent again.
      const texts = lagging.telemetry((r) => r.deviceId === 'renewing').map((r) => r.text);
      expect([...new Set(texts)]).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      // A ready-made token cannot be renewed: the hub drops the device when it expires.
      const fixed = `HostName=${lagging.hostName};DeviceId=fixed-token;SharedAccessSignature=${await lagging.sasToken('fixed-token', { ttlSeconds: 2 })}`;
      const renewals = h.count('hubwire.token_renewals');
      const dropped = await h.run(flow(fixed));
      expect(kindOf(dropped.error)).toBe('connection_lost');
      expect(h.count('hubwire.token_renewals')).toBe(renewals);
    } finally {
      await lagging.close();
    }
  });

  describe('failures end the user with a kind, within their bound', () => {
    it('a wrong key: connect_refused.not_authorized', async () => {
      const h = harness(tcp);
      const cs = device('wrong-key').replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${btoa('not the key of this device!!')}`);
      const { error } = await h.run([{ connect: { connectionString: cs } }, { send: { body: 'never' } }]);
      expect(kindOf(error)).toBe('connect_refused.not_authorized');
      expect(h.metrics.errors).toEqual(['hubwire.connect_refused.not_authorized']);
      expect(h.count('hubwire.errors.connect_refused.not_authorized')).toBe(1);
      expect(h.count('hubwire.connects')).toBe(0);
    });

    it('nothing listening: connection_refused', async () => {
      const port = await freePort();
      const h = harness({ target: `mqtt://127.0.0.1:${port}`, engines: { hubwire: { timeout: '2s' } } });
      const { error, ms } = await h.run([{ connect: { connectionString: device('no-hub') } }]);
      expect(kindOf(error)).toBe('connection_refused');
      expect(error?.message).toContain(`tcp://127.0.0.1:${port}`);
      expect(ms).toBeLessThan(2000);
    });

    it('a silent peer: connect_timeout after the timeout', async () => {
      const { createServer } = await import('node:net');
      const sockets: import('node:net').Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket)); // accepts, never answers CONNECT
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const port = (silent.address() as { port: number }).port;
        const h = harness({ target: `mqtt://127.0.0.1:${port}`, engines: { hubwire: { timeout: '400ms' } } });
        const { error, ms } = await h.run([{ connect: { connectionString: device('silent') } }]);
        expect(kindOf(error)).toBe('connect_timeout');
        expect(ms).toBeGreaterThanOrEqual(390);
        expect(ms).toBeLessThan(3000);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('no C2D in time: c2d_timeout, counting what the user did before', async () => {
      const h = harness(tcp);
      const { error, ms } = await h.run([{ connect: { connectionString: device('no-c2d') } }, { waitForC2d: { timeout: '300ms' } }]);
      expect(kindOf(error)).toBe('c2d_timeout');
      expect(ms).toBeLessThan(3000);
      expect(h.count('hubwire.connects')).toBe(1);
      expect(hub.isConnected('no-c2d')).toBe(false);
    });

    it('the hub drops the device: connection_lost at once, not at the timeout', async () => {
      const h = harness(tcp);
      const user = h.run([{ connect: { connectionString: device('dropped') } }, { waitForC2d: { timeout: '20s' } }]);
      await hub.waitForConnection('dropped', { timeoutMs: 5000 });
      await hub.disconnectDevice('dropped');
      const { error, ms } = await user;
      expect(kindOf(error)).toBe('connection_lost');
      expect(ms).toBeLessThan(10_000);
    });

    it('a throttled twin read: twin_throttled', async () => {
      const h = harness(tcp);
      const cs = device('throttled');
      hub.failTwinRequests(1, 429);
      const { error } = await h.run([{ connect: { connectionString: cs } }, { getTwin: {} }]);
      expect(kindOf(error)).toBe('twin_throttled');
    });

    it('two users on one device id in one worker: the second gets device_in_use', async () => {
      const h = harness(tcp);
      const cs = device('shared');
      const first = h.run([{ connect: { connectionString: cs } }, { waitForC2d: { timeout: '2s' } }]);
      await hub.waitForConnection('shared', { timeoutMs: 5000 });
      const second = await h.run([{ connect: { connectionString: cs } }]);
      expect(kindOf(second.error)).toBe('device_in_use');
      expect(kindOf((await first).error)).toBe('c2d_timeout'); // the first kept its connection
      expect(hub.stats().takeovers).toBe(0);
    });

    it('a step before connect: not_connected', async () => {
      const h = harness(tcp);
      const { error } = await h.run([{ send: { body: 'x' } }]);
      expect(kindOf(error)).toBe('not_connected');
    });

    it('a method with no handleMethods: counted as method_unanswered, the user goes on', async () => {
      const h = harness(tcp);
      const user = h.run([{ connect: { connectionString: device('unhandled') } }, { waitForC2d: { timeout: '10s' } }]);
      await hub.waitForConnection('unhandled', { filters: ['$iothub/methods/POST/#'], timeoutMs: 5000 });
      await expect(hub.invokeMethod('unhandled', 'reboot', {}, { timeoutMs: 300 })).rejects.toMatchObject({ status: 504 });
      void hub.sendC2d('unhandled', 'go');
      expect((await user).error).toBeNull();
      expect(h.count('hubwire.errors.method_unanswered')).toBe(1);
      expect(h.metrics.errors).toEqual([]);
    });

    it('a broken scenario fails every user as invalid_scenario, saying what is wrong once per worker', async () => {
      const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await brokenScenarios();
        expect(printed.mock.calls.map((call) => String(call[0]))).toEqual([
          expect.stringContaining('unknown step "sendd"'),
          expect.stringContaining('unknown setting "qso"'),
          expect.stringContaining('a loop needs count'),
          expect.stringContaining('connect.connectionString'),
          expect.stringContaining('config.engines.hubwire.transport'),
        ]);
      } finally {
        printed.mockRestore();
      }
    });

    async function brokenScenarios(): Promise<void> {
      const h = harness(tcp);
      const typo = await h.run([{ connect: { connectionString: 'x' } }, { sendd: { body: 'x' } }]);
      expect(kindOf(typo.error)).toBe('invalid_scenario');
      expect(typo.error?.message).toContain('unknown step "sendd"');
      await h.run([{ connect: { connectionString: 'x' } }, { sendd: { body: 'x' } }]); // said once already
      const key = await h.run([{ send: { body: 'x', qso: 1 } }]);
      expect(key.error?.message).toContain('send: unknown setting "qso"');
      const loop = await h.run([{ loop: [{ think: 1 }] }]);
      expect(loop.error?.message).toContain('a loop needs count, over or whileTrue');
      const cs = await h.run([{ connect: { connectionString: 'HostName=h;DeviceId=d' } }]);
      expect(cs.error?.message).toContain('connect.connectionString');
      const config = await harness({ target: 'x', engines: { hubwire: { transport: 'tsl' } } }).run([{ connect: {} }]);
      expect(config.error?.message).toBe('config.engines.hubwire.transport must be one of tls, tcp, wss, ws, got "tsl"');
      expect(h.metrics.errors).toEqual(Array.from({ length: 5 }, () => 'hubwire.invalid_scenario'));
    }
  });
});
