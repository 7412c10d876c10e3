/**
 * What the DeviceEngine's intents accept and return, and the checks that turn a bad argument
 * into an InvalidIntentError before the engine changes anything (STYLE.md §1 "Misuse throws").
 * Limits are IoT Hub's (docs/protocol.md §7, §9, §10), taken from @hubwire/topics.
 */
import { encodeMessageProperties, MAX_TWIN_SECTION_BYTES, propertyBagSize } from '@hubwire/topics';
import type { MessagePropertiesInput, PropertyPair, SystemProperties } from '@hubwire/topics';
import { InvalidIntentError, messageOf } from '../shared/errors.ts';
import { asBytes, isJsonObject, utf8 } from '../shared/json.ts';

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
  const application = properties.application;
  // Encoding and sizing each walk the pairs: a one-shot iterator (e.g. `map.entries()`) would be
  // empty the second time and its bytes escape the 256 KB check, so walk it once into an array.
  if (application !== undefined && !Array.isArray(application) && isIterable(application)) {
    properties = { ...properties, application: Array.from(application) };
  }
  try {
    return { bag: encodeMessageProperties(properties), size: propertyBagSize(properties) };
  } catch (error) {
    throw new InvalidIntentError('invalid-property', `${what}: ${messageOf(error)}`);
  }
}

function isIterable(value: object): value is Iterable<PropertyPair> {
  return typeof (value as Partial<Iterable<PropertyPair>>)[Symbol.iterator] === 'function';
}

/** A body as bytes: any ArrayBufferView as a view (no copy), a string as UTF-8; throws InvalidIntentError otherwise. */
export function bodyBytes(body: Body, what: string): Uint8Array {
  if (typeof body === 'string') return utf8(body);
  if (ArrayBuffer.isView(body)) return asBytes(body);
  throw new InvalidIntentError('invalid-body', `${what} must be a Uint8Array (or another ArrayBufferView) or a string`);
}

/** A method response body: bytes or text as given, nothing as empty, anything else as JSON; throws InvalidIntentError. */
export function methodBody(body: Body | object | null | undefined): Uint8Array {
  if (body === undefined) return EMPTY;
  if (typeof body === 'string' || ArrayBuffer.isView(body)) return bodyBytes(body as Body, 'method response body');
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw new InvalidIntentError('invalid-body', `the method response body cannot be serialised: ${messageOf(error)}`);
  }
  if (text === undefined) throw new InvalidIntentError('invalid-body', 'the method response body has no JSON form');
  return utf8(text);
}

/** A reported patch as UTF-8 JSON; throws InvalidIntentError unless it is a serialisable object of at most 32 KB (docs/protocol.md §9). */
export function reportedPatchBytes(patch: unknown): Uint8Array {
  if (!isJsonObject(patch)) {
    throw new InvalidIntentError('invalid-body', 'a reported patch must be a JSON object (docs/protocol.md §9)');
  }
  let text: string;
  try {
    text = JSON.stringify(patch);
  } catch (error) {
    throw new InvalidIntentError('invalid-body', `the reported patch cannot be serialised: ${messageOf(error)}`);
  }
  const bytes = utf8(text);
  if (bytes.length > MAX_TWIN_SECTION_BYTES) {
    throw new InvalidIntentError('payload-too-large', `the reported patch is ${bytes.length} bytes; IoT Hub allows ${MAX_TWIN_SECTION_BYTES} (docs/protocol.md §9)`);
  }
  return bytes;
}
