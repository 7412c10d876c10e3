/**
 * ProvisioningEngine options: what the application may set, the defaults, and the checks that turn
 * a bad option into an InvalidIntentError at construction (never later, on the wire).
 */
import { DPS_API_VERSION, dpsCredentials } from '@hubwire/sas';
import type { MqttCredentials } from '@hubwire/sas';
import { MAX_DPS_MESSAGE_BYTES } from '@hubwire/topics';
import { asIntentError } from '../session/connect-auth.ts';
import { checkInteger, describe, InvalidIntentError, isRecord } from '../shared/errors.ts';
import { defaultRandom } from '../shared/random.ts';

/** Options of a {@link ProvisioningEngine}; one engine provisions one registration id. */
export interface ProvisioningEngineOptions {
  /** DPS ID scope of the enrollment, e.g. `0ne00000A0A`. */
  readonly idScope: string;
  /** Registration id (docs/protocol.md §13: 1–128 of `A-Z a-z 0-9 . _ -`, alphanumeric at both ends); the X.509 leaf certificate CN when no password is used. */
  readonly registrationId: string;
  /** DPS `api-version` in the user name (default `2019-03-31`, docs/protocol.md §13). */
  readonly apiVersion?: string;
  /** Product string sent as `&ClientVersion=` after the api-version (SDK practice, docs/protocol.md §13). */
  readonly clientVersion?: string;
  /** MQTT keep-alive in seconds, 0–1177; 0 disables pings (default 240 like the C SDK, docs/protocol.md §2). */
  readonly keepAliveSeconds?: number;
  /** How long each DPS reply, and the SUBACK before the first request, may take (default 30 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Deadline for CONNACK after CONNECT (default 60 000 ms, as DeviceEngine: the C# SDK's value under load). */
  readonly connackTimeoutMs?: number;
  /** Deadline for PINGRESP after PINGREQ (default 30 000 ms). */
  readonly pingTimeoutMs?: number;
  /** Upper bound on one whole registration, however DPS replies (default 300 000 ms). */
  readonly registrationTimeoutMs?: number;
  /** Replies with status ≥ 429 tolerated in a row, each followed by a resend after retry-after (default 5). */
  readonly maxTransientRetries?: number;
  /** How long before `passwordExpiresAt` to emit `token-expiring` (default: 20% of the token's remaining lifetime at connect). */
  readonly tokenRenewalMarginMs?: number;
  /** Largest inbound packet accepted (default: the 96 KB DPS message limit plus 4 KB for the topic). */
  readonly maxPacketBytes?: number;
  /** Random source in [0, 1) for the rid prefix (default: `crypto.getRandomValues`); inject a seeded one in tests. */
  readonly random?: () => number;
}

/** Options with every default applied and every value checked. */
export interface ResolvedProvisioningOptions {
  readonly registrationId: string;
  /** The CONNECT client id and user name (docs/protocol.md §13). */
  readonly clientId: string;
  readonly username: string;
  /** 0 when pings are off. */
  readonly keepAliveMs: number;
  readonly requestTimeoutMs: number;
  readonly connackTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly registrationTimeoutMs: number;
  readonly maxTransientRetries: number;
  readonly tokenRenewalMarginMs: number | undefined;
  readonly maxPacketBytes: number;
  readonly random: () => number;
}

/** Largest keep-alive that the hub's 1767 s idle cap leaves useful (docs/protocol.md §2). */
const MAX_KEEP_ALIVE_SECONDS = 1177;

/** Longest delay a platform timer can take (setTimeout's 2^31 − 1 ms), so every deadline is usable. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Every key ProvisioningEngineOptions has: another is a typo that would be ignored silently. */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'idScope', 'registrationId', 'apiVersion', 'clientVersion', 'keepAliveSeconds', 'requestTimeoutMs', 'connackTimeoutMs',
  'pingTimeoutMs', 'registrationTimeoutMs', 'maxTransientRetries', 'tokenRenewalMarginMs', 'maxPacketBytes', 'random',
]);

/**
 * Applies defaults and builds the CONNECT identity; throws InvalidIntentError whose code names the first
 * bad option (`invalid-options`, `invalid-id-scope`, `invalid-registration-id`, `invalid-api-version`,
 * `invalid-client-version`, `invalid-keep-alive-seconds`, …, `invalid-random`) and whose message gives the rule.
 */
export function resolveProvisioningOptions(options: ProvisioningEngineOptions): ResolvedProvisioningOptions {
  if (!isRecord(options)) throw new InvalidIntentError('invalid-options', `ProvisioningEngine takes an options object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidIntentError('invalid-options', `${key} is not a ProvisioningEngine option`);
  }
  const apiVersion = options.apiVersion ?? DPS_API_VERSION;
  if (typeof apiVersion !== 'string' || !/^[A-Za-z0-9.-]{1,64}$/.test(apiVersion)) {
    throw new InvalidIntentError('invalid-api-version', `apiVersion ${describe(apiVersion)} is invalid: a date such as 2019-03-31`);
  }
  let credentials: MqttCredentials;
  try {
    credentials = dpsCredentials({ idScope: options.idScope, registrationId: options.registrationId, apiVersion, clientVersion: options.clientVersion });
  } catch (error) {
    throw asIntentError(error);
  }
  const keepAliveSeconds = options.keepAliveSeconds ?? 240;
  checkInteger('invalid-keep-alive-seconds', 'keepAliveSeconds', keepAliveSeconds, 0, MAX_KEEP_ALIVE_SECONDS);
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  checkInteger('invalid-request-timeout-ms', 'requestTimeoutMs', requestTimeoutMs, 1, MAX_DELAY_MS);
  const connackTimeoutMs = options.connackTimeoutMs ?? 60_000;
  checkInteger('invalid-connack-timeout-ms', 'connackTimeoutMs', connackTimeoutMs, 1, MAX_DELAY_MS);
  const pingTimeoutMs = options.pingTimeoutMs ?? 30_000;
  checkInteger('invalid-ping-timeout-ms', 'pingTimeoutMs', pingTimeoutMs, 1, MAX_DELAY_MS);
  const registrationTimeoutMs = options.registrationTimeoutMs ?? 300_000;
  checkInteger('invalid-registration-timeout-ms', 'registrationTimeoutMs', registrationTimeoutMs, 1, MAX_DELAY_MS);
  const maxTransientRetries = options.maxTransientRetries ?? 5;
  checkInteger('invalid-max-transient-retries', 'maxTransientRetries', maxTransientRetries, 0, 1000);
  const tokenRenewalMarginMs = options.tokenRenewalMarginMs;
  checkInteger('invalid-token-renewal-margin-ms', 'tokenRenewalMarginMs', tokenRenewalMarginMs, 0, MAX_DELAY_MS);
  const maxPacketBytes = options.maxPacketBytes ?? MAX_DPS_MESSAGE_BYTES + 4096;
  checkInteger('invalid-max-packet-bytes', 'maxPacketBytes', maxPacketBytes, 64, 268_435_455);
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new InvalidIntentError('invalid-random', `random must be a function returning numbers in [0, 1), got ${describe(options.random)}`);
  }
  return {
    registrationId: options.registrationId,
    clientId: credentials.clientId,
    username: credentials.username,
    keepAliveMs: keepAliveSeconds * 1000,
    requestTimeoutMs,
    connackTimeoutMs,
    pingTimeoutMs,
    registrationTimeoutMs,
    maxTransientRetries,
    tokenRenewalMarginMs,
    maxPacketBytes,
    random: options.random ?? defaultRandom,
  };
}
