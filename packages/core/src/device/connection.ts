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
import { MAX_MESSAGE_BYTES } from '@hubwire/topics';
import { InvalidIntentError, messageOf } from '../shared/errors.ts';
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

  /** Builds the identity's CONNECT fields; throws InvalidIntentError for ids the hub cannot take. */
  constructor(options: DeviceEngineOptions, telemetryPrefix: string, keepAliveSeconds: number) {
    let credentials;
    try {
      credentials = hubCredentials(options);
    } catch (error) {
      throw new InvalidIntentError('invalid-option', messageOf(error));
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
      throw new InvalidIntentError('invalid-option', `CONNECT cannot be encoded: ${messageOf(error)}`);
    }
  }
}

/** The Will as CONNECT carries it, on the telemetry topic `prefix` (docs/protocol.md §2 "Will"); throws InvalidIntentError. */
export function willOf(prefix: string, will: WillMessage): WillOptions {
  const qos = will.qos ?? 1;
  if (qos !== 0 && qos !== 1) throw new InvalidIntentError('unsupported-qos', `will.qos must be 0 or 1, got ${String(qos)}`);
  const payload = bodyBytes(will.body, 'will.body');
  let topic = prefix;
  let size = payload.length;
  if (will.properties !== undefined) {
    const { bag, size: bagSize } = encodeBag(will.properties, 'will.properties');
    topic += bag;
    size += bagSize;
  }
  if (size > MAX_MESSAGE_BYTES) throw new InvalidIntentError('message-too-large', `the Will is ${size} bytes; IoT Hub allows ${MAX_MESSAGE_BYTES}`);
  return { topic, payload, qos, retain: false };
}
