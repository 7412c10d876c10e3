import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Timer, TimerTable } from './timers.ts';
import type { TimerKind } from './timers.ts';

const KINDS = Object.values(Timer) as TimerKind[];

describe('TimerTable', () => {
  it('starts with nothing armed', () => {
    const table = new TimerTable();
    expect(table.next()).toBeUndefined();
    for (const kind of KINDS) expect(table.get(kind)).toBeUndefined();
  });

  it('keeps one deadline per kind: setting again replaces it', () => {
    const table = new TimerTable();
    table.set(Timer.KeepAlive, 100);
    table.set(Timer.KeepAlive, 50);
    expect(table.get(Timer.KeepAlive)).toBe(50);
    expect(table.next()).toBe(50);
  });

  it('fires a kind only when due, and only once', () => {
    const table = new TimerTable();
    table.set(Timer.Request, 10);
    expect(table.expire(Timer.Request, 9)).toBe(false);
    expect(table.expire(Timer.Request, 10)).toBe(true);
    expect(table.expire(Timer.Request, 11)).toBe(false);
    expect(table.expire(Timer.ConnAck, 1e12)).toBe(false);
  });

  it('reports the minimum of the armed deadlines, whatever was set and stopped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.option(fc.integer({ min: -1e9, max: 1e9 }), { nil: undefined }))),
        (ops) => {
          const table = new TimerTable();
          const model = new Map<TimerKind, number>();
          for (const [kind, at] of ops) {
            if (at === undefined) {
              table.stop(kind);
              model.delete(kind);
            } else {
              table.set(kind, at);
              model.set(kind, at);
            }
          }
          const expected = model.size === 0 ? undefined : Math.min(...model.values());
          expect(table.next()).toBe(expected);
          table.stopAll();
          expect(table.next()).toBeUndefined();
        },
      ),
    );
  });
});
