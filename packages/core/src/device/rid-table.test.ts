import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidRid } from '@hubwire/topics';
import { RidTable } from './rid-table.ts';

describe('RidTable', () => {
  it('issues distinct, valid rids with a prefix drawn from the random source', () => {
    const a = new RidTable<string>(() => 0.25);
    const b = new RidTable<string>(() => 0.75);
    const ridsA = Array.from({ length: 1000 }, () => a.issue('x', 0));
    expect(new Set(ridsA).size).toBe(1000);
    expect(ridsA.every((rid) => isValidRid(rid))).toBe(true);
    expect(b.issue('x', 0)).not.toBe(ridsA[0]);
    expect(a.size).toBe(1000);
  });

  it('refuses a broken random source where it is used, at construction', () => {
    for (const r of [NaN, -1, 1, 7, Infinity, '0.5']) {
      expect(() => new RidTable<number>(() => r as number)).toThrow(expect.objectContaining({ name: 'InvalidIntentError', code: 'invalid-random' }));
    }
    expect(isValidRid(new RidTable<number>(() => 0.999_999_9).issue(1, 0))).toBe(true);
  });

  it('lets each request leave exactly once, by answer, deadline or drain', () => {
    const table = new RidTable<string>(() => 0.5);
    const first = table.issue('get', 10);
    const second = table.issue('patch', 20);
    const third = table.issue('get', 30);
    expect(table.take(second)?.value).toBe('patch');
    expect(table.take(second)).toBeUndefined();
    expect(table.nextDeadline()).toBe(10);
    expect(table.expireOne(9)).toBeUndefined();
    expect(table.expireOne(10)?.rid).toBe(first);
    expect(table.expireOne(10)).toBeUndefined();
    expect(table.takeFirst()?.rid).toBe(third);
    expect(table.takeFirst()).toBeUndefined();
    expect(table.size).toBe(0);
    expect(table.nextDeadline()).toBeUndefined();
  });

  it('lists pending requests oldest first without removing them', () => {
    const table = new RidTable<string>(() => 0.5);
    expect(table.pending()).toEqual([]);
    const first = table.issue('get', 30);
    const second = table.issue('patch', 10);
    const third = table.issue('get', 20);
    table.take(second);
    expect(table.pending()).toEqual([
      { rid: first, value: 'get', deadline: 30 },
      { rid: third, value: 'get', deadline: 20 },
    ]);
    expect(table.size).toBe(2);
    expect(table.take(first)?.value).toBe('get');
  });

  it('matches a model under any mix of issue, answer and expiry, deadlines in or out of order', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('issue' as const), deadline: fc.integer({ min: 0, max: 1000 }) }),
      fc.record({ kind: fc.constant('take' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('expire' as const), now: fc.integer({ min: 0, max: 1000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const table = new RidTable<number>(() => 0.1);
        const model = new Map<string, number>();
        const ended = new Set<string>();
        for (const o of ops) {
          if (o.kind === 'issue') {
            const rid = table.issue(o.deadline, o.deadline);
            expect(model.has(rid) || ended.has(rid)).toBe(false);
            model.set(rid, o.deadline);
          } else if (o.kind === 'take') {
            const keys = [...model.keys()];
            if (keys.length === 0) continue;
            const rid = keys[o.pick % keys.length]!;
            expect(table.take(rid)?.deadline).toBe(model.get(rid));
            model.delete(rid);
            ended.add(rid);
          } else {
            for (let e = table.expireOne(o.now); e !== undefined; e = table.expireOne(o.now)) {
              expect(e.deadline).toBeLessThanOrEqual(o.now);
              expect(model.delete(e.rid)).toBe(true);
              ended.add(e.rid);
            }
            for (const deadline of model.values()) expect(deadline).toBeGreaterThan(o.now);
          }
          expect(table.size).toBe(model.size);
          expect(table.nextDeadline()).toBe(model.size === 0 ? undefined : Math.min(...model.values()));
        }
      }),
    );
  });
});
