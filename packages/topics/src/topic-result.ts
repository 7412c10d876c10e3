import { TopicError, type TopicErrorCode } from './errors.ts';

/** A topic of a known family that breaks its rules (bad escape, no `$rid`, non-integer status). */
export interface MalformedTopic {
  readonly kind: 'malformed';
  readonly error: TopicError;
}

/** A topic of no family this side expects. */
export interface UnknownTopic {
  readonly kind: 'unknown';
}

/** The one shared `unknown` result, so classifying a stray topic allocates nothing. */
export const UNKNOWN_TOPIC: UnknownTopic = Object.freeze({ kind: 'unknown' });

/** Wraps a broken rule as a `malformed` result; parsers return it rather than throw. */
export function malformed(code: TopicErrorCode, value: string, rule: string): MalformedTopic {
  return { kind: 'malformed', error: new TopicError(code, value, rule) };
}

/** Wraps an error found by a helper (e.g. a bad escape) as a `malformed` result. */
export function malformedBy(error: TopicError): MalformedTopic {
  return { kind: 'malformed', error };
}
