/**
 * A first-in first-out queue over one array with head and tail indexes: O(1) push and shift
 * without `Array.prototype.shift`'s copying and no node objects per entry. A drained queue keeps
 * its (small) array for reuse on the hot path, and drops it once it has grown large, so an idle
 * engine does not hold a burst's worth of slots.
 */
/** A drained queue keeps an array of up to this many slots; a larger one is released. */
const KEEP_SLOTS = 64;

/** FIFO queue of `T`; see the file comment. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  /** Number of queued entries. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    this.items[this.tail++] = item;
  }

  /** The entry at the head without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.head < this.tail ? this.items[this.head] : undefined;
  }

  /** Removes and returns the entry at the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.tail) return undefined;
    const items = this.items;
    const item = items[this.head];
    items[this.head++] = undefined; // drop the reference now
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      if (items.length > KEEP_SLOTS) this.items = [];
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      // Amortised compaction once half the array is dead.
      items.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
      items.length = this.tail;
    }
    return item;
  }

  /** Removes every entry. */
  clear(): void {
    this.items = [];
    this.head = 0;
    this.tail = 0;
  }
}
