/**
 * A bounded FIFO of records for the network backends: O(1) push and shift,
 * at most `capacity` items; pushing onto a full queue evicts the oldest and
 * returns it, so the caller can count or spool it.
 */
export class BoundedQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.#items = new Array(Math.min(this.capacity, 1024));
  }

  get size(): number {
    return this.#size;
  }

  /** Adds `item`; when full, removes and returns the oldest. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.#size === this.capacity) evicted = this.shift();
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size++;
    return evicted;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    return item;
  }

  /** Removes and returns up to `n` oldest items, in order. */
  take(n: number): T[] {
    const count = Math.min(n, this.#size);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = this.shift() as T;
    return out;
  }

  /** Puts items back at the front, in order (for a failed batch), evicting from the back's oldest if needed. */
  unshiftAll(items: T[]): T[] {
    const evicted: T[] = [];
    for (let i = items.length - 1; i >= 0; i--) {
      if (this.#size === this.capacity) {
        // Full: the item being returned is older than all queued ones, so it is the one to go.
        evicted.unshift(items[i]);
        continue;
      }
      if (this.#size === this.#items.length) this.#grow();
      this.#head = (this.#head - 1 + this.#items.length) % this.#items.length;
      this.#items[this.#head] = items[i];
      this.#size++;
    }
    return evicted;
  }

  /** Removes and returns everything, in order. */
  drain(): T[] {
    return this.take(this.#size);
  }

  #grow(): void {
    const next = new Array<T | undefined>(Math.min(this.capacity, this.#items.length * 2));
    for (let i = 0; i < this.#size; i++) next[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = next;
    this.#head = 0;
  }
}
