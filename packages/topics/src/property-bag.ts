/**
 * Generic property bags (docs/protocol.md §6): ordered `name=value` pairs, encoded and decoded,
 * duplicates refused case-insensitively on the way out.
 */
import { requirePair, requirePairs, requireString } from './arguments.ts';
import { shown, TopicError } from './errors.ts';
import { percentDecode, percentEncode } from './percent-encoding.ts';

/** One property of a bag: a name and its value; null is a name without `=` (docs/protocol.md §6). */
export type PropertyPair = readonly [name: string, value: string | null];

/** The outcome of decoding a bag: its pairs in wire order, or the first malformed escape. */
export type DecodedPropertyBag =
  | { readonly ok: true; readonly pairs: PropertyPair[] }
  | { readonly ok: false; readonly error: TopicError };

const DUPLICATE_RULE = 'names must differ case-insensitively: IoT Hub routing keeps only one (docs/protocol.md §6)';
const ESCAPE_RULE = 'every % must start a %XX escape of valid UTF-8 (docs/protocol.md §6)';

/**
 * Encodes pairs as `name=value&name` in the given order, names and values percent-encoded (docs/protocol.md §6).
 * Throws TopicError `invalid-property` (empty name, non-string, lone surrogate) or `duplicate-property`.
 */
export function encodePropertyBag(pairs: Iterable<PropertyPair>): string {
  requirePairs(pairs);
  return appendPropertyPairs('', pairs);
}

/**
 * `bag` (already encoded, maybe empty) followed by `pairs` encoded as encodePropertyBag does them, checked in
 * order and `&`-separated. Duplicates are looked for among `pairs` only.
 */
export function appendPropertyPairs(bag: string, pairs: Iterable<PropertyPair>): string {
  let first: string | undefined; // the only name so far: a single pair needs no set and no lower-casing
  let seen: Set<string> | undefined;
  for (const pair of pairs) {
    requirePair(pair);
    const name = pair[0];
    const value = pair[1];
    if (typeof name !== 'string' || name === '') {
      throw new TopicError('invalid-property', shown(name), 'a property name must be a non-empty string');
    }
    if (value !== null && typeof value !== 'string') {
      throw new TopicError('invalid-property', name, 'a property value must be a string or null');
    }
    if (first === undefined) {
      first = name;
    } else {
      seen ??= new Set([first.toLowerCase()]);
      const folded = name.toLowerCase();
      if (seen.has(folded)) throw new TopicError('duplicate-property', name, DUPLICATE_RULE);
      seen.add(folded);
    }
    if (bag !== '') bag += '&';
    bag += percentEncode(name);
    if (value !== null) bag += '=' + percentEncode(value);
  }
  return bag;
}

/**
 * Start and end of the pairs inside `bag[start, end)`: drops one leading `?` (doc example `/?prop1&prop2=`)
 * and one trailing `/` (Edge example `…/events/%24.on=alert/`), both tolerated by docs/protocol.md §6. Encoded
 * names and values never hold a raw `?` or `/`, so neither can be data.
 */
export function bagBounds(bag: string, start: number, end: number): [start: number, end: number] {
  if (start < end && bag.charCodeAt(start) === 63 /* ? */) start++;
  if (end > start && bag.charCodeAt(end - 1) === 47 /* / */) end--;
  return [start, end];
}

/** The TopicError for a malformed escape in `raw`. */
export function escapeError(raw: string): TopicError {
  return new TopicError('malformed-escape', raw, ESCAPE_RULE);
}

/**
 * Decodes a bag tolerantly (docs/protocol.md §6): optional leading `?` and trailing `/`, pairs split on `&`
 * and the first `=`, `key` alone = null, `key=` = '', empty segments skipped, then percent-decoded.
 * A malformed escape is an error result, never a throw. Duplicates are kept, in wire order.
 */
export function decodePropertyBag(bag: string): DecodedPropertyBag {
  requireString(bag, 'invalid-bag', 'a property bag');
  const [start, end] = bagBounds(bag, 0, bag.length);
  const pairs: PropertyPair[] = [];
  // Cached next `=`: a long run of bare `key&key&…` must not rescan to the end for each key.
  let nextEq = bag.indexOf('=', start);
  let pos = start;
  while (pos < end) {
    let amp = bag.indexOf('&', pos);
    if (amp === -1 || amp > end) amp = end;
    if (amp > pos) {
      if (nextEq !== -1 && nextEq < pos) nextEq = bag.indexOf('=', pos);
      const hasValue = nextEq !== -1 && nextEq < amp;
      const rawName = bag.slice(pos, hasValue ? nextEq : amp);
      const name = percentDecode(rawName);
      if (name === undefined) return { ok: false, error: escapeError(rawName) };
      let value: string | null = null;
      if (hasValue) {
        const rawValue = bag.slice(nextEq + 1, amp);
        const decoded = percentDecode(rawValue);
        if (decoded === undefined) return { ok: false, error: escapeError(rawValue) };
        value = decoded;
      }
      pairs.push([name, value]);
    }
    pos = amp + 1;
  }
  return { ok: true, pairs };
}
