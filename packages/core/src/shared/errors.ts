/**
 * The errors hubwire throws. Only the application's own mistakes throw (a bad intent, an intent
 * in the wrong state, a full queue, a `now` that is not a finite number); anything the peer does
 * wrong becomes event data instead (docs/design.md "Rules the engine keeps"). Every throw happens before the engine changes
 * any state, so catching one leaves the engine exactly as it was.
 */

/**
 * Why a call was refused: most codes are `invalid-` and the argument's name (an option, an intent's
 * argument, a helper's), the rule in the message; the others name a rule of IoT Hub's or MQTT's.
 */
export type InvalidIntentCode =
  // An options argument that is not an object, or holds a key the call does not know.
  | 'invalid-options'
  // DeviceEngine and ProvisioningEngine options, one code each.
  | 'invalid-host-name'
  | 'invalid-device-id'
  | 'invalid-module-id'
  | 'invalid-model-id'
  | 'invalid-api-version'
  | 'invalid-device-client-type'
  | 'invalid-id-scope'
  | 'invalid-registration-id'
  | 'invalid-client-version'
  | 'invalid-keep-alive-seconds'
  | 'invalid-clean-session'
  | 'invalid-request-timeout-ms'
  | 'invalid-connack-timeout-ms'
  | 'invalid-ping-timeout-ms'
  | 'invalid-registration-timeout-ms'
  | 'invalid-max-transient-retries'
  | 'invalid-max-packet-bytes'
  | 'invalid-max-in-flight'
  | 'invalid-max-queued'
  | 'invalid-token-renewal-margin-ms'
  | 'invalid-subscribe'
  | 'invalid-manual-c2d-ack'
  | 'invalid-will'
  | 'invalid-random'
  // Arguments of the engines' methods.
  | 'invalid-auth'
  | 'invalid-password'
  | 'invalid-password-expires-at'
  | 'invalid-renewing'
  | 'invalid-chunk'
  | 'invalid-reason'
  | 'invalid-body'
  | 'invalid-property'
  | 'invalid-rid'
  | 'invalid-status'
  | 'unknown-ack-id'
  // Arguments of the helpers.
  | 'invalid-seed'
  | 'invalid-timer'
  | 'invalid-deadline'
  | 'invalid-component'
  | 'invalid-return-code'
  | 'invalid-backoff-reason'
  | 'invalid-base-ms'
  | 'invalid-max-ms'
  | 'invalid-throttled-floor-ms'
  // IoT Hub's and MQTT's rules.
  | 'unsupported-qos'
  | 'message-too-large'
  | 'payload-too-large'
  | 'not-applicable'
  // The wire encoders' arguments and MQTT's wire limits, checked by the packet encoders themselves
  // (MQTT 3.1.1 §1.5, §2.2.3, §2.3.1, §4.7).
  | 'invalid-argument'
  | 'invalid-option'
  | 'field-too-long'
  | 'packet-too-large'
  | 'invalid-packet-id'
  | 'invalid-string'
  | 'invalid-topic'
  | 'invalid-topic-filter'
  | 'invalid-keep-alive'
  | 'target-too-small';

/** Why an intent cannot run in the engine's current state. */
export type InvalidStateCode = 'not-connected' | 'already-connected' | 'manual-ack-off' | 'already-registering';

/** Every `code` a {@link HubwireError} can carry. */
export type HubwireErrorCode = InvalidIntentCode | InvalidStateCode | 'queue-full' | 'invalid-now';

/** Base class of everything hubwire throws; `code` is a stable string to switch on. */
export class HubwireError extends Error {
  /** Stable machine-readable reason; the message is for humans and may change. */
  readonly code: HubwireErrorCode;

  /** Creates an error with a stable `code` and a message naming the value and the rule. */
  constructor(code: HubwireErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'HubwireError';
  }
}

/**
 * A call broke a rule before anything changed: an option, an intent's argument or a helper's argument
 * of the wrong kind or out of range, or an intent that breaks one of IoT Hub's rules (docs/protocol.md §5–§11).
 */
export class InvalidIntentError extends HubwireError {
  declare readonly code: InvalidIntentCode;

  /** Creates an error naming the offending value and the limit that applied. */
  constructor(code: InvalidIntentCode, message: string) {
    super(code, message);
    this.name = 'InvalidIntentError';
  }
}

/** A bounded queue is full: the intent was refused whole, nothing was queued. */
export class QueueFullError extends HubwireError {
  declare readonly code: 'queue-full';
  /** The bound that was reached (`maxQueued`). */
  readonly limit: number;

  /** Creates an error for a queue that already holds `limit` entries. */
  constructor(limit: number, what: string) {
    super('queue-full', `${what} queue is full (maxQueued = ${limit}); nothing was queued`);
    this.limit = limit;
    this.name = 'QueueFullError';
  }
}

/** The intent is valid but not in the engine's current state (e.g. `connect` while connected). */
export class InvalidStateError extends HubwireError {
  declare readonly code: InvalidStateCode;
  /** The engine's state when the intent was refused. */
  readonly state: string;

  /** Creates an error naming the state that refused the intent. */
  constructor(code: InvalidStateCode, state: string, message: string) {
    super(code, `${message} (state: ${state})`);
    this.state = state;
    this.name = 'InvalidStateError';
  }
}

/**
 * A `now` that is not a finite number (NaN, ±Infinity, not a number at all). Such a value would
 * silently disable or fire every deadline the call arms, so the engine refuses the call whole.
 */
export class InvalidTimeError extends HubwireError {
  declare readonly code: 'invalid-now';
  /** The value passed as `now`. */
  readonly now: unknown;

  /** Creates an error naming the value passed as `now`. */
  constructor(now: unknown) {
    super('invalid-now', `now must be a finite number of milliseconds on the caller's monotonic clock, got ${shownNow(now)}`);
    this.now = now;
    this.name = 'InvalidTimeError';
  }
}

/** A bad `now` for a message; never throws, whatever it is (String() of an object may). */
function shownNow(now: unknown): string {
  return describe(now);
}

/** A value as a message shows it: short strings quoted, other primitives as written, objects by kind; never calls into the value. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length <= 64 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null;
  const name = proto === null ? undefined : proto.constructor?.name;
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Throws InvalidIntentError `code` naming `what` unless `value` is undefined or an integer in [min, max]. */
export function checkInteger(code: InvalidIntentCode, what: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (!(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
    throw new InvalidIntentError(code, `${what} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
}

/** Throws InvalidIntentError `code` naming `what` unless `value` is undefined or a boolean. */
export function checkBoolean(code: InvalidIntentCode, what: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidIntentError(code, `${what} must be true or false, got ${describe(value)}`);
  }
}

/** Whether `value` is an object that is not an array (an options argument). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws InvalidIntentError `invalid-options` unless `options` is undefined or an object; `what` names the call. */
export function checkOptions(options: unknown, what: string): void {
  if (options !== undefined && !isRecord(options)) {
    throw new InvalidIntentError('invalid-options', `${what} takes an options object, got ${describe(options)}`);
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
