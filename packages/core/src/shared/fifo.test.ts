import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.ts';

describe('Fifo', () => {
  it('behaves like an array used as a queue under any push/shift sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer(), { nil: undefined, freq: 3 }), { maxLength: 5000 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op === undefined) expect(fifo.shift()).toBe(model.shift());
          else {
            fifo.push(op);
            model.push(op);
          }
          expect(fifo.length).toBe(model.length);
          expect(fifo.peek()).toBe(model[0]);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('compacts after long runs without losing entries', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5000; i++) fifo.push(i);
    for (let i = 0; i < 4000; i++) expect(fifo.shift()).toBe(i);
    for (let i = 5000; i < 6000; i++) fifo.push(i);
    const rest: number[] = [];
    for (let v = fifo.shift(); v !== undefined; v = fifo.shift()) rest.push(v);
    expect(rest).toEqual(Array.from({ length: 2000 }, (_, i) => 4000 + i));
    fifo.push(1);
    fifo.clear();
    expect(fifo.length).toBe(0);
  });
});
