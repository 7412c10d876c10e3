/**
 * Device twin topics (docs/protocol.md §9): GET and reported PATCH requests, responses with status,
 * `$rid` and `$version`, desired-property patches and their filters, both directions.
 */
import { requireTopic } from './arguments.ts';
import {
  CANONICAL_RID_KEY,
  canonicalVersion,
  PATCH_VERSION_KEY,
  plainRunEnd,
  RESPONSE_VERSION_KEY,
} from './canonical-response.ts';
import { TopicError } from './errors.ts';
import { assertRid, assertStatus, assertVersion } from './identity.ts';
import { MAX_STATUS } from './limits.ts';
import { hasAt } from './match.ts';
import { brokenResponseRid, parseDecimal, parseRidQuery, parseStatusQuery, parseTopicQuery, parseVersion } from './query.ts';
import { malformedBy, type MalformedTopic } from './topic-result.ts';

/** Subscribe filter for twin responses; subscribe before the first request or its reply is lost (docs/protocol.md §9). */
export const TWIN_RESPONSE_FILTER = '$iothub/twin/res/#';
/** Subscribe filter for desired-property patches (docs/protocol.md §9). */
export const DESIRED_PATCH_FILTER = '$iothub/twin/PATCH/properties/desired/#';

const RESPONSE_PREFIX = '$iothub/twin/res/';
const DESIRED_PREFIX = '$iothub/twin/PATCH/properties/desired/';
const GET_PREFIX = '$iothub/twin/GET/';
const REPORTED_PREFIX = '$iothub/twin/PATCH/properties/reported/';
const VERSION_RULE = '$version must be a decimal non-negative safe integer (docs/protocol.md §9)';

/** A twin response: `$iothub/twin/res/{status}/?$rid={rid}[&$version={v}]`. */
export interface ParsedTwinResponse {
  readonly kind: 'twin-response';
  readonly status: number;
  readonly rid: string;
  /** New reported version, present on a 204 after a PATCH (docs/protocol.md §9). */
  readonly version?: number;
}

/** A desired-property patch notification: `$iothub/twin/PATCH/properties/desired/?$version={v}`. */
export interface ParsedDesiredPatch {
  readonly kind: 'desired-patch';
  readonly version?: number;
}

/** A twin GET request, as the hub sees it. */
export interface ParsedTwinGet {
  readonly kind: 'twin-get';
  readonly rid: string;
}

/** A reported-properties PATCH request, as the hub sees it. */
export interface ParsedTwinPatchReported {
  readonly kind: 'twin-patch-reported';
  readonly rid: string;
}

/** Topic of a twin GET request (empty payload); throws TopicError `invalid-rid`. */
export function twinGetTopic(rid: string): string {
  assertRid(rid);
  return `${GET_PREFIX}?$rid=${rid}`;
}

/** Topic of a reported-properties PATCH (JSON payload); throws TopicError `invalid-rid`. */
export function twinPatchReportedTopic(rid: string): string {
  assertRid(rid);
  return `${REPORTED_PREFIX}?$rid=${rid}`;
}

/** Hub side: topic of a twin response; throws TopicError `invalid-status`, `invalid-rid`, `invalid-version`. */
export function twinResponseTopic(status: number, rid: string, version?: number): string {
  assertStatus(status);
  assertRid(rid);
  if (version === undefined) return `${RESPONSE_PREFIX}${status}/?$rid=${rid}`;
  assertVersion(version);
  return `${RESPONSE_PREFIX}${status}/?$rid=${rid}&$version=${version}`;
}

/** Hub side: topic of a desired-property patch notification; throws TopicError `invalid-version`. */
export function desiredPatchTopic(version: number): string {
  assertVersion(version);
  return `${DESIRED_PREFIX}?$version=${version}`;
}

/**
 * Device side: classifies a twin response or desired patch; undefined when `topic` is neither family,
 * `malformed` when it is one but broken (for a response, with its `$rid` when that could be read).
 * Throws only for a non-string topic.
 */
export function parseTwinTopic(topic: string): ParsedTwinResponse | ParsedDesiredPatch | MalformedTopic | undefined {
  requireTopic(topic);
  if (hasAt(topic, RESPONSE_PREFIX, 0)) {
    const canonical = parseCanonicalResponse(topic);
    if (canonical !== undefined) return canonical;
    const query = parseStatusQuery(topic, RESPONSE_PREFIX.length);
    if (query instanceof TopicError) return malformedBy(query, brokenResponseRid(topic, RESPONSE_PREFIX.length));
    const version = parseVersion(query.version, VERSION_RULE);
    if (version instanceof TopicError) return malformedBy(version, query.rid);
    return version === undefined
      ? { kind: 'twin-response', status: query.status, rid: query.rid }
      : { kind: 'twin-response', status: query.status, rid: query.rid, version };
  }
  if (hasAt(topic, DESIRED_PREFIX, 0)) {
    const canonical = canonicalVersion(topic, DESIRED_PREFIX.length, PATCH_VERSION_KEY);
    if (canonical >= 0) return { kind: 'desired-patch', version: canonical };
    const query = parseTopicQuery(topic, DESIRED_PREFIX.length);
    if (query instanceof TopicError) return malformedBy(query);
    const version = parseVersion(query.version, VERSION_RULE);
    if (version instanceof TopicError) return malformedBy(version);
    return version === undefined ? { kind: 'desired-patch' } : { kind: 'desired-patch', version };
  }
  return undefined;
}

/** A response spelled as the hub spells it (canonical-response.ts), read in place; undefined for any other spelling. */
function parseCanonicalResponse(topic: string): ParsedTwinResponse | undefined {
  const statusStart = RESPONSE_PREFIX.length;
  const statusEnd = topic.indexOf(CANONICAL_RID_KEY, statusStart);
  // parseDecimal refuses anything but digits, so a status level holding `/` or `?` falls through.
  const status = statusEnd === -1 ? -1 : parseDecimal(topic, statusStart, statusEnd, MAX_STATUS);
  if (status < 0) return undefined;
  const ridStart = statusEnd + CANONICAL_RID_KEY.length;
  const ridEnd = plainRunEnd(topic, ridStart);
  if (ridEnd === ridStart) return undefined;
  if (ridEnd === topic.length) return { kind: 'twin-response', status, rid: topic.slice(ridStart, ridEnd) };
  const version = canonicalVersion(topic, ridEnd, RESPONSE_VERSION_KEY);
  if (version < 0) return undefined;
  return { kind: 'twin-response', status, rid: topic.slice(ridStart, ridEnd), version };
}

/**
 * Hub side: classifies a twin GET or reported PATCH request; undefined when `topic` is neither,
 * `malformed` when it has no `$rid` or a bad escape. Throws only for a non-string topic.
 */
export function parseTwinRequestTopic(
  topic: string,
): ParsedTwinGet | ParsedTwinPatchReported | MalformedTopic | undefined {
  requireTopic(topic);
  if (hasAt(topic, GET_PREFIX, 0)) {
    const query = parseRidQuery(topic, GET_PREFIX.length);
    return query instanceof TopicError ? malformedBy(query) : { kind: 'twin-get', rid: query.rid };
  }
  if (hasAt(topic, REPORTED_PREFIX, 0)) {
    const query = parseRidQuery(topic, REPORTED_PREFIX.length);
    return query instanceof TopicError ? malformedBy(query) : { kind: 'twin-patch-reported', rid: query.rid };
  }
  return undefined;
}
