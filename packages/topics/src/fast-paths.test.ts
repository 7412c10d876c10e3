import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicError } from './errors.ts';
import { assertComponentName, assertMessageId, assertOutputName } from './identity.ts';
import { parseInboundTopic } from './inbound.ts';
import {
  decodeMessageProperties,
  encodeMessageProperties,
  propertyBagSize,
  systemValues,
  type MessagePropertiesInput,
  type SystemProperties,
} from './message-properties.ts';
import { percentDecode, percentDecodeAt, percentEncode } from './percent-encoding.ts';
import { decodePropertyBag, type PropertyPair } from './property-bag.ts';
import { SYSTEM_PROPERTY_KEYS, matchedKeyLength, matchedProperty, systemKeyAt, systemKeyOf } from './system-keys.ts';
import { telemetryTopic, telemetryTopicPrefix } from './telemetry.ts';
import { utf8Length } from './utf8-length.ts';

// The hand-written fast paths (memos, unrolled reads, in-place key matching) checked against slow oracles:
// the platform's URI codec and straightforward versions of the bag codec written for clarity, not speed.

/** What a call did: its result, or the code, value and message of the TopicError it threw. */
function outcome(run: () => unknown): unknown {
  try {
    return { result: run() };
  } catch (error) {
    if (!(error instanceof TopicError)) throw error;
    return { code: error.code, value: error.value, message: error.message };
  }
}

/** decodeURIComponent with its URIError as undefined. */
function oracleDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** encodeURIComponent plus the five marks it leaves alone that docs/protocol.md §6 encodes. */
function oracleEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const FRIENDLY = Object.keys(SYSTEM_PROPERTY_KEYS) as (keyof SystemProperties)[];

/** The bag encoder written plainly: pairs collected, then checked and encoded one by one. */
function oracleEncodeMessageProperties(p: MessagePropertiesInput): string {
  const pairs: PropertyPair[] = [];
  for (const friendly of FRIENDLY) {
    const value: unknown = p[friendly];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TopicError('invalid-property', String(value), `${friendly} must be a string`);
    if (friendly === 'messageId') assertMessageId(value);
    else if (friendly === 'component') assertComponentName(value);
    else if (friendly === 'outputName') assertOutputName(value);
    pairs.push([SYSTEM_PROPERTY_KEYS[friendly], value]);
  }
  const application = p.application ?? [];
  const appPairs: Iterable<PropertyPair> =
    Symbol.iterator in application ? (application as Iterable<PropertyPair>) : Object.entries(application);
  const folded = new Set(Object.values(SYSTEM_PROPERTY_KEYS).map((key) => key.toLowerCase()));
  for (const pair of appPairs) {
    if (typeof pair[0] === 'string' && folded.has(pair[0].toLowerCase())) {
      throw new TopicError('invalid-property', pair[0], 'is a system property key; set it by its friendly name (docs/protocol.md §7)');
    }
    pairs.push(pair);
  }
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [name, value] of pairs) {
    if (typeof name !== 'string' || name === '') {
      throw new TopicError('invalid-property', String(name), 'a property name must be a non-empty string');
    }
    if (value !== null && typeof value !== 'string') {
      throw new TopicError('invalid-property', name, 'a property value must be a string or null');
    }
    if (seen.has(name.toLowerCase())) {
      const rule = 'names must differ case-insensitively: IoT Hub routing keeps only one (docs/protocol.md §6)';
      throw new TopicError('duplicate-property', name, rule);
    }
    seen.add(name.toLowerCase());
    parts.push(value === null ? percentEncode(name) : `${percentEncode(name)}=${percentEncode(value)}`);
  }
  return parts.join('&');
}

