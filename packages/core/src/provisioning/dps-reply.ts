/**
 * The DPS reply reader (docs/protocol.md §13): what a status and an untrusted JSON body mean for a
 * registration — still running, assigned, failed, rejected, worth retrying, or unreadable.
 */
import { isValidOperationId } from '@hubwire/topics';
import { isJsonObject, json } from '../shared/json.ts';

/**
 * What one DPS reply means for a registration (docs/protocol.md §13). DPS bodies are untrusted
 * JSON: {@link interpretDpsReply} never throws, and a body it cannot use becomes `malformed`.
 */
export type DpsReply =
  /** Operation still running (`assigning`/`unassigned`): poll `operationId` again later. */
  | { readonly kind: 'pending'; readonly operationId: string }
  /** Operation finished with an IoT Hub assignment. */
  | { readonly kind: 'assigned'; readonly assignment: DpsAssignment }
  /** Operation finished without an assignment (a 2xx whose operation status is `failed`/`disabled`). */
  | {
      readonly kind: 'failed';
      readonly status: 'failed' | 'disabled';
      readonly operationId?: string;
      readonly errorCode?: number;
      readonly message?: string;
    }
  /** Status ≥ 429: try the same request again after `retry-after` (C SDK, docs/protocol.md §13). */
  | { readonly kind: 'transient'; readonly errorCode?: number; readonly message?: string }
  /** Any other non-2xx status: final. */
  | { readonly kind: 'rejected'; readonly errorCode?: number; readonly message?: string }
  /** A 2xx whose body is not JSON or lacks what the status promises. */
  | { readonly kind: 'malformed'; readonly detail: string };

/** The `registrationState` of an assigned operation, fields as DPS names them. */
export interface DpsAssignment {
  readonly operationId?: string;
  readonly registrationId?: string;
  readonly assignedHub: string;
  readonly deviceId: string;
  readonly substatus?: string;
  /** The custom allocation payload returned to the device, parsed JSON. */
  readonly payload?: unknown;
}

/** Statuses DPS may return for an operation (docs/protocol.md §13). */
type OperationStatus = 'unassigned' | 'assigning' | 'assigned' | 'failed' | 'disabled';

const OPERATION_STATUSES: ReadonlySet<string> = new Set<OperationStatus>([
  'unassigned',
  'assigning',
  'assigned',
  'failed',
  'disabled',
]);

/** Classifies a DPS reply from its topic status and body; never throws. */
export function interpretDpsReply(status: number, body: Uint8Array, knownOperationId?: string): DpsReply {
  const parsed = parseObject(body);
  if (status < 200 || status > 299) {
    // Error bodies are informative only: the status alone decides (docs/protocol.md §13, §15).
    const details = parsed.ok ? errorDetails(parsed.value) : {};
    return status >= 429 ? { kind: 'transient', ...details } : { kind: 'rejected', ...details };
  }
  if (!parsed.ok) return { kind: 'malformed', detail: `status ${status} with ${parsed.detail}` };
  const reply = parsed.value;
  const operationStatus = stringField(reply, 'status');
  if (operationStatus === undefined || !OPERATION_STATUSES.has(operationStatus)) {
    return { kind: 'malformed', detail: `status ${status} without a known operation status` };
  }
  const operationId = stringField(reply, 'operationId') ?? knownOperationId;
  const state = objectField(reply, 'registrationState');
  // The registration's own status can say failed/disabled even where the operation's does not.
  const stateStatus = state === undefined ? undefined : stringField(state, 'status');
  const final = stateStatus === 'failed' || stateStatus === 'disabled' ? stateStatus : operationStatus;
  switch (final as OperationStatus) {
    case 'unassigned':
    case 'assigning':
      // The id goes raw into the next poll's topic, so it must be one a topic can carry.
      return isValidOperationId(operationId)
        ? { kind: 'pending', operationId }
        : { kind: 'malformed', detail: `status ${status} '${final}' without a usable operationId` };
    case 'assigned':
      return assignment(state, operationId, status);
    case 'failed':
    case 'disabled':
      return {
        kind: 'failed',
        status: final as 'failed' | 'disabled',
        ...(operationId === undefined ? {} : { operationId }),
        ...errorDetails(reply),
        ...(state === undefined ? {} : errorDetails(state)),
      };
  }
}

function assignment(
  state: Record<string, unknown> | undefined,
  operationId: string | undefined,
  status: number,
): DpsReply {
  const assignedHub = state === undefined ? undefined : stringField(state, 'assignedHub');
  const deviceId = state === undefined ? undefined : stringField(state, 'deviceId');
  if (state === undefined || !assignedHub || !deviceId) {
    return { kind: 'malformed', detail: `status ${status} 'assigned' without registrationState.assignedHub/deviceId` };
  }
  const registrationId = stringField(state, 'registrationId');
  const substatus = stringField(state, 'substatus');
  return {
    kind: 'assigned',
    assignment: {
      assignedHub,
      deviceId,
      ...(operationId === undefined ? {} : { operationId }),
      ...(registrationId === undefined ? {} : { registrationId }),
      ...(substatus === undefined ? {} : { substatus }),
      ...(Object.hasOwn(state, 'payload') ? { payload: state['payload'] } : {}),
    },
  };
}

/** `errorCode`/`message` of a DPS error body, or `errorCode`/`errorMessage` of a registrationState. */
function errorDetails(value: Record<string, unknown>): { errorCode?: number; message?: string } {
  const code = value['errorCode'];
  const message = stringField(value, 'errorMessage') ?? stringField(value, 'message');
  return {
    ...(typeof code === 'number' && Number.isFinite(code) ? { errorCode: code } : {}),
    ...(message === undefined ? {} : { message }),
  };
}

function parseObject(body: Uint8Array): { ok: true; value: Record<string, unknown> } | { ok: false; detail: string } {
  if (body.length === 0) return { ok: false, detail: 'an empty body' };
  let value: unknown;
  try {
    value = json(body);
  } catch {
    return { ok: false, detail: 'a body that is not UTF-8 JSON' };
  }
  return isJsonObject(value) ? { ok: true, value } : { ok: false, detail: 'a JSON body that is not an object' };
}

// Own properties only: JSON.parse makes `__proto__` an own key, and inherited names
// such as `constructor` must not pass for DPS fields.
function stringField(value: Record<string, unknown>, key: string): string | undefined {
  if (!Object.hasOwn(value, key)) return undefined;
  const field = value[key];
  return typeof field === 'string' ? field : undefined;
}

function objectField(value: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  if (!Object.hasOwn(value, key)) return undefined;
  const field = value[key];
  return isJsonObject(field) ? field : undefined;
}
