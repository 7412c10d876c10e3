/**
 * Cloud-to-device messages sent through the service API and how each ended, so a caller can ask
 * later (or wait) and the dashboard can show it. IoT Hub reports outcomes as feedback messages over
 * AMQP; here they are records kept for the most recent MAX_RECORDS sends.
 */
import type { MessagePropertiesInput } from '@hubwire/topics';
import type { DeliveryOutcome } from '../c2d.ts';
import type { SimHub } from '../sim-hub.ts';

/** Sends remembered; the oldest settled ones go first. */
const MAX_RECORDS = 1000;

/** A sent message's state: `pending` until the hub settles it. */
export interface DeliveryRecord {
  readonly deviceId: string;
  readonly messageId: string;
  readonly outcome: DeliveryOutcome | 'pending';
  readonly deliveryCount: number;
  /** Hub clock (ms) when queued, and when settled. */
  readonly enqueuedAt: number;
  readonly settledAt?: number;
  /** Hub clock (ms) when it expires if not completed. */
  readonly expiresAt: number;
}

/** Keeps DeliveryRecords and tells listeners when one changes. */
export class DeliveryTracker {
  readonly #hub: SimHub;
  readonly #records = new Map<string, DeliveryRecord>();
  readonly #settled = new Map<string, Promise<DeliveryRecord>>();
  readonly #listeners = new Set<(record: DeliveryRecord) => void>();

  /** Tracks sends to `hub`. */
  constructor(hub: SimHub) {
    this.#hub = hub;
  }

  /**
   * Queues a C2D message (sendC2d) and records it as pending. The caller checks first what sendC2d
   * would refuse (unknown device, size, full queue, bad properties); a refusal still arriving drops the record.
   */
  send(deviceId: string, body: Uint8Array, properties: MessagePropertiesInput & { messageId: string }, ttlMs: number): DeliveryRecord {
    const enqueuedAt = this.#hub.now();
    const receipt = this.#hub.sendC2d(deviceId, body, properties, { ttlMs });
    const key = keyOf(deviceId, properties.messageId);
    const pending: DeliveryRecord = { deviceId, messageId: properties.messageId, outcome: 'pending', deliveryCount: 0, enqueuedAt, expiresAt: enqueuedAt + ttlMs };
    this.#store(key, pending);
    const settled = receipt.then((result) => {
      const record: DeliveryRecord = { ...pending, outcome: result.outcome, deliveryCount: result.deliveryCount, settledAt: this.#hub.now() };
      if (this.#records.get(key) === pending) this.#store(key, record);
      return record;
    });
    this.#settled.set(key, settled);
    void settled.catch(() => this.#records.delete(key)).finally(() => {
      if (this.#settled.get(key) === settled) this.#settled.delete(key);
    });
    return pending;
  }

  /** Waits until the message settles or `timeoutMs` passes; resolves with its record then (still pending on timeout). */
  async waitForOutcome(deviceId: string, messageId: string, timeoutMs: number): Promise<DeliveryRecord | undefined> {
    const key = keyOf(deviceId, messageId);
    const settled = this.#settled.get(key);
    if (settled !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
      await Promise.race([settled, timeout])
        .catch(() => undefined)
        .finally(() => clearTimeout(timer));
    }
    return this.#records.get(key);
  }

  /** The record of a message, or undefined. */
  get(deviceId: string, messageId: string): DeliveryRecord | undefined {
    return this.#records.get(keyOf(deviceId, messageId));
  }

  /** The most recent records, newest last (at most `limit`). */
  recent(limit: number): DeliveryRecord[] {
    return [...this.#records.values()].slice(-limit);
  }

  /** Calls `listener` for every new or settled record; returns the function that stops it. */
  onChange(listener: (record: DeliveryRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #store(key: string, record: DeliveryRecord): void {
    this.#records.delete(key);
    this.#records.set(key, record);
    if (this.#records.size > MAX_RECORDS) this.#evictOne();
    for (const listener of [...this.#listeners]) listener(record);
  }

  /** Drops the oldest settled record (or the oldest at all when everything is pending). */
  #evictOne(): void {
    for (const [key, record] of this.#records) {
      if (record.outcome !== 'pending') {
        this.#records.delete(key);
        return;
      }
    }
    const oldest = this.#records.keys().next();
    if (oldest.done !== true) this.#records.delete(oldest.value);
  }
}

/** Records are per device: two devices may use the same message id. */
function keyOf(deviceId: string, messageId: string): string {
  return `${deviceId}\n${messageId}`;
}
