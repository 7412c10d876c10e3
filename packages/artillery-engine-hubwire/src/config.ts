/**
 * `config.engines.hubwire` and `config.target`, read once per worker into checked settings.
 * `target` (which Artillery requires) names the hub to dial as a URL: `mqtts://host[:port]` or
 * `tls://` (TLS, 8883), `mqtt://` or `tcp://` (plain TCP, 1883), `wss://` (443) or `ws://`;
 * any other target leaves the choice to each device's connection string or DPS assignment.
 */
import { isAbsolute, dirname, resolve } from 'node:path';
import type { ArtilleryScript } from './artillery/surface.ts';
import type { DeviceOptions } from './device/virtual-device.ts';
import { TRANSPORTS, type Transport } from './device/transport.ts';
import { ScenarioError } from './errors.ts';
import { parseSlice, type Share } from './pool.ts';

/** The engine's settings, defaults applied. */
export interface EngineConfig {
  readonly transport: Transport;
  /** Where to dial the hub instead of each device's host name (a simulated hub on 127.0.0.1, a gateway). */
  readonly host?: string;
  readonly port?: number;
  /** Absolute path of extra trusted CA certificates (PEM). */
  readonly ca?: string;
  readonly servername?: string;
  /** Bound of every wait: socket, CONNACK, SUBACK, PUBACKs, twin answers, C2D (default 10 s). */
  readonly timeoutMs: number;
  /** Lifetime of each signed SAS token (default 3600 s); devices renew theirs before it runs out. */
  readonly tokenTtlSeconds: number;
  readonly dps: {
    readonly host: string;
    readonly port?: number;
    readonly idScope?: string;
    /** Bound of one whole registration (default 30 s). */
    readonly timeoutMs: number;
  };
  /** Pre-registered devices for `connect: { pool: true }`: the file, and this machine's slice of it. */
  readonly pool?: { readonly file: string; readonly slice: Share };
  /** DeviceEngine options every device gets (keep-alive, in-flight window, subscriptions, model id). */
  readonly device: DeviceOptions;
  /** The script's folder: relative `ca` paths start there. */
  readonly scriptDir: string;
  /** `config.defaults.think`, for think steps. */
  readonly thinkDefaults: Readonly<Record<string, unknown>>;
}

/** IoT Hub's global DPS endpoint. */
export const GLOBAL_DPS_HOST = 'global.azure-devices-provisioning.net';

const CONFIG_KEYS = ['transport', 'host', 'port', 'ca', 'servername', 'timeout', 'tokenTtl', 'dps', 'pool', 'keepAlive', 'maxInFlight', 'maxQueued', 'modelId', 'subscribe', 'cleanSession'];
const DPS_KEYS = ['host', 'port', 'idScope', 'timeout'];
const SUBSCRIBE_KEYS = ['c2d', 'methods', 'twin'];
const POOL_KEYS = ['file', 'slice'];

const SCHEMES: Readonly<Record<string, Transport>> = { 'mqtts:': 'tls', 'tls:': 'tls', 'mqtt:': 'tcp', 'tcp:': 'tcp', 'wss:': 'wss', 'ws:': 'ws' };

