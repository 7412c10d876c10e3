/**
 * One timer for a whole fleet. Each device has one deadline at a time (the earliest of its
 * engine's `pollTimeout()`, its next telemetry message and its next reconnect), and a hashed
 * wheel keeps them all: scheduling is a push onto the slot of the deadline's tick, a device
 * remembers the tick it is due at so moving its deadline leaves the old entry behind to be
 * skipped, and one platform interval advances the wheel. 100 000 devices cost one `setInterval`,
 * not 100 000 `setTimeout`s re-armed after every packet.
 *
 * Deadlines are rounded up to the next tick, so a device wakes at most one tick late and never
 * early; the engines tolerate both (handleTimeout ignores early calls, late ones fire what is due).
 */

/** What the wheel keeps per item: the tick it is due at (-1 when not scheduled). */
export interface WheelItem {
  wheelTick: number;
}

/** A hashed timer wheel over items that each carry their own due tick. */
export class TimerWheel<T extends WheelItem> {
  readonly #resolutionMs: number;
  readonly #mask: number;
  #slots: T[][];
  /** The last tick processed. */
  #tick: number;
  #scheduled = 0;

  /** A wheel of `slots` (a power of two) ticks of `resolutionMs`, starting at `now`. */
  constructor(now: number, resolutionMs = 10, slots = 4096) {
    if ((slots & (slots - 1)) !== 0) throw new RangeError('slots must be a power of two');
    this.#resolutionMs = resolutionMs;
    this.#mask = slots - 1;
    this.#slots = Array.from({ length: slots }, () => []);
    this.#tick = Math.floor(now / resolutionMs);
  }

  /** Makes `at` (ms) the item's one deadline, replacing any earlier one; `undefined` unschedules it. */
  schedule(item: T, at: number | undefined): void {
    if (at === undefined || at === Infinity) {
      if (item.wheelTick >= 0) this.#scheduled--;
      item.wheelTick = -1;
      return;
    }
    const tick = Math.max(Math.ceil(at / this.#resolutionMs), this.#tick + 1);
    if (item.wheelTick === tick) return;
    if (item.wheelTick < 0) this.#scheduled++;
    item.wheelTick = tick;
    (this.#slots[tick & this.#mask] as T[]).push(item);
  }

  /** Items with a deadline. */
  get size(): number {
    return this.#scheduled;
  }

  /** Fires every item due at or before `now`, in tick order; `fire` may schedule again. */
  advance(now: number, fire: (item: T) => void): void {
    const last = Math.floor(now / this.#resolutionMs);
    while (this.#tick < last) {
      const tick = ++this.#tick;
      const index = tick & this.#mask;
      const slot = this.#slots[index] as T[];
      if (slot.length === 0) continue;
      // A fresh array: items fired here may schedule themselves into this same slot a lap later.
      this.#slots[index] = [];
      let keep: T[] | undefined;
      for (const item of slot) {
        if (item.wheelTick === tick) {
          item.wheelTick = -1;
          this.#scheduled--;
          fire(item);
        } else if (item.wheelTick > tick && (item.wheelTick & this.#mask) === index) {
          // Due on a later lap of the wheel: stays in this slot.
          (keep ??= []).push(item);
        }
        // Otherwise the entry is stale (the item moved): dropped here.
      }
      if (keep !== undefined) {
        const current = this.#slots[index] as T[];
        for (const item of keep) current.push(item);
      }
    }
  }
}
