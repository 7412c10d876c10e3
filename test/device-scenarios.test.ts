/**
 * DeviceEngine against the scripted in-memory hub: one scenario per feature of docs/protocol.md
 * §2 (connect), §5 (subscriptions), §7 (telemetry), §8 (C2D), §9 (twin), §10 (methods),
 * §11 (Plug and Play) and §12 (modules). Packets the engine sends are parsed by mqtt-packet.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessageProperties, parseOutboundTopic } from '@hubwire/topics';
import { componentPatch, DeviceEngine, json, writablePropertyAck } from '@hubwire/core';
import type { DeviceEvent } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange, HOST, ofType, ScriptedHub, seededRandom } from './support/scripted-hub.ts';

const TOKEN = 'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fd1&sig=abc%3D&se=1700000000';
const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

describe('connecting', () => {
  it('sends CONNECT with the IoT Hub client id, user name, SAS password, keep-alive and clean-session flag', () => {
    const engine = new DeviceEngine({
      hostName: HOST,
      deviceId: 'd1',
      modelId: 'dtmi:com:example:Thermostat;1',
      deviceClientType: 'hubwire/0.1.0',
      keepAliveSeconds: 120,
      random: seededRandom(1),
    });
    engine.connect(0, { password: TOKEN });
    const [connect] = new ScriptedHub().take(engine);
    expect(connect).toMatchObject({
      cmd: 'connect',
      clientId: 'd1',
      username: `${HOST}/d1/?api-version=2021-04-12&DeviceClientType=hubwire%2F0.1.0&model-id=dtmi%3Acom%3Aexample%3AThermostat%3B1`,
      keepalive: 120,
      clean: false,
    });
    expect(text(connect?.password)).toBe(TOKEN);
    expect(engine.state).toBe('connecting');
  });

  it('sends no password for X.509 and a custom api-version when asked', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', apiVersion: '2020-09-30', cleanSession: true });
    engine.connect(0);
    const [connect] = new ScriptedHub().take(engine);
    expect(connect?.password).toBeUndefined();
    expect(connect?.username).toBe(`${HOST}/d1/?api-version=2020-09-30`);
    expect(connect?.clean).toBe(true);
  });

  it('carries a Will on the telemetry topic with its property bag', () => {
    const engine = new DeviceEngine({
      hostName: HOST,
      deviceId: 'd1',
      will: { body: 'gone', properties: { contentType: 'text/plain', application: { why: 'power' } }, qos: 0 },
    });
    engine.connect(0);
    const [connect] = new ScriptedHub().take(engine);
    expect(connect?.will?.topic).toBe('devices/d1/messages/events/%24.ct=text%2Fplain&why=power');
    expect(text(connect?.will?.payload)).toBe('gone');
    expect(connect?.will?.qos).toBe(0);
    expect(connect?.will?.retain).toBe(false);
  });

  it('becomes connected on CONNACK 0 and subscribes C2D at QoS 1, methods and twin at QoS 0', () => {
    const { engine, events, sent } = connectedEngine();
    expect(engine.state).toBe('connected');
    expect(engine.isConnected).toBe(true);
    const subscribe = sent.find((p) => p.cmd === 'subscribe');
    expect(subscribe?.subscriptions).toEqual([
      { topic: 'devices/d1/messages/devicebound/#', qos: 1 },
      { topic: '$iothub/methods/POST/#', qos: 0 },
      { topic: '$iothub/twin/res/#', qos: 0 },
      { topic: '$iothub/twin/PATCH/properties/desired/#', qos: 0 },
    ]);
    expect(events[0]).toEqual({ type: 'connected', sessionPresent: false });
    expect(events[1]).toEqual({
      type: 'subscribed',
      topics: subscribe?.subscriptions?.map((s) => s.topic),
      granted: [1, 0, 0, 0],
    });
    expect(engine.activeSubscriptions).toEqual(subscribe?.subscriptions);
  });

  it('subscribes only what the options ask for, and twin responses on the first twin request', () => {
    const { engine, sent } = connectedEngine({ subscribe: { c2d: false, methods: true, twin: false } });
    expect(sent.find((p) => p.cmd === 'subscribe')?.subscriptions).toEqual([{ topic: '$iothub/methods/POST/#', qos: 0 }]);
    const hub = new ScriptedHub();
    engine.getTwin(1);
    const first = hub.take(engine);
    // The GET waits for the SUBACK of its response filter: a reply sent before would be lost (docs/protocol.md §9).
    expect(first.map((p) => p.cmd)).toEqual(['subscribe']);
    expect(first[0]?.subscriptions).toEqual([{ topic: '$iothub/twin/res/#', qos: 0 }]);
    engine.receive(1, hub.suback(first[0]!.messageId!, [0]));
    const second = hub.take(engine);
    expect(second.map((p) => parseOutboundTopic(p.topic!).kind)).toEqual(['twin-get']);
  });

  it('reports a refused subscription (0x80) as an event and records the QoS granted to the others', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1' });
    const hub = new ScriptedHub();
    hub.policy.grant = (topic, qos) => (topic.startsWith('$iothub/methods') ? 0x80 : topic.startsWith('devices/') ? 0 : qos);
    engine.connect(0);
    exchange(engine, hub, 0);
    const events = drainEvents(engine);
    expect(ofType(events, 'subscription-refused')).toEqual([
      { type: 'subscription-refused', topic: '$iothub/methods/POST/#', returnCode: 0x80 },
    ]);
    expect(ofType(events, 'subscribed')[0]?.granted).toEqual([0, 0, 0]);
    expect(engine.activeSubscriptions.map((s) => [s.topic, s.qos])).toEqual([
      ['devices/d1/messages/devicebound/#', 0],
      ['$iothub/twin/res/#', 0],
      ['$iothub/twin/PATCH/properties/desired/#', 0],
    ]);
  });

  it('ends twin requests as rejected when the hub refuses the twin response subscription', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(5) });
    const hub = new ScriptedHub();
    hub.policy.grant = (topic, qos) => (topic === '$iothub/twin/res/#' ? 0x80 : qos);
    const { rid } = engine.getTwin(0);
    engine.connect(0);
    const sent = exchange(engine, hub, 0);
    expect(sent.some((p) => p.topic?.startsWith('$iothub/twin/GET/'))).toBe(false);
    expect(ofType(drainEvents(engine), 'request-failed')).toEqual([
      { type: 'request-failed', intent: 'get-twin', rid, reason: 'rejected', retriable: false },
    ]);
    expect(engine.pendingRequests).toBe(0);
  });

  it.each([
    [1, 'unacceptable-protocol-version', false],
    [2, 'identifier-rejected', false],
    [3, 'server-unavailable', true],
    [4, 'bad-username-or-password', false],
    [5, 'not-authorized', true],
    [6, 'unknown', false],
  ] as const)('maps a CONNACK refusal with code %i to reason %s (retriable: %s)', (code, reason, retriable) => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1' });
    const hub = new ScriptedHub();
    hub.policy.connackCode = code;
    engine.connect(0);
    exchange(engine, hub, 0);
    expect(drainEvents(engine)).toEqual([{ type: 'connect-failed', returnCode: code, reason, retriable }]);
    expect(engine.state).toBe('disconnected');
    expect(engine.pollTimeout()).toBeUndefined();
  });

  it('ends twin requests made before a refused CONNACK with connection-lost', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(2) });
    const hub = new ScriptedHub();
    hub.policy.connackCode = 5;
    const { rid } = engine.getTwin(0);
    engine.connect(0);
    exchange(engine, hub, 0);
    const events = drainEvents(engine);
    expect(events.map((e) => e.type)).toEqual(['connect-failed', 'request-failed']);
    expect(events[1]).toEqual({ type: 'request-failed', intent: 'get-twin', rid, reason: 'connection-lost', retriable: true });
  });
});

describe('telemetry', () => {
  it('publishes QoS 0 without an event and QoS 1 until its PUBACK, which names the id', () => {
    const { engine, hub } = connectedEngine();
    const zero = engine.publishTelemetry(1, 'a', { qos: 0 });
    const one = engine.publishTelemetry(1, new TextEncoder().encode('b'));
    const sent = exchange(engine, hub, 1);
    expect(sent.map((p) => [p.topic, p.qos, text(p.payload)])).toEqual([
      ['devices/d1/messages/events/', 0, 'a'],
      ['devices/d1/messages/events/', 1, 'b'],
    ]);
    expect(one.id).toBeGreaterThan(zero.id);
    expect(drainEvents(engine)).toEqual([{ type: 'telemetry-acked', id: one.id }]);
    expect(engine.inFlightTelemetry).toBe(0);
  });

  it('puts every system property and the application properties in the bag, decodable by the hub', () => {
    const { engine, hub } = connectedEngine();
    const system = {
      messageId: 'm-1',
      correlationId: 'c/1',
      userId: 'u 1',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      to: '/x',
      expiryTimeUtc: '2030-01-01T00:00:00Z',
      creationTimeUtc: '2021-04-21T11:30:16Z',
      component: 'thermostat1',
      interfaceId: 'urn:azureiot:Security:SecurityAgent:1',
      diagnosticId: 'diag',
      diagnosticContext: 'creationtimeutc=2021',
    };
    engine.publishTelemetry(1, '{}', { ...system, properties: { alert: 'high temp', flag: null } });
    const [publish] = exchange(engine, hub, 1);
    const topic = parseOutboundTopic(publish!.topic!);
    expect(topic.kind).toBe('telemetry');
    if (topic.kind !== 'telemetry') return;
    expect(topic.properties).toMatchObject(system);
    expect({ ...topic.properties.application }).toEqual({ alert: 'high temp', flag: null });
    expect(publish!.topic).toContain('%24.sub=thermostat1');
  });

  it('names a module output with $.on on the module telemetry topic', () => {
    const { engine, hub } = connectedEngine({ moduleId: 'filter' });
    engine.publishTelemetry(1, 'x', { outputName: 'alerts' });
    const [publish] = exchange(engine, hub, 1);
    expect(publish?.topic).toBe('devices/d1/modules/filter/messages/events/%24.on=alerts');
  });

  it('queues telemetry published while disconnected and sends it after CONNACK, in order', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(3) });
    const hub = new ScriptedHub();
    const ids = [engine.publishTelemetry(0, '1').id, engine.publishTelemetry(0, '2', { qos: 0 }).id, engine.publishTelemetry(0, '3').id];
    expect(engine.queuedTelemetry).toBe(3);
    expect(engine.pollTransmit()).toBeUndefined();
    engine.connect(1);
    exchange(engine, hub, 1);
    expect(hub.telemetry.map((t) => t.body)).toEqual(['1', '2', '3']);
    expect(ofType(drainEvents(engine), 'telemetry-acked').map((e) => e.id)).toEqual([ids[0], ids[2]]);
  });

  it('keeps at most maxInFlight QoS 1 messages awaiting PUBACK and sends the rest as acks arrive', () => {
    const { engine, hub } = connectedEngine({ maxInFlight: 2 });
    hub.policy.ackTelemetry = false;
    for (let i = 0; i < 5; i++) engine.publishTelemetry(1, String(i));
    const first = hub.take(engine);
    expect(first.map((p) => text(p.payload))).toEqual(['0', '1']);
    expect(engine.inFlightTelemetry).toBe(2);
    expect(engine.queuedTelemetry).toBe(3);
    engine.receive(2, hub.puback(first[0]!.messageId!));
    expect(hub.take(engine).map((p) => text(p.payload))).toEqual(['2']);
  });
});

describe('cloud-to-device messages', () => {
  it('delivers a C2D message with its properties and acknowledges it with PUBACK', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.c2d('d1', 'hello', { messageId: 'm1', correlationId: 'c1', application: { color: 'red', 'a b': 'x&y' } }));
    const [event] = drainEvents(engine);
    expect(event?.type).toBe('c2d');
    if (event?.type !== 'c2d') return;
    expect(text(event.body)).toBe('hello');
    expect(event.properties.messageId).toBe('m1');
    expect(event.properties.correlationId).toBe('c1');
    expect({ ...event.properties.application }).toEqual({ color: 'red', 'a b': 'x&y' });
    expect(event.ackId).toBeUndefined();
    expect(hub.take(engine)).toEqual([expect.objectContaining({ cmd: 'puback', messageId: 1 })]);
  });

  it('holds the PUBACK until ackC2d when manualC2dAck is on', () => {
    const { engine, hub } = connectedEngine({ manualC2dAck: true });
    engine.receive(1, hub.c2d('d1', 'x'));
    const [event] = drainEvents(engine);
    expect(event?.type === 'c2d' && event.ackId).toBe(1);
    expect(hub.take(engine)).toEqual([]);
    expect(engine.ackC2d(2, 1)).toBe(true);
    expect(hub.take(engine)).toEqual([expect.objectContaining({ cmd: 'puback', messageId: 1 })]);
    expect(engine.ackC2d(3, 1)).toBe(false);
    expect(() => engine.ackC2d(3, 99)).toThrow(expect.objectContaining({ code: 'unknown-ack-id' }));
  });

  it('refuses ackC2d when manual acknowledgement is off', () => {
    const { engine } = connectedEngine();
    expect(() => engine.ackC2d(0, 1)).toThrow(expect.objectContaining({ name: 'InvalidStateError', code: 'manual-ack-off' }));
  });

  it('delivers module inputs with the input name and sender, and never subscribes C2D for a module', () => {
    const { engine, hub, sent } = connectedEngine({ moduleId: 'm1' });
    expect(sent.find((p) => p.cmd === 'subscribe')?.subscriptions?.[0]).toEqual({ topic: 'devices/d1/modules/m1/#', qos: 1 });
    expect(sent.flatMap((p) => p.subscriptions ?? []).some((s) => s.topic.includes('devicebound'))).toBe(false);
    engine.receive(1, hub.moduleInput('d1', 'm1', 'input1', '{"t":1}', { connectionDeviceId: 'd1', connectionModuleId: 'sensor' }));
    const [event] = drainEvents(engine);
    expect(event).toMatchObject({ type: 'module-input', inputName: 'input1' });
    if (event?.type !== 'module-input') return;
    expect(json(event.body)).toEqual({ t: 1 });
    expect(event.properties.connectionModuleId).toBe('sensor');
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['puback']);
  });

  it('reports a C2D message for another device as a protocol error, still acknowledges it and carries on', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.c2d('other', 'x'));
    const events = drainEvents(engine);
    expect(events).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'unknown-topic' })]);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['puback']);
    expect(engine.state).toBe('connected');
  });
  it('sends manual PUBACKs in the order the messages arrived, whatever order the application acknowledges in', () => {
    const { engine, hub } = connectedEngine({ manualC2dAck: true });
    for (const body of ['a', 'b', 'c']) engine.receive(1, hub.c2d('d1', body));
    expect(drainEvents(engine).map((e) => (e.type === 'c2d' ? e.ackId : undefined))).toEqual([1, 2, 3]);
    const pubacks = (): (number | undefined)[] => hub.take(engine).map((p) => (p.cmd === 'puback' ? p.messageId : -1));
    expect(engine.ackC2d(2, 3)).toBe(true);
    expect(pubacks()).toEqual([]); // 1 and 2 arrived first [MQTT-4.6.0-2]
    expect(engine.ackC2d(2, 3)).toBe(false); // already acknowledged, though its PUBACK still waits
    expect(engine.ackC2d(3, 1)).toBe(true);
    expect(pubacks()).toEqual([1]);
    expect(engine.ackC2d(4, 2)).toBe(true);
    expect(pubacks()).toEqual([2, 3]);
    expect(engine.ackC2d(5, 1)).toBe(false);
  });

  it('keeps module-input PUBACKs in receipt order too', () => {
    const { engine, hub } = connectedEngine({ moduleId: 'm1', manualC2dAck: true });
    engine.receive(1, hub.moduleInput('d1', 'm1', 'in', 'a'));
    engine.receive(1, hub.moduleInput('d1', 'm1', 'in', 'b'));
    drainEvents(engine);
    expect(engine.ackC2d(2, 2)).toBe(true);
    expect(hub.take(engine)).toEqual([]);
    expect(engine.ackC2d(3, 1)).toBe(true);
    expect(hub.take(engine).map((p) => [p.cmd, p.messageId])).toEqual([['puback', 1], ['puback', 2]]);
  });

  it('holds a PUBACK the engine owes by itself behind a pending manual one', () => {
    const { engine, hub } = connectedEngine({ manualC2dAck: true });
    engine.receive(1, hub.c2d('d1', 'mine'));
    engine.receive(1, hub.c2d('other', 'stray')); // QoS 1 on an unexpected topic: the engine acknowledges it
    expect(drainEvents(engine).map((e) => e.type)).toEqual(['c2d', 'protocol-error']);
    expect(hub.take(engine)).toEqual([]);
    expect(engine.ackC2d(2, 1)).toBe(true);
    expect(hub.take(engine).map((p) => [p.cmd, p.messageId])).toEqual([['puback', 1], ['puback', 2]]);
    engine.receive(3, hub.c2d('other', 'stray again')); // nothing pending: acknowledged at once
    expect(hub.take(engine).map((p) => [p.cmd, p.messageId])).toEqual([['puback', 3]]);
  });

  it('forgets pending manual acknowledgements when the connection is lost', () => {
    const { engine, hub } = connectedEngine({ manualC2dAck: true });
    engine.receive(1, hub.c2d('d1', 'a'));
    engine.receive(1, hub.c2d('d1', 'b'));
    expect(engine.ackC2d(2, 2)).toBe(true);
    engine.connectionLost(3);
    drainEvents(engine);
    expect(engine.ackC2d(4, 1)).toBe(false);
    expect(engine.ackC2d(4, 2)).toBe(false);
    hub.newConnection();
    engine.connect(5);
    exchange(engine, hub, 5);
    engine.receive(6, hub.c2d('d1', 'c'));
    const [event] = drainEvents(engine).filter((e) => e.type === 'c2d');
    expect(event?.type === 'c2d' && event.ackId).toBe(3);
    expect(engine.ackC2d(7, 3)).toBe(true);
    expect(hub.take(engine).map((p) => [p.cmd, p.messageId])).toEqual([['puback', 3]]); // nothing old blocks it
  });
});

describe('the device twin', () => {
  it('answers getTwin with a twin event carrying rid, status, sections and versions', () => {
    const { engine, hub } = connectedEngine();
    hub.desired = { mode: 'eco', $version: 7 };
    hub.reported = { fw: '1.0', $version: 3 };
    const { rid } = engine.getTwin(1);
    exchange(engine, hub, 1);
    const [event] = drainEvents(engine);
    expect(event).toMatchObject({
      type: 'twin',
      rid,
      status: 200,
      desired: { mode: 'eco', $version: 7 },
      reported: { fw: '1.0', $version: 3 },
      desiredVersion: 7,
      reportedVersion: 3,
    });
    expect(engine.pendingRequests).toBe(0);
  });

  it('patches reported properties and reports the new version; PnP helpers shape component patches', () => {
    const { engine, hub } = connectedEngine();
    const patch = {
      ...componentPatch('thermostat1', { maxTempSinceLastReboot: 38.7 }),
      ...writablePropertyAck('targetTemperature', { value: 21, ac: 200, av: 7, ad: 'ok' }, 'thermostat2'),
    };
    const { rid } = engine.patchReported(1, patch);
    const [publish] = exchange(engine, hub, 1);
    expect(publish?.topic).toBe(`$iothub/twin/PATCH/properties/reported/?$rid=${rid}`);
    expect(JSON.parse(text(publish?.payload))).toEqual({
      thermostat1: { __t: 'c', maxTempSinceLastReboot: 38.7 },
      thermostat2: { __t: 'c', targetTemperature: { value: 21, ac: 200, av: 7, ad: 'ok' } },
    });
    expect(drainEvents(engine)).toEqual([{ type: 'reported-patched', rid, status: 204, version: 2 }]);
  });

  it.each([
    [429, 'throttled', true],
    [500, 'server-error', true],
    [503, 'server-error', true],
    [400, 'rejected', false],
    [404, 'rejected', false],
  ] as const)('turns twin status %i into request-failed %s (retriable: %s)', (status, reason, retriable) => {
    const { engine, hub } = connectedEngine();
    hub.policy.twinStatuses.push(status);
    const { rid } = engine.patchReported(1, { a: 1 });
    exchange(engine, hub, 1);
    expect(drainEvents(engine)).toEqual([{ type: 'request-failed', intent: 'patch-reported', rid, reason, status, retriable }]);
  });

  it('fails a twin answer whose body is not a JSON object as malformed-response', () => {
    const { engine, hub } = connectedEngine({ subscribe: { twin: true } });
    const { rid } = engine.getTwin(1);
    hub.take(engine);
    engine.receive(1, hub.twinResponse(200, rid, 'not json'));
    expect(drainEvents(engine)).toEqual([
      { type: 'request-failed', intent: 'get-twin', rid, reason: 'malformed-response', status: 200, retriable: false },
    ]);
  });

  it('drops an answer for an unknown rid without an event', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.twinResponse(200, 'nobody', { desired: {}, reported: {} }));
    expect(drainEvents(engine)).toEqual([]);
  });

  it('surfaces desired patches once per $version and drops stale and duplicate ones', () => {
    const { engine, hub } = connectedEngine();
    hub.desired = { $version: 4 };
    engine.getTwin(1);
    exchange(engine, hub, 1);
    drainEvents(engine);
    for (const version of [3, 4, 5, 5, 7, 6]) engine.receive(2, hub.desiredPatch(version, { target: version }));
    const patches = ofType(drainEvents(engine), 'desired-patch');
    expect(patches.map((p) => [p.version, p.patch['target']])).toEqual([
      [5, 5],
      [7, 7],
    ]);
    expect(json(patches[0]!.body)).toEqual({ target: 5, $version: 5 });
  });

  it('reports a desired patch whose body is not JSON as a protocol error', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.publish('$iothub/twin/PATCH/properties/desired/?$version=2', '{oops'));
    expect(drainEvents(engine)).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'malformed-body' })]);
    expect(engine.state).toBe('connected');
  });
});

describe('direct methods and commands', () => {
  it('delivers a method request and sends the response on the same rid', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.methodRequest('reboot', 'r42', { delay: 5 }));
    const [event] = drainEvents(engine);
    expect(event).toMatchObject({ type: 'method-request', rid: 'r42', methodName: 'reboot', commandName: 'reboot' });
    expect(event && 'component' in event).toBe(false);
    if (event?.type !== 'method-request') return;
    expect(json(event.body)).toEqual({ delay: 5 });
    engine.respondMethod(2, event.rid, 200, { ok: true });
    const [response] = hub.take(engine);
    expect(response).toMatchObject({ cmd: 'publish', topic: '$iothub/methods/res/200/?$rid=r42', qos: 0 });
    expect(JSON.parse(text(response?.payload))).toEqual({ ok: true });
  });

  it('splits a PnP command into component and command name', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.methodRequest('thermostat1*getMaxMinReport', '7', '"2021-01-01"'));
    expect(drainEvents(engine)[0]).toMatchObject({
      type: 'method-request',
      methodName: 'thermostat1*getMaxMinReport',
      component: 'thermostat1',
      commandName: 'getMaxMinReport',
    });
  });

  it('sends an empty body, bytes or text as given', () => {
    const { engine, hub } = connectedEngine();
    engine.respondMethod(1, 'a', 204);
    engine.respondMethod(1, 'b', 200, new Uint8Array([0x7b, 0x7d]));
    engine.respondMethod(1, 'c', 500, '"failed"');
    expect(hub.take(engine).map((p) => [p.topic, text(p.payload)])).toEqual([
      ['$iothub/methods/res/204/?$rid=a', ''],
      ['$iothub/methods/res/200/?$rid=b', '{}'],
      ['$iothub/methods/res/500/?$rid=c', '"failed"'],
    ]);
  });
});

describe('disconnecting', () => {
  it('queues DISCONNECT, ends pending requests as closed and keeps telemetry for the next connect', () => {
    const { engine, hub } = connectedEngine();
    hub.policy.ackTelemetry = false;
    const { rid } = engine.getTwin(1);
    hub.policy.answerTwin = false;
    engine.publishTelemetry(1, 'keep');
    exchange(engine, hub, 1);
    engine.disconnect(2);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['disconnect']);
    const events: DeviceEvent[] = drainEvents(engine);
    expect(events).toEqual([
      { type: 'disconnected' },
      { type: 'request-failed', intent: 'get-twin', rid, reason: 'closed', retriable: true },
    ]);
    expect(engine.state).toBe('closed');
    expect(engine.inFlightTelemetry).toBe(1);
    expect(engine.pollTimeout()).toBeUndefined();
    engine.disconnect(3);
    expect(drainEvents(engine)).toEqual([]);
  });
});

describe('protocol violations by the hub', () => {
  it('reports a PUBACK or SUBACK for a packet id not in flight and carries on', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.puback(777));
    engine.receive(1, hub.suback(778, [0]));
    expect(drainEvents(engine).map((e) => e.type === 'protocol-error' && e.reason)).toEqual(['unknown-packet-id', 'unknown-packet-id']);
    expect(engine.state).toBe('connected');
  });

  it('drops the stream on a second CONNACK or a QoS 2 PUBLISH', () => {
    for (const bytes of [new ScriptedHub().connack(0), new ScriptedHub().publish('devices/d1/messages/devicebound/', 'x', 1)]) {
      const { engine } = connectedEngine();
      const packet = Uint8Array.from(bytes);
      if (packet[0] === 0x32) packet[0] = 0x34; // turn the QoS 1 PUBLISH into QoS 2
      engine.receive(1, packet);
      const events = drainEvents(engine);
      expect(events.map((e) => e.type)).toEqual(['protocol-error', 'connection-lost']);
      expect(events[0]).toMatchObject({ reason: 'unexpected-packet' });
      expect(engine.state).toBe('disconnected');
    }
  });
});
