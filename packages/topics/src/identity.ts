/**
 * The validity rules of every id and name a topic carries (device and module ids, `$rid`s, method,
 * input and output names, statuses, versions, registration and operation ids, PnP components, `$.mid`):
 * `isValid…` predicates and `assert…` throwers.
 */
import { shown, TopicError } from './errors.ts';
import { MAX_DEVICE_ID_LENGTH, MAX_NAME_LENGTH, MAX_REGISTRATION_ID_LENGTH, MAX_STATUS } from './limits.ts';

/** A 0/1 table over ASCII built from the allowed characters. */
function asciiSet(allowed: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < allowed.length; i++) table[allowed.charCodeAt(i)] = 1;
  return table;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Device/module id characters (docs/protocol.md §2) minus `+` and `#`, which MQTT forbids in topic names
 * [MQTT-4.7.1-1] so such an id could never publish (docs/protocol.md §2, inferred (unconfirmed)).
 */
const ID_CHARS = asciiSet(ALPHANUMERIC + "-.%_*?!(),=@$'");

/** `$rid` characters: printable ASCII except the query delimiters and topic wildcards (`& = # + / ? %`). */
const RID_CHARS = asciiSet(
  Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i))
    .filter((c) => !'&=#+/?%'.includes(c))
    .join(''),
);

/** DPS registration id characters (docs/protocol.md §13). */
const REGISTRATION_ID_CHARS = asciiSet(ALPHANUMERIC + '._-');

/** `$.mid` characters (docs/protocol.md §7). */
const MESSAGE_ID_CHARS = asciiSet(ALPHANUMERIC + "-:.+%_#*?!(),=@;$'");

const DEVICE_ID_RULE =
  `must be 1-${MAX_DEVICE_ID_LENGTH} characters of A-Z a-z 0-9 - . % _ * ? ! ( ) , = @ $ ' ` +
  '(docs/protocol.md §2; + and # are MQTT wildcards)';
const RID_RULE =
  `must be 1-${MAX_NAME_LENGTH} printable ASCII characters other than space & = # + / ? % (docs/protocol.md §9)`;
const NAME_RULE =
  `must be 1-${MAX_NAME_LENGTH} characters without / # + ? & space or control characters, ` +
  'and well-formed UTF-16 (docs/protocol.md §10, [MQTT-4.7.3-2])';
const STATUS_RULE = `must be an integer 0-${MAX_STATUS} (docs/protocol.md §10)`;
const VERSION_RULE = 'must be a non-negative safe integer (docs/protocol.md §9)';
const RETRY_AFTER_RULE = 'must be a non-negative safe integer number of seconds (docs/protocol.md §13)';
const REGISTRATION_ID_RULE =
  `must be 1-${MAX_REGISTRATION_ID_LENGTH} characters of A-Z a-z 0-9 . _ -, ` +
  'starting and ending alphanumeric (docs/protocol.md §13)';
const OPERATION_ID_RULE = 'must be 1-256 printable ASCII characters other than space & = # + / ? % (docs/protocol.md §13)';
const COMPONENT_RULE =
  'must be 1-64 characters of A-Z a-z 0-9 _, starting with a letter and not ending with _ (DTDL v2 name, docs/protocol.md §11)';
const MESSAGE_ID_RULE =
  `must be at most ${MAX_NAME_LENGTH} characters of A-Z a-z 0-9 - : . + % _ # * ? ! ( ) , = @ ; $ ' (docs/protocol.md §7)`;

/** True when `s` is `min..max` characters long and each is 1 in `table`. */
function onlyAscii(s: unknown, table: Uint8Array, min: number, max: number): s is string {
  if (typeof s !== 'string' || s.length < min || s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] === 0) return false;
  }
  return true;
}

/** True for a device id IoT Hub accepts and MQTT can carry in a topic (docs/protocol.md §2). */
export function isValidDeviceId(id: unknown): id is string {
  return onlyAscii(id, ID_CHARS, 1, MAX_DEVICE_ID_LENGTH);
}

/** True for a module id: same rule as device ids (docs/protocol.md §2, §12). */
export function isValidModuleId(id: unknown): id is string {
  return onlyAscii(id, ID_CHARS, 1, MAX_DEVICE_ID_LENGTH);
}

/** True for a `$rid` that needs no escaping in a query and cannot be confused with a delimiter. */
export function isValidRid(rid: unknown): rid is string {
  return onlyAscii(rid, RID_CHARS, 1, MAX_NAME_LENGTH);
}

/** True for a DPS operation id as it appears raw in the status query (docs/protocol.md §13). */
export function isValidOperationId(id: unknown): id is string {
  return onlyAscii(id, RID_CHARS, 1, 256);
}

/**
 * True for a name that sits raw in one topic level: method, input or output name. Excludes the level
 * separator, wildcards [MQTT-4.7.1-1], query delimiters, space, controls and U+0000 [MQTT-4.7.3-2], and
 * lone surrogates, which have no UTF-8 form [MQTT-1.5.3-1].
 */
