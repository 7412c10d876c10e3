import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PubackOrder } from './puback-order.ts';

describe('PubackOrder', () => {
  it('releases PUBACKs in receipt order, each once, whatever order the acknowledgements come in', () => {
    fc.assert(
      fc.property(
        // Each received PUBLISH: manual (true) or owed by the engine (false); then a permutation of the manual ones.
        fc.array(fc.boolean(), { maxLength: 30 }).chain((kinds) => {
          const manual = kinds.flatMap((m, i) => (m ? [i] : []));
          return fc.tuple(fc.constant(kinds), fc.shuffledSubarray(manual, { minLength: manual.length, maxLength: manual.length }));
        }),
        ([kinds, ackOrder]) => {
          const order = new PubackOrder();
          const sent: number[] = [];
          const drain = (): void => {
            for (let id = order.takeReady(); id !== undefined; id = order.takeReady()) sent.push(id);
          };
          kinds.forEach((manual, i) => {
            // As the engine does: an automatic PUBACK is queued only behind something pending.
            if (manual) order.hold(i + 1, i + 1);
            else if (order.isEmpty) sent.push(i + 1);
            else order.queueAck(i + 1);
          });
          const acked = new Set<number>();
          for (const i of ackOrder) {
            expect(order.acknowledge(i + 1)).toBe(true);
            expect(order.acknowledge(i + 1)).toBe(false);
            acked.add(i);
            drain();
            // What went out is exactly the prefix whose manual deliveries are all acknowledged.
            let prefix = 0;
            while (prefix < kinds.length && (!kinds[prefix] || acked.has(prefix))) prefix++;
            expect(sent).toEqual(Array.from({ length: prefix }, (_, j) => j + 1));
          }
          expect(sent).toEqual(kinds.map((_, i) => i + 1));
          expect(order.isEmpty).toBe(true);
        },
      ),
    );
  });
});
