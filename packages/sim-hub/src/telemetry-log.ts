/**
 * Everything devices sent as telemetry, in arrival order, with waiters for tests and a live
 * async-iterable feed for the demo.
 */
import type { MessageProperties } from '@hubwire/topics';

/** One device-to-cloud message as the hub received it. */
export interface TelemetryRecord {
  /** Arrival order on this hub, from 1. */
  readonly sequence: number;
  readonly deviceId: string;
  readonly moduleId?: string;
  /** The topic as published (bag included). */
  readonly topic: string;
  readonly body: Uint8Array;
  /** `body` decoded as UTF-8 (for JSON bodies: `JSON.parse(record.text)`). */
  readonly text: string;
  /** The decoded property bag; a Will carries `iothub-MessageType: Will`, a RETAIN publish `mqtt-retain: true` (docs/protocol.md §2, §7). */
  readonly properties: MessageProperties;
  readonly qos: 0 | 1;
  readonly dup: boolean;
  /** RETAIN as sent (the hub never stores it). */
  readonly retain: boolean;
  /** Sent by the hub on the device's behalf: its Will, after a connection ended without DISCONNECT. */
  readonly will: boolean;
  /** Hub clock (ms) at arrival. */
  readonly receivedAt: number;
}

/** Matches telemetry records. */
export type TelemetryPredicate = (record: TelemetryRecord) => boolean;

interface Waiter {
  readonly predicate: TelemetryPredicate;
  readonly resolve: (record: TelemetryRecord) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Telemetry in arrival order (the oldest dropped beyond `limit`). */
export class TelemetryLog {
  readonly #records: TelemetryRecord[] = [];
  readonly #limit: number;
  readonly #waiters = new Set<Waiter>();
  readonly #feeds = new Set<(record: TelemetryRecord | undefined) => void>();
  #sequence = 0;
  #closed = false;

  /** Keeps at most `limit` records. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records a message (its sequence number is assigned here) and wakes waiters and feeds. */
  record(fields: Omit<TelemetryRecord, 'sequence'>): TelemetryRecord {
    const record: TelemetryRecord = { sequence: ++this.#sequence, ...fields };
    this.#records.push(record);
    if (this.#records.length > this.#limit) this.#records.shift();
    for (const waiter of [...this.#waiters]) {
      if (!waiter.predicate(record)) continue;
      this.#waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(record);
    }
    for (const feed of this.#feeds) feed(record);
    return record;
  }

  /** Records so far, optionally only those matching. */
  list(predicate?: TelemetryPredicate): TelemetryRecord[] {
    return predicate === undefined ? [...this.#records] : this.#records.filter(predicate);
  }

  /** The first record, already received or yet to come, that matches; rejects after `timeoutMs`. */
  waitFor(predicate: TelemetryPredicate, timeoutMs: number): Promise<TelemetryRecord> {
    const seen = this.#records.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#closed) return Promise.reject(new Error('the simulated hub is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching telemetry within ${timeoutMs} ms (${this.#records.length} received)`));
      }, timeoutMs);
      const waiter: Waiter = { predicate, resolve, reject, timer };
      this.#waiters.add(waiter);
    });
  }

  /** Telemetry arriving from now on, until the hub closes or the loop breaks out. */
  stream(): AsyncIterableIterator<TelemetryRecord> {
    const buffered: TelemetryRecord[] = [];
    let wake: ((result: IteratorResult<TelemetryRecord>) => void) | undefined;
    let done = this.#closed;
    const feed = (record: TelemetryRecord | undefined): void => {
      if (record === undefined) done = true;
      else buffered.push(record);
      if (wake === undefined) return;
      const next = buffered.shift();
      const resolve = wake;
      wake = undefined;
      resolve(next === undefined ? { value: undefined, done: true } : { value: next, done: false });
    };
    this.#feeds.add(feed);
    const finish = (): Promise<IteratorResult<TelemetryRecord>> => {
      done = true;
      this.#feeds.delete(feed);
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        const record = buffered.shift();
        if (record !== undefined) return Promise.resolve({ value: record, done: false });
        if (done) return finish();
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Rejects waiters and ends feeds (the hub is closing). */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('the simulated hub closed'));
    }
    this.#waiters.clear();
    for (const feed of this.#feeds) feed(undefined);
    this.#feeds.clear();
  }
}
