/**
 * Body helpers: JSON in and out of `Uint8Array` bodies. One shared TextEncoder/TextDecoder for
 * the whole process (no per-engine or per-call instances).
 */

const encoder = new TextEncoder();
/** `fatal`: invalid UTF-8 in a body is an error, not silently replaced by U+FFFD. */
const decoder = new TextDecoder('utf-8', { fatal: true });
const EMPTY: Uint8Array = new Uint8Array(0);

/** Decodes a UTF-8 JSON body; throws TypeError (bad UTF-8) or SyntaxError (bad JSON). An empty body is `undefined`. */
export function json(body: Uint8Array): unknown {
  if (body.length === 0) return undefined;
  return JSON.parse(decoder.decode(body)) as unknown;
}

/** Decodes a UTF-8 body to a string; throws TypeError on invalid UTF-8. */
export function text(body: Uint8Array): string {
  return decoder.decode(body);
}

/** Encodes a string as UTF-8 (a fresh array; the empty string shares one empty array). */
export function utf8(s: string): Uint8Array {
  return s.length === 0 ? EMPTY : encoder.encode(s);
}

/** Whether `value` is a non-null, non-array object (a JSON object once parsed). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes a body that must be a JSON object, or returns undefined when it is not (never throws). */
export function parseJsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = json(body);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Normalises any ArrayBufferView (a Node Buffer, a DataView…) to a plain Uint8Array over the same
 * memory (no copy), as msgpack's `ensureUint8Array`; throws TypeError for anything else.
 */
export function asBytes(view: ArrayBufferView): Uint8Array {
  if (view.constructor === Uint8Array) return view as Uint8Array;
  if (!ArrayBuffer.isView(view)) throw new TypeError(`expected bytes (an ArrayBufferView), got ${typeof view}`);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
