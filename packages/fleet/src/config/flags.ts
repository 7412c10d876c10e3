/**
 * The command line → a checked FleetConfig. Every mistake is a FleetConfigError whose message
 * names the flag and what it wants; nothing is half-applied.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FleetConfigError } from './config-error.ts';
import type { FleetConfig, FleetTransport, IdentitySource } from './fleet-config.ts';
import { idPattern } from './id-pattern.ts';
import { DEFAULT_TEMPLATE } from './payload-template.ts';
import { parseDuration, parseNumber, parseSize } from './units.ts';

const OPTIONS = {
  devices: { type: 'string' },
  'id-pattern': { type: 'string' },
  start: { type: 'string' },
  'embedded-dps': { type: 'boolean' },
  'connection-strings': { type: 'string' },
  'dps-id-scope': { type: 'string' },
  'dps-group-key': { type: 'string' },
  'dps-host': { type: 'string' },
  'service-connection-string': { type: 'string' },
  'service-url': { type: 'string' },
  hub: { type: 'string' },
  'source-addresses': { type: 'string' },
  transport: { type: 'string' },
  ca: { type: 'string' },
  'in-process': { type: 'boolean' },
  'connect-rate': { type: 'string' },
  'max-connecting': { type: 'string' },
  rate: { type: 'string' },
  size: { type: 'string' },
  payload: { type: 'string' },
  qos: { type: 'string' },
  inflight: { type: 'string' },
  duration: { type: 'string' },
  messages: { type: 'string' },
  drain: { type: 'string' },
  'keep-alive': { type: 'string' },
  'twin-report': { type: 'boolean' },
  'method-status': { type: 'string' },
  'method-delay': { type: 'string' },
  'service-rate': { type: 'string' },
  report: { type: 'string' },
  'summary-json': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  progress: { type: 'string' },
  'log-interval': { type: 'string' },
  'connect-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TRANSPORTS: readonly FleetTransport[] = ['tls', 'wss', 'tcp', 'ws'];
const PROGRESS = ['auto', 'line', 'log', 'none'] as const;

/** Parses `argv` (without node and the script); returns `'help'` for -h/--help; throws FleetConfigError for anything wrong. */
export function parseFlags(argv: readonly string[]): FleetConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new FleetConfigError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')} (see --help)`);
  }
  if (values.help === true) return 'help';
  const number = (flag: keyof typeof values, fallback: number, min: number, max?: number, integer = true): number => {
    const text = values[flag];
    return typeof text === 'string' ? parseNumber(text, `--${flag}`, min, max, integer) : fallback;
  };
  const duration = (flag: keyof typeof values): number | undefined => {
    const text = values[flag];
    return typeof text === 'string' ? parseDuration(text, `--${flag}`) : undefined;
  };

  const pattern = values['id-pattern'] ?? 'sim-{n:05}';
  idPattern(pattern); // throws for a bad pattern
  const transport = (values.transport ?? 'tls') as FleetTransport;
  if (!TRANSPORTS.includes(transport)) throw new FleetConfigError(`--transport: "${values.transport}" must be one of ${TRANSPORTS.join(', ')}`);
  const progress = (values.progress ?? 'auto') as FleetConfig['progress'];
  if (!PROGRESS.includes(progress)) throw new FleetConfigError(`--progress: "${values.progress}" must be one of ${PROGRESS.join(', ')}`);
  const qos = number('qos', 1, 0, 1);
  const messages = values.messages === undefined ? undefined : number('messages', 0, 1);
  const durationMs = duration('duration') ?? (messages === undefined ? 30_000 : undefined);
  if (durationMs !== undefined && durationMs <= 0) throw new FleetConfigError('--duration must be longer than 0');
  const metricsPort = values['metrics-port'] === undefined ? undefined : number('metrics-port', 0, 0, 65_535);
  const summaryJsonPath = values['summary-json'];
  const caPath = values.ca;
  const hub = values.hub === undefined ? undefined : hostPort(values.hub, '--hub');
  const source = identitySource(values);
  const inProcess = values['in-process'] === true;
  if (inProcess && source.kind !== 'embedded') throw new FleetConfigError('--in-process simulates its own hub: it cannot be combined with a hub or identity source');
  if (inProcess && values['embedded-dps'] === true) throw new FleetConfigError('--in-process has no DPS: drop --embedded-dps');
  const serviceRate = number('service-rate', 0, 0, 100_000, false);
  if (serviceRate > 0 && (source.kind !== 'embedded' || inProcess)) throw new FleetConfigError('--service-rate needs the embedded simulated hub (no hub or identity flags, no --in-process)');
  return {
    devices: number('devices', 10, 1, 10_000_000),
    start: number('start', 0, 0),
    idPattern: pattern,
    source,
    ...(hub === undefined ? {} : { hub }),
    ...(values['source-addresses'] === undefined ? {} : { sourceAddresses: addressList(values['source-addresses']) }),
    transport,
    ...(caPath === undefined ? {} : { ca: readText(caPath, '--ca') }),
    inProcess,
    connectRate: number('connect-rate', 50, 0, 10_000_000, false),
    maxConnecting: number('max-connecting', 100, 0, 10_000_000),
    rate: number('rate', 1, 0, 10_000, false),
    size: values.size === undefined ? 0 : checkSize(parseSize(values.size, '--size')),
    payload: values.payload ?? DEFAULT_TEMPLATE,
    qos: qos as 0 | 1,
    inflight: number('inflight', 16, 1, 65_535),
    twinReport: values['twin-report'] === true,
    methodStatus: number('method-status', 200, 0, 65_535),
    methodDelayMs: duration('method-delay') ?? 0,
    serviceRate,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(messages === undefined ? {} : { messages }),
    drainMs: duration('drain') ?? 5000,
    keepAliveSeconds: number('keep-alive', 240, 0, 65_535),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    metricsHost: values['metrics-host'] ?? '127.0.0.1',
    reportPath: values.report ?? 'hubwire-fleet-report.html',
    ...(summaryJsonPath === undefined ? {} : { summaryJsonPath }),
    progress,
    logIntervalMs: duration('log-interval') ?? 5000,
    connectTimeoutMs: duration('connect-timeout') ?? 15_000,
  };
}

