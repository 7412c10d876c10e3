/**
 * The fuzzer's randomness: one small generator per case, fully determined by the run's seed and the
 * case's index, so any case replays alone (`--seed S --case K`) without running the ones before it.
 */

/** A deterministic generator with the draws a case needs. */
export class Rng {
  private state: number;

  /** The generator of case `index` of the run seeded with `seed`. */
  constructor(seed: number, index: number) {
    // splitmix-style mixing: neighbouring indexes get unrelated streams.
    let h = (seed ^ Math.imul(index ^ (index >>> 16), 0x9e3779b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (h ^ (h >>> 16)) >>> 0;
  }

  /** A float in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A seed for an engine's own `random` option. */
  seed(): number {
    return this.int(2 ** 31);
  }
}
