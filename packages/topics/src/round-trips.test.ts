import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { c2dSubscribeFilter, c2dTopic } from './c2d.ts';
import { DPS_RESPONSE_FILTER, dpsOperationStatusTopic, dpsRegisterTopic, dpsResponseTopic } from './dps.ts';
import { parseInboundTopic } from './inbound.ts';
import type { MessageProperties, MessagePropertiesInput } from './message-properties.ts';
import { SYSTEM_PROPERTY_KEYS } from './system-keys.ts';
import { METHODS_FILTER, methodRequestTopic, methodResponseTopic, splitCommandName } from './methods.ts';
import { moduleInputTopic, moduleInputsFilter } from './module-input.ts';
import { parseOutboundTopic } from './outbound.ts';
import { telemetryTopic, telemetryTopicPrefix } from './telemetry.ts';
import {
  DESIRED_PATCH_FILTER,
  TWIN_RESPONSE_FILTER,
  desiredPatchTopic,
  twinGetTopic,
  twinPatchReportedTopic,
  twinResponseTopic,
} from './twin.ts';

// Every builder is checked through the classifier of the other side: device-side builders through
// parseOutboundTopic (what the hub reads), hub-side builders through parseInboundTopic (what the device reads).

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const chars = (s: string): fc.Arbitrary<string> => fc.constantFrom(...s);

const deviceId = fc.string({ unit: chars(ALNUM + "-.%_*?!(),=@$'"), minLength: 1, maxLength: 128 });
const rid = fc.string({ unit: chars(ALNUM + "-_.~!$'()*,;:@[]^{}|<>\"`\\"), minLength: 1, maxLength: 128 });
const status = fc.integer({ min: 0, max: 65535 });
const count = fc.oneof(fc.nat(), fc.maxSafeNat());
/** Method and input names: raw in a topic level, so anything but / # + ? &, space and controls. */
const levelName = fc.string({
  unit: fc.oneof(chars(ALNUM + "*%=$!'()-_.~,;:@"), chars('éü€😀')),
  minLength: 1,
  maxLength: 60,
});
const operationId = fc.string({ unit: chars(ALNUM + '.-'), minLength: 1, maxLength: 80 });

/** Property text with the characters that stress a bag: unicode, %, &, =, /, +, $ and spaces. */
const nasty = chars('aZ09-_.~%&=/+$ ?#é€').chain((c) => fc.constantFrom(c, c, '😀'));
const text = fc.string({ unit: nasty, maxLength: 16 });
const systemWire = new Set(Object.values(SYSTEM_PROPERTY_KEYS));
const appName = fc.string({ unit: nasty, minLength: 1, maxLength: 10 }).filter((n) => !systemWire.has(n.toLowerCase()));
const properties: fc.Arbitrary<MessagePropertiesInput> = fc.record(
  {
    messageId: fc.string({ unit: chars(ALNUM + "-:.+%_#*?!(),=@;$'"), maxLength: 128 }),
    correlationId: text,
    userId: text,
    contentType: text,
    contentEncoding: text,
    to: text,
    expiryTimeUtc: text,
    creationTimeUtc: text,
    component: fc.constantFrom('thermostat1', 'deviceInformation'),
    outputName: levelName,
    connectionDeviceId: deviceId,
    connectionModuleId: deviceId,
    application: fc.uniqueArray(fc.tuple(appName, fc.option(text, { nil: null })), {
      selector: ([name]) => name.toLowerCase(),
      maxLength: 6,
    }),
  },
  { requiredKeys: [] },
);

/** What a parser should give back for `input`: system values as given, application pairs as a record. */
function expectSameProperties(actual: MessageProperties, input: MessagePropertiesInput): void {
  const { application: app, ...system } = actual;
  const { application: pairs = [], ...expectedSystem } = input;
  expect(system).toEqual(expectedSystem);
  expect(Object.entries(app)).toEqual(Object.entries(Object.fromEntries(pairs as Iterable<[string, string | null]>)));
}

/** MQTT 3.1.1 §4.7 topic matching: `+` one level, trailing `#` any remainder (including the parent level). */
function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('device-side builders read back by parseOutboundTopic', () => {
  it('telemetryTopic: device and module identity and every property survive', () => {
    fc.assert(
      fc.property(deviceId, fc.option(deviceId, { nil: undefined }), properties, (d, m, props) => {
        const identity = m === undefined ? { deviceId: d } : { deviceId: d, moduleId: m };
        const topic = telemetryTopic(identity, props);
        expect(topic.startsWith(telemetryTopicPrefix(identity))).toBe(true);
        const parsed = parseOutboundTopic(topic);
        if (parsed.kind !== 'telemetry') throw new Error(`got ${parsed.kind}`);
        expect(parsed.deviceId).toBe(d);
        expect(parsed.moduleId).toBe(m);
        expectSameProperties(parsed.properties, props);
      }),
    );
  });

  it('twinGetTopic and twinPatchReportedTopic: the rid survives', () => {
    fc.assert(
      fc.property(rid, (r) => {
        expect(parseOutboundTopic(twinGetTopic(r))).toEqual({ kind: 'twin-get', rid: r });
        expect(parseOutboundTopic(twinPatchReportedTopic(r))).toEqual({ kind: 'twin-patch-reported', rid: r });
      }),
    );
  });

  it('methodResponseTopic: status and rid survive', () => {
    fc.assert(
      fc.property(status, rid, (s, r) => {
        expect(parseOutboundTopic(methodResponseTopic(s, r))).toEqual({ kind: 'method-response', status: s, rid: r });
      }),
    );
  });

  it('dpsRegisterTopic and dpsOperationStatusTopic: rid and operation id survive', () => {
    fc.assert(
      fc.property(rid, operationId, (r, op) => {
        expect(parseOutboundTopic(dpsRegisterTopic(r))).toEqual({ kind: 'dps-register', rid: r });
        expect(parseOutboundTopic(dpsOperationStatusTopic(r, op))).toEqual({ kind: 'dps-operation-status', rid: r, operationId: op });
      }),
    );
  });
});

