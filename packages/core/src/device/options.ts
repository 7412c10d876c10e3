/**
 * DeviceEngine options: what the application may set, the defaults, and the checks that turn a
 * bad option into an InvalidIntentError at construction (never later, on the wire).
 */
import { checkBoolean, checkInteger, describe, InvalidIntentError, isRecord } from '../shared/errors.ts';
import type { MessagePropertiesInput } from '@hubwire/topics';

/** Which subscriptions the engine makes at every connect (docs/protocol.md §5). */
export interface SubscribeOptions {
  /** C2D messages (devices only; default true for devices). */
  readonly c2d?: boolean;
  /** Direct methods / PnP commands (default true). */
  readonly methods?: boolean;
  /** Twin responses and desired patches (default true); when false, twin responses are subscribed on the first getTwin/patchReported. */
  readonly twin?: boolean;
  /** Module inputs (modules only; default true for modules). */
  readonly moduleInputs?: boolean;
}

/** A Last Will: sent by the hub as telemetry (with `iothub-MessageType: Will`) if the socket closes without DISCONNECT (docs/protocol.md §2). */
export interface WillMessage {
  /** The body. */
  readonly body: Uint8Array | string;
  /** Properties for the telemetry topic's bag. */
  readonly properties?: MessagePropertiesInput;
  /** 0 or 1 (default 1); the hub's handling of will QoS is (unconfirmed). */
  readonly qos?: 0 | 1;
}

/** Everything `new DeviceEngine(options)` accepts. Times in milliseconds unless named seconds. */
export interface DeviceEngineOptions {
  /** The hub's host name (even when the socket goes to a gateway, docs/protocol.md §12). */
  readonly hostName: string;
  /** The device id. */
  readonly deviceId: string;
  /** Makes this engine a module identity: module inputs instead of C2D. */
  readonly moduleId?: string;
  /** IoT Plug and Play model id, announced in CONNECT (docs/protocol.md §11). */
  readonly modelId?: string;
  /** IoT Hub api-version (default `2021-04-12`). */
  readonly apiVersion?: string;
  /** Informational product string sent as `DeviceClientType`. */
  readonly deviceClientType?: string;
  /** MQTT keep-alive announced in CONNECT (default 240, as the C SDK; 0 disables pings). Pings still go out at least every 1177 s: the hub drops 1767 s of silence (docs/protocol.md §2). */
  readonly keepAliveSeconds?: number;
  /** MQTT CleanSession (default false: the hub keeps C2D subscriptions and queued messages). */
  readonly cleanSession?: boolean;
  /** Deadline for twin requests (default 30000). */
  readonly requestTimeoutMs?: number;
  /** Deadline for CONNACK after CONNECT (default 60000; the C# SDK's value under burst load). */
  readonly connackTimeoutMs?: number;
  /** Deadline for PINGRESP after PINGREQ (default 30000). */
  readonly pingTimeoutMs?: number;
  /** Largest inbound packet accepted (default 270336 = 256 KiB messages + 8 KiB for topic and header). */
  readonly maxPacketBytes?: number;
  /** QoS 1 telemetry messages awaiting PUBACK at once (default 16, IoT Hub's MQTT 5 Receive Maximum). */
  readonly maxInFlight?: number;
  /** Telemetry messages waiting behind the in-flight window or for a connection (default 1024). */
  readonly maxQueued?: number;
  /** How long before the password expires to emit `token-expiring` (default: 20% of the token's remaining lifetime at connect, the C SDK's 80% rule). */
  readonly tokenRenewalMarginMs?: number;
  /** Subscriptions made at every connect (default: all that apply to the identity). */
  readonly subscribe?: SubscribeOptions;
  /** When true, C2D and module-input messages at QoS 1 are acknowledged only by `ackC2d` (docs/protocol.md §8). */
  readonly manualC2dAck?: boolean;
  /** Optional Last Will on the telemetry topic. */
  readonly will?: WillMessage;
  /** Random source in [0, 1) for rid prefixes (default: `crypto.getRandomValues`). */
  readonly random?: () => number;
}

/** Subscription bits, in the order they are subscribed. */
export const Sub = {
  /** C2D (devices) or module inputs (modules): the one "messages to me" filter. */
  Messages: 1,
  Methods: 2,
  TwinResponses: 4,
  DesiredPatches: 8,
} as const;

/** Defaults shared by every engine (one frozen object, not copied per engine). */
export const DEVICE_DEFAULTS: {
  readonly keepAliveSeconds: number;
  readonly requestTimeoutMs: number;
  readonly connackTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly maxPacketBytes: number;
  readonly maxInFlight: number;
  readonly maxQueued: number;
} = Object.freeze({
  keepAliveSeconds: 240,
  requestTimeoutMs: 30_000,
  connackTimeoutMs: 60_000,
  pingTimeoutMs: 30_000,
  maxPacketBytes: 262_144 + 8_192,
  maxInFlight: 16,
  maxQueued: 1024,
});