/** The bag decoder written plainly: the generic bag decoder, then each decoded name looked up. */
function oracleDecodeMessageProperties(bag: string): unknown {
  const decoded = decodePropertyBag(bag);
  if (!decoded.ok) return { code: decoded.error.code, value: decoded.error.value };
  const system: Record<string, string> = {};
  const application: [string, string | null][] = [];
  for (const [name, value] of decoded.pairs) {
    const friendly = systemKeyOf(name);
    if (friendly !== undefined) system[friendly] = value ?? '';
    else application.push([name, value]);
  }
  // A repeated application name keeps its last value, in the position of its first appearance.
  return { system, application: Object.entries(Object.fromEntries(application)) };
}

/** decodeMessageProperties in the oracle's shape. */
function fastDecode(bag: string): unknown {
  const result = decodeMessageProperties(bag);
  if (!result.ok) return { code: result.error.code, value: result.error.value };
  const { application, ...system } = result.properties;
  return { system, application: Object.entries(application) };
}

/** Characters that stress the codecs: delimiters, escapes, `$`, case, non-ASCII, astral and lone surrogates. */
const unit = fc.constantFrom('a', 'Z', 'm', 'i', 'd', '-', '.', '~', '%', '&', '=', '/', '$', ' ', 'é', '😀', '\uD800');
const text = fc.string({ unit, maxLength: 10 });
/** Escapes and pieces that make well-formed, truncated, overlong and non-ASCII escapes when joined. */
const escapePiece = fc.constantFrom('%', '%2', '%24', '%2F', '%2f', '%41', '%e2', '%82', '%AC', '%C3', '%A9', '%FF', 'a', '.', '+');
const escaped = fc.array(escapePiece, { maxLength: 10 }).map((parts) => parts.join(''));
/** Bag tokens, so system keys in both spellings, escapes and delimiters all turn up often. */
const bagPiece = fc.constantFrom(
  '$.mid', '%24.mid', '%24.ct', '$.to', '%24.ctime', '%24.diagctx', '%24%2Ecid', '%24.MID', '$.', '%24.x', 'iothub-ack',
  'a', 'A', '__proto__', '=', '&', '?', '/', '%', '%2F', '%C3%A9', '%E2', 'x',
);
const bag = fc.array(bagPiece, { maxLength: 14 }).map((parts) => parts.join(''));

const systemValue = fc.oneof(text, fc.constantFrom('c2d-1', 'thermostat1', 'alert', 'has space', 7 as unknown as string));
const system = fc.record(Object.fromEntries(FRIENDLY.map((friendly) => [friendly, systemValue])), { requiredKeys: [] });
const appName = fc.oneof(text, fc.constantFrom('$.mid', '$.MID', '%24.mid', 'Temp', 'tEMP', '', 5 as unknown as string));
const appValue = fc.oneof(fc.constant(null), text, fc.constant(3 as unknown as string));
const appPairs = fc.array(fc.tuple(appName, appValue), { maxLength: 4 });
/** Application properties in each accepted form, made afresh per call (a Map iterator is one-shot). */
const application = fc.oneof(
  fc.constant(() => undefined),
  appPairs.map((pairs) => () => pairs),
  appPairs.map((pairs) => () => new Map(pairs).entries()),
  appPairs.map((pairs) => () => Object.fromEntries(pairs)),
);

describe('percentDecodeAt', () => {
  it('decodes a range of a string exactly as percentDecode decodes that range sliced out', () => {
    fc.assert(
      fc.property(escaped, escaped, escaped, (before, middle, after) => {
        const s = before + middle + after;
        const start = before.length;
        const end = start + middle.length;
        const decoded = percentDecodeAt(s, start, end, s.indexOf('%', start));
        return decoded === percentDecode(middle) && decoded === oracleDecode(middle);
      }),
    );
  });

  it('gives the oracle answer for every string however often strings of one length repeat', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('%2Fa', '%2Fb', '%41%42', 'a%2F', '%E2%82', '%C3%A9'), { maxLength: 30 }), (calls) =>
        calls.every((s) => percentDecode(s) === oracleDecode(s)),
      ),
    );
  });
});

