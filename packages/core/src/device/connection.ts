/**
 * Connecting as one IoT Hub identity, and renewing its token (docs/protocol.md §2, §4): the CONNECT
 * this identity sends — client id, user name (api-version, DeviceClientType, model id), keep-alive,
 * CleanSession and the Will — built from options checked once at construction, plus the password
 * each `connect` brings.
 *
 * Token renewal: the hub takes no new token on an open connection, so renewing is
 * `disconnect(now, { renewing: true })`, then `connect(now, { password, passwordExpiresAt })` on a
 * new socket. The session warns `token-expiring` a margin before `passwordExpiresAt`
 * (session/mqtt-session.ts); a renewing disconnect keeps what a plain one ends: pending twin
 * requests wait and go out again under the same rid (twin.ts), and telemetry carries over either way.
 */
import { hubCredentials } from '@hubwire/sas';
import { MAX_MESSAGE_BYTES, telemetryTopicPrefix, TopicError } from '@hubwire/topics';
import { describe, HubwireError, InvalidIntentError, isRecord, messageOf } from '../shared/errors.ts';
import { asIntentError } from '../session/connect-auth.ts';
import type { ConnectAuth } from '../session/connect-auth.ts';
import { encodeConnect } from '../wire/mqtt-packet-adapter.ts';
import type { WillOptions } from '../wire/mqtt-packet-adapter.ts';
import { bodyBytes, encodeBag } from './intents.ts';
import type { DeviceEngineOptions, WillMessage } from './options.ts';

/** What every CONNECT of one DeviceEngine carries; the password comes with each `connect`. */
export class DeviceConnection {
  /** `{deviceId}` or `{deviceId}/{moduleId}`. */
  readonly clientId: string;
  /** `{hostName}/{clientId}/?api-version=…[&DeviceClientType=…][&model-id=…]`. */
  readonly username: string;
  /** MQTT CleanSession (docs/protocol.md §2: false keeps C2D subscriptions and queued messages). */
  readonly cleanSession: boolean;
  /** The keep-alive CONNECT announces. */
  readonly keepAliveSeconds: number;
  private readonly will: WillOptions | undefined;

  /**
   * Builds the identity's CONNECT fields; throws InvalidIntentError naming the option (`invalid-host-name`,
   * `invalid-device-id`, `invalid-module-id`, `invalid-api-version`, `invalid-device-client-type`,
   * `invalid-model-id`, `invalid-will`, …) for what the hub or MQTT cannot take.
   */
  constructor(options: DeviceEngineOptions, telemetryPrefix: string, keepAliveSeconds: number) {
    let credentials;
    try {
      credentials = hubCredentials(options);
    } catch (error) {
      throw asIntentError(error);
    }
    this.clientId = credentials.clientId;
    this.username = credentials.username;
    this.cleanSession = options.cleanSession ?? false;
    this.keepAliveSeconds = keepAliveSeconds;
    this.will = options.will === undefined ? undefined : willOf(telemetryPrefix, options.will);
  }

  /** The CONNECT for a new socket with `auth`'s password; throws InvalidIntentError, changing nothing, when it cannot be encoded. */
  packet(auth: ConnectAuth | undefined): Uint8Array {
    const password = auth?.password;
    try {
      return encodeConnect({
        clientId: this.clientId,
        username: this.username,
        keepAliveSeconds: this.keepAliveSeconds,
        cleanSession: this.cleanSession,
        ...(password === undefined ? {} : { password }),
        ...(this.will === undefined ? {} : { will: this.will }),
      });
    } catch (error) {
      // The encoder's own typed errors (a field over its wire limit) reach the caller as they are.
      if (error instanceof HubwireError) throw error;
      throw new InvalidIntentError('invalid-options', `CONNECT cannot be encoded: ${messageOf(error)}`);
    }
  }
}

/**
 * The telemetry topic prefix of the identity in `options` (also the Will's topic); throws
 * InvalidIntentError naming the id @hubwire/topics refused, after the credentials checked it the same way.
 */
export function prefixOf(options: DeviceEngineOptions): string {
  try {
    return telemetryTopicPrefix(options);
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
