/**
 * Misuse throws, before anything changes (docs/design.md "Rules the engine keeps", h11 made stricter): every refused intent
 * leaves the engine exactly as it was: nothing queued, nothing sent, no event, no deadline moved.
 */
import { describe, expect, it } from 'vitest';
import { DeviceEngine, HubwireError, InvalidIntentError, InvalidStateError, QueueFullError } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange, HOST, ScriptedHub, seededRandom } from './support/scripted-hub.ts';

function snapshot(engine: DeviceEngine): unknown {
  return {
    state: engine.state,
    queued: engine.queuedTelemetry,
    inFlight: engine.inFlightTelemetry,
    pending: engine.pendingRequests,
    timeout: engine.pollTimeout(),
    lastSent: engine.lastSentAt,
  };
}

/** Runs `intent`, expects it to throw `type` with `code`, and checks the engine did not change. */
function refuses(engine: DeviceEngine, intent: () => unknown, type: new (...args: never[]) => HubwireError, code: string): void {
  const before = snapshot(engine);
  let thrown: unknown;
  try {
    intent();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as HubwireError).code).toBe(code);
  expect(snapshot(engine)).toEqual(before);
  expect(engine.pollTransmit()).toBeUndefined();
  expect(engine.pollEvent()).toBeUndefined();
}

const big = (n: number): Uint8Array => new Uint8Array(n);

describe('telemetry intents', () => {
  it('refuses QoS 2, oversize messages, bad properties, outputs on devices and non-byte bodies', () => {
    const { engine, hub } = connectedEngine();
    hub.take(engine);
    refuses(engine, () => engine.publishTelemetry(1, 'x', { qos: 2 as 1 }), InvalidIntentError, 'unsupported-qos');
    refuses(engine, () => engine.publishTelemetry(1, big(262_145)), InvalidIntentError, 'message-too-large');
    // Property names and values count toward the 256 KB too (docs/protocol.md §7).
    refuses(engine, () => engine.publishTelemetry(1, big(262_140), { properties: { abc: 'de' } }), InvalidIntentError, 'message-too-large');
    refuses(engine, () => engine.publishTelemetry(1, 'x', { properties: { Color: 'a', color: 'b' } }), InvalidIntentError, 'invalid-property');
    refuses(engine, () => engine.publishTelemetry(1, 'x', { outputName: 'o' }), InvalidIntentError, 'not-applicable');
    refuses(engine, () => engine.publishTelemetry(1, 42 as unknown as string), InvalidIntentError, 'invalid-body');
    // The limit itself is fine.
    engine.publishTelemetry(1, big(262_140), { properties: { ab: 'cd' } });
    expect(hub.take(engine)).toHaveLength(1);
  });

  it('counts properties given as a one-shot iterator toward 256 KB, and still sends them all', () => {
    const { engine, hub } = connectedEngine();
    hub.take(engine);
    const pairs = (): Iterator<readonly [string, string]> & Iterable<readonly [string, string]> =>
      new Map([['abc', 'de']]).entries();
    refuses(engine, () => engine.publishTelemetry(1, big(262_140), { properties: pairs() }), InvalidIntentError, 'message-too-large');
    engine.publishTelemetry(1, big(262_139), { properties: pairs() });
    expect(hub.take(engine).map((p) => p.topic)).toEqual(['devices/d1/messages/events/abc=de']);
  });

  it('throws QueueFullError when maxQueued messages wait, and a refused message uses up no id', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', maxQueued: 2 });
    const ids = [engine.publishTelemetry(0, 'a').id, engine.publishTelemetry(0, 'b').id];
    refuses(engine, () => engine.publishTelemetry(0, 'c'), QueueFullError, 'queue-full');
    expect(engine.queuedTelemetry).toBe(2);
    const hub = new ScriptedHub();
    engine.connect(0);
    exchange(engine, hub, 0);
    ids.push(engine.publishTelemetry(1, 'd').id);
    expect(ids).toEqual([1, 2, 3]);
  });
});

