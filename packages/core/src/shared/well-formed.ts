/**
 * Whether a string has a faithful UTF-8 form: no lone surrogate. MQTT strings must not encode
 * surrogate code points [MQTT-1.5.3-1], and `TextEncoder` would silently write U+FFFD in a body, so
 * the wire layer and the JSON helpers both ask this one question.
 */

/** `String.prototype.isWellFormed` (ES2024) where the runtime has it: native, and O(1) on one-byte strings. */
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** Whether `s` has no lone surrogate, i.e. has a UTF-8 form that decodes back to `s` exactly. */
export function isWellFormed(s: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(s) : scanWellFormed(s);
}

/** `isWellFormed` for runtimes without the native check: one pass over the code units. */
export function scanWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = s.charCodeAt(i + 1); // NaN past the end
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}
