/**
 * `now` is checked at every door (docs/design.md "The engine surface"): a NaN or infinite `now` would
 * arm deadlines that never fire (NaN compares false with everything) or fire at once, so every
 * engine method taking `now` throws InvalidTimeError before changing anything. A `now` earlier than
 * the last one is accepted: deadlines stay absolute and simply fire when the clock reaches them.
 */
import { describe, expect, it } from 'vitest';
import { DeviceEngine, HubwireError, InvalidTimeError, ProvisioningEngine } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange, HOST, ScriptedHub, seededRandom } from './support/scripted-hub.ts';
import { connack, drainEvents as drainDps, DpsHarness, suback } from './support/scripted-dps.ts';

/** Values a careless driver may pass as `now`; none is a finite number. */
const BAD_NOWS: readonly unknown[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, '5', null];

/** Everything a driver can observe, and what a timeout far ahead would bring out. */
function observe(engine: DeviceEngine | ProvisioningEngine): unknown {
  const base = engine instanceof DeviceEngine
    ? {
        state: engine.state,
        pending: engine.pendingRequests,
        inFlight: engine.inFlightTelemetry,
        queued: engine.queuedTelemetry,
        lastSent: engine.lastSentAt,
        lastReceived: engine.lastReceivedAt,
        buffered: engine.bufferedBytes,
      }
    : { state: engine.state, registering: engine.registering };
  return { ...base, timeout: engine.pollTimeout() };
}

/** Drives `engine` through its next deadlines and returns what came out (bytes and events). */
function future(engine: DeviceEngine | ProvisioningEngine): unknown[] {
  const out: unknown[] = [];
  for (let step = 0; step < 10; step++) {
    const at = engine.pollTimeout();
    if (at === undefined) break;
    engine.handleTimeout(at);
    for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) out.push(Array.from(bytes));
    for (let event = engine.pollEvent(); event !== undefined; event = engine.pollEvent()) out.push(event);
  }
  return out;
}

/**
 * Calls `method` with a bad `now` on one of two engines built alike, and checks it threw
 * InvalidTimeError, queued nothing, moved no deadline, and left the engine to behave afterwards
 * exactly as its twin that never saw the call.
 */
function refusesBadNow<E extends DeviceEngine | ProvisioningEngine>(build: () => E, method: (engine: E, now: number) => unknown): void {
  for (const bad of BAD_NOWS) {
    const engine = build();
    const twin = build();
    const before = observe(engine);
    let thrown: unknown;
    try {
      method(engine, bad as number);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `now = ${String(bad)}`).toBeInstanceOf(InvalidTimeError);
    expect(thrown).toBeInstanceOf(HubwireError);
    expect((thrown as InvalidTimeError).code).toBe('invalid-now');
    expect(engine.pollTransmit()).toBeUndefined();
    expect(engine.pollEvent()).toBeUndefined();
    expect(observe(engine)).toEqual(before);
    expect(future(engine)).toEqual(future(twin));
  }
}

// ------------------------------------------------------------------------------- DeviceEngine

const TOKEN = 'SharedAccessSignature sr=x&sig=y&se=1';
const C2D_ACK_ID = 1;

/** Device engines in each state a method can meet, every queue drained. */
const DEVICE_STATES: Record<string, () => DeviceEngine> = {
  disconnected: () => new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(3), manualC2dAck: true }),
  connecting: () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(3), manualC2dAck: true });
    engine.connect(100, { password: TOKEN, passwordExpiresAt: 3_600_000 });
    new ScriptedHub().take(engine);
    return engine;
  },
  'connected, a request pending, telemetry in flight, a C2D awaiting its ack': () => {
    const { engine, hub } = connectedEngine({ manualC2dAck: true }, 100);
    hub.policy.answerTwin = false;
    hub.policy.ackTelemetry = false;
    engine.getTwin(200);
    engine.publishTelemetry(200, 'in flight');
    engine.receive(200, hub.c2d('d1', 'hello'));
    exchange(engine, hub, 200);
    drainEvents(engine);
    return engine;
  },
  closed: () => {
    const { engine, hub } = connectedEngine({ manualC2dAck: true }, 100);
    engine.getTwin(200);
    engine.disconnect(300);
    hub.take(engine);
    drainEvents(engine);
    return engine;
  },
};

const DEVICE_METHODS: Record<string, (engine: DeviceEngine, now: number) => unknown> = {
  connect: (engine, now) => engine.connect(now, { password: TOKEN }),
  receive: (engine, now) => engine.receive(now, new ScriptedHub().pingresp()),
  handleTimeout: (engine, now) => engine.handleTimeout(now),
  connectionLost: (engine, now) => engine.connectionLost(now, 'gone'),
  disconnect: (engine, now) => engine.disconnect(now),
  publishTelemetry: (engine, now) => engine.publishTelemetry(now, 'x'),
  getTwin: (engine, now) => engine.getTwin(now),
  patchReported: (engine, now) => engine.patchReported(now, { a: 1 }),
  respondMethod: (engine, now) => engine.respondMethod(now, 'r1', 200),
  ackC2d: (engine, now) => engine.ackC2d(now, C2D_ACK_ID),
};

