/**
 * A deterministic random source for the engines' `random` option: the same seed gives the same
 * rids and the same reconnect jitter on every run, which is what a fleet simulation or a test
 * replaying a scenario wants. The generator is mulberry32 (32-bit state, full period 2^32).
 */
import { describe, InvalidIntentError } from './errors.ts';

/** Returns a function yielding numbers in [0, 1), fully determined by `seed`; throws InvalidIntentError `invalid-seed` unless `seed` is an integer. */
export function seededRandom(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new InvalidIntentError('invalid-seed', `seed must be an integer, got ${describe(seed)}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
