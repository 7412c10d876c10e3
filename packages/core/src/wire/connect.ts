/**
 * CONNECT (MQTT 3.1.1 §3.1), the first packet of every connection, as IoT Hub and DPS take it
 * (docs/protocol.md §2, §13). Byte for byte what mqtt-packet's `generate` makes of the same options
 * (connect.test.ts proves it over every option), but checked against the wire limits first.
 *
 * Layout:
 *   0x10, remaining length (1–4 bytes)
 *   variable header: 00 04 'MQTT' (protocol name), 0x04 (level 4 = 3.1.1), connect flags, keep alive (uint16)
 *   payload, each field a uint16 length and its bytes: client id, [will topic, will payload],
 *   user name, [password]
 * Connect flags (§3.1.2.2–§3.1.2.9): 0x80 user name, 0x40 password, 0x20 will retain,
 * 0x18 will QoS, 0x04 will, 0x02 clean session, 0x01 reserved (0) [MQTT-3.1.2-3].
 */
import { InvalidIntentError } from '../shared/errors.ts';
import {
  binaryFieldLength,
  checkRemainingLength,
  remainingLengthBytes,
  shown,
  stringFieldLength,
  textBinaryFieldLength,
  writeBinaryField,
  writeRemainingLength,
  writeStringField,
  writeUint16,
} from './fields.ts';
import { outboundSlab } from './slab.ts';
import { topicNameLength } from './topic-rules.ts';

/** Last Will sent in CONNECT; IoT Hub forwards it as telemetry (docs/protocol.md §2 "Will"). */
export interface WillOptions {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly retain: false;
}

/** Everything an IoT Hub or DPS CONNECT needs (docs/protocol.md §2, §13). */
export interface ConnectOptions {
  readonly clientId: string;
  readonly username: string;
  /** SAS token; absent for X.509 authentication (docs/protocol.md §2). */
  readonly password?: string;
  readonly keepAliveSeconds: number;
  readonly cleanSession: boolean;
  readonly will?: WillOptions;
}

/** Protocol name and level: 00 04 'M' 'Q' 'T' 'T', then 4 for MQTT 3.1.1 [MQTT-3.1.2-1, MQTT-3.1.2-2]. */
const PROTOCOL: Uint8Array = Uint8Array.of(0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04);

/** Protocol name, level, flags and keep alive. */
const VARIABLE_HEADER_BYTES = 10;

/**
 * Encodes a CONNECT for protocol level 4 (MQTT 3.1.1). The result is a fresh region no other packet
 * shares. Throws InvalidIntentError before writing anything: `invalid-argument` (a field of the wrong
 * type), `field-too-long` (a string or binary field over 65,535 bytes), `invalid-string` (a lone
 * surrogate, or U+0000 outside the password), `invalid-topic` (the Will topic), `unsupported-qos`,
 * `invalid-keep-alive` (not an integer 0–65535) or `invalid-option` (an empty client id with a
 * persistent session [MQTT-3.1.3-8]).
 */
export function encodeConnect(o: ConnectOptions): Uint8Array {
  if (typeof o !== 'object' || o === null) {
    throw new InvalidIntentError('invalid-argument', `CONNECT options must be an object, got ${shown(o)}`);
  }
  const { clientId, username, password, keepAliveSeconds, cleanSession, will } = o;
  if (typeof cleanSession !== 'boolean') {
    throw new InvalidIntentError('invalid-argument', `CONNECT cleanSession must be a boolean, got ${shown(cleanSession)}`);
  }
  if (typeof keepAliveSeconds !== 'number' || !Number.isInteger(keepAliveSeconds) || keepAliveSeconds < 0 || keepAliveSeconds > 0xffff) {
    throw new InvalidIntentError('invalid-keep-alive', `CONNECT keep alive must be an integer 0–65535 seconds (§3.1.2.10), got ${shown(keepAliveSeconds)}`);
  }
  const clientIdBytes = stringFieldLength('CONNECT', 'client id', clientId);
  if (clientIdBytes === 0 && !cleanSession) {
    throw new InvalidIntentError('invalid-option', 'CONNECT with an empty client id needs cleanSession true [MQTT-3.1.3-8]');
  }
  const usernameBytes = stringFieldLength('CONNECT', 'user name', username);
  const passwordBytes = password === undefined ? -1 : textBinaryFieldLength('CONNECT', 'password', password);
  let flags = 0x80 | (cleanSession ? 0x02 : 0); // a user name is always sent (docs/protocol.md §2)
  let remaining = VARIABLE_HEADER_BYTES + 2 + clientIdBytes + 2 + usernameBytes;
  if (passwordBytes >= 0) {
    flags |= 0x40;
    remaining += 2 + passwordBytes;
  }
  let willTopicBytes = 0;
  if (will !== undefined) {
    if (typeof will !== 'object' || will === null) {
      throw new InvalidIntentError('invalid-argument', `CONNECT will must be an object, got ${shown(will)}`);
    }
    willTopicBytes = topicNameLength('CONNECT', 'will topic', will.topic);
    const willPayloadBytes = binaryFieldLength('CONNECT', 'will payload', will.payload);
    // QoS 2 is valid MQTT [MQTT-3.1.2-14] though IoT Hub takes at most 1; the type says what IoT Hub takes.
    const qos: unknown = will.qos;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new InvalidIntentError('unsupported-qos', `CONNECT will QoS must be 0, 1 or 2 [MQTT-3.1.2-14], got ${shown(qos)}`);
    }
    const retain: unknown = will.retain;
    if (typeof retain !== 'boolean') {
      throw new InvalidIntentError('invalid-argument', `CONNECT will retain must be a boolean, got ${shown(retain)}`);
    }
    flags |= 0x04 | (qos << 3) | (retain ? 0x20 : 0);
    remaining += 2 + willTopicBytes + 2 + willPayloadBytes;
  }
  // Five fields of at most 2 + 65,535 bytes each cannot reach the limit; checked all the same.
  checkRemainingLength('CONNECT', remaining);
  const out = outboundSlab.alloc(1 + remainingLengthBytes(remaining) + remaining);
  out[0] = 0x10; // type 1 CONNECT, flags 0 [MQTT-2.2.2-1]
  let at = writeRemainingLength(out, 1, remaining);
  out.set(PROTOCOL, at);
  at += PROTOCOL.length;
  out[at++] = flags;
  at = writeUint16(out, at, keepAliveSeconds);
  at = writeStringField(out, at, clientId, clientIdBytes);
  if (will !== undefined) {
    at = writeStringField(out, at, will.topic, willTopicBytes);
    at = writeBinaryField(out, at, will.payload);
  }
  at = writeStringField(out, at, username, usernameBytes);
  if (password !== undefined) at = writeStringField(out, at, password, passwordBytes);
  return out;
}
