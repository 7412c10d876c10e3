import { c2dTopic, desiredPatchTopic, methodRequestTopic, twinResponseTopic } from '@hubwire/topics';
import { generate } from 'mqtt-packet';
import { concat } from './bytes.ts';

/** The device the fixtures are addressed to. */
export const DEVICE_ID = 'bench-device-0001';

const text = new TextEncoder();

function publish(topic: string, body: string, qos: 0 | 1, messageId: number): Uint8Array {
  const bytes = generate({
    cmd: 'publish', topic, payload: Buffer.from(text.encode(body)), qos, dup: false, retain: false,
    ...(qos === 1 ? { messageId } : {}),
  });
  return Uint8Array.from(bytes);
}

/**
 * One "round" of realistic inbound traffic: a C2D message with system and application
 * properties (QoS 1), a PUBACK for telemetry, a twin GET response with a JSON twin, a PUBACK,
 * a direct-method request, a PUBACK, a reported-patch response (204 with $version).
 */
export function inboundRound(n: number): Uint8Array[] {
  const id = 1 + (n % 65_000);
  const rid = String(n);
  return [
    publish(
      c2dTopic(DEVICE_ID, {
        messageId: `c2d-${n}`,
        correlationId: `corr-${n}`,
        to: `/devices/${DEVICE_ID}/messages/deviceBound`,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        application: { 'iothub-ack': 'full', severity: 'high' },
      }),
      `{"command":"setpoint","value":${20 + (n % 7)},"unit":"C"}`,
      1,
      id,
    ),
    Uint8Array.from(generate({ cmd: 'puback', messageId: id })),
    publish(
      twinResponseTopic(200, rid),
      `{"desired":{"interval":30,"mode":"eco","$version":${n}},"reported":{"fw":"1.2.3","uptime":${n},"$version":${n + 1}}}`,
      0,
      0,
    ),
    Uint8Array.from(generate({ cmd: 'puback', messageId: id + 1 })),
    publish(methodRequestTopic('reboot', `m${rid}`), '{"delay":5}', 0, 0),
    Uint8Array.from(generate({ cmd: 'puback', messageId: id + 2 })),
    publish(twinResponseTopic(204, `p${rid}`, n + 2), '', 0, 0),
  ];
}

/** What each packet of inboundRound is, in order. */
export const ROUND_KINDS: readonly string[] = [
  'C2D + 7 properties, QoS 1',
  'PUBACK',
  'twin GET response (200)',
  'PUBACK',
  'method request',
  'PUBACK',
  'reported-patch response (204, no body)',
];

/** Packets of inbound traffic, each its own Uint8Array, `count` of them. */
export function inboundPackets(count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let n = 0; out.length < count; n++) out.push(...inboundRound(n));
  return out.slice(0, count);
}

/** Whole packets of inbound traffic filling at most `bytes` (one read buffer's worth). */
export function inboundBuffer(bytes: number): { bytes: Uint8Array; packets: number } {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let n = 0; ; n++) {
    for (const p of inboundRound(n)) {
      if (size + p.length > bytes) return { bytes: concat(parts), packets: parts.length };
      parts.push(p);
      size += p.length;
    }
  }
}

/** A desired-property patch (for the engine suite). */
export function desiredPatch(version: number): Uint8Array {
  return publish(desiredPatchTopic(version), `{"interval":${version % 60},"$version":${version}}`, 0, 0);
}

/** A C2D message at QoS 1 (for the engine suite). */
export function c2dMessage(n: number): Uint8Array {
  return publish(
    c2dTopic(DEVICE_ID, { messageId: `c2d-${n}`, contentType: 'application/json', application: { kind: 'cmd' } }),
    `{"n":${n}}`,
    1,
    1 + (n % 65_000),
  );
}

/** A direct-method request at QoS 0 (for the engine suite). */
export function methodRequest(n: number): Uint8Array {
  return publish(methodRequestTopic('getMaxMinReport', String(n)), '{"since":"2026-01-01T00:00:00Z"}', 0, 0);
}