/** Longest delay a platform timer can take (setTimeout's 2^31 − 1 ms). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Every key `DeviceEngineOptions` has: any other is a typo that would be silently ignored. */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'hostName', 'deviceId', 'moduleId', 'modelId', 'apiVersion', 'deviceClientType', 'keepAliveSeconds', 'cleanSession',
  'requestTimeoutMs', 'connackTimeoutMs', 'pingTimeoutMs', 'maxPacketBytes', 'maxInFlight', 'maxQueued',
  'tokenRenewalMarginMs', 'subscribe', 'manualC2dAck', 'will', 'random',
]);

const SUBSCRIBE_KEYS: ReadonlySet<string> = new Set(['c2d', 'methods', 'twin', 'moduleInputs']);

/** The subscribe options when none are given: every filter that applies. */
const NO_SUBSCRIBE_OPTIONS: SubscribeOptions = Object.freeze({});

/** The subscription bits the options ask for at every connect; throws for filters the identity cannot use. */
export function eagerSubscriptions(options: DeviceEngineOptions): number {
  const isModule = options.moduleId !== undefined;
  const s: unknown = options.subscribe ?? NO_SUBSCRIBE_OPTIONS;
  if (!isRecord(s)) throw new InvalidIntentError('invalid-subscribe', `subscribe must be an object of booleans, got ${describe(s)}`);
  for (const key in s) {
    if (!SUBSCRIBE_KEYS.has(key)) throw new InvalidIntentError('invalid-subscribe', `subscribe.${key} is not an option (c2d, methods, twin, moduleInputs)`);
    checkBoolean('invalid-subscribe', `subscribe.${key}`, s[key]);
  }
  if (isModule && s['c2d'] === true) {
    throw new InvalidIntentError('invalid-subscribe', 'subscribe.c2d: modules never receive C2D messages (docs/protocol.md §12)');
  }
  if (!isModule && s['moduleInputs'] === true) {
    throw new InvalidIntentError('invalid-subscribe', 'subscribe.moduleInputs: only module identities have inputs (docs/protocol.md §12)');
  }
  let bits = 0;
  if (isModule ? s['moduleInputs'] !== false : s['c2d'] !== false) bits |= Sub.Messages;
  if (s['methods'] !== false) bits |= Sub.Methods;
  if (s['twin'] !== false) bits |= Sub.TwinResponses | Sub.DesiredPatches;
  return bits;
}

/**
 * Checks what `new DeviceEngine(options)` needs beyond the identity (which hubCredentials and the
 * telemetry topic check): an options object without unknown keys, and every number, flag and function;
 * throws InvalidIntentError whose code names the first bad option.
 */
export function checkDeviceOptions(options: DeviceEngineOptions): void {
  if (!isRecord(options)) throw new InvalidIntentError('invalid-options', `DeviceEngine takes an options object, got ${describe(options)}`);
  for (const key in options) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidIntentError('invalid-options', `${key} is not a DeviceEngine option`);
  }
  checkInteger('invalid-keep-alive-seconds', 'keepAliveSeconds', options.keepAliveSeconds, 0, 65_535); // a uint16 in CONNECT (§3.1.2.10)
  checkBoolean('invalid-clean-session', 'cleanSession', options.cleanSession);
  // At most setTimeout's 2^31 − 1 ms, so a driver can arm its timer for any deadline directly.
  checkInteger('invalid-request-timeout-ms', 'requestTimeoutMs', options.requestTimeoutMs, 1, MAX_DELAY_MS);
  checkInteger('invalid-connack-timeout-ms', 'connackTimeoutMs', options.connackTimeoutMs, 1, MAX_DELAY_MS);
  checkInteger('invalid-ping-timeout-ms', 'pingTimeoutMs', options.pingTimeoutMs, 1, MAX_DELAY_MS);
  checkInteger('invalid-max-packet-bytes', 'maxPacketBytes', options.maxPacketBytes, 64, 268_435_460);
  checkInteger('invalid-max-in-flight', 'maxInFlight', options.maxInFlight, 1, 65_000); // packet ids are 16 bits; leave room for SUBSCRIBEs
  checkInteger('invalid-max-queued', 'maxQueued', options.maxQueued, 0, 2 ** 31);
  checkInteger('invalid-token-renewal-margin-ms', 'tokenRenewalMarginMs', options.tokenRenewalMarginMs, 0, 2 ** 53);
  checkBoolean('invalid-manual-c2d-ack', 'manualC2dAck', options.manualC2dAck);
  if (options.will !== undefined && !isRecord(options.will)) {
    throw new InvalidIntentError('invalid-will', `will must be an object { body, properties?, qos? }, got ${describe(options.will)}`);
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new InvalidIntentError('invalid-random', `random must be a function returning numbers in [0, 1), got ${describe(options.random)}`);
  }
}
