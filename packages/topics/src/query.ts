/**
 * The query part of response and request topics (`?$rid=…&$version=…&retry-after=…`) read in any
 * spelling: decimal parameters, rids, statuses, and the `$rid` of a broken response.
 */
import { TopicError } from './errors.ts';
import { MAX_STATUS } from './limits.ts';
import { hasWordAt } from './match.ts';
import { percentDecode } from './percent-encoding.ts';
import { escapeError } from './property-bag.ts';

/**
 * The query parameters IoT Hub and DPS put after `/?` on request and response topics (docs/protocol.md §9, §10,
 * §13), still as strings; absent ones are undefined, unknown ones are ignored.
 */
export interface TopicQuery {
  /** The status level before the query on a response topic (read by parseStatusQuery), else -1. */
  status: number;
  rid: string | undefined;
  version: string | undefined;
  retryAfter: string | undefined;
  operationId: string | undefined;
}

/** The parameters parseTopicQuery keeps. */
type QueryKey = 'rid' | 'version' | 'retryAfter' | 'operationId';

/**
 * The parameter named raw at `s[start, end)`: `$rid` or `%24rid`, `$version` or `%24version`, `retry-after`,
 * `operationId`. Compares characters in place, so no key is sliced out.
 */
function queryKeyAt(s: string, start: number, end: number): QueryKey | undefined {
  const first = s.charCodeAt(start);
  let at: number;
  if (first === 36 /* $ */) {
    at = start + 1;
  } else if (first === 37 /* % */ && hasWordAt(s, '%24', start)) {
    at = start + 3;
  } else {
    if (end - start !== 11) return undefined;
    if (hasWordAt(s, 'retry-after', start)) return 'retryAfter';
    if (hasWordAt(s, 'operationId', start)) return 'operationId';
    return undefined;
  }
  if (end - at === 3) {
    // `rid` spelled out: on every response topic, and a loop over a word's characters costs twice as much.
    const isRid = s.charCodeAt(at) === 114 && s.charCodeAt(at + 1) === 105 && s.charCodeAt(at + 2) === 100;
    return isRid ? 'rid' : undefined;
  }
  if (end - at === 7 && hasWordAt(s, 'version', at)) return 'version';
  return undefined;
}

/**
 * Reads the query at `topic[start…]` in any parameter order (docs/protocol.md §9: "in any order"), with an
 * optional leading `?`; `$rid` and `$version` also match as `%24rid`, `%24version`. A repeated parameter
 * keeps its last value, as in a property bag. `$rid` and `operationId` are percent-decoded; a bad escape is
 * returned as a TopicError, never thrown. `status` is stored as given (-1 when there is none).
 */
export function parseTopicQuery(topic: string, start: number, status = -1): TopicQuery | TopicError {
  const query = scanTopicQuery(topic, start, status);
  // Decode only the values we kept, and only when the query has a `%` at all: valid rids never do.
  if (start < topic.length && topic.indexOf('%', start) !== -1) {
    if (query.rid !== undefined) {
      const rid = percentDecode(query.rid);
      if (rid === undefined) return escapeError(query.rid);
      query.rid = rid;
    }
    if (query.operationId !== undefined) {
      const id = percentDecode(query.operationId);
      if (id === undefined) return escapeError(query.operationId);
      query.operationId = id;
    }
  }
  return query;
}

