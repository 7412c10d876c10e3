/**
 * The errors hubwire throws. Only the application's own mistakes throw (a bad intent, an intent
 * in the wrong state, a full queue, a `now` that is not a finite number); anything the peer does
 * wrong becomes event data instead (docs/design.md "Rules the engine keeps"). Every throw happens before the engine changes
 * any state, so catching one leaves the engine exactly as it was.
 */

/** Why an intent was refused; each names the rule that applied. */
export type InvalidIntentCode =
  | 'invalid-option'
  | 'unsupported-qos'
  | 'message-too-large'
  | 'payload-too-large'
  | 'invalid-body'
  | 'invalid-property'
  | 'invalid-rid'
  | 'invalid-status'
  | 'invalid-name'
  | 'unknown-ack-id'
  | 'not-applicable'
  | 'invalid-argument'
  // MQTT wire limits, checked by the packet encoders themselves (MQTT 3.1.1 §1.5, §2.2.3, §2.3.1, §4.7).
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

/** An intent broke one of IoT Hub's rules (docs/protocol.md §5–§11) or the engine's options. */
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
  if (typeof now === 'string') return JSON.stringify(now);
  if (typeof now === 'object' && now !== null) return 'an object';
  if (typeof now === 'function') return 'a function';
  return String(now);
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
