/**
 * Why a virtual user failed, as a short snake_case kind that reads well in Artillery's summary
 * (`errors.hubwire.ack_timeout`) and in the `hubwire.errors.<kind>` counters.
 */

/** The kinds this engine reports; `connect_refused.*`, `provision_failed.*` and `twin_*` carry the hub's reason. */
export type ErrorKind =
  /** The scenario or engine config is wrong (the message says where). */
  | 'invalid_scenario'
  /** A step needs a connection and the virtual user has none. */
  | 'not_connected'
  /** `connect` ran twice without `disconnect`. */
  | 'already_connected'
  /** Another virtual user of this worker holds the same device id (the hub would drop one of them). */
  | 'device_in_use'
  /** Every device of this worker's share of the pool is in use. */
  | 'pool_exhausted'
  /** The hub's address did not resolve. */
  | 'dns_error'
  /** Nothing listens at the hub's address. */
  | 'connection_refused'
  /** The TLS handshake failed (an untrusted or mismatched certificate: see `ca`). */
  | 'tls_error'
  /** The socket failed to open for another reason. */
  | 'socket_error'
  /** No open socket, CONNACK or SUBACK within the timeout. */
  | 'connect_timeout'
  /** CONNACK refused the connection; the suffix is the reason, e.g. `connect_refused.not_authorized`. */
  | `connect_refused.${string}`
  /** The hub refused a subscription the device needs (methods, C2D, twin). */
  | 'subscription_refused'
  /** The connection went away during the scenario. */
  | 'connection_lost'
  /** DPS gave no assignment; the suffix is the reason, e.g. `provision_failed.rejected`. */
  | `provision_failed.${string}`
  /** A QoS 1 message was not acknowledged within the timeout. */
  | 'ack_timeout'
  /** A twin read or patch failed; the suffix is the engine's reason, e.g. `twin_timeout`, `twin_throttled`. */
  | `twin_${string}`
  /** Fewer C2D messages than asked for arrived within the timeout. */
  | 'c2d_timeout'
  /** More telemetry was queued than the engine's queue holds (raise `maxQueued` or wait for acks). */
  | 'queue_full'
  /** The engine refused an intent (a message over 256 KB, a bad property): the message says which. */
  | 'invalid_message'
  /** A method arrived and the device could not answer it (informational, never fails a user). */
  | 'method_unanswered'
  /** The hub sent something the engine could not read (informational, never fails a user). */
  | 'protocol_error'
  /** A processor function (`function` step or scenario hook) failed. */
  | 'function_failed';

/** A failure with its kind; thrown by steps and turned into an Artillery error by the scenario. */
export class ScenarioError extends Error {
  /** The kind, e.g. `ack_timeout`. */
  readonly kind: ErrorKind;

  /** Creates an error of `kind` with a readable `message`. */
  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.name = 'ScenarioError';
    this.kind = kind;
  }
}

/** Turns an engine reason such as `not-authorized` into the snake_case used in metric names. */
export function snake(reason: string): string {
  return reason.replaceAll('-', '_');
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
