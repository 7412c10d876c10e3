/** What was wrong with a topic, an id or a property bag; one code per rule so callers can switch on it. */
export type TopicErrorCode =
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
    super(`${code}: ${JSON.stringify(value)} - ${rule}`);
    this.code = code;
    this.value = value;
    this.rule = rule;
  }
}
