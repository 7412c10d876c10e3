/**
 * Wrong calls, as a careless or hostile caller makes them: every public entry point of @hubwire/core
 * given the wrong type, null, undefined, an out-of-range number, an oversized string or a value JSON
 * cannot carry throws a HubwireError whose `code` names the argument and the rule — never a bare
 * TypeError or RangeError — and changes nothing: one of two engines built alike takes the wrong call,
 * and afterwards both show the same state, the same `pollTimeout()`, the same queued bytes and events,
 * and answer the same follow-up intents and inbound bytes with the same output.
 */
import { describe, expect, it } from 'vitest';
import {
  componentPatch,
  connectRefusedReason,
  DeviceEngine,
  failureReason,
  HubwireError,
  InvalidIntentError,
  isConnectRetriable,
  isRetriable,
  isSuccess,
  json,
  parseJsonObject,
  ProvisioningEngine,
  ReconnectBackoff,
  RidTable,
  seededRandom,
  text,
  TimerTable,
  utf8,
  writablePropertyAck,
} from '@hubwire/core';
import type { DeviceEngineOptions, DeviceEvent, ProvisioningEngineOptions, ProvisioningEvent } from '@hubwire/core';
import { connectedEngine, exchange, HOST, ScriptedHub } from './support/scripted-hub.ts';
import { connack, dpsReply, DpsWire, suback } from './support/scripted-dps.ts';

const TOKEN = 'SharedAccessSignature sr=x&sig=y&se=1';
const BIG = 'x'.repeat(65_536);

/** What a refused call must have thrown: a HubwireError subclass with `code`. */
function thrownBy(call: () => unknown): HubwireError {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'the call must throw').toBeInstanceOf(HubwireError);
  expect(thrown).not.toBeInstanceOf(TypeError);
  expect(thrown).not.toBeInstanceOf(RangeError);
  return thrown as HubwireError;
}

/** Bodies as plain arrays, so views of different chunks compare by content. */
function comparable(events: readonly (DeviceEvent | ProvisioningEvent)[]): unknown[] {
  return events.map((e) => ('body' in e ? { ...e, body: [...e.body] } : e));
}

/** Everything the engine would hand the driver now: state, deadline, bytes and events (drained). */
function drain(engine: DeviceEngine | ProvisioningEngine): unknown {
  const timeout = engine.pollTimeout();
  const bytes: number[] = [];
  for (let b = engine.pollTransmit(); b !== undefined; b = engine.pollTransmit()) bytes.push(...b);
  const events: (DeviceEvent | ProvisioningEvent)[] = [];
  for (let e = engine.pollEvent(); e !== undefined; e = engine.pollEvent()) events.push(e);
  const getters =
    engine instanceof DeviceEngine
      ? [engine.pendingRequests, engine.inFlightTelemetry, engine.queuedTelemetry, engine.lastSentAt, engine.lastReceivedAt, engine.bufferedBytes, engine.desiredVersion]
      : [engine.registering];
  return { state: engine.state, timeout, bytes, events: comparable(events), getters };
}

// ------------------------------------------------------------------------------- DeviceEngine

/**
 * A device connected with something in every queue: a twin request and QoS 1 telemetry awaiting
 * answers, a C2D event not yet polled, its PUBACK and a second publish not yet transmitted.
 */
function busyDevice(): { engine: DeviceEngine; hub: ScriptedHub } {
  const { engine, hub } = connectedEngine({ keepAliveSeconds: 60 }, 100);
  hub.policy.answerTwin = false;
  hub.policy.ackTelemetry = false;
  engine.getTwin(200);
  engine.publishTelemetry(200, 'first');
  exchange(engine, hub, 200);
  engine.receive(300, hub.c2d('d1', 'hello', { messageId: 'm1' }));
  engine.publishTelemetry(300, 'second', { contentType: 'application/json' });
  return { engine, hub };
}

