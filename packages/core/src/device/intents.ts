/**
 * What the DeviceEngine's intents accept and return, and the checks that turn a bad argument
 * into an InvalidIntentError before the engine changes anything (docs/design.md "Rules the engine keeps").
 * Limits are IoT Hub's (docs/protocol.md §7, §9, §10), taken from @hubwire/topics.
 */
import { encodeMessageProperties, MAX_TWIN_SECTION_BYTES, propertyBagSize } from '@hubwire/topics';
import type { MessagePropertiesInput, PropertyPair, SystemProperties } from '@hubwire/topics';
import { describe, InvalidIntentError, isRecord, messageOf } from '../shared/errors.ts';
import { asBytes, isJsonObject, utf8 } from '../shared/json.ts';
import { isWellFormed } from '../shared/well-formed.ts';
import { jsonBytes } from '../shared/json-value.ts';

/** Options of `DeviceEngine.disconnect`. */
export interface DisconnectOptions {
  /**
   * A token renewal (docs/protocol.md §4: DISCONNECT, then CONNECT with a new password): pending twin
   * requests stay pending, deadlines running, and go out again after the next CONNACK (+ SUBACK).
   */
  readonly renewing?: boolean;
}

/** Options of one telemetry message: system properties by friendly name, application properties, QoS. */
export interface TelemetryOptions extends Omit<SystemProperties, 'connectionDeviceId' | 'connectionModuleId'> {
  /** Application properties, as a record or as ordered pairs. */
  readonly properties?: Readonly<Record<string, string | null>> | Iterable<PropertyPair>;
  /** 0 or 1 (default 1). IoT Hub closes the connection on QoS 2, so it is refused here (docs/protocol.md §7). */
  readonly qos?: 0 | 1;
}

/** A body an intent accepts: bytes as given (any ArrayBufferView), or a string sent as UTF-8. */
export type Body = Uint8Array | ArrayBufferView | string;

/** What `publishTelemetry` returns: the id its `telemetry-acked` (QoS 1) event will carry. */
export interface PublishResult {
  readonly id: number;
}

/** What `getTwin` and `patchReported` return: the rid their ending event will carry. */
export interface RequestResult {
  readonly rid: string;
}

/** An encoded property bag and the bytes it counts toward the message limit. */
export interface EncodedBag {
  /** The bag, ready to append after the topic's trailing `/`. */
  readonly bag: string;
  /** Property names and values counted toward 256 KB (docs/protocol.md §7). */
  readonly size: number;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** Every key TelemetryOptions has: another is a mistake (`application` for `properties`, a misspelt name) that would be sent or lost silently. */
const TELEMETRY_KEYS: ReadonlySet<string> = new Set([
  'qos', 'properties', 'messageId', 'correlationId', 'userId', 'contentType', 'contentEncoding', 'to', 'expiryTimeUtc',
  'creationTimeUtc', 'component', 'outputName', 'interfaceId', 'diagnosticId', 'diagnosticContext',
]);

/** Throws InvalidIntentError `invalid-options` unless `options` is an object whose keys are all TelemetryOptions keys. */
export function checkTelemetryOptions(options: unknown): asserts options is TelemetryOptions {
  if (!isRecord(options)) throw new InvalidIntentError('invalid-options', `publishTelemetry takes an options object, got ${describe(options)}`);
  for (const key in options) {
    if (!TELEMETRY_KEYS.has(key)) {
      const hint = key === 'application' ? ' (application properties go in `properties`)' : '';
      throw new InvalidIntentError('invalid-options', `${key} is not a telemetry option${hint}`);
    }
  }
}

/** Whether telemetry options carry any property (so the common `{ qos }` skips the bag entirely). */
export function hasProperties(options: TelemetryOptions): boolean {
  for (const key in options) {
    if (key !== 'qos' && (options as Record<string, unknown>)[key] !== undefined) return true;
  }
  return false;
}

/** The bag input of a telemetry message: its system properties plus the application ones. */
export function propertiesOf(options: TelemetryOptions): MessagePropertiesInput {
  const { properties, qos, ...system } = options;
  void qos;
  return properties === undefined ? system : { ...system, application: properties };
}

/** Encodes `properties` as a bag; throws InvalidIntentError (`invalid-property`) naming `what` for bad names or values. */
export function encodeBag(properties: MessagePropertiesInput, what: string): EncodedBag {
  if (!isRecord(properties)) throw new InvalidIntentError('invalid-property', `${what} must be an object, got ${describe(properties)}`);
  const application = properties.application;
  // Encoding and sizing each walk the pairs: a one-shot iterator (e.g. `map.entries()`) would be
  // empty the second time and its bytes escape the 256 KB check, so walk it once into an array.
  if (typeof application === 'object' && application !== null && !Array.isArray(application) && isIterable(application)) {
    properties = { ...properties, application: Array.from(application) };
  }
  try {
    return { bag: encodeMessageProperties(properties), size: propertyBagSize(properties) };
  } catch (error) {
    throw new InvalidIntentError('invalid-property', `${what}: ${messageOf(error)}`);
  }
}

/** Whether `value`'s prototype is Object.prototype or null: a record, not a Date, a Map or a class instance. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

function isIterable(value: object): value is Iterable<PropertyPair> {
  return typeof (value as Partial<Iterable<PropertyPair>>)[Symbol.iterator] === 'function';
}

/**
 * A body as bytes: any ArrayBufferView as a view (no copy), a string as UTF-8; throws InvalidIntentError
 * `invalid-body` for anything else or a string with a lone surrogate (no UTF-8 form: it is refused, as in a property, not replaced).
 */
export function bodyBytes(body: Body, what: string): Uint8Array {
  if (typeof body === 'string') {
    if (!isWellFormed(body)) throw new InvalidIntentError('invalid-body', `${what} holds a lone surrogate, which has no UTF-8 form`);
    return utf8(body);
  }
  if (ArrayBuffer.isView(body)) return asBytes(body);
  throw new InvalidIntentError('invalid-body', `${what} must be a Uint8Array (or another ArrayBufferView) or a string, got ${describe(body)}`);
}

/**
 * A method response body: bytes or text as given, nothing as empty, any other value as JSON; throws
 * InvalidIntentError `invalid-body` for a value JSON cannot carry faithfully (shared/json-value.ts).
 */
export function methodBody(body: Body | object | null | undefined): Uint8Array {
  if (body === undefined) return EMPTY;
  if (typeof body === 'string' || ArrayBuffer.isView(body)) return bodyBytes(body as Body, 'method response body');
  return jsonBytes(body, 'the method response body');
}

/**
 * A reported patch as UTF-8 JSON; throws InvalidIntentError `invalid-body` unless it is a plain object
 * whose every value JSON carries faithfully (NaN would become null, which deletes a reported property),
 * `payload-too-large` over 32 KB (docs/protocol.md §9).
 */
export function reportedPatchBytes(patch: unknown): Uint8Array {
  if (!isJsonObject(patch) || !isPlainObject(patch)) {
    throw new InvalidIntentError('invalid-body', `a reported patch must be a plain JSON object (docs/protocol.md §9), got ${describe(patch)}`);
  }
  const bytes = jsonBytes(patch, 'the reported patch');
  if (bytes.length > MAX_TWIN_SECTION_BYTES) {
    throw new InvalidIntentError('payload-too-large', `the reported patch is ${bytes.length} bytes; IoT Hub allows ${MAX_TWIN_SECTION_BYTES} (docs/protocol.md §9)`);
  }
  return bytes;
}
