import { describe, expect, it } from 'vitest';
import { oracleParse } from '../../test/mqtt-oracle.ts';
import { parser as createParser } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { encodeConnect, encodeSubscribe, encodeUnsubscribe, parsePacket } from './mqtt-packet-adapter.ts';

/** Full mqtt-packet parse of one packet (fields beyond hubwire's shapes). */
function parseFull(bytes: Uint8Array): Record<string, unknown> {
  const packets: Packet[] = [];
  const p = createParser({ protocolVersion: 4 });
  p.on('packet', (x: Packet) => packets.push(x));
  p.on('error', (e: Error) => {
    throw e;
  });
  p.parse(Buffer.from(bytes));
  expect(packets).toHaveLength(1);
  return packets[0] as unknown as Record<string, unknown>;
}

/** True when the value is a plain Uint8Array, not a Buffer (docs/design.md "Portability"). */
function isPlain(bytes: Uint8Array): boolean {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype;
}

describe('encodeConnect', () => {
  it('encodes an IoT Hub CONNECT with a SAS password as MQTT 3.1.1 level 4', () => {
    const bytes = encodeConnect({
      clientId: 'dev1',
      username: 'hub.azure-devices.net/dev1/?api-version=2021-04-12',
      password: 'SharedAccessSignature sr=x&sig=y&se=1',
      keepAliveSeconds: 240,
      cleanSession: false,
    });
    expect(isPlain(bytes)).toBe(true);
    const p = parseFull(bytes);
    expect(p).toMatchObject({
      cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dev1', clean: false, keepalive: 240,
      username: 'hub.azure-devices.net/dev1/?api-version=2021-04-12',
    });
    expect(String(p['password'])).toBe('SharedAccessSignature sr=x&sig=y&se=1');
    expect(p['will']).toBeUndefined();
  });

  it('omits the password flag entirely for X.509 devices', () => {
    const bytes = encodeConnect({ clientId: 'd', username: 'h/d/?api-version=2021-04-12', keepAliveSeconds: 60, cleanSession: true });
    // Connect flags byte (after 0x10, length, 00 04 'MQTT', level 4): username only, clean session.
    expect(bytes[9]).toBe(0x80 | 0x02);
    expect(parseFull(bytes)['password']).toBeUndefined();
  });

  it('carries a Will with its topic, payload, QoS and retain 0', () => {
    const payload = new TextEncoder().encode('{"gone":true}');
    const bytes = encodeConnect({
      clientId: 'd',
      username: 'u',
      keepAliveSeconds: 30,
      cleanSession: false,
      will: { topic: 'devices/d/messages/events/', payload, qos: 1, retain: false },
    });
    const will = parseFull(bytes)['will'] as Record<string, unknown>;
    expect(will).toMatchObject({ topic: 'devices/d/messages/events/', qos: 1, retain: false });
    expect(Uint8Array.from(will['payload'] as Uint8Array)).toEqual(payload);
  });

  it('throws when mqtt-packet rejects a field', () => {
    expect(() => encodeConnect({ clientId: 'd', username: 'u', keepAliveSeconds: 70_000, cleanSession: true })).toThrow();
  });
});

describe('encodeSubscribe and encodeUnsubscribe', () => {
  it('encode every filter with its QoS and the packet id', () => {
    const bytes = encodeSubscribe(5, [
      { topic: 'devices/d/messages/devicebound/#', qos: 1 },
      { topic: '$iothub/twin/res/#', qos: 0 },
    ]);
    expect(isPlain(bytes)).toBe(true);
    expect(parseFull(bytes)).toMatchObject({
      cmd: 'subscribe',
      messageId: 5,
      subscriptions: [
        { topic: 'devices/d/messages/devicebound/#', qos: 1 },
        { topic: '$iothub/twin/res/#', qos: 0 },
      ],
    });
    expect(bytes[0]).toBe(0x82); // SUBSCRIBE flags 0010 [MQTT-3.8.1-1]
  });

  it('encode UNSUBSCRIBE with its filters', () => {
    const bytes = encodeUnsubscribe(9, ['$iothub/methods/POST/#']);
    expect(bytes[0]).toBe(0xa2); // UNSUBSCRIBE flags 0010 [MQTT-3.10.1-1]
    expect(parseFull(bytes)).toMatchObject({ cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['$iothub/methods/POST/#'] });
  });
});

describe('parsePacket', () => {
  it('returns what mqtt-packet parses from exactly one packet', () => {
    const bytes = Uint8Array.of(0x50, 0x02, 0x00, 0x07); // PUBREC, packet id 7
    const parsed = parsePacket(bytes);
    expect(parsed).toMatchObject({ ok: true, packet: { cmd: 'pubrec', messageId: 7 } });
    expect(oracleParse(bytes)).toEqual([{ cmd: 'other', type: 5, name: 'pubrec' }]);
  });

  it('reports mqtt-packet errors, truncation and trailing bytes as failures', () => {
    expect(parsePacket(Uint8Array.of(0x60, 0x02, 0x00, 0x07))).toMatchObject({ ok: false }); // PUBREL flags 0
    expect(parsePacket(Uint8Array.of(0x50, 0x02, 0x00))).toMatchObject({ ok: false }); // truncated
    expect(parsePacket(Uint8Array.of(0xc0, 0x00, 0xc0, 0x00))).toMatchObject({ ok: false }); // two packets
  });
});