describe('percentEncode', () => {
  it('gives the oracle answer however often strings of one length repeat', () => {
    const pool = fc.constantFrom('a/b', 'a b', 'abc', 'é/', '$.x', 'x'.repeat(17), '😀');
    fc.assert(fc.property(fc.array(pool, { maxLength: 30 }), (calls) => calls.every((s) => percentEncode(s) === oracleEncode(s))));
  });
});

describe('systemKeyAt', () => {
  it('finds exactly the system keys systemKeyOf finds, in both spellings, ending at `=`, `&` or the end', () => {
    const name = fc.oneof(
      fc.constantFrom(...Object.values(SYSTEM_PROPERTY_KEYS)),
      fc.string({ unit: fc.constantFrom('$', '.', '%', '2', '4', 'c', 't', 'i', 'd', 'm', 'e', 'o', 'n', 'x'), maxLength: 10 }),
    );
    const after = fc.constantFrom('=', '=v', '&', '&x=1', '');
    fc.assert(
      fc.property(name, fc.boolean(), after, (key, escape, tail) => {
        const raw = escape ? key.replace(/^\$/, '%24') : key;
        const s = `&${raw}${tail}`;
        const end = tail.startsWith('&') ? 1 + raw.length : s.length;
        const match = systemKeyAt(s, 1, end);
        const expected = systemKeyOf(key.replace(/^%24/, '$'));
        if (expected === undefined) return match === -1;
        return matchedProperty(match) === expected && matchedKeyLength(match) === raw.length;
      }),
    );
  });
});

describe('canonical response and request queries', () => {
  // The hub's own spelling (`/?$rid=…[&$version=…]`) takes the in-place reader; the same query spelled
  // otherwise (reordered, `%24rid`, a stray parameter) takes the general parser. Both must mean the same.
  const ridUnit = fc.constantFrom('a', '7', '-', '=', '?', '/', '$', '.', '%', '%2', '%25', '%26', '%2F', 'é', '&', '');
  const rid = fc.array(ridUnit, { maxLength: 6 }).map((parts) => parts.join(''));
  const status = fc.oneof(fc.integer({ min: 0, max: 70_000 }).map(String), fc.constantFrom('', '0200', '000200', '2x'));
  // Half the cases without a version, so each branch of the in-place reader is taken often.
  const version = fc.option(fc.oneof(fc.nat().map(String), fc.constantFrom('', '01', '1x', '9007199254740993')), { nil: undefined, freq: 2 });
  /** Enough runs that plain rids (no `%` or `&`) with and without a version turn up every time. */
  const runs = { numRuns: 1000 };
  /** A parse result with a malformed topic's error reduced to its code (its value quotes the topic). */
  const meaning = (topic: string): unknown => {
    const parsed = parseInboundTopic(topic);
    return parsed.kind === 'malformed' ? { kind: parsed.kind, code: parsed.error.code } : parsed;
  };

  it('twin responses read the same in the hub spelling and in any other', () => {
    fc.assert(
      fc.property(status, rid, version, (s, r, v) => {
        const prefix = `$iothub/twin/res/${s}/?`;
        const canonical = meaning(`${prefix}$rid=${r}${v === undefined ? '' : `&$version=${v}`}`);
        const reordered = meaning(`${prefix}${v === undefined ? '' : `$version=${v}&`}x=1&%24rid=${r}`);
        expect(canonical).toEqual(reordered);
      }),
      runs,
    );
  });

  it('desired patches read the same in the hub spelling and in any other', () => {
    fc.assert(
      fc.property(version, (v) => {
        const prefix = '$iothub/twin/PATCH/properties/desired/';
        const canonical = meaning(`${prefix}?$version=${v ?? ''}`);
        const respelled = meaning(`${prefix}x=1&%24version=${v ?? ''}`);
        expect(canonical).toEqual(respelled);
      }),
      runs,
    );
  });

  it('method requests read the same in the hub spelling and in any other', () => {
    const name = fc.constantFrom('reboot', 'thermostat*getMaxMinReport', '*x', 'x*', 'a.b');
    fc.assert(
      fc.property(name, rid, (n, r) => {
        const canonical = meaning(`$iothub/methods/POST/${n}/?$rid=${r}`);
        const respelled = meaning(`$iothub/methods/POST/${n}/%24rid=${r}&x=1`);
        expect(canonical).toEqual(respelled);
      }),
      runs,
    );
  });
});

