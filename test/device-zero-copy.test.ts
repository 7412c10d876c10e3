/**
 * Large payloads leave the engine by reference (DeviceEngine.pollTransmit): a PUBLISH whose payload
 * is SEPARATE_PAYLOAD_BYTES or more comes out of `pollTransmit` as its header and then the
 * application's own memory, and the two are byte for byte the packet a one-piece encoder makes.
 * mqtt-packet is the oracle: it parses what the engine queued and generates the same bytes again.
 */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { DeviceEngine, encodePublish, SEPARATE_PAYLOAD_BYTES } from '@hubwire/core';
import { telemetryTopic } from '@hubwire/topics';
import { connectedEngine, drainEvents, exchange, HOST, ofType, ScriptedHub, seededRandom } from './support/scripted-hub.ts';

/** Every entry `pollTransmit` holds, in order. */
function transmitted(engine: DeviceEngine): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) out.push(bytes);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** The one packet mqtt-packet parses out of `bytes`, and what its generate makes of that packet. */
function oracle(bytes: Uint8Array): { packet: mqttPacket.IPublishPacket; regenerated: Uint8Array } {
  const packets: mqttPacket.Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    throw e;
  });
  parser.parse(Buffer.from(bytes));
  expect(packets).toHaveLength(1);
  const packet = packets[0] as mqttPacket.IPublishPacket;
  expect(packet.cmd).toBe('publish');
  return { packet, regenerated: Uint8Array.from(mqttPacket.generate(packet)) };
}

/** Whether `view` is `body`'s memory itself: same ArrayBuffer, offset and length, and a plain Uint8Array. */
function isSameMemory(view: Uint8Array, body: Uint8Array): boolean {
  return view.constructor === Uint8Array && view.buffer === body.buffer && view.byteOffset === body.byteOffset && view.length === body.length;
}

/** Bodies around the threshold and the largest ones, inside a larger ArrayBuffer (an offset view) half the time. */
const body = fc
  .record({
    length: fc.oneof(
      fc.integer({ min: 0, max: 3 * SEPARATE_PAYLOAD_BYTES }),
      fc.constantFrom(SEPARATE_PAYLOAD_BYTES - 1, SEPARATE_PAYLOAD_BYTES, 16_384, 65_536, 262_000),
    ),
    offset: fc.constantFrom(0, 3),
    fill: fc.integer({ min: 0, max: 255 }),
    asBuffer: fc.boolean(),
  })
  .map(({ length, offset, fill, asBuffer }) => {
    const memory = new Uint8Array(offset + length + 5);
    for (let i = 0; i < memory.length; i++) memory[i] = (fill + i) & 0xff;
    return asBuffer ? Buffer.from(memory.buffer, offset, length) : new Uint8Array(memory.buffer, offset, length);
  });

