/**
 * Connecting as one IoT Hub identity, and renewing its token (docs/protocol.md §2, §4): the CONNECT
 * this identity sends — client id, user name (api-version, DeviceClientType, model id), keep-alive,
 * CleanSession and the Will — built at each `connect` from the shared config (config.ts), the
 * identity and the Will checked at construction, plus the password that `connect` brings.
 *
 * Token renewal: the hub takes no new token on an open connection, so renewing is
 * `disconnect(now, { renewing: true })`, then `connect(now, { password, passwordExpiresAt })` on a
 * new socket. The session warns `token-expiring` a margin before `passwordExpiresAt`
 * (session/mqtt-session.ts); a renewing disconnect keeps what a plain one ends: pending twin
 * requests wait and go out again under the same rid (twin.ts), and telemetry carries over either way.
 */
import { MAX_MESSAGE_BYTES, telemetryTopicPrefix, TopicError } from '@hubwire/topics';
import { describe, HubwireError, InvalidIntentError, isRecord, messageOf } from '../shared/errors.ts';
import type { ConnectAuth } from '../session/connect-auth.ts';
import { encodeConnect } from '../wire/connect.ts';
import type { ConnectOptions, WillOptions } from '../wire/connect.ts';
import { bodyBytes, encodeBag } from './intents.ts';
import { usernameOf } from './config.ts';
import type { DeviceConfig } from './config.ts';
import type { WillMessage } from './options.ts';

/** The CONNECT client id of an identity: `{deviceId}` or `{deviceId}/{moduleId}` (docs/protocol.md §2). */
export function clientIdOf(deviceId: string, moduleId: string | undefined): string {
  return moduleId === undefined ? deviceId : `${deviceId}/${moduleId}`;
}

/**
 * The CONNECT for a new socket: the identity's client id and user name under `config`, the Will, and
 * `auth`'s password (checked by the caller). Throws, changing nothing, when it cannot be encoded: the
 * encoder's own typed errors as they are, anything else as InvalidIntentError `invalid-options`.
 */
export function connectPacket(config: DeviceConfig, clientId: string, will: WillOptions | undefined, auth: ConnectAuth | undefined): Uint8Array {
  // One object of one shape whatever is present: the encoder reads an absent password or Will as
  // undefined, and spreading optional parts in would cost a few hundred bytes per connect.
  const options = {
    clientId,
    username: usernameOf(config, clientId),
    password: auth?.password,
    keepAliveSeconds: config.keepAliveSeconds,
    cleanSession: config.cleanSession,
    will,
  } as ConnectOptions;
  try {
    return encodeConnect(options);
  } catch (error) {
    // The encoder's own typed errors (a field over its wire limit) reach the caller as they are.
    if (error instanceof HubwireError) throw error;
    throw new InvalidIntentError('invalid-options', `CONNECT cannot be encoded: ${messageOf(error)}`);
  }
}

/**
 * The telemetry topic prefix of an identity already checked (also the Will's topic); throws
 * InvalidIntentError naming the id @hubwire/topics refused.
 */
export function prefixOf(deviceId: string, moduleId: string | undefined): string {
  try {
    return telemetryTopicPrefix(moduleId === undefined ? { deviceId } : { deviceId, moduleId });
  } catch (error) {
    if (error instanceof TopicError && (error.code === 'invalid-device-id' || error.code === 'invalid-module-id')) {
      throw new InvalidIntentError(error.code, error.message);
    }
    throw new InvalidIntentError('invalid-options', messageOf(error));
  }
}

/** The longest Will topic or message a CONNECT can carry: each has a two-byte length (MQTT 3.1.1 §3.1.3.2, §3.1.3.3). */
const MAX_WILL_FIELD_BYTES = 65_535;

const WILL_KEYS: ReadonlySet<string> = new Set(['body', 'properties', 'qos']);

/**
 * The Will as CONNECT carries it, on the telemetry topic `prefix` (docs/protocol.md §2 "Will"). Throws
 * InvalidIntentError: `invalid-will` (not an object, an unknown key, a topic or body over the 65,535 bytes
 * a CONNECT field holds), `unsupported-qos`, `invalid-body`, `invalid-property`, `message-too-large`.
 */
export function willOf(prefix: string, will: WillMessage): WillOptions {
  if (!isRecord(will)) throw new InvalidIntentError('invalid-will', `will must be an object { body, properties?, qos? }, got ${describe(will)}`);
  for (const key of Object.keys(will)) {
    if (!WILL_KEYS.has(key)) throw new InvalidIntentError('invalid-will', `will.${key} is not a Will option (body, properties, qos)`);
  }
  const qos = will.qos ?? 1;
  if (qos !== 0 && qos !== 1) throw new InvalidIntentError('unsupported-qos', `will.qos must be 0 or 1, got ${describe(qos)}`);
  const payload = bodyBytes(will.body, 'will.body');
  let topic = prefix;
  let size = payload.length;
  if (will.properties !== undefined) {
    const { bag, size: bagSize } = encodeBag(will.properties, 'will.properties');
    topic += bag;
    size += bagSize;
  }
  if (size > MAX_MESSAGE_BYTES) throw new InvalidIntentError('message-too-large', `the Will is ${size} bytes; IoT Hub allows ${MAX_MESSAGE_BYTES}`);
  if (payload.length > MAX_WILL_FIELD_BYTES) {
    throw new InvalidIntentError('invalid-will', `will.body is ${payload.length} bytes; a CONNECT carries at most ${MAX_WILL_FIELD_BYTES} (MQTT 3.1.1 §3.1.3.3)`);
  }
  // The bag is ASCII once encoded and the prefix is ids: the length is the byte count.
  if (topic.length > MAX_WILL_FIELD_BYTES) {
    throw new InvalidIntentError('invalid-will', `the Will topic is ${topic.length} bytes; a CONNECT carries at most ${MAX_WILL_FIELD_BYTES} (MQTT 3.1.1 §3.1.3.2)`);
  }
  return { topic, payload, qos, retain: false };
}