describe('encodeMessageProperties', () => {
  it('returns or throws exactly what the plain encoder does, the same error first when several are wrong', () => {
    fc.assert(
      fc.property(system, application, (values, makeApplication) => {
        const input = (): MessagePropertiesInput => {
          const app = makeApplication();
          return app === undefined ? { ...values } : { ...values, application: app };
        };
        expect(outcome(() => encodeMessageProperties(input()))).toEqual(outcome(() => oracleEncodeMessageProperties(input())));
      }),
      { numRuns: 500 },
    );
  });

  it('reads every system property by its friendly name, in wire order', () => {
    const p = Object.fromEntries(FRIENDLY.map((friendly) => [friendly, friendly])) as SystemProperties;
    expect(systemValues(p)).toEqual(FRIENDLY);
  });

  it('sizes properties as the sum of the UTF-8 lengths of system values and application names and values', () => {
    fc.assert(
      fc.property(appPairs, (pairs) => {
        const valid = pairs.filter((pair): pair is [string, string | null] => typeof pair[0] === 'string' && typeof pair[1] !== 'number');
        const expected = valid.reduce((sum, [name, value]) => sum + utf8Length(name) + utf8Length(value ?? ''), 0);
        return propertyBagSize({ contentType: 'a/b', application: valid }) === 3 + expected;
      }),
    );
  });
});

describe('decodeMessageProperties', () => {
  it('decodes any bag as the generic bag decoder plus a look-up of each decoded name would', () => {
    fc.assert(
      fc.property(bag, (b) => {
        expect(fastDecode(b)).toEqual(oracleDecodeMessageProperties(b));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes the same C2D topic alike on every call, whatever was decoded in between', () => {
    const topic = (n: number): string =>
      `devices/d/messages/devicebound/%24.mid=${n}&%24.to=%2Fdevices%2Fd%2Fmessages%2FdeviceBound&iothub-ack=full`;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), bag), { maxLength: 10 }), (calls) => {
        for (const [n, other] of calls) {
          parseInboundTopic(`devices/d/messages/devicebound/${other}`);
          expect(parseInboundTopic(topic(n))).toEqual({
            kind: 'c2d',
            deviceId: 'd',
            properties: { messageId: String(n), to: '/devices/d/messages/deviceBound', application: { 'iothub-ack': 'full' } },
          });
        }
      }),
    );
  });
});

describe('telemetryTopic', () => {
  it('builds the prefix for the ids it is given, not for the ids of the call before', () => {
    const id = fc.constantFrom('d1', 'd2', 'dev ice', '');
    const moduleId = fc.constantFrom(undefined, 'm1', 'm 2');
    fc.assert(
      fc.property(fc.array(fc.tuple(id, moduleId), { maxLength: 12 }), (calls) => {
        for (const [deviceId, module] of calls) {
          const identity = module === undefined ? { deviceId } : { deviceId, moduleId: module };
          const valid = !/[ ]/.test(deviceId) && deviceId !== '' && (module === undefined || !/[ ]/.test(module));
          const expected = module === undefined ? `devices/${deviceId}/messages/events/` : `devices/${deviceId}/modules/${module}/messages/events/`;
          if (valid) expect(telemetryTopicPrefix(identity)).toBe(expected);
          else expect(() => telemetryTopicPrefix(identity)).toThrow(TopicError);
          if (valid) expect(telemetryTopic(identity, { contentType: 'a/b' })).toBe(`${expected}%24.ct=a%2Fb`);
        }
      }),
    );
  });
});
