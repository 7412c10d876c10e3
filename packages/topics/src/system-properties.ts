/**
 * The system properties a message can carry, by friendly name: the vocabulary both the wire-key
 * table (system-keys.ts) and the property-bag codec (message-properties.ts) speak, in a file of its
 * own so neither has to import the other for it.
 */

/** A message's system properties by friendly name; each travels as a `$.`-prefixed bag key (docs/protocol.md §7, §8). */
export interface SystemProperties {
  /** `$.mid`: message id, ≤128 ASCII characters (docs/protocol.md §7); dedupe C2D by it (§8). */
  readonly messageId?: string;
  /** `$.cid`: correlation id. */
  readonly correlationId?: string;
  /** `$.uid`: user id. */
  readonly userId?: string;
  /** `$.ct`: content type, e.g. `application/json`; needed for routing on the body (§7). */
  readonly contentType?: string;
  /** `$.ce`: content encoding, e.g. `utf-8`. */
  readonly contentEncoding?: string;
  /** `$.to`: destination, e.g. `/devices/{d}/messages/deviceBound` on C2D. */
  readonly to?: string;
  /** `$.exp`: absolute expiry time. */
  readonly expiryTimeUtc?: string;
  /** `$.ctime`: creation time (SDK, not in the docs (unconfirmed)). */
  readonly creationTimeUtc?: string;
  /** `$.sub`: PnP component the telemetry belongs to (§11). */
  readonly component?: string;
  /** `$.on`: module output name (§12). */
  readonly outputName?: string;
  /** `$.ifid`: interface id (SDK security messages). */
  readonly interfaceId?: string;
  /** `$.diagid`: distributed-tracing id (SDK). */
  readonly diagnosticId?: string;
  /** `$.diagctx`: distributed-tracing context (SDK). */
  readonly diagnosticContext?: string;
  /** `$.cdid`: device id of the sender, stamped by the hub or Edge (§8, §12). */
  readonly connectionDeviceId?: string;
  /** `$.cmid`: module id of the sender, stamped by the hub or Edge (§8, §12). */
  readonly connectionModuleId?: string;
}
