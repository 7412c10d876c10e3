/**
 * The fast path for the spelling the hub always uses in response and request topics
 * (`?$rid=…&$version=…`): read in place, without splitting the query; anything else goes to query.ts.
 */
import { hasAt } from './match.ts';
import { parseDecimal } from './query.ts';

/**
 * The hub spells every response and request query one way: `/?$rid={rid}[&$version={v}]`, the rid
 * unescaped, and a desired patch's as `?$version={v}`. Reading that one spelling in place needs no query
 * object; the general parser stays in charge of every other spelling (parameters reordered, escapes,
 * `%24rid`). The readers here answer "not canonical" with -1 or undefined, and the two paths agree wherever
 * these answer (fast-paths.test.ts).
 */

/** The key that opens a canonical query, after the level before it. */
export const CANONICAL_RID_KEY = '/?$rid=';
/** What follows the rid on a twin response that carries a version. */
export const RESPONSE_VERSION_KEY = '&$version=';
/** The whole query of a desired patch, up to its version. */
export const PATCH_VERSION_KEY = '?$version=';

/** Index of the first `&` or `%` at or after `start`, else the topic's length: where a plain value ends. */
export function plainRunEnd(topic: string, start: number): number {
  const end = topic.length;
  let i = start;
  for (; i < end; i++) {
    const c = topic.charCodeAt(i);
    if (c === 38 /* & */ || c === 37 /* % */) break;
  }
  return i;
}

/** The rid of `/?$rid={rid}` at `topic[slash]` running unescaped to the end (a request), else undefined. */
export function canonicalRequestRid(topic: string, slash: number): string | undefined {
  if (!hasAt(topic, CANONICAL_RID_KEY, slash)) return undefined;
  const ridStart = slash + CANONICAL_RID_KEY.length;
  const ridEnd = plainRunEnd(topic, ridStart);
  return ridEnd === ridStart || ridEnd !== topic.length ? undefined : topic.slice(ridStart, ridEnd);
}

/** The version of `{key}{digits}` running from `topic[at]` to the end; -1 for anything else. */
export function canonicalVersion(topic: string, at: number, key: string): number {
  if (!hasAt(topic, key, at)) return -1;
  return parseDecimal(topic, at + key.length, topic.length, Number.MAX_SAFE_INTEGER);
}
