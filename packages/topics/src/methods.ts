/**
 * Direct methods and Plug and Play commands (docs/protocol.md §10, §11): the methods filter, request
 * and response topics both directions, and the `component*command` split.
 */
import { requireTopic } from './arguments.ts';
import { canonicalRequestRid } from './canonical-response.ts';
import { shown, TopicError } from './errors.ts';
import { assertMethodName, assertRid, assertStatus } from './identity.ts';
import { hasAt } from './match.ts';
import { parseRidQuery, parseStatusQuery } from './query.ts';
import { malformed, malformedBy, type MalformedTopic } from './topic-result.ts';

/** Subscribe filter for direct-method requests; filter names locally (docs/protocol.md §10). */
export const METHODS_FILTER = '$iothub/methods/POST/#';

const REQUEST_PREFIX = '$iothub/methods/POST/';
const RESPONSE_PREFIX = '$iothub/methods/res/';
const METHOD_NAME_RULE = 'a method request must name its method before /?$rid= (docs/protocol.md §10)';

/** A direct-method request: `$iothub/methods/POST/{method}/?$rid={rid}`. */
export interface ParsedMethodRequest {
  readonly kind: 'method-request';
  /** The name as sent, `component*command` for a PnP component command. */
  readonly methodName: string;
  readonly rid: string;
  /** PnP component, when the name is `component*command` (docs/protocol.md §11). */
  readonly component?: string;
  /** The command: the whole name for the default component. */
  readonly commandName: string;
}

/** A direct-method response, as the hub sees it: `$iothub/methods/res/{status}/?$rid={rid}`. */
export interface ParsedMethodResponse {
  readonly kind: 'method-response';
  readonly status: number;
  readonly rid: string;
}

/** A method name split into PnP component and command. */
export interface CommandName {
  readonly component?: string;
  readonly command: string;
}

/** Topic of a method response, `status` chosen by the device; throws TopicError `invalid-status`, `invalid-rid`. */
export function methodResponseTopic(status: number, rid: string): string {
  assertStatus(status);
  assertRid(rid);
  return `${RESPONSE_PREFIX}${status}/?$rid=${rid}`;
}

/** Hub side: topic of a method request; throws TopicError `invalid-method-name`, `invalid-rid`. */
export function methodRequestTopic(methodName: string, rid: string): string {
  assertMethodName(methodName);
  assertRid(rid);
  return `${REQUEST_PREFIX}${methodName}/?$rid=${rid}`;
}

/**
 * Splits `component*command` at the first `*` (docs/protocol.md §11); a name without `*`, or with nothing on one
 * side of it, is a default-component command and comes back whole.
 */
export function splitCommandName(name: string): CommandName {
  if (typeof name !== 'string') throw new TopicError('invalid-method-name', shown(name), 'a method name must be a string');
  const star = componentSeparator(name);
  return star === -1 ? { command: name } : { component: name.slice(0, star), command: name.slice(star + 1) };
}

/** Index of the `*` that separates component and command, or -1 for a default-component name. */
function componentSeparator(name: string): number {
  const star = name.indexOf('*');
  return star <= 0 || star === name.length - 1 ? -1 : star;
}

/**
 * Device side: classifies a method request; undefined for other families, `malformed` when broken. Throws
 * only for a non-string topic.
 */
export function parseMethodRequestTopic(topic: string): ParsedMethodRequest | MalformedTopic | undefined {
  requireTopic(topic);
  if (!hasAt(topic, REQUEST_PREFIX, 0)) return undefined;
  const start = REQUEST_PREFIX.length;
  const slash = topic.indexOf('/', start);
  const end = slash === -1 ? topic.length : slash;
  if (end === start) return malformed('invalid-method-name', '', METHOD_NAME_RULE);
  let rid = slash === -1 ? undefined : canonicalRequestRid(topic, slash);
  if (rid === undefined) {
    const query = parseRidQuery(topic, slash === -1 ? end : slash + 1);
    if (query instanceof TopicError) return malformedBy(query);
    rid = query.rid;
  }
  const methodName = topic.slice(start, end);
  const star = componentSeparator(methodName);
  if (star === -1) return { kind: 'method-request', methodName, rid, commandName: methodName };
  return {
    kind: 'method-request',
    methodName,
    rid,
    component: methodName.slice(0, star),
    commandName: methodName.slice(star + 1),
  };
}

/**
 * Hub side: classifies a method response; undefined for other families, `malformed` when broken. Throws
 * only for a non-string topic.
 */
export function parseMethodResponseTopic(topic: string): ParsedMethodResponse | MalformedTopic | undefined {
  requireTopic(topic);
  if (!hasAt(topic, RESPONSE_PREFIX, 0)) return undefined;
  const query = parseStatusQuery(topic, RESPONSE_PREFIX.length);
  if (query instanceof TopicError) return malformedBy(query);
  return { kind: 'method-response', status: query.status, rid: query.rid };
}
