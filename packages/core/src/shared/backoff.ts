/**
 * How long a driver should wait before reconnecting (docs/protocol.md §14, §15): exponential back-off
 * with full jitter (every SDK's default) drawn from the injected random source, a longer floor
 * after throttling or CONNACK 3/5, and no retry at all after CONNACK 1, 2 or 4, which only a
 * configuration change can fix.
 */
import { InvalidIntentError } from './errors.ts';

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

/** Reasons that call for a slower retry: throttling, server unavailable, not authorized. */
const SLOW: ReadonlySet<BackoffReason> = new Set<BackoffReason>(['throttled', 'server-unavailable', 'not-authorized']);

/** Tells a driver how long to wait before the next connect; `reset()` after a successful one. */
export class ReconnectBackoff {
  private readonly random: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly throttledFloorMs: number;
  private attempt = 0;

  /** Creates a back-off policy; throws InvalidIntentError on negative or non-finite times. */
  constructor(options: ReconnectBackoffOptions) {
    this.random = options.random;
    this.baseMs = checkMs('baseMs', options.baseMs ?? 1000);
    this.maxMs = checkMs('maxMs', options.maxMs ?? 60_000);
    this.throttledFloorMs = checkMs('throttledFloorMs', options.throttledFloorMs ?? 30_000);
  }

  /** Number of `next` calls since the last `reset`. */
  get attempts(): number {
    return this.attempt;
  }

  /**
   * The wait (ms) before the next connect after `reason`, or undefined when retrying cannot help
   * (CONNACK 1, 2, 4: fix the configuration or credentials, then `reset`).
   */
  next(reason: BackoffReason): number | undefined {
    if (FATAL.has(reason)) return undefined;
    const wait = fullJitterMs(this.random, this.attempt, this.baseMs, this.maxMs);
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
  const window = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 52));
  return Math.floor(unit(random()) * window);
}

/** Clamps a random draw into [0, 1) so a faulty source cannot produce negative or huge waits. */
function unit(r: number): number {
  return r >= 0 && r < 1 ? r : 0;
}

function checkMs(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new InvalidIntentError('invalid-option', `${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}
