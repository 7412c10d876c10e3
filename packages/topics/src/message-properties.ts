/**
 * Message property bags (docs/protocol.md §6–§8): system properties by friendly name and application
 * properties, encoded as IoT Hub reads them and decoded tolerantly, with the size they count toward the
 * 256 KB limit.
 */
import { requirePair, requireProperties, requireString } from './arguments.ts';
import { shown, TopicError } from './errors.ts';
import { assertComponentName, assertMessageId, assertOutputName } from './identity.ts';
import { MAX_TOPIC_BYTES } from './limits.ts';
import { percentDecodeAt, percentEncode } from './percent-encoding.ts';
import { appendPropertyPairs, escapeError, type PropertyPair } from './property-bag.ts';
import {
  SYSTEM_ENTRIES,
  isSystemKeyFolded,
  matchedProperty,
  matchedKeyLength,
  systemKeyAt,
  systemKeyOf,
} from './system-keys.ts';
import type { SystemProperties } from './system-properties.ts';
import { utf8Length } from './utf8-length.ts';

export type { SystemProperties } from './system-properties.ts';

/** A message's decoded property bag: system properties by friendly name plus the application ones. */
export interface MessageProperties extends SystemProperties {
  /**
   * Application properties, untouched; a record that inherits no keys, so `__proto__` is just a key;
   * `key` without `=` is null.
   */
  readonly application: Readonly<Record<string, string | null>>;
}

/** What a builder accepts: any system properties, application ones as a record or as ordered pairs. */
export type MessagePropertiesInput = Partial<SystemProperties> & {
  application?: Readonly<Record<string, string | null>> | Iterable<PropertyPair>;
};

/** Outcome of decoding a message's bag. */
export type DecodedMessageProperties =
  | { readonly ok: true; readonly properties: MessageProperties }
  | { readonly ok: false; readonly error: TopicError };

/**
 * Prototype of application records: empty, frozen, itself without a prototype. A record inherits nothing, so
 * `__proto__` or `constructor` from the wire is an ordinary own key (docs/design.md "Rules the engine keeps").
 * Not `Object.create(null)` itself: V8 keeps such objects in dictionary mode, where a store with a freshly
 * sliced key costs ~1 µs.
 */
const NOTHING_INHERITED: object = Object.freeze(Object.create(null) as object);

/** A new application record that inherits no keys (see NOTHING_INHERITED). */
function emptyRecord(): Record<string, string | null> {
  return Object.create(NOTHING_INHERITED) as Record<string, string | null>;
}

/** Frozen, shared properties for topics without a bag, so such topics allocate nothing. */
export const EMPTY_PROPERTIES: MessageProperties = Object.freeze({ application: Object.freeze(emptyRecord()) });

const EMPTY_APPLICATION = EMPTY_PROPERTIES.application;

/** Checks the system values IoT Hub constrains (§7, §11, §12); throws TopicError. */
function checkSystemValue(friendly: keyof SystemProperties, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TopicError('invalid-property', shown(value), `${friendly} must be a string`);
  }
  if (friendly === 'messageId') assertMessageId(value);
  else if (friendly === 'component') assertComponentName(value);
  else if (friendly === 'outputName') assertOutputName(value);
  return value;
}

/**
 * The system values of `p` in SYSTEM_ENTRIES order, read by name: a read whose key varies (`p[friendly]` in a
 * loop) goes megamorphic and cost ~10 ns a key, more than encoding a whole telemetry bag.
 */
export function systemValues(p: Partial<SystemProperties>): unknown[] {
  return [
    p.messageId,
    p.correlationId,
    p.userId,
    p.contentType,
    p.contentEncoding,
    p.to,
    p.expiryTimeUtc,
    p.creationTimeUtc,
    p.component,
    p.outputName,
    p.interfaceId,
    p.diagnosticId,
    p.diagnosticContext,
    p.connectionDeviceId,
    p.connectionModuleId,
  ];
}

/** Each system key percent-encoded with its `=` (`%24.mid=`), and the same after `&`, by SYSTEM_ENTRIES index. */
const ENCODED_KEYS: readonly string[] = SYSTEM_ENTRIES.map(([, wire]) => percentEncode(wire) + '=');
const ENCODED_NEXT_KEYS: readonly string[] = ENCODED_KEYS.map((key) => '&' + key);

const NO_PAIRS: readonly PropertyPair[] = Object.freeze([]);

/** The application pairs of an input, whether a record or an iterable of pairs, as an array walked twice. */
function applicationPairs(application: MessagePropertiesInput['application']): readonly PropertyPair[] {
  if (application === undefined) return NO_PAIRS;
  if (Array.isArray(application)) return checkedPairs(application);
  if (typeof (application as Partial<Iterable<PropertyPair>>)[Symbol.iterator] === 'function') {
    return checkedPairs(Array.from(application as Iterable<PropertyPair>));
  }
  // Object.keys and a loop: Object.entries cost ~200 ns for one property.
  const record = application as Readonly<Record<string, string | null>>;
  const names = Object.keys(record);
  const pairs = new Array<PropertyPair>(names.length);
  for (let i = 0; i < names.length; i++) pairs[i] = [names[i]!, record[names[i]!] as string | null];
  return pairs;
}