export function isValidTopicName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME_LENGTH) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) return false;
    if (c === 0x2f || c === 0x23 || c === 0x2b || c === 0x3f || c === 0x26) return false; // / # + ? &
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = name.charCodeAt(i + 1); // NaN past the end
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** True for an integer status a response topic can carry (docs/protocol.md §10). */
export function isValidStatus(status: unknown): status is number {
  return Number.isInteger(status) && (status as number) >= 0 && (status as number) <= MAX_STATUS;
}

/** True for a twin `$version` or a retry-after: a non-negative safe integer. */
export function isValidVersion(version: unknown): version is number {
  return Number.isSafeInteger(version) && (version as number) >= 0;
}

/** True for a DPS registration id (docs/protocol.md §13: alphanumerics and `. _ -`, no special first or last). */
export function isValidRegistrationId(id: unknown): id is string {
  if (!onlyAscii(id, REGISTRATION_ID_CHARS, 1, MAX_REGISTRATION_ID_LENGTH)) return false;
  return isAlphanumeric(id.charCodeAt(0)) && isAlphanumeric(id.charCodeAt(id.length - 1));
}

/** True for a PnP component name: a DTDL v2 name (docs/protocol.md §11). */
export function isValidComponentName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 64) return false;
  const first = name.charCodeAt(0) | 0x20;
  if (first < 97 || first > 122 || name.charCodeAt(name.length - 1) === 95) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isAlphanumeric(c) && c !== 95) return false;
  }
  return true;
}

/** True for a `$.mid` value IoT Hub accepts (docs/protocol.md §7). */
export function isValidMessageId(id: unknown): id is string {
  return onlyAscii(id, MESSAGE_ID_CHARS, 0, MAX_NAME_LENGTH);
}

function isAlphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122);
}

/** Throws TopicError `invalid-device-id` unless `id` is a valid device id. */
export function assertDeviceId(id: string): void {
  if (!isValidDeviceId(id)) throw new TopicError('invalid-device-id', shown(id), DEVICE_ID_RULE);
}

/** Throws TopicError `invalid-module-id` unless `id` is a valid module id. */
export function assertModuleId(id: string): void {
  if (!isValidModuleId(id)) throw new TopicError('invalid-module-id', shown(id), DEVICE_ID_RULE);
}

/** Throws TopicError `invalid-rid` unless `rid` is a valid `$rid`. */
export function assertRid(rid: string): void {
  if (!isValidRid(rid)) throw new TopicError('invalid-rid', shown(rid), RID_RULE);
}

/** Throws TopicError `invalid-method-name` unless `name` can be a method name topic level. */
export function assertMethodName(name: string): void {
  if (!isValidTopicName(name)) throw new TopicError('invalid-method-name', shown(name), NAME_RULE);
}

/** Throws TopicError `invalid-input-name` unless `name` can be a module input topic level. */
export function assertInputName(name: string): void {
  if (!isValidTopicName(name)) throw new TopicError('invalid-input-name', shown(name), NAME_RULE);
}

/** Throws TopicError `invalid-output-name` unless `name` can name a module output (routed to an input). */
export function assertOutputName(name: string): void {
  if (!isValidTopicName(name)) throw new TopicError('invalid-output-name', shown(name), NAME_RULE);
}

/** Throws TopicError `invalid-status` unless `status` is an integer 0–65535. */
export function assertStatus(status: number): void {
  if (!isValidStatus(status)) throw new TopicError('invalid-status', shown(status), STATUS_RULE);
}

/** Throws TopicError `invalid-version` unless `version` is a non-negative safe integer. */
export function assertVersion(version: number): void {
  if (!isValidVersion(version)) throw new TopicError('invalid-version', shown(version), VERSION_RULE);
}

/** Throws TopicError `invalid-retry-after` unless `seconds` is a non-negative safe integer. */
export function assertRetryAfter(seconds: number): void {
  if (!isValidVersion(seconds)) throw new TopicError('invalid-retry-after', shown(seconds), RETRY_AFTER_RULE);
}

/** Throws TopicError `invalid-registration-id` unless `id` is a valid DPS registration id. */
export function assertRegistrationId(id: string): void {
  if (!isValidRegistrationId(id)) throw new TopicError('invalid-registration-id', shown(id), REGISTRATION_ID_RULE);
}

/** Throws TopicError `invalid-operation-id` unless `id` can sit raw in the DPS status query. */
export function assertOperationId(id: string): void {
  if (!isValidOperationId(id)) throw new TopicError('invalid-operation-id', shown(id), OPERATION_ID_RULE);
}

/** Throws TopicError `invalid-component` unless `name` is a DTDL component name. */
export function assertComponentName(name: string): void {
  if (!isValidComponentName(name)) throw new TopicError('invalid-component', shown(name), COMPONENT_RULE);
}

/** Throws TopicError `invalid-property` unless `id` is a valid `$.mid`. */
export function assertMessageId(id: string): void {
  if (!isValidMessageId(id)) throw new TopicError('invalid-property', shown(id), MESSAGE_ID_RULE);
}