/** The follow-up both engines get after the wrong call: intents, inbound bytes, time. */
function followUp(engine: DeviceEngine, hub: ScriptedHub): unknown {
  const ids = [engine.publishTelemetry(400, 'after').id, engine.getTwin(400).rid];
  engine.receive(410, hub.desiredPatch(7, { x: 1 }));
  engine.handleTimeout(engine.pollTimeout() ?? 500);
  return [ids, drain(engine)];
}

/** Calls `wrong` on one of two busy devices and checks the code and that nothing changed. */
function refusesOnDevice(wrong: (engine: DeviceEngine) => unknown, code: string): void {
  const a = busyDevice();
  const b = busyDevice();
  expect(thrownBy(() => wrong(a.engine)).code).toBe(code);
  expect(drain(a.engine)).toEqual(drain(b.engine));
  expect(followUp(a.engine, a.hub)).toEqual(followUp(b.engine, b.hub));
}

const nan = Number.NaN;

/** [what, the wrong call, the code it must give]. */
const DEVICE_CALLS: readonly [string, (engine: DeviceEngine) => unknown, string][] = [
  ['receive: a string', (e) => e.receive(301, 'junk' as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: null', (e) => e.receive(301, null as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: undefined', (e) => e.receive(301, undefined as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: a number', (e) => e.receive(301, 32 as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: an array of bytes', (e) => e.receive(301, [0xd0, 0] as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: an ArrayBuffer', (e) => e.receive(301, new ArrayBuffer(2) as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: now NaN', (e) => e.receive(nan, new Uint8Array(2)), 'invalid-now'],
  ['handleTimeout: now undefined', (e) => e.handleTimeout(undefined as unknown as number), 'invalid-now'],
  ['handleTimeout: now a string', (e) => e.handleTimeout('5' as unknown as number), 'invalid-now'],
  ['connectionLost: a reason that is a number', (e) => e.connectionLost(301, 5 as unknown as string), 'invalid-reason'],
  ['connectionLost: a reason that is an object', (e) => e.connectionLost(301, {} as unknown as string), 'invalid-reason'],
  ['connect: auth 5', (e) => e.connect(301, 5 as unknown as undefined), 'invalid-auth'],
  ['connect: auth null', (e) => e.connect(301, null as unknown as undefined), 'invalid-auth'],
  ['connect: auth a string', (e) => e.connect(301, TOKEN as unknown as undefined), 'invalid-auth'],
  ['connect: an unknown auth key', (e) => e.connect(301, { pasword: TOKEN } as unknown as undefined), 'invalid-auth'],
  ['connect: a password that is a number', (e) => e.connect(301, { password: 5 as unknown as string }), 'invalid-password'],
  ['connect: a 65 536-byte password', (e) => e.connect(301, { password: BIG }), 'invalid-password'],
  ['connect: a password with a lone surrogate', (e) => e.connect(301, { password: 'a\ud800' }), 'invalid-password'],
  ['connect: passwordExpiresAt NaN', (e) => e.connect(301, { password: TOKEN, passwordExpiresAt: nan }), 'invalid-password-expires-at'],
  ['connect: passwordExpiresAt a string', (e) => e.connect(301, { passwordExpiresAt: '5' as unknown as number }), 'invalid-password-expires-at'],
  ['connect while connected', (e) => e.connect(301, { password: TOKEN }), 'already-connected'],
  ['disconnect: options 5', (e) => e.disconnect(301, 5 as unknown as undefined), 'invalid-options'],
  ['disconnect: renewing "yes"', (e) => e.disconnect(301, { renewing: 'yes' as unknown as boolean }), 'invalid-renewing'],
  ['publishTelemetry: a body that is a number', (e) => e.publishTelemetry(301, 5 as unknown as string), 'invalid-body'],
  ['publishTelemetry: a body that is null', (e) => e.publishTelemetry(301, null as unknown as string), 'invalid-body'],
  ['publishTelemetry: a body that is an object', (e) => e.publishTelemetry(301, { a: 1 } as unknown as string), 'invalid-body'],
  ['publishTelemetry: a body with a lone surrogate', (e) => e.publishTelemetry(301, 'x\udc00'), 'invalid-body'],
  ['publishTelemetry: options 5', (e) => e.publishTelemetry(301, 'x', 5 as unknown as undefined), 'invalid-options'],
  ['publishTelemetry: options null', (e) => e.publishTelemetry(301, 'x', null as unknown as undefined), 'invalid-options'],
  ['publishTelemetry: application instead of properties', (e) => e.publishTelemetry(301, 'x', { application: null } as unknown as undefined), 'invalid-options'],
  ['publishTelemetry: qos 2', (e) => e.publishTelemetry(301, 'x', { qos: 2 as 1 }), 'unsupported-qos'],
  ['publishTelemetry: qos "1"', (e) => e.publishTelemetry(301, 'x', { qos: '1' as unknown as 1 }), 'unsupported-qos'],
  ['publishTelemetry: properties null', (e) => e.publishTelemetry(301, 'x', { properties: null as unknown as Record<string, string> }), 'invalid-property'],
  ['publishTelemetry: a property value 5', (e) => e.publishTelemetry(301, 'x', { properties: { a: 5 as unknown as string } }), 'invalid-property'],
  ['publishTelemetry: a pair that is not a pair', (e) => e.publishTelemetry(301, 'x', { properties: [null as unknown as [string, string]] }), 'invalid-property'],
  ['publishTelemetry: messageId 5', (e) => e.publishTelemetry(301, 'x', { messageId: 5 as unknown as string }), 'invalid-property'],
  ['publishTelemetry: outputName on a device', (e) => e.publishTelemetry(301, 'x', { outputName: 'o' }), 'not-applicable'],
  ['publishTelemetry: 256 KB and one byte', (e) => e.publishTelemetry(301, new Uint8Array(262_145)), 'message-too-large'],
  ['patchReported: a Date', (e) => e.patchReported(301, new Date(0)), 'invalid-body'],
  ['patchReported: null', (e) => e.patchReported(301, null as unknown as object), 'invalid-body'],
  ['patchReported: an array', (e) => e.patchReported(301, [1]), 'invalid-body'],
  ['patchReported: a string', (e) => e.patchReported(301, '{"a":1}' as unknown as object), 'invalid-body'],
  ['patchReported: { a: NaN } (would delete a)', (e) => e.patchReported(301, { a: nan }), 'invalid-body'],
  ['patchReported: { a: Infinity }', (e) => e.patchReported(301, { a: Number.POSITIVE_INFINITY }), 'invalid-body'],
  ['patchReported: a Uint8Array', (e) => e.patchReported(301, new Uint8Array(3)), 'invalid-body'],
  ['patchReported: a Map', (e) => e.patchReported(301, new Map([['a', 1]])), 'invalid-body'],
  ['patchReported: a Set inside', (e) => e.patchReported(301, { a: new Set([1]) }), 'invalid-body'],
  ['patchReported: undefined in an array', (e) => e.patchReported(301, { a: [1, undefined] }), 'invalid-body'],
  ['patchReported: a hole in an array', (e) => e.patchReported(301, { a: [1, , 3] }), 'invalid-body'],
  ['patchReported: a function', (e) => e.patchReported(301, { f: () => 1 }), 'invalid-body'],
  ['patchReported: a symbol', (e) => e.patchReported(301, { s: Symbol('s') }), 'invalid-body'],
  ['patchReported: a BigInt', (e) => e.patchReported(301, { n: 1n }), 'invalid-body'],
  ['patchReported: a class instance', (e) => e.patchReported(301, { at: new (class Point { x = 1; })() }), 'invalid-body'],
  ['patchReported: a cycle', (e) => e.patchReported(301, (() => { const o: Record<string, unknown> = {}; o['self'] = o; return o; })()), 'invalid-body'],
  ['patchReported: a key with a lone surrogate', (e) => e.patchReported(301, { ['\ud800']: 1 }), 'invalid-body'],
  ['patchReported: over 32 KB', (e) => e.patchReported(301, { a: 'x'.repeat(32_768) }), 'payload-too-large'],
  ['respondMethod: rid 5', (e) => e.respondMethod(301, 5 as unknown as string, 200), 'invalid-rid'],
  ['respondMethod: rid null', (e) => e.respondMethod(301, null as unknown as string, 200), 'invalid-rid'],
  ['respondMethod: a 129-character rid', (e) => e.respondMethod(301, 'r'.repeat(129), 200), 'invalid-rid'],
  ['respondMethod: status "200"', (e) => e.respondMethod(301, 'r', '200' as unknown as number), 'invalid-status'],
  ['respondMethod: status -1', (e) => e.respondMethod(301, 'r', -1), 'invalid-status'],
  ['respondMethod: status NaN', (e) => e.respondMethod(301, 'r', nan), 'invalid-status'],
  ['respondMethod: a body with NaN', (e) => e.respondMethod(301, 'r', 200, { a: nan }), 'invalid-body'],
  ['respondMethod: a Date body', (e) => e.respondMethod(301, 'r', 200, new Date(0)), 'invalid-body'],
  ['respondMethod: a symbol body', (e) => e.respondMethod(301, 'r', 200, Symbol('s') as unknown as object), 'invalid-body'],
  ['respondMethod: over 128 KB', (e) => e.respondMethod(301, 'r', 200, 'x'.repeat(131_073)), 'payload-too-large'],
  ['ackC2d without manual acknowledgement', (e) => e.ackC2d(301, 1), 'manual-ack-off'],
  ['getTwin: now Infinity', (e) => e.getTwin(Number.POSITIVE_INFINITY), 'invalid-now'],
];

describe('DeviceEngine refuses wrong calls with a typed error naming the argument, changing nothing', () => {
  it.each(DEVICE_CALLS)('%s → %s', (_what, wrong, code) => {
    refusesOnDevice(wrong, code);
  });

  it('refuses ackC2d ids it never gave, with manual acknowledgement on', () => {
    const build = (): DeviceEngine => connectedEngine({ manualC2dAck: true }).engine;
    for (const id of [0, 1, 1.5, -1, nan, '1', null]) {
      const a = build();
      const b = build();
      expect(thrownBy(() => a.ackC2d(1, id as number)).code).toBe('unknown-ack-id');
      expect(drain(a)).toEqual(drain(b));
    }
  });
});

/** [what, the code the constructor must throw, the options given]. */
const DEVICE_OPTIONS: readonly [string, string, unknown][] = [
  ['undefined', 'invalid-options', undefined],
  ['null', 'invalid-options', null],
  ['a string', 'invalid-options', 'HostName=h;DeviceId=d'],
  ['an array', 'invalid-options', [HOST, 'd1']],
  ['an unknown key', 'invalid-options', { hostName: HOST, deviceId: 'd1', keepAlive: 30 }],
  ['hostName 1', 'invalid-host-name', { hostName: 1, deviceId: 'd1' }],
  ['hostName missing', 'invalid-host-name', { deviceId: 'd1' }],
  ['hostName with a port', 'invalid-host-name', { hostName: `${HOST}:8883`, deviceId: 'd1' }],
  ['deviceId null', 'invalid-device-id', { hostName: HOST, deviceId: null }],
  ['deviceId with #', 'invalid-device-id', { hostName: HOST, deviceId: 'a#b' }],
  ['deviceId of 129 characters', 'invalid-device-id', { hostName: HOST, deviceId: 'd'.repeat(129) }],
  ['moduleId 5', 'invalid-module-id', { hostName: HOST, deviceId: 'd1', moduleId: 5 }],
  ['modelId 5', 'invalid-model-id', { hostName: HOST, deviceId: 'd1', modelId: 5 }],
  ['modelId empty', 'invalid-model-id', { hostName: HOST, deviceId: 'd1', modelId: '' }],
  ['modelId of 65 536 bytes', 'invalid-model-id', { hostName: HOST, deviceId: 'd1', modelId: BIG }],
  ['modelId with a lone surrogate', 'invalid-model-id', { hostName: HOST, deviceId: 'd1', modelId: 'dtmi:a\ud800' }],
  ['deviceClientType of 65 536 bytes', 'invalid-device-client-type', { hostName: HOST, deviceId: 'd1', deviceClientType: BIG }],
  ['deviceClientType {}', 'invalid-device-client-type', { hostName: HOST, deviceId: 'd1', deviceClientType: {} }],
  ['apiVersion 2021', 'invalid-api-version', { hostName: HOST, deviceId: 'd1', apiVersion: 2021 }],
  ['keepAliveSeconds "60"', 'invalid-keep-alive-seconds', { hostName: HOST, deviceId: 'd1', keepAliveSeconds: '60' }],
  ['keepAliveSeconds 65 536', 'invalid-keep-alive-seconds', { hostName: HOST, deviceId: 'd1', keepAliveSeconds: 65_536 }],
  ['keepAliveSeconds NaN', 'invalid-keep-alive-seconds', { hostName: HOST, deviceId: 'd1', keepAliveSeconds: nan }],
  ['cleanSession "yes"', 'invalid-clean-session', { hostName: HOST, deviceId: 'd1', cleanSession: 'yes' }],
  ['cleanSession 1', 'invalid-clean-session', { hostName: HOST, deviceId: 'd1', cleanSession: 1 }],
  ['requestTimeoutMs 0', 'invalid-request-timeout-ms', { hostName: HOST, deviceId: 'd1', requestTimeoutMs: 0 }],
  ['connackTimeoutMs 2^31', 'invalid-connack-timeout-ms', { hostName: HOST, deviceId: 'd1', connackTimeoutMs: 2 ** 31 }],
  ['pingTimeoutMs Infinity', 'invalid-ping-timeout-ms', { hostName: HOST, deviceId: 'd1', pingTimeoutMs: Number.POSITIVE_INFINITY }],
  ['maxPacketBytes 10', 'invalid-max-packet-bytes', { hostName: HOST, deviceId: 'd1', maxPacketBytes: 10 }],
  ['maxInFlight 0', 'invalid-max-in-flight', { hostName: HOST, deviceId: 'd1', maxInFlight: 0 }],
  ['maxQueued -1', 'invalid-max-queued', { hostName: HOST, deviceId: 'd1', maxQueued: -1 }],
  ['tokenRenewalMarginMs 1.5', 'invalid-token-renewal-margin-ms', { hostName: HOST, deviceId: 'd1', tokenRenewalMarginMs: 1.5 }],
  ['subscribe true', 'invalid-subscribe', { hostName: HOST, deviceId: 'd1', subscribe: true }],
  ['subscribe.twin "no"', 'invalid-subscribe', { hostName: HOST, deviceId: 'd1', subscribe: { twin: 'no' } }],
  ['subscribe.c2d on a module', 'invalid-subscribe', { hostName: HOST, deviceId: 'd1', moduleId: 'm', subscribe: { c2d: true } }],
  ['manualC2dAck "true"', 'invalid-manual-c2d-ack', { hostName: HOST, deviceId: 'd1', manualC2dAck: 'true' }],
  ['will null', 'invalid-will', { hostName: HOST, deviceId: 'd1', will: null }],
  ['will a string', 'invalid-will', { hostName: HOST, deviceId: 'd1', will: 'bye' }],
  ['will with an unknown key', 'invalid-will', { hostName: HOST, deviceId: 'd1', will: { body: 'x', retain: true } }],
  ['will.body 5', 'invalid-body', { hostName: HOST, deviceId: 'd1', will: { body: 5 } }],
  ['will.body of 65 536 bytes', 'invalid-will', { hostName: HOST, deviceId: 'd1', will: { body: new Uint8Array(65_536) } }],
  ['will.qos 2', 'unsupported-qos', { hostName: HOST, deviceId: 'd1', will: { body: 'x', qos: 2 } }],
  ['will.properties with a 65 536-byte topic', 'invalid-will', { hostName: HOST, deviceId: 'd1', will: { body: 'x', properties: { application: { k: 'é'.repeat(11_000) } } } }],
  ['will.properties null', 'invalid-property', { hostName: HOST, deviceId: 'd1', will: { body: 'x', properties: null } }],
  ['random 3', 'invalid-random', { hostName: HOST, deviceId: 'd1', random: 3 }],
  ['random returning NaN', 'invalid-random', { hostName: HOST, deviceId: 'd1', random: () => nan }],
  ['random returning 1.5', 'invalid-random', { hostName: HOST, deviceId: 'd1', random: () => 1.5 }],
  ['random returning -0.1', 'invalid-random', { hostName: HOST, deviceId: 'd1', random: () => -0.1 }],
  ['random returning 1', 'invalid-random', { hostName: HOST, deviceId: 'd1', random: () => 1 }],
];

describe('new DeviceEngine refuses wrong options with a typed error naming the option', () => {
  it.each(DEVICE_OPTIONS)('%s → %s', (_what, code, options) => {
    expect(thrownBy(() => new DeviceEngine(options as DeviceEngineOptions)).code).toBe(code);
  });

  it('encodes CONNECT before anything changes: a field MQTT cannot carry throws from connect, the engine stays as it was', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(1) });
    expect(thrownBy(() => engine.connect(0, { password: 'p'.repeat(65_536) })).code).toBe('invalid-password');
    expect([engine.state, engine.pollTransmit(), engine.pollEvent(), engine.pollTimeout()]).toEqual(['disconnected', undefined, undefined, undefined]);
    // The largest password that fits goes out whole: the header announces exactly the bytes there are.
    engine.connect(0, { password: 'p'.repeat(65_535) });
    const connect = engine.pollTransmit()!;
    let length = 0;
    let shift = 0;
    let at = 1;
    for (;;) {
      const byte = connect[at++]!;
      length |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    expect(at + length).toBe(connect.length);
    expect(engine.state).toBe('connecting');
  });
});

// ------------------------------------------------------------------------- ProvisioningEngine

const DPS_OPTIONS: ProvisioningEngineOptions = { idScope: '0ne00000A0A', registrationId: 'dev-1', random: seededRandom(2) };

/** A provisioning engine connected and subscribed, with a registration awaiting DPS's reply. */
function busyProvisioning(): ProvisioningEngine {
  const engine = new ProvisioningEngine({ ...DPS_OPTIONS, random: seededRandom(2) });
  const wire = new DpsWire();
  engine.connect(0, { password: TOKEN });
  engine.register(0, { payload: { modelId: 'dtmi:x;1' } });
  wire.read(engine);
  engine.receive(10, connack());
  const subscribe = wire.read(engine).find((r) => r.kind === 'subscribe');
  engine.receive(20, suback(subscribe?.kind === 'subscribe' ? subscribe.messageId : 1));
  return engine;
}

function followUpDps(engine: ProvisioningEngine): unknown {
  const wire = new DpsWire();
  const requests = wire.read(engine);
  const register = requests.find((r) => r.kind === 'register');
  if (register?.kind === 'register') engine.receive(30, dpsReply(202, register.rid, { operationId: 'op-1', status: 'assigning' }, { retryAfter: 1 }));
  engine.handleTimeout(engine.pollTimeout() ?? 2_000);
  return [requests, drain(engine)];
}

const DPS_CALLS: readonly [string, (engine: ProvisioningEngine) => unknown, string][] = [
  ['receive: a string', (e) => e.receive(25, 'x' as unknown as Uint8Array), 'invalid-chunk'],
  ['receive: null', (e) => e.receive(25, null as unknown as Uint8Array), 'invalid-chunk'],
  ['connectionLost: a reason 5', (e) => e.connectionLost(25, 5 as unknown as string), 'invalid-reason'],
  ['handleTimeout: now NaN', (e) => e.handleTimeout(nan), 'invalid-now'],
  ['connect: auth 5', (e) => e.connect(25, 5 as unknown as undefined), 'invalid-auth'],
  ['connect: a 65 536-byte password', (e) => e.connect(25, { password: BIG }), 'invalid-password'],
  ['connect while connected', (e) => e.connect(25, { password: TOKEN }), 'already-connected'],
  ['register: options 5', (e) => e.register(25, 5 as unknown as undefined), 'invalid-options'],
  ['register: an unknown key', (e) => e.register(25, { data: 1 } as unknown as undefined), 'invalid-options'],
  ['register: a payload with NaN', (e) => e.register(25, { payload: { a: nan } }), 'invalid-body'],
  ['register: a Map payload', (e) => e.register(25, { payload: new Map() }), 'invalid-body'],
  ['register: a payload of 96 KB', (e) => e.register(25, { payload: 'x'.repeat(98_304) }), 'payload-too-large'],
  ['register while registering', (e) => e.register(25), 'already-registering'],
  ['disconnect: now null', (e) => e.disconnect(null as unknown as number), 'invalid-now'],
];

describe('ProvisioningEngine refuses wrong calls with a typed error, changing nothing', () => {
  it.each(DPS_CALLS)('%s → %s', (_what, wrong, code) => {
    const a = busyProvisioning();
    const b = busyProvisioning();
    expect(thrownBy(() => wrong(a)).code).toBe(code);
    expect(drain(a)).toEqual(drain(b));
    expect(followUpDps(a)).toEqual(followUpDps(b));
  });

  it.each([
    ['undefined', 'invalid-options', undefined],
    ['null', 'invalid-options', null],
    ['an unknown key', 'invalid-options', { ...DPS_OPTIONS, scope: 'x' }],
    ['idScope 5', 'invalid-id-scope', { ...DPS_OPTIONS, idScope: 5 }],
    ['idScope with /', 'invalid-id-scope', { ...DPS_OPTIONS, idScope: '0ne/x' }],
    ['registrationId undefined', 'invalid-registration-id', { ...DPS_OPTIONS, registrationId: undefined }],
    ['registrationId -bad-', 'invalid-registration-id', { ...DPS_OPTIONS, registrationId: '-bad-' }],
    ['apiVersion {}', 'invalid-api-version', { ...DPS_OPTIONS, apiVersion: {} }],
    ['clientVersion 5', 'invalid-client-version', { ...DPS_OPTIONS, clientVersion: 5 }],
    ['clientVersion of 65 536 bytes', 'invalid-client-version', { ...DPS_OPTIONS, clientVersion: BIG }],
    ['keepAliveSeconds 1178', 'invalid-keep-alive-seconds', { ...DPS_OPTIONS, keepAliveSeconds: 1178 }],
    ['requestTimeoutMs "1"', 'invalid-request-timeout-ms', { ...DPS_OPTIONS, requestTimeoutMs: '1' }],
    ['registrationTimeoutMs 0', 'invalid-registration-timeout-ms', { ...DPS_OPTIONS, registrationTimeoutMs: 0 }],
    ['maxTransientRetries -1', 'invalid-max-transient-retries', { ...DPS_OPTIONS, maxTransientRetries: -1 }],
    ['maxPacketBytes 1e9', 'invalid-max-packet-bytes', { ...DPS_OPTIONS, maxPacketBytes: 1e9 }],
    ['random "x"', 'invalid-random', { ...DPS_OPTIONS, random: 'x' }],
    ['random returning NaN', 'invalid-random', { ...DPS_OPTIONS, random: () => nan }],
  ] as const)('new ProvisioningEngine: %s → %s', (_what, code, options) => {
    expect(thrownBy(() => new ProvisioningEngine(options as ProvisioningEngineOptions)).code).toBe(code);
  });
});

// --------------------------------------------------------------------------------- helpers

const HELPER_CALLS: readonly [string, () => unknown, string][] = [
  ['json(undefined)', () => json(undefined as unknown as Uint8Array), 'invalid-body'],
  ['json("{}")', () => json('{}' as unknown as Uint8Array), 'invalid-body'],
  ['json of bytes that are not JSON', () => json(Uint8Array.of(0x7b)), 'invalid-body'],
  ['text(null)', () => text(null as unknown as Uint8Array), 'invalid-body'],
  ['parseJsonObject(5)', () => parseJsonObject(5 as unknown as Uint8Array), 'invalid-body'],
  ['utf8(5)', () => utf8(5 as unknown as string), 'invalid-body'],
  ['utf8 of a lone surrogate', () => utf8('\udfff'), 'invalid-body'],
  ['seededRandom("x")', () => seededRandom('x' as unknown as number), 'invalid-seed'],
  ['seededRandom(1.5)', () => seededRandom(1.5), 'invalid-seed'],
  ['new ReconnectBackoff(undefined)', () => new ReconnectBackoff(undefined as unknown as { random: () => number }), 'invalid-options'],
  ['new ReconnectBackoff without random', () => new ReconnectBackoff({} as { random: () => number }), 'invalid-random'],
  ['ReconnectBackoff maxMs -1', () => new ReconnectBackoff({ random: () => 0, maxMs: -1 }), 'invalid-max-ms'],
  ['ReconnectBackoff throttledFloorMs NaN', () => new ReconnectBackoff({ random: () => 0, throttledFloorMs: nan }), 'invalid-throttled-floor-ms'],
  ['ReconnectBackoff.next("later")', () => new ReconnectBackoff({ random: () => 0 }).next('later' as 'unknown'), 'invalid-backoff-reason'],
  ['ReconnectBackoff.next with a random returning 2', () => new ReconnectBackoff({ random: () => 2 }).next('connection-lost'), 'invalid-random'],
  ['componentPatch("bad name", {})', () => componentPatch('bad name', {}), 'invalid-component'],
  ['componentPatch(undefined, null)', () => componentPatch(undefined, null as unknown as Record<string, unknown>), 'invalid-body'],
  ['writablePropertyAck("", ack)', () => writablePropertyAck('', { value: 1, ac: 200, av: 1 }), 'invalid-body'],
  ['writablePropertyAck(name, null)', () => writablePropertyAck('p', null as unknown as { value: 1; ac: 200; av: 1 }), 'invalid-body'],
  ['writablePropertyAck with av "1"', () => writablePropertyAck('p', { value: 1, ac: 200, av: '1' as unknown as number }), 'invalid-body'],
  ['writablePropertyAck with a NaN value', () => writablePropertyAck('p', { value: nan, ac: 200, av: 1 }), 'invalid-body'],
  ['isRetriable("429")', () => isRetriable('429' as unknown as number), 'invalid-status'],
  ['isSuccess(undefined)', () => isSuccess(undefined as unknown as number), 'invalid-status'],
  ['failureReason(NaN)', () => failureReason(nan), 'invalid-status'],
  ['connectRefusedReason(256)', () => connectRefusedReason(256), 'invalid-return-code'],
  ['isConnectRetriable(null)', () => isConnectRetriable(null as unknown as number), 'invalid-return-code'],
  ['TimerTable.set(9, 1)', () => new TimerTable().set(9 as 0, 1), 'invalid-timer'],
  ['TimerTable.set(0, NaN)', () => new TimerTable().set(0, nan), 'invalid-deadline'],
  ['TimerTable.expire(0, undefined)', () => new TimerTable().expire(0, undefined as unknown as number), 'invalid-now'],
  ['new RidTable(undefined)', () => new RidTable(undefined as unknown as () => number), 'invalid-random'],
  ['RidTable.issue(v, "10")', () => new RidTable(() => 0.5).issue(1, '10' as unknown as number), 'invalid-deadline'],
];

describe('the helpers refuse wrong arguments with a typed error naming them', () => {
  it.each(HELPER_CALLS)('%s → %s', (_what, wrong, code) => {
    const error = thrownBy(wrong);
    expect(error.code).toBe(code);
    if (code !== 'invalid-now') expect(error).toBeInstanceOf(InvalidIntentError);
  });
});