/** The parameters of the query at `topic[start…]` as parseTopicQuery finds them, values still raw (undecoded). */
function scanTopicQuery(topic: string, start: number, status: number): TopicQuery {
  const query: TopicQuery = { status, rid: undefined, version: undefined, retryAfter: undefined, operationId: undefined };
  const end = topic.length;
  if (start < end && topic.charCodeAt(start) === 63 /* ? */) start++;
  let nextEq = topic.indexOf('=', start); // cached so bare `a&a&a…` stays linear
  let pos = start;
  while (pos < end) {
    let amp = topic.indexOf('&', pos);
    if (amp === -1) amp = end;
    if (nextEq !== -1 && nextEq < pos) nextEq = topic.indexOf('=', pos);
    if (nextEq !== -1 && nextEq < amp) {
      switch (queryKeyAt(topic, pos, nextEq)) {
        case 'rid':
          query.rid = topic.slice(nextEq + 1, amp);
          break;
        case 'version':
          query.version = topic.slice(nextEq + 1, amp);
          break;
        case 'retryAfter':
          query.retryAfter = topic.slice(nextEq + 1, amp);
          break;
        case 'operationId':
          query.operationId = topic.slice(nextEq + 1, amp);
          break;
        default:
          break;
      }
    }
    pos = amp + 1;
  }
  return query;
}

/**
 * The decimal integer in `s[start, end)`, or -1 when it is empty, holds anything but ASCII digits, or exceeds
 * `max`. Leading zeros are accepted.
 */
export function parseDecimal(s: string, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
    if (value > max) return -1;
  }
  return value;
}

/** A query whose `$rid` is known to be present and non-empty. */
export type RidQuery = TopicQuery & { rid: string };

/** A response topic's query, its status level read. */
export type StatusQuery = RidQuery;

const MISSING_RID_RULE = 'requests and responses must carry a non-empty $rid (docs/protocol.md §9, §10, §13)';
const STATUS_RULE = `status must be a decimal integer 0-${MAX_STATUS} (docs/protocol.md §9, §10, §13)`;

/** The query at `topic[start…]`, or a TopicError when it is malformed or has no (or an empty) `$rid`. */
export function parseRidQuery(topic: string, start: number, status = -1): RidQuery | TopicError {
  const query = parseTopicQuery(topic, start, status);
  if (query instanceof TopicError) return query;
  if (query.rid === undefined || query.rid === '') return new TopicError('missing-rid', topic, MISSING_RID_RULE);
  return query as RidQuery;
}

/**
 * Reads `{status}/?{query}` at `topic[start…]` (response topics, docs/protocol.md §9, §10, §13): a TopicError
 * `invalid-status` when the level is not an integer 0–65535, `missing-rid` when no `$rid` follows.
 */
export function parseStatusQuery(topic: string, start: number): StatusQuery | TopicError {
  const slash = topic.indexOf('/', start);
  const statusEnd = slash === -1 ? topic.length : slash;
  const status = parseDecimal(topic, start, statusEnd, MAX_STATUS);
  if (status < 0) return new TopicError('invalid-status', topic.slice(start, statusEnd), STATUS_RULE);
  if (slash === -1) return new TopicError('missing-rid', topic, MISSING_RID_RULE);
  return parseRidQuery(topic, slash + 1, status);
}

/**
 * The `$rid` of a response topic that parseStatusQuery (or a check after it) refused, read from
 * `{status}/?{query}` at `topic[start…]` whatever else is wrong (the status, `$version`, another
 * escape): the request it answers can then end at once. Undefined when there is no query, no `$rid`,
 * an empty one, or one with a bad escape. Only for topics already found broken: it reads the query again.
 */
export function brokenResponseRid(topic: string, start: number): string | undefined {
  const slash = topic.indexOf('/', start);
  if (slash === -1) return undefined;
  const raw = scanTopicQuery(topic, slash + 1, -1).rid;
  if (raw === undefined || raw === '') return undefined;
  return raw.indexOf('%') === -1 ? raw : percentDecode(raw);
}

/**
 * A `$version` value as a non-negative safe integer; undefined when absent; a TopicError `invalid-version`
 * (citing `rule`) when present but not decimal digits or beyond 2^53.
 */
export function parseVersion(raw: string | undefined, rule: string): number | undefined | TopicError {
  if (raw === undefined) return undefined;
  const value = parseDecimal(raw, 0, raw.length, Number.MAX_SAFE_INTEGER);
  return value < 0 ? new TopicError('invalid-version', raw, rule) : value;
}
