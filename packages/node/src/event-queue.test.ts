import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.ts';

type E = { type: 'a'; n: number } | { type: 'b' };

describe('EventQueue', () => {
  it('resolves with an event that arrived before the wait, and consumes it', async () => {
    const queue = new EventQueue<E>();
    queue.push({ type: 'b' });
    queue.push({ type: 'a', n: 1 });
    const a = await queue.nextOf('a', 1000);
    expect(a.n).toBe(1);
    expect(queue.pending()).toEqual([{ type: 'b' }]);
  });

  it('resolves a waiter with the first matching event that arrives later, leaving others queued', async () => {
    const queue = new EventQueue<E>();
    const waiting = queue.nextOf('a', 1000, (e) => e.n === 2);
    queue.push({ type: 'a', n: 1 });
    queue.push({ type: 'a', n: 2 });
    expect((await waiting).n).toBe(2);
    expect(queue.pending()).toEqual([{ type: 'a', n: 1 }]);
  });

  it('rejects after its deadline with a message naming what it waited for', async () => {
    const queue = new EventQueue<E>();
    await expect(queue.nextOf('b', 5)).rejects.toThrow("timed out after 5 ms waiting for 'b'");
  });
});
