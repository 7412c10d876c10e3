/**
 * Randomness for the engines: the default source when the application injects none, and the
 * random prefix that makes `$rid`s of different engines (and processes) unlikely to collide.
 * Nothing here reads `Math.random`: the default is WebCrypto, present in Node ≥ 20, Deno, Bun and
 * browsers.
 */
import { describe, InvalidIntentError } from './errors.ts';

/** Words drawn from WebCrypto at a time: one call feeds this many engines' rid prefixes. */
const POOL_WORDS = 1024;
const pool = new Uint32Array(POOL_WORDS);
/** Next unused word of `pool`; POOL_WORDS means empty. */
let poolAt = POOL_WORDS;

/**
 * Default random source: WebCrypto (Node ≥ 20, Deno, Bun, browsers), drawn in blocks of 1024 words
 * into one process-wide pool, so a fleet of a million engines costs a thousand `getRandomValues`
 * calls, not a million. Every value is still a fresh draw of the system's CSPRNG, used once: rid
 * prefixes stay unpredictable and independent across engines. A fixed value where WebCrypto is absent.
 */
export function defaultRandom(): number {
  if (poolAt === POOL_WORDS) {
    const crypto = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
    if (crypto?.getRandomValues === undefined) return 0.5;
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 2 ** 32;
}

/** Characters of a rid prefix; 36^4 ≈ 1.7 million prefixes. */
export const RID_PREFIX_LENGTH = 4;
const PREFIX_SPACE = 36 ** RID_PREFIX_LENGTH;

/**
 * A random `$rid` prefix: four base-36 characters from one draw of `random` (plain rid characters,
 * docs/protocol.md §9). A late answer addressed to another engine or an earlier process is then
 * unlikely to match a request of this one.
 */
export function ridPrefix(random: () => number): string {
  const r = checkedDraw(random);
  return Math.floor(r * PREFIX_SPACE).toString(36).padStart(RID_PREFIX_LENGTH, '0');
}

/**
 * One draw of an injected source, which must be in [0, 1): a source returning NaN or 1.5 would give
 * every engine the same rids (`0000…`, `zzzz…`), so it is refused with InvalidIntentError `invalid-random`
 * where it is first used, the engine's constructor.
 */
export function checkedDraw(random: () => number): number {
  if (typeof random !== 'function') throw new InvalidIntentError('invalid-random', `random must be a function, got ${describe(random)}`);
  const r: unknown = random();
  if (!(typeof r === 'number' && r >= 0 && r < 1)) {
    throw new InvalidIntentError('invalid-random', `the random source returned ${describe(r)}; it must return numbers in [0, 1)`);
  }
  return r;
}
