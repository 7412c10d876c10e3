/**
 * The one error class of @hubwire/topics: a value that breaks a topic rule, thrown by builders and by any
 * function given an argument of the wrong kind (the caller's mistake), carried inside `malformed` results
 * by parsers (the peer's). Nothing else ever escapes this package: no TypeError, no RangeError.
 */

/** What was wrong with a topic, an id or a property bag; one code per rule so callers can switch on it. */
export type TopicErrorCode =
  /** A parser or classifier was given something other than a string. */
  | 'invalid-topic'
  /** `telemetryTopic`/`telemetryTopicPrefix` were given something other than an `{ deviceId, moduleId? }` object. */
  | 'invalid-identity'
  /** A bag builder was given properties that are not an object, or application properties that are neither a record nor pairs. */
  | 'invalid-properties'
  /** `decodePropertyBag`/`decodeMessageProperties` were given something other than a string. */
  | 'invalid-bag'
  /** `percentEncode`/`percentDecode` were given something other than a string. */
  | 'invalid-text'
  | 'invalid-device-id'
  | 'invalid-module-id'
  | 'invalid-rid'
  | 'invalid-method-name'
  | 'invalid-input-name'
  | 'invalid-output-name'
  | 'invalid-status'
  | 'invalid-version'
  | 'invalid-retry-after'
  | 'invalid-registration-id'
  | 'invalid-operation-id'
  | 'invalid-component'
  | 'invalid-property'
  | 'duplicate-property'
  | 'malformed-escape'
  | 'malformed-topic'
  | 'missing-rid'
  | 'bag-too-large';

/**
 * A value that breaks a topic rule. Thrown by builders (a programmer error) and carried, never thrown,
 * inside the `malformed` results of the parsers (the peer's error).
 */
export class TopicError extends Error {
  override readonly name: 'TopicError' = 'TopicError';
  /** Which rule was broken. */
  readonly code: TopicErrorCode;
  /** The offending value, as given (ids, names) or as found in the topic (parsers). */
  readonly value: string;
  /** The rule in words, with its source; also the tail of `message`. */
  readonly rule: string;

  /** Builds the error; the message names the bad value and the rule it broke. */
  constructor(code: TopicErrorCode, value: string, rule: string) {
    super(`${code}: ${JSON.stringify(value.length <= 200 ? value : `${value.slice(0, 200)}…`)} - ${rule}`);
    this.code = code;
    this.value = value;
    this.rule = rule;
  }
}

/** A value as an error shows it: strings as they are, other primitives by `String`, objects by kind; never throws. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  if (typeof value === 'function') return 'a function';
  return Array.isArray(value) ? 'an array' : 'an object';
}