/** `pairs` once each is known to be a `[name, value]` array (names and values are checked in wire order by the caller). */
function checkedPairs(pairs: readonly unknown[]): readonly PropertyPair[] {
  for (let i = 0; i < pairs.length; i++) requirePair(pairs[i]);
  return pairs as readonly PropertyPair[];
}

/** Throws the TopicError of the first system value (in encoder order) IoT Hub would refuse, if any. */
function checkSystemValues(values: unknown[]): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== undefined) checkSystemValue(SYSTEM_ENTRIES[i]![0], values[i]);
  }
}

/**
 * Encodes a message's bag (docs/protocol.md §6, §7): system properties first as `%24.xx` in a fixed order, then
 * application properties in the given order; '' when there are none. Throws TopicError: `duplicate-property`
 * (case-insensitive), `invalid-property` (bad value, or an application name that is a system key),
 * `invalid-component`, `invalid-output-name`. When several things are wrong, the first of these is reported:
 * a refused system value, an application name that is a system key, then any other fault in wire order.
 */
export function encodeMessageProperties(p: MessagePropertiesInput): string {
  requireProperties(p);
  const values = systemValues(p);
  const application = applicationPairs(p.application);
  for (let i = 0; i < application.length; i++) {
    const name = application[i]![0];
    if (typeof name === 'string' && name.charCodeAt(0) === 36 /* $ */ && isSystemKeyFolded(name)) {
      checkSystemValues(values);
      const rule = 'is a system property key; set it by its friendly name (docs/protocol.md §7)';
      throw new TopicError('invalid-property', name, rule);
    }
  }
  let bag = '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    let encoded: string;
    try {
      encoded = percentEncode(checkSystemValue(SYSTEM_ENTRIES[i]![0], value));
    } catch (error) {
      checkSystemValues(values); // a lone surrogate comes second to a refused value further on
      throw error;
    }
    bag += (bag === '' ? ENCODED_KEYS[i]! : ENCODED_NEXT_KEYS[i]!) + encoded;
  }
  return application.length === 0 ? bag : appendPropertyPairs(bag, application);
}

/**
 * Application names decoded lately, one slot per length modulo 16. V8 interns a fresh string the first time it
 * is used as a key, which costs more than decoding the pair; the same string object again is found at once.
 */
const recentNames: string[] = new Array<string>(16).fill('');

/** `name`, or an equal string used as a key before. */
function recentName(name: string): string {
  const slot = name.length & 15;
  const recent = recentNames[slot]!;
  if (name === recent) return recent;
  if (name.length <= 64) recentNames[slot] = name;
  return name;
}

/** Properties being filled by the decoder. */
type Building = { -readonly [K in keyof MessageProperties]: MessageProperties[K] };

/**
 * `target[friendly] = value` as one named store per key: a keyed store whose key varies goes megamorphic
 * and costs more than the rest of decoding a pair.
 */
function setSystemProperty(target: Building, friendly: keyof SystemProperties, value: string): void {
  switch (friendly) {
    case 'messageId': target.messageId = value; break;
    case 'correlationId': target.correlationId = value; break;
    case 'userId': target.userId = value; break;
    case 'contentType': target.contentType = value; break;
    case 'contentEncoding': target.contentEncoding = value; break;
    case 'to': target.to = value; break;
    case 'expiryTimeUtc': target.expiryTimeUtc = value; break;
    case 'creationTimeUtc': target.creationTimeUtc = value; break;
    case 'component': target.component = value; break;
    case 'outputName': target.outputName = value; break;
    case 'interfaceId': target.interfaceId = value; break;
    case 'diagnosticId': target.diagnosticId = value; break;
    case 'diagnosticContext': target.diagnosticContext = value; break;
    case 'connectionDeviceId': target.connectionDeviceId = value; break;
    case 'connectionModuleId': target.connectionModuleId = value; break;
  }
}

/**
 * Decodes the bag at `topic[start, end)` without slicing it out first; the hot path of the inbound parser.
 * Returns the TopicError of the first malformed escape instead of throwing. A repeated key keeps its last value.
 */