describe('DeviceEngine refuses a now that is not a finite number', () => {
  for (const [name, method] of Object.entries(DEVICE_METHODS)) {
    it(`${name} throws InvalidTimeError in every state and changes nothing`, () => {
      for (const build of Object.values(DEVICE_STATES)) refusesBadNow(build, method);
    });
  }

  it('checks now before any other argument or the state', () => {
    const engine = DEVICE_STATES['disconnected']!();
    // Each call is also wrong in another way; the clock is named first.
    expect(() => engine.respondMethod(Number.NaN, 'bad rid', -1)).toThrow(InvalidTimeError);
    expect(() => engine.publishTelemetry(Number.NaN, 'x', { qos: 2 as 1 })).toThrow(InvalidTimeError);
    expect(() => engine.ackC2d(Number.NaN, 99)).toThrow(InvalidTimeError);
    expect(() => engine.respondMethod(Number.NaN, 'bad rid', -1)).toThrow(/now must be a finite number.*NaN/);
  });
});

// ------------------------------------------------------------------------- ProvisioningEngine

function dpsEngine(): ProvisioningEngine {
  return new ProvisioningEngine({ idScope: '0ne00000A0A', registrationId: 'dev-1', random: () => 0.5 });
}

const DPS_STATES: Record<string, () => ProvisioningEngine> = {
  disconnected: dpsEngine,
  connecting: () => {
    const h = new DpsHarness(dpsEngine(), 100);
    h.engine.connect(h.now, { password: TOKEN, passwordExpiresAt: 3_600_000 });
    h.sent();
    return h.engine;
  },
  'connected and registering': () => {
    const h = new DpsHarness(dpsEngine(), 100);
    h.open();
    h.engine.register(h.now);
    const [subscribe] = h.sent();
    h.deliver(suback(subscribe?.kind === 'subscribe' ? subscribe.messageId : 0));
    h.sent();
    drainDps(h.engine);
    return h.engine;
  },
  closed: () => {
    const h = new DpsHarness(dpsEngine(), 100);
    h.open();
    h.engine.disconnect(h.now);
    h.sent();
    drainDps(h.engine);
    return h.engine;
  },
};

const DPS_METHODS: Record<string, (engine: ProvisioningEngine, now: number) => unknown> = {
  connect: (engine, now) => engine.connect(now),
  receive: (engine, now) => engine.receive(now, connack(0)),
  handleTimeout: (engine, now) => engine.handleTimeout(now),
  connectionLost: (engine, now) => engine.connectionLost(now, 'gone'),
  disconnect: (engine, now) => engine.disconnect(now),
  register: (engine, now) => engine.register(now),
};

describe('ProvisioningEngine refuses a now that is not a finite number', () => {
  for (const [name, method] of Object.entries(DPS_METHODS)) {
    it(`${name} throws InvalidTimeError in every state and changes nothing`, () => {
      for (const build of Object.values(DPS_STATES)) refusesBadNow(build, method);
    });
  }
});

// --------------------------------------------------------------------------- clocks that step back

describe('a now earlier than the last one', () => {
  it('is accepted by DeviceEngine: deadlines already armed fire when the clock reaches them again', () => {
    const { engine, hub } = connectedEngine({ requestTimeoutMs: 10_000, keepAliveSeconds: 0 }, 50_000);
    hub.policy.answerTwin = false;
    const { rid } = engine.getTwin(50_000);
    exchange(engine, hub, 50_000);
    engine.handleTimeout(20_000); // the driver's clock stepped back 30 s
    engine.publishTelemetry(20_000, 'still works', { qos: 0 });
    expect(hub.take(engine)).toHaveLength(1);
    expect(drainEvents(engine)).toEqual([]);
    expect(engine.pollTimeout()).toBe(60_000);
    engine.handleTimeout(60_000);
    expect(drainEvents(engine)).toEqual([{ type: 'request-failed', intent: 'get-twin', rid, reason: 'timeout', retriable: true }]);
  });

  it('is accepted by ProvisioningEngine', () => {
    const h = new DpsHarness(dpsEngine(), 50_000);
    h.open();
    expect(() => h.engine.register(10_000)).not.toThrow();
    expect(() => h.engine.handleTimeout(5_000)).not.toThrow();
    expect(h.sent().map((r) => r.kind)).toEqual(['subscribe']);
  });
});