describe('large payloads by reference (pollTransmit)', () => {
  it('telemetry at any size: one entry below the threshold, header + the body itself from it on, the same bytes either way', () => {
    const { engine, hub } = connectedEngine({ subscribe: { c2d: false, methods: false, twin: false } });
    hub.take(engine);
    fc.assert(
      fc.property(body, fc.constantFrom(0, 1) as fc.Arbitrary<0 | 1>, fc.boolean(), (payload, qos, withProperties) => {
        const options = withProperties ? { qos, contentType: 'application/json', properties: { n: String(payload.length) } } : { qos };
        engine.publishTelemetry(1, payload, options);
        const entries = transmitted(engine);
        const bytes = concat(entries);
        const { packet, regenerated } = oracle(bytes);
        expect(Buffer.from(regenerated).equals(Buffer.from(bytes))).toBe(true);
        const topic = withProperties ? telemetryTopic({ deviceId: 'd1' }, { contentType: 'application/json', application: { n: String(payload.length) } }) : telemetryTopic({ deviceId: 'd1' });
        expect(packet.topic).toBe(topic);
        expect(packet.qos).toBe(qos);
        expect(Buffer.from(packet.payload as Uint8Array).equals(Buffer.from(payload.buffer, payload.byteOffset, payload.length))).toBe(true);
        // The one-piece encoder makes the very same bytes.
        const id = qos === 1 ? { messageId: packet.messageId as number } : {};
        expect(Buffer.from(encodePublish({ topic, payload, qos, ...id })).equals(Buffer.from(bytes))).toBe(true);
        if (payload.length < SEPARATE_PAYLOAD_BYTES) {
          expect(entries).toHaveLength(1);
        } else {
          expect(entries).toHaveLength(2);
          expect(isSameMemory(entries[1] as Uint8Array, payload)).toBe(true);
          expect((entries[0] as Uint8Array).buffer).not.toBe(payload.buffer);
        }
        if (qos === 1) engine.receive(1, hub.puback(packet.messageId as number));
        expect(ofType(drainEvents(engine), 'telemetry-acked')).toHaveLength(qos);
      }),
      { numRuns: 60 },
    );
  });

  it('re-sends an unacknowledged large message after a resumed reconnect by reference again, with DUP set', () => {
    const { engine, hub } = connectedEngine({ cleanSession: false });
    hub.policy.keepSessions = true;
    hub.policy.ackTelemetry = false;
    const payload = new Uint8Array(20_000).fill(7);
    engine.publishTelemetry(1, payload, { qos: 1 });
    const first = transmitted(engine);
    expect(first).toHaveLength(2);
    engine.connectionLost(2, 'test');
    drainEvents(engine);
    engine.connect(3, { password: 'SharedAccessSignature sr=x&sig=y&se=1' });
    const connect = transmitted(engine);
    hub.newConnection();
    engine.receive(3, hub.connack(0, true));
    // The message first, in its two entries; the twin re-read of a reconnect follows it.
    const [header, again, ...others] = transmitted(engine);
    const resent = [header as Uint8Array, again as Uint8Array];
    expect(connect).toHaveLength(1);
    expect(others.map((b) => oracle(b).packet.topic.startsWith('$iothub/twin/GET/'))).toEqual([true]);
    expect(isSameMemory(resent[1] as Uint8Array, payload)).toBe(true);
    const { packet, regenerated } = oracle(concat(resent));
    expect(packet.dup).toBe(true);
    expect(Buffer.from(regenerated).equals(Buffer.from(concat(resent)))).toBe(true);
    expect(packet.messageId).toBe(oracle(concat(first)).packet.messageId);
  });

  it('drops the body with its header when the connection is lost in between: nothing reaches the next socket', () => {
    const { engine } = connectedEngine({ subscribe: { c2d: false, methods: false, twin: false } });
    transmitted(engine);
    engine.publishTelemetry(1, new Uint8Array(10_000), { qos: 0 });
    expect(engine.pollTransmit()?.length).toBeLessThan(SEPARATE_PAYLOAD_BYTES); // the header only
    engine.connectionLost(2, 'test');
    expect(engine.pollTransmit()).toBeUndefined();
    engine.connect(3, { password: 'SharedAccessSignature sr=x&sig=y&se=1' });
    expect(transmitted(engine).map((b) => b[0])).toEqual([0x10]); // CONNECT alone
  });

  it('answers a method and patches the twin by reference too, each the packet the oracle regenerates', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: seededRandom(3) });
    const hub = new ScriptedHub();
    engine.connect(0, { password: 'SharedAccessSignature sr=x&sig=y&se=1' });
    exchange(engine, hub, 0);
    drainEvents(engine);
    engine.receive(1, hub.methodRequest('dump', '7'));
    expect(ofType(drainEvents(engine), 'method-request')).toHaveLength(1);
    const answer = new Uint8Array(100_000).fill(0x30);
    engine.respondMethod(1, '7', 200, answer);
    const method = transmitted(engine);
    expect(method).toHaveLength(2);
    expect(isSameMemory(method[1] as Uint8Array, answer)).toBe(true);
    const parsed = oracle(concat(method));
    expect(parsed.packet.topic).toBe('$iothub/methods/res/200/?$rid=7');
    expect(Buffer.from(parsed.regenerated).equals(Buffer.from(concat(method)))).toBe(true);

    const patch = { blob: 'x'.repeat(8000) };
    engine.patchReported(2, patch);
    const sent = transmitted(engine);
    expect(sent).toHaveLength(2);
    const twin = oracle(concat(sent));
    expect(twin.packet.topic.startsWith('$iothub/twin/PATCH/properties/reported/?$rid=')).toBe(true);
    expect(JSON.parse(Buffer.from(twin.packet.payload as Uint8Array).toString('utf8'))).toEqual(patch);
    expect(Buffer.from(twin.regenerated).equals(Buffer.from(concat(sent)))).toBe(true);
  });
});