describe('twin intents', () => {
  it('refuses patches that are not JSON objects, cannot be serialised or exceed 32 KB', () => {
    const { engine } = connectedEngine();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    refuses(engine, () => engine.patchReported(1, [1, 2]), InvalidIntentError, 'invalid-body');
    refuses(engine, () => engine.patchReported(1, null as unknown as object), InvalidIntentError, 'invalid-body');
    refuses(engine, () => engine.patchReported(1, cyclic), InvalidIntentError, 'invalid-body');
    refuses(engine, () => engine.patchReported(1, { n: 1n }), InvalidIntentError, 'invalid-body');
    refuses(engine, () => engine.patchReported(1, { s: 'x'.repeat(32_768) }), InvalidIntentError, 'payload-too-large');
  });

  it('throws QueueFullError when maxQueued requests are pending', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', maxQueued: 1, random: seededRandom(4) });
    engine.getTwin(0);
    refuses(engine, () => engine.getTwin(0), QueueFullError, 'queue-full');
    refuses(engine, () => engine.patchReported(0, { a: 1 }), QueueFullError, 'queue-full');
  });
});

describe('method responses', () => {
  it('refuses invalid rids, statuses, bodies and bodies over 128 KB', () => {
    const { engine } = connectedEngine();
    refuses(engine, () => engine.respondMethod(1, '', 200), InvalidIntentError, 'invalid-rid');
    refuses(engine, () => engine.respondMethod(1, 'a&b', 200), InvalidIntentError, 'invalid-rid');
    refuses(engine, () => engine.respondMethod(1, 'r', 70_000), InvalidIntentError, 'invalid-status');
    refuses(engine, () => engine.respondMethod(1, 'r', 200.5), InvalidIntentError, 'invalid-status');
    refuses(engine, () => engine.respondMethod(1, 'r', 200, big(131_073)), InvalidIntentError, 'payload-too-large');
    refuses(engine, () => engine.respondMethod(1, 'r', 200, { n: 1n }), InvalidIntentError, 'invalid-body');
    refuses(engine, () => engine.respondMethod(1, 'r', 200, (() => 1) as unknown as object), InvalidIntentError, 'invalid-body');
  });

  it('refuses a response without a connection', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1' });
    refuses(engine, () => engine.respondMethod(1, 'r', 200), InvalidStateError, 'not-connected');
  });
});

describe('options', () => {
  it.each([
    [{ deviceId: 'bad/id' }, 'invalid-device-id'],
    [{ deviceId: 'd#1' }, 'invalid-device-id'],
    [{ hostName: '' }, 'invalid-host-name'],
    [{ keepAliveSeconds: -1 }, 'invalid-keep-alive-seconds'],
    [{ keepAliveSeconds: 70_000 }, 'invalid-keep-alive-seconds'],
    [{ maxInFlight: 0 }, 'invalid-max-in-flight'],
    [{ requestTimeoutMs: 1.5 }, 'invalid-request-timeout-ms'],
    [{ moduleId: 'm', subscribe: { c2d: true } }, 'invalid-subscribe'],
    [{ subscribe: { moduleInputs: true } }, 'invalid-subscribe'],
    [{ will: { body: 'x', qos: 2 as 1 } }, 'unsupported-qos'],
    [{ will: { body: 'x', properties: { application: { a: '1', A: '2' } } } }, 'invalid-property'],
  ])('refuses %j at construction with %s', (options, code) => {
    expect(() => new DeviceEngine({ hostName: HOST, deviceId: 'd1', ...options })).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a non-string password or a non-finite expiry at connect, staying disconnected', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1' });
    refuses(engine, () => engine.connect(0, { password: 5 as unknown as string }), InvalidIntentError, 'invalid-password');
    refuses(engine, () => engine.connect(0, { password: 'p', passwordExpiresAt: NaN }), InvalidIntentError, 'invalid-password-expires-at');
    expect(drainEvents(engine)).toEqual([]);
  });
});
