import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueFullError } from '../shared/errors.ts';
import { InFlightTable, OutgoingMessage, PendingSubscribe } from './inflight.ts';

const EMPTY = new Uint8Array(0);
const message = (id: number, qos: 0 | 1 = 1): OutgoingMessage => new OutgoingMessage(id, qos, 't', EMPTY);

describe('InFlightTable', () => {
  it('allocates packet ids 1, 2, 3 … and wraps from 65535 to 1', () => {
    const table = new InFlightTable(65_000, 0);
    expect([table.track(message(1)), table.track(message(2))]).toEqual([1, 2]);
    for (let id = 3; id <= 65_535; id++) {
      const packetId = table.track(message(id));
      table.acknowledge(packetId);
    }
    // 1 and 2 are still in flight: the cursor wraps and skips them.
    expect(table.track(message(0))).toBe(3);
  });

  it('never hands out an id still awaiting its acknowledgement, across wraps (MQTT-2.3.1-2)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('publish' as const) }),
      fc.record({ kind: fc.constant('subscribe' as const) }),
      fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('burn' as const), count: fc.integer({ min: 1, max: 999 }) }),
    );
    // Start the cursor anywhere on the ring (most often just before the wrap), then mix operations.
    const start = fc.oneof(fc.integer({ min: 65_400, max: 65_535 }), fc.integer({ min: 0, max: 65_535 }));
    fc.assert(
      fc.property(start, fc.array(op, { maxLength: 60 }), (skip, ops) => {
        const table = new InFlightTable(64, 0);
        for (let i = 0; i < skip; i++) table.acknowledge(table.trackSubscribe(new PendingSubscribe(1, ['x'])));
        const live = new Set<number>();
        const use = (packetId: number): void => {
          expect(packetId).toBeGreaterThanOrEqual(1);
          expect(packetId).toBeLessThanOrEqual(65_535);
          expect(live.has(packetId), `id ${packetId} handed out twice`).toBe(false);
          live.add(packetId);
        };
        for (const o of ops) {
          if (o.kind === 'publish' && table.inFlight < 64) use(table.track(message(0)));
          else if (o.kind === 'subscribe') use(table.trackSubscribe(new PendingSubscribe(1, ['x'])));
          else if (o.kind === 'ack' && live.size > 0) {
            const packetId = [...live][o.pick % live.size]!;
            expect(table.acknowledge(packetId)).toBeDefined();
            live.delete(packetId);
          } else if (o.kind === 'burn') {
            // Move the cursor around the ring without keeping anything, to force wraps.
            for (let i = 0; i < o.count; i++) {
              const packetId = table.trackSubscribe(new PendingSubscribe(1, ['x']));
              expect(live.has(packetId)).toBe(false);
              table.acknowledge(packetId);
            }
          }
          for (const packetId of live) expect(table.isInUse(packetId)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('bounds the window and queues behind it, in order, QoS 0 included', () => {
    const table = new InFlightTable(1, 3);
    expect(table.canSendNow(1)).toBe(true);
    table.track(message(1));
    expect(table.canSendNow(1)).toBe(false);
    expect(table.canSendNow(0)).toBe(true);
    table.enqueue(message(2));
    table.enqueue(message(3, 0));
    expect(table.canSendNow(0)).toBe(false); // QoS 0 waits behind queued messages
    expect(table.nextToSend()).toBeUndefined(); // the window is full
    table.acknowledge(1);
    const next = table.nextToSend()!;
    expect(next.id).toBe(2);
    table.track(next);
    expect(table.nextToSend()?.id).toBe(3); // QoS 0 needs no window
    expect(table.queued).toBe(0);
  });

  it('throws QueueFullError at maxQueued without queuing', () => {
    const table = new InFlightTable(1, 2);
    table.enqueue(message(1));
    table.enqueue(message(2));
    expect(() => table.checkRoom()).toThrow(QueueFullError);
    expect(table.queued).toBe(2);
  });

  it('forgets SUBSCRIBEs when the connection is lost but keeps messages, in send order', () => {
    const table = new InFlightTable(8, 8);
    table.track(message(1));
    table.trackSubscribe(new PendingSubscribe(3, ['a', 'b']));
    table.track(message(2));
    table.dropSubscribes();
    expect([...table.inFlightMessages()].map((m) => [m.id, m.packetId])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(table.isInUse(2)).toBe(false);
    expect(table.get(3)).toBeInstanceOf(OutgoingMessage);
  });
});
