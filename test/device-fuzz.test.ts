/**
 * Garbage in, typed result out, engine still alive (docs/design.md "Tests and benchmarks", after msgpack's fuzz target and
 * h11's AFL harness): random and mutated bytes into `receive` never throw, never leave more than
 * `maxPacketBytes` buffered, produce only events of the union, and leave the engine either working
 * or cleanly disconnected (and then able to connect again).
 */
import fc from 'fast-check';
import { InvalidIntentError } from '@hubwire/core';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange } from './support/scripted-hub.ts';
import type { ScriptedHub } from './support/scripted-hub.ts';

const MAX_PACKET = 4096;

const KNOWN: ReadonlySet<DeviceEvent['type']> = new Set<DeviceEvent['type']>([
  'connected', 'connect-failed', 'subscribed', 'subscription-refused', 'telemetry-acked', 'c2d', 'module-input', 'twin',
  'reported-patched', 'desired-patch', 'method-request', 'request-failed', 'token-expiring', 'connection-lost',
  'protocol-error', 'disconnected',
]);

/** A valid stream the hub could send, to mutate. */
function validStream(hub: ScriptedHub, rid: string): Uint8Array[] {
  return [
    hub.c2d('d1', 'hello', { messageId: 'm1', application: { a: 'b' } }),
    hub.twinResponse(200, rid, { desired: { $version: 2 }, reported: {} }),
    hub.desiredPatch(3, { x: 1 }),
    hub.methodRequest('thermostat1*reset', '9', '{}'),
    hub.pingresp(),
    hub.publish('$iothub/twin/res/200/?$rid=%zz', '{}', 1),
    hub.publish('devices/d1/messages/devicebound/a=%C3%28', 'x', 1),
  ];
}

/**
 * After garbage: the engine still completes a twin round trip, reconnecting first if it had to
 * drop the stream. Garbage that ends mid-packet leaves the stream waiting for bytes that never
 * come; the keep-alive deadline ends such a connection, here played by `connectionLost`.
 */
function stillWorks(engine: ReturnType<typeof connectedEngine>['engine'], hub: ScriptedHub): void {
  if (engine.bufferedBytes > 0) engine.connectionLost(9, 'ping timeout would fire');
  drainEvents(engine);
  if (engine.state !== 'connected') {
    expect(engine.state).toBe('disconnected');
    hub.newConnection();
    engine.connect(10);
  }
  const { rid } = engine.getTwin(10);
  exchange(engine, hub, 10);
  const ending = drainEvents(engine).filter((e) => 'rid' in e && e.rid === rid);
  expect(ending.map((e) => e.type)).toEqual(['twin']);
}

function feed(engine: ReturnType<typeof connectedEngine>['engine'], chunks: Uint8Array[]): DeviceEvent[] {
  const events: DeviceEvent[] = [];
  for (const chunk of chunks) {
    expect(() => engine.receive(5, chunk)).not.toThrow();
    expect(engine.bufferedBytes).toBeLessThanOrEqual(MAX_PACKET);
    events.push(...drainEvents(engine));
  }
  return events;
}

describe('receive on hostile input', () => {
  it('never throws on random bytes, stays bounded and still works afterwards', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 12 }), (chunks) => {
        const { engine, hub } = connectedEngine({ maxPacketBytes: MAX_PACKET, keepAliveSeconds: 0 });
        const events = feed(engine, chunks);
        for (const event of events) expect(KNOWN.has(event.type)).toBe(true);
        hub.take(engine); // PUBACKs for whatever parsed as QoS 1
        stillWorks(engine, hub);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on mutated valid streams (flipped, inserted, deleted bytes)', () => {
    const mutation = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), op: fc.constantFrom('flip', 'insert', 'delete'), byte: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), (mutations, cuts) => {
        const { engine, hub } = connectedEngine({ maxPacketBytes: MAX_PACKET, keepAliveSeconds: 0 });
        const { rid } = engine.getTwin(1);
        hub.take(engine);
        const bytes = [...validStream(hub, rid).flatMap((p) => [...p])];
        for (const m of mutations) {
          const i = Math.floor(m.at * bytes.length);
          if (m.op === 'flip') bytes[i] = (bytes[i] ?? 0) ^ (m.byte | 1);
          else if (m.op === 'insert') bytes.splice(i, 0, m.byte);
          else bytes.splice(i, 1);
        }
        const stream = Uint8Array.from(bytes);
        const points = [0, ...cuts.map((c) => Math.floor(c * stream.length)).sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((end, k) => stream.slice(points[k], end));
        const events = feed(engine, chunks);
        for (const event of events) expect(KNOWN.has(event.type)).toBe(true);
        // A stream broken at the framing level always says so twice: protocol-error, then connection-lost.
        if (engine.state === 'disconnected') expect(events.map((e) => e.type)).toContain('connection-lost');
        hub.take(engine);
        stillWorks(engine, hub);
      }),
      { numRuns: 400 },
    );
  });

  it('turns malformed topics on good packets into protocol errors and acknowledges them', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, hub.publish('$iothub/twin/res/200/?$rid=%zz', '{}', 1));
    engine.receive(1, hub.publish('devices/d1/messages/devicebound/a=%C3%28', 'x', 1));
    engine.receive(1, hub.publish('nowhere/at/all', 'x', 0));
    expect(drainEvents(engine).map((e) => e.type === 'protocol-error' && e.reason)).toEqual(['malformed-topic', 'malformed-topic', 'unknown-topic']);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['puback', 'puback']);
    expect(engine.state).toBe('connected');
  });

  it('accepts any view of bytes; a chunk that is not bytes is the caller\'s error: typed, and the connection stays', () => {
    const { engine, hub } = connectedEngine();
    const ping = hub.pingresp();
    engine.receive(1, new DataView(ping.buffer, ping.byteOffset, ping.byteLength) as unknown as Uint8Array);
    expect(engine.lastReceivedAt).toBe(1);
    expect(drainEvents(engine)).toEqual([]);
    for (const wrong of ['junk', null, 5, [1, 2], new ArrayBuffer(2), undefined]) {
      let thrown: unknown;
      try {
        engine.receive(2, wrong as unknown as Uint8Array);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidIntentError);
      expect((thrown as InvalidIntentError).code).toBe('invalid-chunk');
    }
    expect(drainEvents(engine)).toEqual([]);
    expect(engine.state).toBe('connected');
    expect(engine.pollTransmit()).toBeUndefined();
  });
});
