/**
 * Body helpers: JSON in and out of `Uint8Array` bodies. One shared TextEncoder/TextDecoder for
 * the whole process (no per-engine or per-call instances).
 */
import { describe, InvalidIntentError } from './errors.ts';
import { isWellFormed } from './well-formed.ts';

const encoder = new TextEncoder();
/** `fatal`: invalid UTF-8 in a body is an error, not silently replaced by U+FFFD. */
const decoder = new TextDecoder('utf-8', { fatal: true });
const EMPTY: Uint8Array = new Uint8Array(0);

/** Throws InvalidIntentError `invalid-body` unless `body` is bytes (any ArrayBufferView). */
function checkBytes(body: unknown, what: string): asserts body is ArrayBufferView {
  if (!ArrayBuffer.isView(body)) throw new InvalidIntentError('invalid-body', `${what} takes bytes (a Uint8Array), got ${describe(body)}`);
}

/**
 * Decodes a UTF-8 JSON body; an empty body is `undefined`. Throws InvalidIntentError `invalid-body`
 * when `body` is not bytes, not UTF-8 or not JSON (the message says which).
 */
export function json(body: Uint8Array): unknown {
  checkBytes(body, 'json');
  if (body.byteLength === 0) return undefined;
  const source = decode(body, 'json');
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new InvalidIntentError('invalid-body', `the body is not JSON: ${error instanceof Error ? error.message : describe(error)}`);
  }
}

/** Decodes a UTF-8 body to a string; throws InvalidIntentError `invalid-body` when `body` is not bytes or not UTF-8. */
export function text(body: Uint8Array): string {
  checkBytes(body, 'text');
  return decode(body, 'text');
}

function decode(body: ArrayBufferView, what: string): string {
  try {
    return decoder.decode(asBytes(body));
  } catch {
    throw new InvalidIntentError('invalid-body', `${what}: the body is not UTF-8`);
  }
}

/**
 * Encodes a string as UTF-8 (a fresh array; the empty string shares one empty array). Throws
 * InvalidIntentError `invalid-body` for a value that is not a string or holds a lone surrogate, which
 * has no UTF-8 form (TextEncoder would silently send U+FFFD in its place).
 */
export function utf8(s: string): Uint8Array {
  if (typeof s !== 'string') throw new InvalidIntentError('invalid-body', `utf8 takes a string, got ${describe(s)}`);
  if (s.length === 0) return EMPTY;
  if (!isWellFormed(s)) throw new InvalidIntentError('invalid-body', 'the text holds a lone surrogate, which has no UTF-8 form');
  return encoder.encode(s);
}

/** Whether `value` is a non-null, non-array object (a JSON object once parsed). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes a body that must be a JSON object, or returns undefined when it is not; throws only when `body` is not bytes. */
export function parseJsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  checkBytes(body, 'parseJsonObject');
  try {
    const value = json(body);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Normalises any ArrayBufferView (a Node Buffer, a DataView…) to a plain Uint8Array over the same
 * memory (no copy), as msgpack's `ensureUint8Array`; throws InvalidIntentError `invalid-body` for anything else.
 */
export function asBytes(view: ArrayBufferView): Uint8Array {
  if (view.constructor === Uint8Array) return view as Uint8Array;
  checkBytes(view, 'a body');
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
