/**
 * Device Provisioning Service topics (docs/protocol.md §13): register and operation-status requests,
 * the response filter, and replies with their status, `$rid` and `retry-after`, both directions.
 */
import { requireTopic } from './arguments.ts';
import { TopicError } from './errors.ts';
import { assertOperationId, assertRetryAfter, assertRid, assertStatus } from './identity.ts';
import { hasAt } from './match.ts';
import { brokenResponseRid, parseDecimal, parseRidQuery, parseStatusQuery } from './query.ts';
import { malformedBy, type MalformedTopic } from './topic-result.ts';

/** Subscribe filter for DPS responses, before the first request (docs/protocol.md §13 step 1). */
export const DPS_RESPONSE_FILTER = '$dps/registrations/res/#';

const RESPONSE_PREFIX = '$dps/registrations/res/';
const REGISTER_PREFIX = '$dps/registrations/PUT/iotdps-register/';
const STATUS_PREFIX = '$dps/registrations/GET/iotdps-get-operationstatus/';
const OPERATION_ID_RULE = 'an operation-status request must carry a non-empty operationId (docs/protocol.md §13 step 4)';

/** A DPS response: `$dps/registrations/res/{status}/?$rid={rid}[&retry-after={s}]`. */
export interface ParsedDpsResponse {
  readonly kind: 'dps-response';
  readonly status: number;
  readonly rid: string;
  /**
   * Seconds to wait before the next poll, as sent; the engine applies the 1–300 s policy (docs/protocol.md §13).
   * Absent when the topic has none or one that is not a decimal integer up to 2^53: it is advice, and an unusable one
   * means the same as none (wait 1 s), so it does not make the response malformed.
   */
  readonly retryAfterSeconds?: number;
}

/** A DPS register request, as the service sees it. */
export interface ParsedDpsRegister {
  readonly kind: 'dps-register';
  readonly rid: string;
}

/** A DPS operation-status poll, as the service sees it. */
export interface ParsedDpsOperationStatus {
  readonly kind: 'dps-operation-status';
  readonly rid: string;
  readonly operationId: string;
}

/** Topic of the DPS register request (docs/protocol.md §13 step 2); throws TopicError `invalid-rid`. */
export function dpsRegisterTopic(rid: string): string {
  assertRid(rid);
  return `${REGISTER_PREFIX}?$rid=${rid}`;
}

/** Topic of a DPS operation-status poll (step 4); throws TopicError `invalid-rid`, `invalid-operation-id`. */
export function dpsOperationStatusTopic(rid: string, operationId: string): string {
  assertRid(rid);
  assertOperationId(operationId);
  return `${STATUS_PREFIX}?$rid=${rid}&operationId=${operationId}`;
}

/** Service side: topic of a DPS response; throws TopicError `invalid-status`, `invalid-rid`, `invalid-retry-after`. */
export function dpsResponseTopic(status: number, rid: string, retryAfterSeconds?: number): string {
  assertStatus(status);
  assertRid(rid);
  if (retryAfterSeconds === undefined) return `${RESPONSE_PREFIX}${status}/?$rid=${rid}`;
  assertRetryAfter(retryAfterSeconds);
  return `${RESPONSE_PREFIX}${status}/?$rid=${rid}&retry-after=${retryAfterSeconds}`;
}

/**
 * Device side: classifies a DPS response; undefined for other families, `malformed` when its status or
 * `$rid` is broken (with the `$rid` when that could be read). A retry-after that is not a decimal integer (up to 2^53)
 * is left out rather than refused, as the C SDK reads it (docs/protocol.md §13: 1 s when absent or unusable).
 * Throws only for a non-string topic.
 */
export function parseDpsResponseTopic(topic: string): ParsedDpsResponse | MalformedTopic | undefined {
  requireTopic(topic);
  if (!hasAt(topic, RESPONSE_PREFIX, 0)) return undefined;
  const query = parseStatusQuery(topic, RESPONSE_PREFIX.length);
  if (query instanceof TopicError) return malformedBy(query, brokenResponseRid(topic, RESPONSE_PREFIX.length));
  const raw = query.retryAfter;
  const retryAfter = raw === undefined ? -1 : parseDecimal(raw, 0, raw.length, Number.MAX_SAFE_INTEGER);
  return retryAfter < 0
    ? { kind: 'dps-response', status: query.status, rid: query.rid }
    : { kind: 'dps-response', status: query.status, rid: query.rid, retryAfterSeconds: retryAfter };
}

/**
 * Service side: classifies a register or operation-status request; undefined for other families,
 * `malformed` when the `$rid` or `operationId` is missing or badly escaped. Throws only for a non-string topic.
 */
export function parseDpsRequestTopic(
  topic: string,
): ParsedDpsRegister | ParsedDpsOperationStatus | MalformedTopic | undefined {
  requireTopic(topic);
  if (hasAt(topic, REGISTER_PREFIX, 0)) {
    const query = parseRidQuery(topic, REGISTER_PREFIX.length);
    return query instanceof TopicError ? malformedBy(query) : { kind: 'dps-register', rid: query.rid };
  }
  if (hasAt(topic, STATUS_PREFIX, 0)) {
    const query = parseRidQuery(topic, STATUS_PREFIX.length);
    if (query instanceof TopicError) return malformedBy(query);
    const operationId = query.operationId;
    if (operationId === undefined || operationId === '') {
      return malformedBy(new TopicError('invalid-operation-id', operationId ?? '', OPERATION_ID_RULE));
    }
    return { kind: 'dps-operation-status', rid: query.rid, operationId };
  }
  return undefined;
}