function identitySource(values: Record<string, string | boolean | undefined>): IdentitySource {
  const file = values['connection-strings'] as string | undefined;
  const idScope = values['dps-id-scope'] as string | undefined;
  const groupKey = values['dps-group-key'] as string | undefined;
  const service = values['service-connection-string'] as string | undefined;
  const given = [file, idScope ?? groupKey, service].filter((v) => v !== undefined).length;
  if (given > 1) throw new FleetConfigError('give one identity source: --connection-strings, --dps-id-scope/--dps-group-key or --service-connection-string');
  if (values['embedded-dps'] === true && given > 0) throw new FleetConfigError('--embedded-dps is for the embedded hub: drop the other identity flags');
  if (file !== undefined) return { kind: 'file', path: file };
  if (idScope !== undefined || groupKey !== undefined) {
    if (idScope === undefined || groupKey === undefined) throw new FleetConfigError('DPS needs both --dps-id-scope and --dps-group-key');
    const dps = hostPort((values['dps-host'] as string | undefined) ?? 'global.azure-devices-provisioning.net', '--dps-host');
    return { kind: 'dps', idScope, groupKey, host: dps.host, ...(dps.port === undefined ? {} : { port: dps.port }) };
  }
  if (service !== undefined) {
    const url = values['service-url'] as string | undefined;
    return { kind: 'service', connectionString: service, ...(url === undefined ? {} : { url }) };
  }
  return { kind: 'embedded', dps: values['embedded-dps'] === true };
}

/** `A,B` and ranges `127.0.0.2-127.0.0.9` (the last number varies) → the IPv4 addresses; throws FleetConfigError. */
export function addressList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})(?:-(?:\1)?(\d{1,3}))?$/.exec(part.trim());
    const first = Number(match?.[2]);
    const last = match?.[3] === undefined ? first : Number(match[3]);
    if (match === null || first > 255 || last > 255 || last < first) {
      throw new FleetConfigError(`--source-addresses: "${part}" must be an IPv4 address or a range like 127.0.0.2-127.0.0.9`);
    }
    for (let n = first; n <= last; n++) out.push(`${match[1]}${n}`);
  }
  return out;
}

/** `host` or `host:port`; throws FleetConfigError naming `flag`. */
export function hostPort(text: string, flag: string): { host: string; port?: number } {
  const match = /^([^:\s]+)(?::(\d+))?$/.exec(text);
  if (match === null) throw new FleetConfigError(`${flag}: "${text}" must be HOST or HOST:PORT`);
  const port = match[2] === undefined ? undefined : parseNumber(match[2], flag, 1, 65_535, true);
  return { host: match[1] as string, ...(port === undefined ? {} : { port }) };
}

function checkSize(bytes: number): number {
  if (bytes > 256 * 1024) throw new FleetConfigError(`--size: ${bytes} bytes is over IoT Hub's 256 KB message limit`);
  return bytes;
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FleetConfigError(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
