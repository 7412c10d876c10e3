/**
 * What parsers return besides a match: `malformed` (a broken topic of a known family, with its error
 * and, for a broken response, its `$rid`) and the shared `unknown`.
 */
import { TopicError, type TopicErrorCode } from './errors.ts';

/** A topic of a known family that breaks its rules (bad escape, no `$rid`, non-integer status). */
export interface MalformedTopic {
  readonly kind: 'malformed';
  readonly error: TopicError;
  /**
   * The `$rid` of a broken twin or DPS response when it could still be read (the status, `$version` or
   * another parameter is what broke): the request it answers can end now rather than at its deadline
   * (every request ends in exactly one event, docs/design.md "Rules the engine keeps"). Absent for every
   * other family and when the rid is missing, empty or badly escaped.
   */
  readonly rid?: string;
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

/**
 * Wraps an error found by a helper (e.g. a bad escape) as a `malformed` result; `rid` names the request a
 * broken response answers, when it could be read.
 */
export function malformedBy(error: TopicError, rid?: string): MalformedTopic {
  return rid === undefined ? { kind: 'malformed', error } : { kind: 'malformed', error, rid };
}