describe('hub-side builders read back by parseInboundTopic', () => {
  it('c2dTopic: device id and every property survive, and the C2D filter matches', () => {
    fc.assert(
      fc.property(deviceId, properties, (d, props) => {
        const topic = c2dTopic(d, props);
        expect(filterMatches(c2dSubscribeFilter(d), topic)).toBe(true);
        const parsed = parseInboundTopic(topic);
        if (parsed.kind !== 'c2d') throw new Error(`got ${parsed.kind}`);
        expect(parsed.deviceId).toBe(d);
        expectSameProperties(parsed.properties, props);
      }),
    );
  });

  it('moduleInputTopic: ids, input name and properties survive, and the module filter matches', () => {
    fc.assert(
      fc.property(deviceId, deviceId, levelName, properties, (d, m, input, props) => {
        const topic = moduleInputTopic(d, m, input, props);
        expect(filterMatches(moduleInputsFilter(d, m), topic)).toBe(true);
        const parsed = parseInboundTopic(topic);
        if (parsed.kind !== 'module-input') throw new Error(`got ${parsed.kind}`);
        expect([parsed.deviceId, parsed.moduleId, parsed.inputName]).toEqual([d, m, input]);
        expectSameProperties(parsed.properties, props);
      }),
    );
  });

  it('twinResponseTopic: status, rid and optional version survive, and the twin filter matches', () => {
    fc.assert(
      fc.property(status, rid, fc.option(count, { nil: undefined }), (s, r, v) => {
        const topic = twinResponseTopic(s, r, v);
        expect(filterMatches(TWIN_RESPONSE_FILTER, topic)).toBe(true);
        const expected = v === undefined ? { kind: 'twin-response', status: s, rid: r } : { kind: 'twin-response', status: s, rid: r, version: v };
        expect(parseInboundTopic(topic)).toEqual(expected);
      }),
    );
  });

  it('desiredPatchTopic: the version survives and the desired filter matches', () => {
    fc.assert(
      fc.property(count, (v) => {
        const topic = desiredPatchTopic(v);
        expect(filterMatches(DESIRED_PATCH_FILTER, topic)).toBe(true);
        expect(parseInboundTopic(topic)).toEqual({ kind: 'desired-patch', version: v });
      }),
    );
  });

  it('methodRequestTopic: name, rid and the component split survive, and the methods filter matches', () => {
    fc.assert(
      fc.property(levelName, rid, (name, r) => {
        const topic = methodRequestTopic(name, r);
        expect(filterMatches(METHODS_FILTER, topic)).toBe(true);
        const parsed = parseInboundTopic(topic);
        if (parsed.kind !== 'method-request') throw new Error(`got ${parsed.kind}`);
        expect([parsed.methodName, parsed.rid]).toEqual([name, r]);
        const split = splitCommandName(name);
        expect(parsed.commandName).toBe(split.command);
        expect(parsed.component).toBe(split.component);
        expect(parsed.component === undefined ? parsed.commandName : `${parsed.component}*${parsed.commandName}`).toBe(name);
      }),
    );
  });

  it('dpsResponseTopic: status, rid and optional retry-after survive, and the DPS filter matches', () => {
    fc.assert(
      fc.property(status, rid, fc.option(count, { nil: undefined }), (s, r, after) => {
        const topic = dpsResponseTopic(s, r, after);
        expect(filterMatches(DPS_RESPONSE_FILTER, topic)).toBe(true);
        const expected =
          after === undefined ? { kind: 'dps-response', status: s, rid: r } : { kind: 'dps-response', status: s, rid: r, retryAfterSeconds: after };
        expect(parseInboundTopic(topic)).toEqual(expected);
      }),
    );
  });
});

describe('the two classifiers', () => {
  it('never claim each other\'s topics', () => {
    fc.assert(
      fc.property(deviceId, rid, status, (d, r, s) => {
        for (const topic of [telemetryTopic({ deviceId: d }), twinGetTopic(r), methodResponseTopic(s, r), dpsRegisterTopic(r)]) {
          expect(parseInboundTopic(topic).kind).toBe('unknown');
        }
        for (const topic of [c2dTopic(d), twinResponseTopic(s, r), methodRequestTopic('m', r), dpsResponseTopic(s, r)]) {
          expect(parseOutboundTopic(topic).kind).toBe('unknown');
        }
      }),
    );
  });
});
