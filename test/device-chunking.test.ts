/**
 * Chunking independence (h11's reader tests, docs/design.md "Tests and benchmarks"): the hub's byte stream split at any
 * fast-check-chosen points produces exactly the events of the whole stream, and the very same
 * transmitted bytes, byte for byte (PUBACKs, SUBSCRIBEs, re-sent requests), with the driver writing
 * after every read as a real one does — also when the stream breaks after deliveries it acknowledged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEngine, DeviceEvent } from '@hubwire/core';
import { concat, split } from '../packages/core/test/mqtt-oracle.ts';
import { connectedEngine, drainEvents } from './support/scripted-hub.ts';
import type { ScriptedHub } from './support/scripted-hub.ts';

/** An engine with three twin requests and three QoS 1 messages awaiting answers. */
function prepared(): { engine: DeviceEngine; hub: ScriptedHub; rids: string[]; packetIds: number[] } {
  const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
  const rids = [engine.getTwin(1).rid, engine.patchReported(1, { a: 1 }).rid, engine.getTwin(1).rid];
  for (let i = 0; i < 3; i++) engine.publishTelemetry(1, `t${i}`);
  const packetIds = hub
    .take(engine)
    .filter((p) => p.cmd === 'publish' && p.qos === 1)
    .map((p) => p.messageId!);
  return { engine, hub, rids, packetIds };
}

/** One inbound packet, described so either engine copy can build the same bytes. */
type Step = (hub: ScriptedHub, rids: string[], packetIds: number[]) => Uint8Array;

const text = fc.string({ maxLength: 40 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(text, fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), text, { maxKeys: 3 }), fc.constantFrom(0 as const, 1 as const)).map(
    ([body, application, qos]): Step => (hub) => hub.c2d('d1', body, { messageId: 'm', application }, qos),
  ),
  fc.tuple(fc.nat(2), fc.constantFrom(200, 204, 429, 500), fc.jsonValue()).map(
    ([i, status, value]): Step => (hub, rids) => hub.twinResponse(status, rids[i]!, { desired: { v: value, $version: 3 }, reported: {} }, status === 204 ? 9 : undefined),
  ),
  fc.tuple(fc.nat(10), fc.jsonValue()).map(([version, value]): Step => (hub) => hub.desiredPatch(version, { value })),
  fc.tuple(fc.stringMatching(/^[a-z]{1,10}(\*[a-z]{1,10})?$/), fc.stringMatching(/^[0-9a-f]{1,8}$/), fc.uint8Array({ maxLength: 300 })).map(
    ([name, rid, body]): Step => (hub) => hub.methodRequest(name, rid, body),
  ),
  fc.nat(2).map((i): Step => (hub, _rids, packetIds) => hub.puback(packetIds[i]!)),
  fc.constant((hub: ScriptedHub) => hub.pingresp()),
  fc.uint8Array({ minLength: 200, maxLength: 3000 }).map((body): Step => (hub) => hub.c2d('d1', body)),
);

/** Cuts `bytes` at the given fractions of its length. */
function splitAtFractions(bytes: Uint8Array, fractions: readonly number[]): Uint8Array[] {
  return split(bytes, fractions.map((f) => Math.floor(f * bytes.length)));
}

/** Every byte the engine hands the driver now, in order, as one array. */
function transmitted(engine: DeviceEngine): number[] {
  const out: number[] = [];
  for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) out.push(...bytes);
  return out;
}

/** Events with bodies as plain arrays, so views into different chunks compare by content. */
function comparable(events: DeviceEvent[]): unknown[] {
  return events.map((e) => ('body' in e ? { ...e, body: [...e.body] } : e));
}

describe('receive', () => {
  it('yields the same events and the same transmitted bytes however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }), (steps, cuts) => {
        const whole = prepared();
        const chunked = prepared();
        expect(chunked.rids).toEqual(whole.rids);
        const stream = concat(steps.map((s) => s(whole.hub, whole.rids, whole.packetIds)));
        whole.engine.receive(2, stream);
        const wholeBytes = transmitted(whole.engine);
        const chunkedBytes: number[] = [];
        for (const chunk of splitAtFractions(stream, cuts)) {
          chunked.engine.receive(2, chunk);
          chunkedBytes.push(...transmitted(chunked.engine)); // a driver writes after every read
        }
        expect(chunkedBytes).toEqual(wholeBytes);
        const expected = comparable(drainEvents(whole.engine));
        expect(comparable(drainEvents(chunked.engine))).toEqual(expected);
        expect([chunked.engine.state, chunked.engine.pendingRequests, chunked.engine.inFlightTelemetry]).toEqual([
          whole.engine.state,
          whole.engine.pendingRequests,
          whole.engine.inFlightTelemetry,
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('hands out the same bytes, earned PUBACKs included, when the stream breaks after deliveries, however it is chunked', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), (steps, cuts) => {
        const whole = prepared();
        const chunked = prepared();
        // A second CONNACK breaks the stream [MQTT-3.2.0-1] after every delivery of the chunk.
        const stream = (copy: ReturnType<typeof prepared>): Uint8Array =>
          concat([...steps.map((s) => s(copy.hub, copy.rids, copy.packetIds)), copy.hub.connack()]);
        whole.engine.receive(2, stream(whole));
        const wholeBytes = transmitted(whole.engine);
        const chunkedBytes: number[] = [];
        for (const part of splitAtFractions(stream(chunked), cuts)) {
          chunked.engine.receive(2, part);
          chunkedBytes.push(...transmitted(chunked.engine)); // a driver writes after every read
        }
        expect(chunkedBytes).toEqual(wholeBytes);
        expect(whole.engine.state).toBe('disconnected');
        expect(drainEvents(whole.engine)).toContainEqual(expect.objectContaining({ type: 'connection-lost', reason: 'protocol-error' }));
      }),
      { numRuns: 150 },
    );
  });

  it('writes the PUBACK of a QoS 1 C2D that arrived in the same chunk as a stream-breaking packet', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
    engine.receive(1, concat([hub.c2d('d1', 'hello', { messageId: 'm' }, 1), hub.connack()]));
    const sent = hub.take(engine);
    expect(sent.map((p) => p.cmd)).toEqual(['puback']);
    expect(drainEvents(engine).map((e) => e.type)).toEqual(['c2d', 'protocol-error', 'connection-lost']);
  });

  it('yields the same events when fed one byte at a time', () => {
    const whole = prepared();
    const bytewise = prepared();
    const stream = concat([
      whole.hub.c2d('d1', 'hello', { application: { k: 'v' } }),
      whole.hub.twinResponse(200, whole.rids[0]!, { desired: { $version: 2 }, reported: { $version: 1 } }),
      whole.hub.puback(whole.packetIds[1]!),
      whole.hub.desiredPatch(5, { x: 1 }),
    ]);
    whole.engine.receive(2, stream);
    for (let i = 0; i < stream.length; i++) bytewise.engine.receive(2, stream.subarray(i, i + 1));
    const expected = comparable(drainEvents(whole.engine));
    expect(expected.map((e) => (e as DeviceEvent).type)).toEqual(['c2d', 'twin', 'telemetry-acked', 'desired-patch']);
    expect(comparable(drainEvents(bytewise.engine))).toEqual(expected);
  });
});
