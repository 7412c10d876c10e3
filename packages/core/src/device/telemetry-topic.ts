/**
 * The telemetry topic of the last options seen, reused while a later call's options carry the
 * same values (docs/protocol.md §7: the bag is a pure function of the system and application
 * properties). Devices publish with the same content type, encoding and application properties
 * again and again; a hit skips validating, percent-encoding and sizing the bag, and hands the
 * encoder the very same topic string, so its own topic cache (encoder.ts) copies bytes instead
 * of encoding UTF-8.
 *
 * A hit needs equal values, not the same objects: options and the application record are
 * compared key by key (`for…in` order, `===`), application pairs element by element, so a
 * caller mutating its options object between calls gets a fresh topic. Only plain objects
 * (prototype Object.prototype or null, not iterable) and arrays of pair arrays are cached:
 * getters aside, their keys and values say everything the encoder would read. Anything else (a
 * Map, a generator, a class instance) always takes the slow path. Nothing is stored for options
 * that failed validation, so errors come out of the slow path unchanged.
 */
import type { TelemetryOptions } from './intents.ts';

const objectPrototype: object = Object.prototype;

/** Whether `value` is an object whose `for…in` keys are exactly its own enumerable string keys. */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === objectPrototype || proto === null;
}

/** Whether application properties given as `value` are a record the cache can snapshot (not an iterable of pairs). */
function isPlainRecord(value: object): boolean {
  return isPlain(value) && typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function';
}

/** One engine's cached telemetry topic; see the file comment. */
export class TelemetryTopicCache {
  /** The topic (prefix + bag) of the cached options. */
  topic = '';
  /** Bytes the cached bag counts toward the 256 KB limit (docs/protocol.md §7). */
  size = 0;
  /** Options keys and values (without `qos` and `properties`), alternating. */
  #options: unknown[] = [];
  /** Application record keys and values, or pair names and values, alternating. */
  #application: unknown[] = [];
  /** Whether the application properties were given as an array of pairs (else a record or absent). */
  #pairs = false;
  #hasApplication = false;
  #valid = false;

  /** Whether `options` carry the same values as the cached ones (then `topic` and `size` apply). */
  matches(options: TelemetryOptions): boolean {
    if (!this.#valid || !isPlain(options)) return false;
    const snapshot = this.#options;
    const record = options as Record<string, unknown>;
    let at = 0;
    let application: unknown;
    for (const key in record) {
      if (key === 'qos') continue;
      if (key === 'properties') {
        application = record[key];
        continue;
      }
      if (snapshot[at] !== key || snapshot[at + 1] !== record[key]) return false;
      at += 2;
    }
    if (at !== snapshot.length) return false;
    if (application === undefined) return !this.#hasApplication;
    return this.#hasApplication && this.#sameApplication(application);
  }

  /** Remembers `options` (just encoded without error) with their topic and bag size. */
  store(options: TelemetryOptions, topic: string, size: number): void {
    this.#valid = false;
    if (!isPlain(options)) return;
    const record = options as Record<string, unknown>;
    const snapshot: unknown[] = [];
    let application: unknown;
    for (const key in record) {
      if (key === 'qos') continue;
      if (key === 'properties') {
        application = record[key];
        continue;
      }
      snapshot.push(key, record[key]);
    }
    const values: unknown[] = [];
    if (application !== undefined) {
      if (typeof application !== 'object' || application === null) return;
      if (Array.isArray(application)) {
        for (const pair of application as unknown[]) {
          if (!Array.isArray(pair)) return;
          values.push(pair[0], pair[1]);
        }
      } else {
        if (!isPlainRecord(application)) return;
        const map = application as Record<string, unknown>;
        for (const key in map) values.push(key, map[key]);
      }
    }
    this.#options = snapshot;
    this.#application = values;
    this.#pairs = Array.isArray(application);
    this.#hasApplication = application !== undefined;
    this.topic = topic;
    this.size = size;
    this.#valid = true;
  }

  #sameApplication(application: unknown): boolean {
    if (typeof application !== 'object' || application === null) return false;
    const values = this.#application;
    if (this.#pairs) {
      if (!Array.isArray(application) || application.length * 2 !== values.length) return false;
      for (let i = 0; i < application.length; i++) {
        const pair: unknown = application[i];
        if (!Array.isArray(pair) || pair[0] !== values[2 * i] || pair[1] !== values[2 * i + 1]) return false;
      }
      return true;
    }
    if (Array.isArray(application) || !isPlainRecord(application)) return false;
    const map = application as Record<string, unknown>;
    let at = 0;
    for (const key in map) {
      if (values[at] !== key || values[at + 1] !== map[key]) return false;
      at += 2;
    }
    return at === values.length;
  }
}
