/**
 * Argument checks at the public door of @hubwire/topics: what a caller hands a builder, a parser or a
 * codec must be of the kind its signature says, or a TopicError names the argument and the rule before
 * anything runs. What the wire brings is never checked here: parsers report it as `malformed`.
 */
import { shown, TopicError } from './errors.ts';

/** Throws TopicError `invalid-topic` unless `topic` is a string (parsers and classifiers). */
export function requireTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw new TopicError('invalid-topic', shown(topic), 'a topic must be a string');
}

/** Throws TopicError `code` unless `value` is a string; `what` names the argument. */
export function requireString(value: unknown, code: 'invalid-bag' | 'invalid-text', what: string): asserts value is string {
  if (typeof value !== 'string') throw new TopicError(code, shown(value), `${what} must be a string`);
}

/** Whether `value` is an object that is not an array (a record of options or properties). */
function isRecord(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws TopicError `invalid-properties` unless `properties` is an object whose `application`, if any, is a
 * record of names to values or an iterable of `[name, value]` pairs.
 */
export function requireProperties(properties: unknown): asserts properties is object {
  if (!isRecord(properties)) {
    throw new TopicError('invalid-properties', shown(properties), 'message properties must be an object');
  }
  const application: unknown = (properties as { application?: unknown }).application;
  if (application !== undefined && (typeof application !== 'object' || application === null)) {
    const rule = 'application properties must be a record of names to values or an iterable of [name, value] pairs';
    throw new TopicError('invalid-properties', shown(application), rule);
  }
}

/** Throws TopicError `invalid-properties` unless `pairs` is iterable (encodePropertyBag). */
export function requirePairs(pairs: unknown): void {
  if (typeof pairs !== 'object' || pairs === null || typeof (pairs as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new TopicError('invalid-properties', shown(pairs), 'a property bag is built from an iterable of [name, value] pairs');
  }
}

/** Throws TopicError `invalid-property` unless `pair` is a `[name, value]` array (each element of a pair list). */
export function requirePair(pair: unknown): asserts pair is readonly [unknown, unknown] {
  if (!Array.isArray(pair)) throw new TopicError('invalid-property', shown(pair), 'each property must be a [name, value] pair');
}
