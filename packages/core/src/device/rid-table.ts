/**
 * The `$rid` correlation table (docs/protocol.md §9, §13): every request that expects an answer on a
 * response topic sits here from the intent until it is answered, times out, or the connection
 * is lost, and leaves exactly once, through `take`, `expireOne` or `takeFirst`. That single
 * exit is what lets the engines promise exactly one ending event per request.
 *
 * Request ids are `{prefix}{counter in base 36}`: the counter makes them unique within one
 * engine, the 4-character prefix (drawn from the injected random source) makes a late answer
 * addressed to an earlier process or engine unlikely to match a request of this one.
 *
 * Memory: entries are keyed by the counter (a small integer, no string kept per request) and
 * hold two fields, so a pending request costs about 50 bytes of heap; the rid string is rebuilt
 * only when an entry leaves by deadline or drain. The Map exists only while something is pending.
 */
import { describe, InvalidIntentError } from '../shared/errors.ts';
import { checkNow } from '../shared/now.ts';
import { ridPrefix, RID_PREFIX_LENGTH } from '../shared/random.ts';

/** A request that left the table: its id, what the caller stored with it, and its deadline. */
export interface PendingRequest<T> {
  /** The `$rid` sent on the wire. */
  readonly rid: string;
  /** What the engine needs to finish the request (e.g. which intent it was). */
  readonly value: T;
  /** Absolute time (ms) after which the request has timed out. */
  readonly deadline: number;
}

/** One table entry; the key (counter) is the rid without its prefix. */
class Slot<T> {
  constructor(
    readonly value: T,
    readonly deadline: number,
  ) {}
}


/** Pending requests keyed by `$rid`, in deadline order when deadlines are issued in order. */
export class RidTable<T> {
  private readonly prefix: string;
  private counter = 0;
  private entries: Map<number, Slot<T>> | undefined;
  /** Set once a deadline was issued earlier than the one before it: then `nextDeadline` scans. */
  private unordered = false;
  private lastDeadline = -Infinity;

  /** Creates an empty table whose rid prefix comes from one draw of `random`; throws InvalidIntentError `invalid-random` unless it is in [0, 1). */
  constructor(random: () => number) {
    this.prefix = ridPrefix(random);
  }

  /** Number of pending requests. */
  get size(): number {
    return this.entries === undefined ? 0 : this.entries.size;
  }

  /** Allocates a fresh rid for `value` that times out at `deadline`, and returns it. */
  issue(value: T, deadline: number): string {
    if (!(typeof deadline === 'number' && deadline - deadline === 0)) {
      throw new InvalidIntentError('invalid-deadline', `a deadline is a finite number of ms, got ${describe(deadline)}`);
    }
    const key = ++this.counter;
    (this.entries ??= new Map()).set(key, new Slot(value, deadline));
    if (deadline < this.lastDeadline) this.unordered = true;
    this.lastDeadline = deadline;
    return this.prefix + key.toString(36);
  }

  /** Whether `rid` is pending. */
  has(rid: string): boolean {
    const key = this.keyOf(rid);
    return key !== undefined && this.entries !== undefined && this.entries.has(key);
  }

  /** Removes and returns the entry for `rid` (an answer arrived), or undefined when not pending. */
  take(rid: string): PendingRequest<T> | undefined {
    const key = this.keyOf(rid);
    const slot = key === undefined ? undefined : this.entries?.get(key);
    if (slot === undefined) return undefined;
    this.remove(key as number);
    return { rid, value: slot.value, deadline: slot.deadline };
  }

  /** Removes and returns the oldest entry (used to end everything when the connection is lost). */
  takeFirst(): PendingRequest<T> | undefined {
    if (this.entries === undefined) return undefined;
    for (const [key, slot] of this.entries) return this.leave(key, slot);
    return undefined;
  }

  /** Removes and returns one entry whose deadline is ≤ `now`, or undefined when none is due. */
  expireOne(now: number): PendingRequest<T> | undefined {
    checkNow(now);
    if (this.entries === undefined) return undefined;
    for (const [key, slot] of this.entries) {
      if (slot.deadline <= now) return this.leave(key, slot);
      if (!this.unordered) return undefined; // in deadline order: nothing later is due either
    }
    return undefined;
  }

  /** Every pending request, oldest first, left in the table (a token renewal sends them all again). */
  pending(): PendingRequest<T>[] {
    const out: PendingRequest<T>[] = [];
    if (this.entries === undefined) return out;
    for (const [key, slot] of this.entries) {
      out.push({ rid: this.prefix + key.toString(36), value: slot.value, deadline: slot.deadline });
    }
    return out;
  }

  /** The earliest deadline among pending requests, or undefined when none is pending. */
  nextDeadline(): number | undefined {
    if (this.entries === undefined) return undefined;
    let min: number | undefined;
    for (const slot of this.entries.values()) {
      if (!this.unordered) return slot.deadline; // insertion order is deadline order
      if (min === undefined || slot.deadline < min) min = slot.deadline;
    }
    return min;
  }

  /** The counter behind `rid`, or undefined when `rid` is not one of this table's (exact round trip only). */
  private keyOf(rid: string): number | undefined {
    if (typeof rid !== 'string' || rid.length <= RID_PREFIX_LENGTH || rid.length > RID_PREFIX_LENGTH + 11 || !rid.startsWith(this.prefix)) {
      return undefined;
    }
    const suffix = rid.slice(RID_PREFIX_LENGTH);
    const key = parseInt(suffix, 36);
    // parseInt tolerates junk and upper case; only the exact spelling issue() produced counts.
    return Number.isSafeInteger(key) && key.toString(36) === suffix ? key : undefined;
  }

  private leave(key: number, slot: Slot<T>): PendingRequest<T> {
    this.remove(key);
    return { rid: this.prefix + key.toString(36), value: slot.value, deadline: slot.deadline };
  }

  private remove(key: number): void {
    const entries = this.entries as Map<number, Slot<T>>;
    entries.delete(key);
    if (entries.size === 0) {
      // Drop the Map so a drained table costs nothing, and start ordered again.
      this.entries = undefined;
      this.unordered = false;
      this.lastDeadline = -Infinity;
    }
  }
}
