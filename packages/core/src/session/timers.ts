/**
 * One small timer table per engine, after quinn-proto's `connection/timer.rs`: one slot per
 * kind of deadline, the next deadline is the minimum over the slots. Deadlines are absolute
 * milliseconds on the caller's monotonic clock; the table never reads a clock itself.
 */
import { describe, InvalidIntentError } from '../shared/errors.ts';
import { checkNow } from '../shared/now.ts';

/** The kinds of deadline an engine keeps; each has exactly one slot. */
export const Timer = {
  /** Send PINGREQ when nothing was sent for keep-alive seconds (MQTT 3.1.1 §3.1.2.10). */
  KeepAlive: 0,
  /** Give up on the connection when no PINGRESP (or any packet) came after a PINGREQ. */
  PingResponse: 1,
  /** Give up when no CONNACK came after CONNECT (docs/protocol.md §2: SDKs wait 30–60 s). */
  ConnAck: 2,
  /** The earliest `$rid` request deadline (the rid table's first entry). */
  Request: 3,
  /** Warn `token-expiring` a margin before the SAS password expires (docs/protocol.md §4). */
  TokenRenewal: 4,
  /** DPS: poll the operation status after `retry-after` (docs/protocol.md §13). */
  DpsPoll: 5,
  /** Read the twin again after the engine's own post-reconnect re-read failed with 429, 5xx or a timeout (docs/protocol.md §9). */
  TwinReread: 6,
} as const;

/** One of the {@link Timer} kinds. */
export type TimerKind = (typeof Timer)[keyof typeof Timer];

const SLOTS = 7;

/** Throws InvalidIntentError `invalid-timer` unless `kind` is one of the {@link Timer} kinds. */
function checkKind(kind: unknown): void {
  if (!(typeof kind === 'number' && kind >>> 0 === kind && kind < SLOTS)) {
    throw new InvalidIntentError('invalid-timer', `a timer kind is one of Timer's values (0–${SLOTS - 1}), got ${describe(kind)}`);
  }
}

/** Absolute deadlines, one per {@link TimerKind}; `NaN` marks an unset slot (keeps the array packed doubles). */
export class TimerTable {
  private readonly slots: number[];

  /** Creates a table with every slot unset. */
  constructor() {
    this.slots = [NaN, NaN, NaN, NaN, NaN, NaN, NaN];
  }

  /** Arms `kind` to fire at `at` (replacing any earlier deadline of that kind); throws InvalidIntentError `invalid-timer` / `invalid-deadline`. */
  set(kind: TimerKind, at: number): void {
    checkKind(kind);
    if (!(typeof at === 'number' && at - at === 0)) throw new InvalidIntentError('invalid-deadline', `a deadline is a finite number of ms, got ${describe(at)}`);
    this.slots[kind] = at;
  }

  /** Disarms `kind`. */
  stop(kind: TimerKind): void {
    checkKind(kind);
    this.slots[kind] = NaN;
  }

  /** Disarms every slot (the connection is gone). */
  stopAll(): void {
    for (let kind = 0; kind < SLOTS; kind++) this.slots[kind] = NaN;
  }

  /** The deadline of `kind`, or undefined when unset. */
  get(kind: TimerKind): number | undefined {
    checkKind(kind);
    const at = this.slots[kind] as number;
    return at === at ? at : undefined;
  }

  /** Whether `kind` is armed and due at `now` (deadline ≤ now); disarms it when so. */
  expire(kind: TimerKind, now: number): boolean {
    checkKind(kind);
    checkNow(now);
    const at = this.slots[kind] as number;
    if (!(at <= now)) return false; // NaN compares false: unset never fires
    this.slots[kind] = NaN;
    return true;
  }

  /** The earliest armed deadline, or undefined when nothing is armed. */
  next(): number | undefined {
    let min = Infinity;
    for (let kind = 0; kind < SLOTS; kind++) {
      const at = this.slots[kind] as number;
      if (at < min) min = at;
    }
    return min === Infinity ? undefined : min;
  }
}
