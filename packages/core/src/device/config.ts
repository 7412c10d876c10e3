/**
 * What DeviceEngine options resolve to, once per shape: everything but the identity (device and
 * module id) — deadlines, bounds, flags, the session settings and the part of the MQTT user name
 * after the client id. A fleet builds thousands of engines from the same options but for the id, so
 * the last shape resolved is kept and handed to the next engine with the same option values: those
 * engines share one frozen object, and their constructors skip the credential checks the shape
 * already passed (only the ids are checked again). Memory per engine then holds the id, not a copy
 * of every option.
 */
import { hubCredentials } from '@hubwire/sas';
import { isValidDeviceId, isValidModuleId } from '@hubwire/topics';
import { describe, InvalidIntentError } from '../shared/errors.ts';
import { asIntentError } from '../session/connect-auth.ts';
import type { SessionSettings } from '../session/mqtt-session.ts';
import { DEVICE_DEFAULTS, eagerSubscriptions } from './options.ts';
import type { DeviceEngineOptions } from './options.ts';

/**
 * The hub closes a connection after 1767 s of silence whatever keep-alive the client announced, so
 * the engine pings at least every 1177 s (1.5 × 1177 < 1767, docs/protocol.md §2 "Keep-alive").
 */
const MAX_PING_INTERVAL_MS = 1_177_000;

/** Resolved, checked options shared by every engine of one shape. */
export interface DeviceConfig {
  readonly session: SessionSettings;
  readonly hostName: string;
  /** The user name after `{hostName}/{clientId}`: `/?api-version=…[&DeviceClientType=…][&model-id=…]`. */
  readonly usernameTail: string;
  readonly keepAliveSeconds: number;
  readonly cleanSession: boolean;
  /** Subscription bits made at every connect (options.ts `Sub`). */
  readonly subscriptions: number;
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly requestTimeoutMs: number;
  readonly manualC2dAck: boolean;
}

/** The options a shape is made of, in the order they are compared. */
const SHAPE_KEYS = [
  'hostName', 'apiVersion', 'modelId', 'deviceClientType', 'keepAliveSeconds', 'cleanSession', 'requestTimeoutMs',
  'connackTimeoutMs', 'pingTimeoutMs', 'maxPacketBytes', 'maxInFlight', 'maxQueued', 'tokenRenewalMarginMs', 'manualC2dAck',
] as const;

/** The last shape resolved: its option values, whether it was a module's, its config. */
let last: { values: unknown[]; isModule: boolean; config: DeviceConfig } | undefined;

/** The last config when `options` have its option values and subscription bits, else undefined. */
function sameShape(options: DeviceEngineOptions, isModule: boolean, subscriptions: number): DeviceConfig | undefined {
  if (last === undefined || last.isModule !== isModule || last.config.subscriptions !== subscriptions) return undefined;
  const o = options as unknown as Record<string, unknown>;
  for (let i = 0; i < SHAPE_KEYS.length; i++) if (o[SHAPE_KEYS[i]!] !== last.values[i]) return undefined;
  return last.config;
}

/** Throws InvalidIntentError naming the id unless the device and module ids are ones the hub and MQTT accept. */
function checkIds(options: DeviceEngineOptions): void {
  if (!isValidDeviceId(options.deviceId)) {
    throw new InvalidIntentError('invalid-device-id', `deviceId ${describe(options.deviceId)} is invalid: 1–128 of A-Z a-z 0-9 - . % _ * ? ! ( ) , = @ $ ' (docs/protocol.md §2)`);
  }
  if (options.moduleId !== undefined && !isValidModuleId(options.moduleId)) {
    throw new InvalidIntentError('invalid-module-id', `moduleId ${describe(options.moduleId)} is invalid: 1–128 of A-Z a-z 0-9 - . % _ * ? ! ( ) , = @ $ ' (docs/protocol.md §2)`);
  }
}

/**
 * The config of `options` (already through checkDeviceOptions): the last one when the shape is the
 * same, else a new one after the full credential checks (@hubwire/sas `hubCredentials`). Throws
 * InvalidIntentError naming the bad option.
 */
export function deviceConfig(options: DeviceEngineOptions): DeviceConfig {
  const isModule = options.moduleId !== undefined;
  const subscriptions = eagerSubscriptions(options);
  const cached = sameShape(options, isModule, subscriptions);
  if (cached !== undefined) {
    checkIds(options);
    return cached;
  }
  let username: string;
  let clientId: string;
  try {
    ({ username, clientId } = hubCredentials(options));
  } catch (error) {
    throw asIntentError(error);
  }
  const keepAliveSeconds = options.keepAliveSeconds ?? DEVICE_DEFAULTS.keepAliveSeconds;
  const config: DeviceConfig = Object.freeze({
    session: Object.freeze({
      keepAliveMs: Math.min(keepAliveSeconds * 1000, MAX_PING_INTERVAL_MS),
      connackTimeoutMs: options.connackTimeoutMs ?? DEVICE_DEFAULTS.connackTimeoutMs,
      pingTimeoutMs: options.pingTimeoutMs ?? DEVICE_DEFAULTS.pingTimeoutMs,
      maxPacketBytes: options.maxPacketBytes ?? DEVICE_DEFAULTS.maxPacketBytes,
      tokenRenewalMarginMs: options.tokenRenewalMarginMs,
    }),
    hostName: options.hostName,
    usernameTail: username.slice(options.hostName.length + 1 + clientId.length),
    keepAliveSeconds,
    cleanSession: options.cleanSession ?? false,
    subscriptions,
    maxInFlight: options.maxInFlight ?? DEVICE_DEFAULTS.maxInFlight,
    maxQueued: options.maxQueued ?? DEVICE_DEFAULTS.maxQueued,
    requestTimeoutMs: options.requestTimeoutMs ?? DEVICE_DEFAULTS.requestTimeoutMs,
    manualC2dAck: options.manualC2dAck ?? false,
  });
  const o = options as unknown as Record<string, unknown>;
  last = { values: SHAPE_KEYS.map((key) => o[key]), isModule, config };
  return config;
}

/** The MQTT user name of client id `clientId` under `config` (docs/protocol.md §2). */
export function usernameOf(config: DeviceConfig, clientId: string): string {
  return `${config.hostName}/${clientId}${config.usernameTail}`;
}
