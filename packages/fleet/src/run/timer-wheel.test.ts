import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerWheel, type WheelItem } from './timer-wheel.ts';

interface Item extends WheelItem {
  readonly name: number;
  due: number;
}

describe('TimerWheel', () => {
  it('fires each item once, never before its last deadline and at most one tick after it, across laps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 40 }),
        (deadlines) => {
          const wheel = new TimerWheel<Item>(0, 10, 64); // 640 ms per lap: deadlines up to 3 s take several laps
          const items = deadlines.map((list, name) => {
            const item: Item = { wheelTick: -1, name, due: 0 };
            for (const at of list) {
              wheel.schedule(item, at); // later calls replace earlier deadlines
              item.due = at;
            }
            return item;
          });
          const fired = new Map<number, number>();
          for (let now = 0; now <= 3100; now += 7) {
            wheel.advance(now, (item) => {
              expect(fired.has(item.name)).toBe(false);
              fired.set(item.name, now);
            });
          }
          for (const item of items) {
            const at = fired.get(item.name);
            expect(at).toBeDefined();
            expect(at as number).toBeGreaterThanOrEqual(item.due);
            expect(at as number).toBeLessThanOrEqual(Math.ceil(item.due / 10) * 10 + 10 + 7);
          }
          expect(wheel.size).toBe(0);
        },
      ),
    );
  });

  it('unschedules with undefined and lets a fired item schedule itself again', () => {
    const wheel = new TimerWheel<Item>(0, 10, 16);
    const a: Item = { wheelTick: -1, name: 1, due: 0 };
    const b: Item = { wheelTick: -1, name: 2, due: 0 };
    wheel.schedule(a, 50);
    wheel.schedule(b, 50);
    wheel.schedule(b, undefined);
    const fired: string[] = [];
    wheel.advance(100, (item) => {
      fired.push(`${item.name}@100`);
      if (fired.length === 1) wheel.schedule(item, 130);
    });
    wheel.advance(200, (item) => fired.push(`${item.name}@200`));
    expect(fired).toEqual(['1@100', '1@200']);
  });
});
