import { describe, expect, it } from 'vitest';
import { parseInboundTopic } from './inbound.ts';
import { decodeMessageProperties, encodeMessageProperties } from './message-properties.ts';
import { parseOutboundTopic } from './outbound.ts';

// Property names come from the wire; they must never reach Object.prototype (docs/design.md "Rules the engine keeps").
const HOSTILE = '__proto__=polluted&constructor=c&prototype=p&toString=t&hasOwnProperty=h&__defineGetter__=g';

describe('untrusted property names', () => {
  it('become ordinary own keys of the application record', () => {
    const result = decodeMessageProperties(HOSTILE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const app = result.properties.application;
    expect(Object.keys(app)).toEqual(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__']);
    expect(app['__proto__']).toBe('polluted');
    expect(app['constructor']).toBe('c');
    expect(app['toString']).toBe('t');
  });

  it('leave Object.prototype untouched, through C2D, module-input and telemetry topics', () => {
    parseInboundTopic(`devices/d/messages/devicebound/${HOSTILE}`);
    parseInboundTopic(`devices/d/modules/m/inputs/i/${HOSTILE}`);
    parseOutboundTopic(`devices/d/messages/events/${HOSTILE}`);
    parseInboundTopic('devices/d/messages/devicebound/%5F%5Fproto%5F%5F=x');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('inherit nothing: a record answers only its own keys', () => {
    const result = decodeMessageProperties('a=1');
    if (!result.ok) throw result.error;
    const app = result.properties.application;
    expect('toString' in app).toBe(false);
    expect('hasOwnProperty' in app).toBe(false);
    expect(app['__proto__']).toBeUndefined();
  });

  it('round-trip __proto__ and constructor as application properties', () => {
    const input: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
    input['__proto__'] = 'x';
    input['constructor'] = null;
    const result = decodeMessageProperties(encodeMessageProperties({ application: input }));
    if (!result.ok) throw result.error;
    expect(Object.entries(result.properties.application)).toEqual([
      ['__proto__', 'x'],
      ['constructor', null],
    ]);
  });
});
