import { describe, expect, it } from 'vitest';
import { Ramp } from './ramp.ts';

/** A clock that moves only when a start costs time. */
function fakeClock(): { now: () => number; spend: (ms: number) => void } {
  let t = 0;
  return { now: () => t, spend: (ms) => (t += ms) };
}

describe('Ramp', () => {
  it('at rate 0 starts everything, but never more per call than its budget allows', () => {
    const clock = fakeClock();
    const ramp = new Ramp(10_000, 0, 5, clock.now, 1);
    const perCall: number[] = [];
    const started: number[] = [];
    for (let call = 0; call < 1000 && !ramp.done; call++) {
      const before = clock.now();
      perCall.push(ramp.advance(before, (index) => {
        started.push(index);
        clock.spend(0.1); // 100 µs per device
      }));
      expect(clock.now() - before).toBeLessThan(5 + 16 * 0.1 + 1e-9); // the budget plus at most one 16-start stride
    }
    expect(ramp.done).toBe(true);
    expect(started).toEqual(Array.from({ length: 9999 }, (_, i) => i + 1)); // each once, in order, after the one already started
    expect(perCall.length).toBeGreaterThan(100); // spread over many ticks instead of one 1-second block
  });

  it('at a rate never starts ahead of it, and catches up when a tick came late', () => {
    const clock = fakeClock();
    const ramp = new Ramp(1000, 200, 50, clock.now);
    ramp.begin(0);
    expect(ramp.advance(0, () => undefined)).toBe(1);
    expect(ramp.advance(4, () => undefined)).toBe(0); // 200/s: the next one is due at 5 ms
    expect(ramp.advance(100, () => undefined)).toBe(20); // a late tick: 1 + floor(0.1 s × 200) = 21 due
    expect(ramp.started).toBe(21);
    expect(ramp.advance(10_000, () => undefined)).toBe(979);
    expect(ramp.done).toBe(true);
    expect(ramp.advance(20_000, () => undefined)).toBe(0);
  });
});
