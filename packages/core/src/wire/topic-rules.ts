/**
 * MQTT 3.1.1's rules for topic names (what PUBLISH and a Will carry) and topic filters (what SUBSCRIBE
 * and UNSUBSCRIBE carry), §4.7. Both are UTF-8 strings first (fields.ts); on top of that a name has no
 * wildcard and a filter uses its wildcards only as whole levels.
 */
import { InvalidIntentError } from '../shared/errors.ts';
import { checkMqttString, shown, stringFieldLength } from './fields.ts';

/**
 * UTF-8 length of the topic name `field` of `packet`, checked: a non-empty [MQTT-4.7.3-1] MQTT string
 * without `+` or `#` [MQTT-3.3.2-2]. Throws `invalid-topic`, or what stringFieldLength throws.
 */
export function topicNameLength(packet: string, field: string, topic: unknown): number {
  const bytes = stringFieldLength(packet, field, topic);
  checkNameRules(packet, field, topic as string);
  return bytes;
}

/**
 * Checks a topic name but not its length (the PUBLISH encoder measures while it writes): a string,
 * non-empty [MQTT-4.7.3-1], without `+` or `#` [MQTT-3.3.2-2], U+0000 [MQTT-1.5.3-2] or a lone
 * surrogate [MQTT-1.5.3-1]. Throws `invalid-argument`, `invalid-topic` or `invalid-string`.
 */
export function checkTopicName(packet: string, field: string, topic: unknown): void {
  if (typeof topic !== 'string') {
    throw new InvalidIntentError('invalid-argument', `${packet} ${field} must be a string, got ${shown(topic)}`);
  }
  checkNameRules(packet, field, topic);
  checkMqttString(packet, field, topic);
}

/** The rules a topic name adds to an MQTT string: not empty, no wildcards. */
function checkNameRules(packet: string, field: string, topic: string): void {
  if (topic.length === 0) throw new InvalidIntentError('invalid-topic', `${packet} ${field} must not be empty [MQTT-4.7.3-1]`);
  if (topic.includes('+') || topic.includes('#')) {
    throw new InvalidIntentError('invalid-topic', `${packet} ${field} must not contain the wildcards + or # [MQTT-3.3.2-2]`);
  }
}

/**
 * UTF-8 length of the topic filter `field` of `packet`, checked: a non-empty [MQTT-4.7.3-1] MQTT string
 * whose `#` stands alone as its last level [MQTT-4.7.1-2] and whose every `+` fills a whole level
 * [MQTT-4.7.1-3]. Throws `invalid-topic-filter`, or what stringFieldLength throws.
 */
export function topicFilterLength(packet: string, field: string, filter: unknown): number {
  const bytes = stringFieldLength(packet, field, filter);
  if (bytes === 0) throw new InvalidIntentError('invalid-topic-filter', `${packet} ${field} must not be empty [MQTT-4.7.3-1]`);
  const problem = wildcardProblem(filter as string);
  if (problem !== undefined) throw new InvalidIntentError('invalid-topic-filter', `${packet} ${field} ${problem}`);
  return bytes;
}

/** What is wrong with the wildcards of `filter`, or undefined. */
export function wildcardProblem(filter: string): string | undefined {
  const hash = filter.indexOf('#');
  if (hash !== -1 && (hash !== filter.length - 1 || (hash > 0 && filter.charCodeAt(hash - 1) !== 47 /* / */))) {
    return 'may hold # only as its whole last level [MQTT-4.7.1-2]';
  }
  for (let plus = filter.indexOf('+'); plus !== -1; plus = filter.indexOf('+', plus + 1)) {
    const before = plus === 0 ? 47 : filter.charCodeAt(plus - 1);
    const after = plus === filter.length - 1 ? 47 : filter.charCodeAt(plus + 1);
    if (before !== 47 || after !== 47) return 'may hold + only as a whole level [MQTT-4.7.1-3]';
  }
  return undefined;
}
