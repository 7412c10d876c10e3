/**
 * A first-in first-out queue over one array with head and tail indexes: O(1) push and shift
 * without `Array.prototype.shift`'s copying and no node objects per entry. The common case of an
 * engine's queues is one entry at a time (a PUBLISH queued, then taken by the driver), so a lone
 * entry lives in a field and the array is made only when a second one arrives; a drained queue
 * keeps its (small) array for reuse and drops it once it has grown large, so an idle engine does
 * not hold a burst's worth of slots. Entries are never `undefined`.
 */
/** A drained queue keeps an array of up to this many slots; a larger one is released. */
const KEEP_SLOTS = 64;

/** FIFO queue of `T`; see the file comment. */
export class Fifo<T> {
  /** The only entry while `items` is undefined. */
  private single: T | undefined = undefined;
  private items: (T | undefined)[] | undefined = undefined;
  private head = 0;
  private tail = 0;

  /** Number of queued entries. */
  get length(): number {
    return this.items === undefined ? (this.single === undefined ? 0 : 1) : this.tail - this.head;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    const items = this.items;
    if (items !== undefined) {
      items[this.tail++] = item;
    } else if (this.single === undefined) {
      this.single = item;
    } else {
      this.items = [this.single, item];
      this.single = undefined;
      this.head = 0;
      this.tail = 2;
    }
  }

  /** The entry at the head without removing it, or undefined when empty. */
  peek(): T | undefined {
    const items = this.items;
    if (items === undefined) return this.single;
    return this.head < this.tail ? items[this.head] : undefined;
  }

  /** Removes and returns the entry at the head, or undefined when empty. */
  shift(): T | undefined {
    const items = this.items;
    if (items === undefined) {
      const item = this.single;
      this.single = undefined;
      return item;
    }
    if (this.head === this.tail) return undefined;
    const item = items[this.head];
    items[this.head++] = undefined; // drop the reference now
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      if (items.length > KEEP_SLOTS) this.items = undefined;
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
    this.single = undefined;
    this.items = undefined;
    this.head = 0;
    this.tail = 0;
  }
}
