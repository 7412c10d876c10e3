/**
 * True when `s` holds `prefix` at `pos`, for the once-per-topic prefix checks. Uses the native indexOf: V8
 * does not inline String#startsWith, and a charCodeAt loop costs a few ns per character; either showed as
 * 10-15% of classifying a C2D topic. On a mismatch indexOf scans on to the end of `s`, so call it a bounded
 * number of times per topic, never once per property.
 */
export function hasAt(s: string, prefix: string, pos: number): boolean {
  return s.indexOf(prefix, pos) === pos;
}

/** True when `s` holds `word` at `pos`, comparing only `word.length` characters (safe inside loops). */
export function hasWordAt(s: string, word: string, pos: number): boolean {
  const n = word.length;
  if (pos + n > s.length) return false;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(pos + i) !== word.charCodeAt(i)) return false;
  }
  return true;
}