/** Reads the engine's config; throws ScenarioError (`invalid_scenario`) naming the first bad setting. */
export function readEngineConfig(script: ArtilleryScript, engineName: string): EngineConfig {
  const raw = script.config.engines?.[engineName] ?? {};
  const where = `config.engines.${engineName}`;
  const o = record(raw, where);
  checkKeys(o, CONFIG_KEYS, where);
  const target = targetEndpoint(script.config.target);
  const dps = record(o['dps'] ?? {}, `${where}.dps`);
  checkKeys(dps, DPS_KEYS, `${where}.dps`);
  const subscribe = record(o['subscribe'] ?? {}, `${where}.subscribe`);
  checkKeys(subscribe, SUBSCRIBE_KEYS, `${where}.subscribe`);
  const scriptDir = script._scriptPath === undefined ? process.cwd() : dirname(script._scriptPath);
  const pool = o['pool'] === undefined ? undefined : record(o['pool'], `${where}.pool`);
  if (pool !== undefined) checkKeys(pool, POOL_KEYS, `${where}.pool`);
  const poolFile = pool === undefined ? undefined : optionalString(pool['file'], `${where}.pool.file`);
  if (pool !== undefined && poolFile === undefined) throw new ScenarioError('invalid_scenario', `${where}.pool needs a file of connection strings`);
  // An unset `{{ $env.SLICE }}` renders empty: the whole file.
  const slice = pool?.['slice'] === '' ? undefined : optionalString(pool?.['slice'], `${where}.pool.slice`);
  const host = optionalString(o['host'], `${where}.host`) ?? target?.host;
  const port = optionalPort(o['port'], `${where}.port`) ?? target?.port;
  const ca = optionalString(o['ca'], `${where}.ca`);
  const servername = optionalString(o['servername'], `${where}.servername`);
  const dpsPort = optionalPort(dps['port'], `${where}.dps.port`);
  const idScope = optionalString(dps['idScope'], `${where}.dps.idScope`);
  const keepAliveSeconds = optionalInteger(o['keepAlive'], `${where}.keepAlive`, 0, 1177);
  const maxInFlight = optionalInteger(o['maxInFlight'], `${where}.maxInFlight`, 1, 65_000);
  const maxQueued = optionalInteger(o['maxQueued'], `${where}.maxQueued`, 0, 1_000_000);
  const modelId = optionalString(o['modelId'], `${where}.modelId`);
  const cleanSession = optionalBoolean(o['cleanSession'], `${where}.cleanSession`);
  return {
    transport: transportOf(o['transport'], `${where}.transport`) ?? target?.transport ?? 'tls',
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(ca === undefined ? {} : { ca: resolvePath(ca, scriptDir) }),
    ...(servername === undefined ? {} : { servername }),
    timeoutMs: optionalDuration(o['timeout'], `${where}.timeout`) ?? 10_000,
    tokenTtlSeconds: optionalInteger(o['tokenTtl'], `${where}.tokenTtl`, 2, 365 * 24 * 3600) ?? 3600,
    dps: {
      host: optionalString(dps['host'], `${where}.dps.host`) ?? GLOBAL_DPS_HOST,
      ...(dpsPort === undefined ? {} : { port: dpsPort }),
      ...(idScope === undefined ? {} : { idScope }),
      timeoutMs: optionalDuration(dps['timeout'], `${where}.dps.timeout`) ?? 30_000,
    },
    ...(poolFile === undefined
      ? {}
      : { pool: { file: resolvePath(poolFile, scriptDir), slice: slice === undefined ? { index: 0, count: 1 } : parseSlice(slice, `${where}.pool.slice`) } }),
    device: {
      ...(keepAliveSeconds === undefined ? {} : { keepAliveSeconds }),
      ...(maxInFlight === undefined ? {} : { maxInFlight }),
      ...(maxQueued === undefined ? {} : { maxQueued }),
      ...(modelId === undefined ? {} : { modelId }),
      ...(cleanSession === undefined ? {} : { cleanSession }),
      subscribe: {
        c2d: optionalBoolean(subscribe['c2d'], `${where}.subscribe.c2d`) ?? true,
        methods: optionalBoolean(subscribe['methods'], `${where}.subscribe.methods`) ?? true,
        twin: optionalBoolean(subscribe['twin'], `${where}.subscribe.twin`) ?? true,
      },
    },
    scriptDir,
    thinkDefaults: script.config.defaults?.think ?? {},
  };
}

/** The transport, host and port a hub URL target names, or undefined for any other target. */
export function targetEndpoint(target: string | undefined): { transport: Transport; host: string; port?: number } | undefined {
  if (target === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  const transport = SCHEMES[url.protocol];
  if (transport === undefined || url.hostname === '') return undefined;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { transport, host, ...(url.port === '' ? {} : { port: Number(url.port) }) };
}

// ---- readers shared with the steps: each throws ScenarioError('invalid_scenario') naming the setting

/** A plain object, or throws. */
export function record(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'must be a mapping of settings', value);
  return value as Record<string, unknown>;
}

/** Throws for a key not in `known` (a typo would otherwise be silently ignored). */
export function checkKeys(value: Readonly<Record<string, unknown>>, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ScenarioError('invalid_scenario', `${where}: unknown setting "${key}" (known: ${known.join(', ')})`);
  }
}

/** A non-empty string, or undefined when absent. */
export function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '') fail(where, 'must be a non-empty string', value);
  return value;
}

/** An integer in [min, max] (numeric strings accepted, as templates render them), or undefined. */
export function optionalInteger(value: unknown, where: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(where, `must be an integer from ${min} to ${max}`, value);
  return n;
}

/** A TCP port, or undefined. */
export function optionalPort(value: unknown, where: string): number | undefined {
  return optionalInteger(value, where, 1, 65_535);
}

/** A boolean, or undefined. */
export function optionalBoolean(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fail(where, 'must be true or false', value);
}

/** A duration in ms: a number of seconds (Artillery's convention), or a string such as `500ms`, `2s`, `1m`. */
export function optionalDuration(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const match = typeof value === 'number' ? [String(value), String(value), 's'] : typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value) : null;
  if (match === null) return fail(where, 'must be seconds or a duration such as 500ms, 2s, 1m', value);
  const unit = match[2] ?? 's';
  const ms = Number(match[1]) * (unit === 'ms' ? 1 : unit === 'm' ? 60_000 : 1000);
  if (!(ms > 0 && ms <= 2 ** 31 - 1)) return fail(where, 'must be positive and under 24 days', value);
  return Math.round(ms);
}

/** A transport name, or undefined. */
export function transportOf(value: unknown, where: string): Transport | undefined {
  if (value === undefined || value === null) return undefined;
  if (!TRANSPORTS.includes(value as Transport)) fail(where, `must be one of ${TRANSPORTS.join(', ')}`, value);
  return value as Transport;
}

/** `path` made absolute against the script's folder. */
export function resolvePath(path: string, scriptDir: string): string {
  return isAbsolute(path) ? path : resolve(scriptDir, path);
}

function fail(where: string, rule: string, value: unknown): never {
  throw new ScenarioError('invalid_scenario', `${where} ${rule}, got ${JSON.stringify(value) ?? String(value)}`);
}
