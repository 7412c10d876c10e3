/**
 * How long a driver should wait before reconnecting (docs/protocol.md §14, §15): exponential back-off
 * with full jitter (every SDK's default) drawn from the injected random source, a longer floor
 * after throttling or CONNACK 3/5, and no retry at all after CONNACK 1, 2 or 4, which only a
 * configuration change can fix.
 */
import { describe, InvalidIntentError, isRecord } from './errors.ts';
import type { InvalidIntentCode } from './errors.ts';

/**
 * What ended the previous attempt: a refused CONNACK by name (every `ConnectRefusedReason`, which
 * session/connack.ts checks at compile time), or one of the transient causes.
 */
export type BackoffReason =
  | 'unacceptable-protocol-version'
  | 'identifier-rejected'
  | 'server-unavailable'
  | 'bad-username-or-password'
  | 'not-authorized'
  | 'unknown'
  | 'connection-lost'
  | 'throttled';

/** Options of {@link ReconnectBackoff}; all times in milliseconds. */
export interface ReconnectBackoffOptions {
  /** Source of numbers in [0, 1); inject a seeded one in tests. */
  readonly random: () => number;
  /** Ceiling of the first attempt's jitter window (default 1000). */
  readonly baseMs?: number;
  /** Largest jitter window (default 60000). */
  readonly maxMs?: number;
  /** Added before the jitter after throttling, CONNACK 3 or 5 (default 30000). */
  readonly throttledFloorMs?: number;
}

/** Reasons that no amount of waiting fixes: CONNACK 1, 2 and 4 (docs/protocol.md §15). */
const FATAL: ReadonlySet<BackoffReason> = new Set<BackoffReason>([
  'unacceptable-protocol-version',
  'identifier-rejected',
  'bad-username-or-password',
]);

/** Every reason `next` accepts. */
const REASONS: ReadonlySet<unknown> = new Set<BackoffReason>([
  'unacceptable-protocol-version',
  'identifier-rejected',
  'server-unavailable',
  'bad-username-or-password',
  'not-authorized',
  'unknown',
  'connection-lost',
  'throttled',
]);

const OPTION_KEYS: ReadonlySet<string> = new Set(['random', 'baseMs', 'maxMs', 'throttledFloorMs']);

/** Reasons that call for a slower retry: throttling, server unavailable, not authorized. */
const SLOW: ReadonlySet<BackoffReason> = new Set<BackoffReason>(['throttled', 'server-unavailable', 'not-authorized']);

/** Tells a driver how long to wait before the next connect; `reset()` after a successful one. */
export class ReconnectBackoff {
  private readonly random: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly throttledFloorMs: number;
  private attempt = 0;

  /**
   * Creates a back-off policy; throws InvalidIntentError: `invalid-options` (not an object, an unknown
   * key), `invalid-random` (not a function), `invalid-base-ms`, `invalid-max-ms`,
   * `invalid-throttled-floor-ms` (negative or not finite).
   */
  constructor(options: ReconnectBackoffOptions) {
    if (!isRecord(options)) throw new InvalidIntentError('invalid-options', `ReconnectBackoff takes an options object, got ${describe(options)}`);
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new InvalidIntentError('invalid-options', `${key} is not a ReconnectBackoff option`);
    }
    if (typeof options.random !== 'function') {
      throw new InvalidIntentError('invalid-random', `random must be a function returning numbers in [0, 1), got ${describe(options.random)}`);
    }
    this.random = options.random;
    this.baseMs = checkMs('invalid-base-ms', 'baseMs', options.baseMs ?? 1000);
    this.maxMs = checkMs('invalid-max-ms', 'maxMs', options.maxMs ?? 60_000);
    this.throttledFloorMs = checkMs('invalid-throttled-floor-ms', 'throttledFloorMs', options.throttledFloorMs ?? 30_000);
  }

  /** Number of `next` calls since the last `reset`. */
  get attempts(): number {
    return this.attempt;
  }

  /**
   * The wait (ms) before the next connect after `reason`, or undefined when retrying cannot help
   * (CONNACK 1, 2, 4: fix the configuration or credentials, then `reset`). Throws InvalidIntentError,
   * changing nothing: `invalid-backoff-reason` for a reason it does not know, `invalid-random` when the
   * random source returns something outside [0, 1).
   */
  next(reason: BackoffReason): number | undefined {
    if (!REASONS.has(reason)) throw new InvalidIntentError('invalid-backoff-reason', `${describe(reason)} is not a reason ReconnectBackoff knows`);
    if (FATAL.has(reason)) return undefined;
    const r = this.random();
    if (!(typeof r === 'number' && r >= 0 && r < 1)) {
      throw new InvalidIntentError('invalid-random', `the random source returned ${describe(r)}; it must return numbers in [0, 1)`);
    }
    const wait = Math.floor(r * jitterWindowMs(this.attempt, this.baseMs, this.maxMs));
    this.attempt++;
    return (SLOW.has(reason) ? this.throttledFloorMs : 0) + wait;
  }

  /** Starts over from the first attempt (call after a `connected` event). */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Full jitter (AWS architecture blog): a wait uniform in [0, min(maxMs, baseMs · 2^attempt)), drawn
 * from `random`; `attempt` counts from 0. Shared by reconnects and the engine's twin re-read retries.
 */
export function fullJitterMs(random: () => number, attempt: number, baseMs: number, maxMs: number): number {
  return Math.floor(unit(random()) * jitterWindowMs(attempt, baseMs, maxMs));
}

/** The full-jitter window of an attempt: baseMs doubled per attempt, at most maxMs. */
function jitterWindowMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 52));
}

/**
 * Clamps a random draw into [0, 1): where a draw happens inside `receive` or `handleTimeout`, which must
 * not throw, a faulty source still cannot produce negative or huge waits (the engines check their source
 * at construction).
 */
function unit(r: number): number {
  return r >= 0 && r < 1 ? r : 0;
}

function checkMs(code: InvalidIntentCode, name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new InvalidIntentError(code, `${name} must be a finite number ≥ 0, got ${describe(value)}`);
  }
  return value;
}