export function decodeMessagePropertiesAt(topic: string, start: number, end: number): MessageProperties | TopicError {
  // bagBounds, inlined: its tuple is an allocation on every message.
  if (start < end && topic.charCodeAt(start) === 63 /* ? */) start++;
  if (end > start && topic.charCodeAt(end - 1) === 47 /* / */) end--;
  if (start >= end) return EMPTY_PROPERTIES;
  let application: Record<string, string | null> | undefined;
  // An empty literal has room for four properties inside the object; `{ application }` has room for one, and the
  // system properties set after it then grow an out-of-object store twice (136 B instead of 96 for five).
  const properties = {} as Building;
  properties.application = EMPTY_APPLICATION;
  // The next `=` and `%`, cached: rescanning from every pair would make a long bag quadratic. Neither is
  // looked for on a raw system key (`%24.mid`), which is matched in place up to its `=`.
  let nextEq = -2; // not looked for yet; -1 once known to be absent
  let nextPercent = -2;
  let pos = start;
  while (pos < end) {
    let amp = topic.indexOf('&', pos);
    if (amp === -1 || amp > end) amp = end;
    if (amp > pos) {
      let friendly: keyof SystemProperties | undefined;
      let name = '';
      let valueStart: number;
      const match = systemKeyAt(topic, pos, amp);
      if (match >= 0) {
        friendly = matchedProperty(match);
        valueStart = pos + matchedKeyLength(match) + 1;
      } else {
        if (nextEq !== -1 && nextEq < pos) nextEq = topic.indexOf('=', pos);
        const nameEnd = nextEq !== -1 && nextEq < amp ? nextEq : amp;
        if (nextPercent !== -1 && nextPercent < pos) nextPercent = topic.indexOf('%', pos);
        // The test before each percentDecodeAt is its own first line: a call per name and value costs more.
        const plain = nextPercent === -1 || nextPercent >= nameEnd;
        const decoded = plain ? topic.slice(pos, nameEnd) : percentDecodeAt(topic, pos, nameEnd, nextPercent);
        if (decoded === undefined) return escapeError(topic.slice(pos, nameEnd));
        if (!plain) friendly = systemKeyOf(decoded); // e.g. `%24%2Emid`
        name = decoded;
        valueStart = nameEnd + 1;
      }
      let value: string | null = null;
      if (valueStart <= amp) {
        if (nextPercent !== -1 && nextPercent < valueStart) nextPercent = topic.indexOf('%', valueStart);
        const plain = nextPercent === -1 || nextPercent >= amp;
        const decoded = plain ? topic.slice(valueStart, amp) : percentDecodeAt(topic, valueStart, amp, nextPercent);
        if (decoded === undefined) return escapeError(topic.slice(valueStart, amp));
        value = decoded;
      }
      if (friendly !== undefined) {
        // A bare system key (`$.mid` with no `=`) reads as empty: system properties are strings.
        setSystemProperty(properties, friendly, value ?? '');
      } else {
        application ??= properties.application = emptyRecord();
        application[recentName(name)] = value;
      }
    }
    pos = amp + 1;
  }
  return properties;
}

/** Decodes a message's bag tolerantly (docs/protocol.md §6): `$.x` and `%24.x` alike; a bad escape is an error result. */
export function decodeMessageProperties(bag: string): DecodedMessageProperties {
  requireString(bag, 'invalid-bag', 'a property bag');
  const result = decodeMessagePropertiesAt(bag, 0, bag.length);
  return result instanceof TopicError ? { ok: false, error: result } : { ok: true, properties: result };
}

/**
 * Bytes the properties add toward the 256 KB message limit (docs/protocol.md §7): system-property values and
 * application names and values, unencoded, as UTF-8; system names, `=` and `&` do not count.
 */
export function propertyBagSize(p: MessagePropertiesInput): number {
  requireProperties(p);
  let size = 0;
  const values = systemValues(p);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'string') size += utf8Length(value);
    else if (value !== undefined) throw new TopicError('invalid-property', shown(value), `${SYSTEM_ENTRIES[i]![0]} must be a string`);
  }
  const application = applicationPairs(p.application);
  for (let i = 0; i < application.length; i++) {
    const [name, value] = application[i]!;
    if (typeof name !== 'string') throw new TopicError('invalid-property', shown(name), 'a property name must be a string');
    if (value !== null && typeof value !== 'string') throw new TopicError('invalid-property', name, 'a property value must be a string or null');
    size += utf8Length(name) + (value === null ? 0 : utf8Length(value));
  }
  return size;
}

/**
 * `prefix` followed by the encoded bag of `properties`; throws TopicError `bag-too-large` when the topic would
 * pass the MQTT limit of 65,535 bytes [MQTT-1.5.3], plus whatever encodeMessageProperties throws.
 */
export function topicWithProperties(prefix: string, properties: MessagePropertiesInput | undefined): string {
  if (properties === undefined) return prefix;
  const topic = prefix + encodeMessageProperties(properties);
  // The bag is ASCII once encoded; only the prefix (an input name) can hold multi-byte characters.
  if (topic.length > MAX_TOPIC_BYTES / 3 && utf8Length(topic) > MAX_TOPIC_BYTES) {
    const rule = `the topic must fit in ${MAX_TOPIC_BYTES} bytes [MQTT-1.5.3]`;
    throw new TopicError('bag-too-large', topic.slice(0, 64) + '…', rule);
  }
  return topic;
}
