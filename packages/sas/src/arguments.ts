/**
 * Argument checks shared by the sas functions: whether a value is a usable string, how an unusable
 * value is shown in a message (never by calling into it), and the UTF-8 size MQTT fields are limited by.
 */

/** Whether `s` is a string with no lone surrogate: every string sas encodes must have a faithful UTF-8 form. */
export function isWellFormed(s: unknown): s is string {
  if (typeof s !== 'string') return false;
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

/** UTF-8 length of a well-formed string, without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdbff ? 0 : 2; // a pair: 2 units, 4 bytes
  }
  return n;
}

/** A value as an error message shows it: short strings quoted, others by kind; never calls into the value. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return value.length <= 64 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a value of type ${typeof value}`;
}

/** Whether `value` is a non-null object that is not an array. */
export function isRecord(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
