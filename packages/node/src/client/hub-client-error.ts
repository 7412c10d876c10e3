/**
 * The one error class HubClient rejects with. `code` says what happened, in the vocabulary of the
 * engine's events (a CONNACK refusal keeps its reason, a failed twin request its status), so an
 * application can branch on it without knowing MQTT.
 */
import { HubwireError, QueueFullError } from '@hubwire/core';
import type { ConnectRefusedReason, RequestFailedEvent } from '@hubwire/core';

/** What went wrong. */
export type HubClientErrorCode =
  /** The hub answered CONNECT with a refusal; `reason` and `returnCode` say which. */
  | 'connect-refused'
  /** No stream could be opened: DNS, a refused port, a TLS certificate that does not verify. */
  | 'unreachable'
  /** No answer in time (connect, twin request). */
  | 'timeout'
  /** The hub answered 429: too many requests; retry later. */
  | 'throttled'
  /** The hub answered 5xx. */
  | 'server-error'
  /** The hub answered another non-2xx status (`status`), or refused a needed subscription. */
  | 'rejected'
  /** The answer could not be read. */
  | 'malformed-response'
  /** The connection dropped before the answer came (the client reconnects by itself). */
  | 'connection-lost'
  /** `close()` was called before the operation finished. */
  | 'closed'
  /** DPS did not assign the device; `status` is DPS's when it answered. */
  | 'provisioning-failed'
  /** The call itself was wrong (a body too large, a bad property name); `cause` is the engine's error. */
  | 'invalid-argument'
  /** Too much telemetry waiting (the engine's `maxQueued`); wait for acknowledgements. */
  | 'queue-full';

/** Extra facts an error may carry. */
export interface HubClientErrorDetails {
  /** The CONNACK refusal, for `connect-refused`. */
  readonly reason?: ConnectRefusedReason;
  /** The CONNACK return code, for `connect-refused`. */
  readonly returnCode?: number;
  /** The hub's or DPS's status, when it answered. */
  readonly status?: number;
  /** Whether trying again as is can succeed. */
  readonly retriable?: boolean;
  /** The underlying error. */
  readonly cause?: unknown;
}

/** A HubClient operation failed; `code` says how. */
export class HubClientError extends Error {
  /** What went wrong. */
  readonly code: HubClientErrorCode;
  /** The CONNACK refusal reason (`connect-refused` only). */
  readonly reason: ConnectRefusedReason | undefined;
  /** The CONNACK return code (`connect-refused` only). */
  readonly returnCode: number | undefined;
  /** The service's status code, when it answered. */
  readonly status: number | undefined;
  /** Whether repeating the same call can succeed. */
  readonly retriable: boolean;

  /** Creates an error; `details.cause` is kept as the standard `cause`. */
  constructor(code: HubClientErrorCode, message: string, details: HubClientErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'HubClientError';
    this.code = code;
    this.reason = details.reason;
    this.returnCode = details.returnCode;
    this.status = details.status;
    this.retriable = details.retriable ?? RETRIABLE.has(code);
  }
}

const RETRIABLE: ReadonlySet<HubClientErrorCode> = new Set(['unreachable', 'timeout', 'throttled', 'server-error', 'connection-lost']);

/** Returns the HubClientError for a failed twin request. */
export function requestError(event: RequestFailedEvent): HubClientError {
  const what = event.intent === 'get-twin' ? 'reading the twin' : 'patching reported properties';
  const status = event.status === undefined ? '' : ` (status ${event.status})`;
  const code: HubClientErrorCode = event.reason;
  return new HubClientError(code, `${what} failed: ${event.reason}${status}`, {
    retriable: event.retriable,
    ...(event.status === undefined ? {} : { status: event.status }),
  });
}

/** Returns a HubClientError for what an intent threw (the engine's typed errors), or rethrows anything else. */
export function intentError(error: unknown): HubClientError {
  if (error instanceof QueueFullError) return new HubClientError('queue-full', error.message, { cause: error });
  if (error instanceof HubwireError) return new HubClientError('invalid-argument', error.message, { cause: error });
  throw error;
}
