/**
 * What a session reports, shared by both engines' event unions: the connection's life (connected,
 * refused, lost, closed), SUBACK outcomes, token expiry and protocol errors.
 *
 * Events are plain readonly data (no classes, no `Buffer`), so they survive `structuredClone` and
 * `postMessage`.
 */

/** Why CONNACK refused the connection; MQTT 3.1.1 §3.2.2.3 return codes 1–5, anything else `unknown`. */
export type ConnectRefusedReason =
  | 'unacceptable-protocol-version'
  | 'identifier-rejected'
  | 'server-unavailable'
  | 'bad-username-or-password'
  | 'not-authorized'
  | 'unknown';

/** Why the engine considers the connection gone. */
export type ConnectionLostReason =
  /** No PINGRESP (or any packet) within the ping-response deadline (MQTT-3.1.2-24 from our side). */
  | 'ping-timeout'
  /** No CONNACK within the CONNACK deadline (docs/protocol.md §2: 30–60 s). */
  | 'connack-timeout'
  /** The inbound byte stream is broken (framing); the driver must close the socket. */
  | 'protocol-error'
  /** The driver reported the socket closed (`connectionLost`). */
  | 'socket-closed';

/** What was wrong with inbound bytes. */
export type ProtocolErrorReason =
  /** Broken MQTT framing: the stream is unusable; the engine is now disconnected. */
  | 'malformed-packet'
  /** A packet announced more than `maxPacketBytes`; refused from its header, stream unusable. */
  | 'packet-too-large'
  /** A packet type a client never receives (CONNECT, SUBSCRIBE, …), or CONNACK twice. */
  | 'unexpected-packet'
  /**
   * A PUBLISH on a known topic family that could not be parsed (bad escape, missing rid, a status or
   * `$version` that is not a number). A broken twin or DPS response whose `$rid` names a pending request
   * also ends that request (`request-failed` / `registration-failed`, reason `malformed-response`).
   */
  | 'malformed-topic'
  /** A PUBLISH on a topic the device never subscribed to. */
  | 'unknown-topic'
  /** A desired patch whose body is not a JSON object. */
  | 'malformed-body'
  /** A PUBACK or SUBACK for a packet id that is not in flight. */
  | 'unknown-packet-id';

/** The hub accepted the connection (CONNACK 0). */
export interface ConnectedEvent {
  readonly type: 'connected';
  /** CONNACK session-present flag: the hub kept the previous session (subscriptions, in-flight QoS 1). */
  readonly sessionPresent: boolean;
}

/** The hub refused the connection (CONNACK ≠ 0); the driver should close the socket. */
export interface ConnectFailedEvent {
  readonly type: 'connect-failed';
  /** The CONNACK return code, 1–255. */
  readonly returnCode: number;
  /** The return code by name (docs/protocol.md §2 table). */
  readonly reason: ConnectRefusedReason;
  /** Whether reconnecting with the same credentials can succeed (only code 3; 5 after a slow back-off). */
  readonly retriable: boolean;
}

/** A SUBACK granted some of the filters of one SUBSCRIBE. */
export interface SubscribedEvent {
  readonly type: 'subscribed';
  /** The filters granted, in SUBSCRIBE order. */
  readonly topics: readonly string[];
  /** The QoS granted per filter, same order (IoT Hub grants QoS 2 requests as 1). */
  readonly granted: readonly number[];
}

/** A SUBACK refused one filter (return code 0x80, MQTT 3.1.1 §3.9.3). */
export interface SubscriptionRefusedEvent {
  readonly type: 'subscription-refused';
  /** The refused filter. */
  readonly topic: string;
  /** The SUBACK return code (0x80, or any other invalid code the hub sent). */
  readonly returnCode: number;
}

/** The SAS token expires soon: renew it (disconnect, then connect with a new password). */
export interface TokenExpiringEvent {
  readonly type: 'token-expiring';
  /** When the password expires, on the caller's clock (`passwordExpiresAt`). */
  readonly expiresAt: number;
}

/** The connection is gone; the driver must close the socket (if open) and may reconnect. */
export interface ConnectionLostEvent {
  readonly type: 'connection-lost';
  /** Why. */
  readonly reason: ConnectionLostReason;
  /** Free text from the driver or the decoder. */
  readonly detail?: string;
}

/** The peer sent something invalid (docs/protocol.md §6, MQTT 3.1.1 §4.8). */
export interface ProtocolErrorEvent {
  readonly type: 'protocol-error';
  /** What was wrong. */
  readonly reason: ProtocolErrorReason;
  /** What exactly, for logs. */
  readonly detail: string;
}

/** `disconnect` completed on the engine's side: DISCONNECT is queued, the driver may close the socket. */
export interface DisconnectedEvent {
  readonly type: 'disconnected';
}

/** Every event a session emits itself. */
export type SessionEvent =
  | ConnectedEvent
  | ConnectFailedEvent
  | TokenExpiringEvent
  | ConnectionLostEvent
  | ProtocolErrorEvent
  | DisconnectedEvent;
