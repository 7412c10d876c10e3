/**
 * What a DeviceEngine reports, as one discriminated union (on `type`): the session's events and the device features' own.
 *
 * Events are plain readonly data: no classes, no methods, no `Buffer`, so they survive
 * `structuredClone` and `postMessage` (docs/design.md "Events"). Bodies are `Uint8Array` views of the
 * bytes passed to `receive` when the packet lay inside one chunk (no copy): keep the chunk's
 * memory untouched while you hold the event, and note that cloning a view clones its whole
 * underlying `ArrayBuffer`. `json(body)` decodes a body.
 *
 * Consume with an exhaustive `switch (event.type)` ending in a `never` check, so a new event
 * breaks every consumer that forgot it at compile time.
 */
import type { MessageProperties } from '@hubwire/topics';
import type {
  ConnectedEvent,
  ConnectFailedEvent,
  ConnectionLostEvent,
  DisconnectedEvent,
  ProtocolErrorEvent,
  SubscribedEvent,
  SubscriptionRefusedEvent,
  TokenExpiringEvent,
} from '../session/events.ts';

/** Which intent a request-failed event ends (DeviceEngine never fails `telemetry`: QoS 1 telemetry ends only in telemetry-acked). */
export type RequestIntent = 'get-twin' | 'patch-reported' | 'telemetry';

/** How a request ended without an answer, or with a non-2xx answer. */
export type RequestFailureReason =
  /** No answer within `requestTimeoutMs`. */
  | 'timeout'
  /** Status 429: throttled; retry with back-off (docs/protocol.md §14). */
  | 'throttled'
  /** Status 5xx: retry with back-off. */
  | 'server-error'
  /** Any other non-2xx status, or the subscription it needed was refused: do not retry as is. */
  | 'rejected'
  /** The connection went away before the answer came. */
  | 'connection-lost'
  /** The application called `disconnect` (not a token renewal, which keeps requests) before the answer came. */
  | 'closed'
  /**
   * A 2xx answer whose body could not be read (not JSON, or not an object), or an answer on a broken
   * topic (a status or `$version` that is not a number) that still names the request by its `$rid`:
   * the request ends when that answer arrives, right after the `protocol-error` reporting the topic.
   */
  | 'malformed-response';

/** A QoS 1 telemetry message was acknowledged (PUBACK): IoT Hub accepted it (docs/protocol.md §7). */
export interface TelemetryAckedEvent {
  readonly type: 'telemetry-acked';
  /** The `id` that `publishTelemetry` returned. */
  readonly id: number;
}

/** A cloud-to-device message (docs/protocol.md §8). */
export interface C2dEvent {
  readonly type: 'c2d';
  /** The message body: a view of the received bytes, not a copy. */
  readonly body: Uint8Array;
  /** System and application properties decoded from the topic's property bag. */
  readonly properties: MessageProperties;
  /** Present when `manualC2dAck` is on and the message came at QoS 1: pass it to `ackC2d` to complete the message. */
  readonly ackId?: number;
}

/** A message routed to one of this module's inputs (docs/protocol.md §12). */
export interface ModuleInputEvent {
  readonly type: 'module-input';
  /** The input name (the segment after `inputs/`). */
  readonly inputName: string;
  /** The message body: a view of the received bytes, not a copy. */
  readonly body: Uint8Array;
  /** System and application properties, including `connectionDeviceId`/`connectionModuleId` of the sender. */
  readonly properties: MessageProperties;
  /** Present when `manualC2dAck` is on and the message came at QoS 1: pass it to `ackC2d`. */
  readonly ackId?: number;
}

/** The answer to `getTwin` (or to the engine's own re-read after a reconnect). */
export interface TwinEvent {
  readonly type: 'twin';
  /** The request id `getTwin` returned, or one the engine chose for its automatic re-read. */
  readonly rid: string;
  /** The response status (2xx; others become request-failed). */
  readonly status: number;
  /** `$version` from the response topic, when the hub sent one. */
  readonly version?: number;
  /** The desired properties, including `$version` (docs/protocol.md §9). */
  readonly desired: Readonly<Record<string, unknown>>;
  /** The reported properties, including `$version`. */
  readonly reported: Readonly<Record<string, unknown>>;
  /** `desired.$version` when it is an integer: later desired patches at or below it are not surfaced. */
  readonly desiredVersion?: number;
  /** `reported.$version` when it is an integer. */
  readonly reportedVersion?: number;
  /** The raw response body: a view of the received bytes. */
  readonly body: Uint8Array;
}

/** The hub applied a reported-properties patch (status 2xx, normally 204). */
export interface ReportedPatchedEvent {
  readonly type: 'reported-patched';
  /** The request id `patchReported` returned. */
  readonly rid: string;
  /** The response status. */
  readonly status: number;
  /** The new reported `$version`, when the hub sent one. */
  readonly version?: number;
}

/** A desired-properties patch, surfaced once per `$version` (stale and duplicate versions are dropped). */
export interface DesiredPatchEvent {
  readonly type: 'desired-patch';
  /** The patch's `$version` (from the topic). */
  readonly version: number;
  /** The patch as the back end applied it; a member set to `null` was removed (docs/protocol.md §9). */
  readonly patch: Readonly<Record<string, unknown>>;
  /** The raw body: a view of the received bytes. */
  readonly body: Uint8Array;
}

/** A direct method / Plug and Play command invocation; answer with `respondMethod(now, rid, …)`. */
export interface MethodRequestEvent {
  readonly type: 'method-request';
  /** The request id to answer with. */
  readonly rid: string;
  /** The method name as sent, e.g. `reboot` or `thermostat1*getMaxMinReport`. */
  readonly methodName: string;
  /** The component, when the name is `component*command` (docs/protocol.md §11). */
  readonly component?: string;
  /** The command name without the component prefix. */
  readonly commandName: string;
  /** The request body (JSON or empty): a view of the received bytes. */
  readonly body: Uint8Array;
}

/** A request ended without success: exactly one of these or its success event ends every request. */
export interface RequestFailedEvent {
  readonly type: 'request-failed';
  /** Which intent failed. */
  readonly intent: RequestIntent;
  /**
   * The request id, for twin intents: one `getTwin`/`patchReported` returned, or the engine's own
   * re-read after a reconnect (a `get-twin` rid you never saw). The engine retries its own re-read
   * after a 429, 5xx, timeout or broken answer, topic or body (a new rid each time, full-jitter back-off from 1 s to 60 s, at most
   * 5 reads per connection) and after connection-lost the next connection re-reads, so this event
   * needs no action unless it is the fifth failure on one connection (then call `getTwin` yourself).
   */
  readonly rid?: string;
  /** Reserved for intent `telemetry`; DeviceEngine keeps QoS 1 telemetry until PUBACK, so it never sets this. */
  readonly id?: number;
  /** How it ended. */
  readonly reason: RequestFailureReason;
  /** The response status, when the hub answered. */
  readonly status?: number;
  /** Whether sending the same request again can succeed (429, 5xx, timeouts, lost connections). */
  readonly retriable: boolean;
}

/** Everything a DeviceEngine reports. */
export type DeviceEvent =
  | ConnectedEvent
  | ConnectFailedEvent
  | SubscribedEvent
  | SubscriptionRefusedEvent
  | TelemetryAckedEvent
  | C2dEvent
  | ModuleInputEvent
  | TwinEvent
  | ReportedPatchedEvent
  | DesiredPatchEvent
  | MethodRequestEvent
  | RequestFailedEvent
  | TokenExpiringEvent
  | ConnectionLostEvent
  | ProtocolErrorEvent
  | DisconnectedEvent;
