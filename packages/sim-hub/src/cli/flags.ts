/**
 * The command line of `hubwire-sim-hub`: flags, their defaults, and the usage text. Parsing never
 * throws anything but UsageError, whose message is meant for the person who typed the command.
 */
import { parseArgs } from 'node:util';
import type { SimHubPorts } from '../front-doors.ts';

/** Default ports: the real services' where they are not privileged, neighbours of them otherwise (README "CLI"). */
export const DEFAULT_PORTS = {
  mqtts: 8883,
  wss: 8443,
  https: 9443,
  dpsMqtts: 8884,
  dpsWss: 8444,
} as const satisfies SimHubPorts;

/** What the command line asks for. */
export interface CliOptions {
  readonly stateDir: string;
  readonly hostName: string | undefined;
  readonly bind: string;
  readonly ports: SimHubPorts;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly caFile: string | undefined;
  readonly devices: readonly string[];
  readonly idScope: string | undefined;
  readonly quiet: boolean;
  /** Seconds between stats lines; 0 for none. */
  readonly statsSeconds: number;
}

/** A command line that cannot be run; the message says why. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What `--help` prints. */
export const USAGE = `Usage: hubwire-sim-hub --state DIR [options]

A local Azure IoT Hub and Device Provisioning Service for device SDKs, service tools and tests.

  --state DIR            folder for the hub's state, its CA and connection strings (made if missing)
  --host NAME            the hub's host name in connection strings, user names and SAS tokens
                         (default: the saved one, else localhost)
  --bind ADDR            address to listen on (default 127.0.0.1)
  --mqtts-port N         IoT Hub MQTT over TLS (default ${DEFAULT_PORTS.mqtts})
  --wss-port N           IoT Hub MQTT over WebSocket over TLS (default ${DEFAULT_PORTS.wss})
  --mqtt-port N          IoT Hub MQTT without TLS (default: chosen by the OS)
  --ws-port N            IoT Hub MQTT over WebSocket without TLS (default: chosen by the OS)
  --dps-mqtts-port N     DPS MQTT over TLS (default ${DEFAULT_PORTS.dpsMqtts})
  --dps-wss-port N       DPS MQTT over WebSocket over TLS (default ${DEFAULT_PORTS.dpsWss})
  --dps-mqtt-port N      DPS MQTT without TLS (default: chosen by the OS)
  --dps-ws-port N        DPS MQTT over WebSocket without TLS (default: chosen by the OS)
  --https-port N         service REST API and dashboard over HTTPS; also MQTT over WebSocket on
                         /$iothub/websocket, like the real hub's 443 (default ${DEFAULT_PORTS.https})
  --http-port N          service API without TLS (default: chosen by the OS)
  --cert FILE --key FILE server certificate and key (PEM) instead of the generated ones
  --ca FILE              what clients should trust with --cert (default: the --cert file)
  --device ID            register a device with a generated key unless it exists (repeatable)
  --id-scope SCOPE       DPS id scope (default 0ne00SIM0D5)
  --stats SECONDS        print connections, messages per second and memory every SECONDS
  --quiet                do not print what devices and the service do
  --help                 show this text

Port 0 means one chosen by the OS. The hub runs until SIGINT (Ctrl+C) or SIGTERM.`;

const PORT_FLAGS: readonly (readonly [flag: string, listener: keyof SimHubPorts])[] = [
  ['mqtts-port', 'mqtts'],
  ['wss-port', 'wss'],
  ['mqtt-port', 'mqtt'],
  ['ws-port', 'ws'],
  ['dps-mqtts-port', 'dpsMqtts'],
  ['dps-wss-port', 'dpsWss'],
  ['dps-mqtt-port', 'dps'],
  ['dps-ws-port', 'dpsWs'],
  ['https-port', 'https'],
  ['http-port', 'http'],
];

/** Parses argv (without node and the script); `help` when --help was asked for. Throws UsageError. */
export function parseCommandLine(argv: readonly string[]): CliOptions | 'help' {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    // node:util words its errors for developers ("Unknown option '--x'. To specify a positional…"): keep the first sentence.
    throw new UsageError((error as Error).message.split('. ')[0]!.replace(/\.$/, ''));
  }
  const { values } = parsed;
  if (values.help === true) return 'help';
  if (values.state === undefined || values.state === '') throw new UsageError('--state DIR is required');
  const ports: Record<string, number> = { ...DEFAULT_PORTS };
  for (const [flag, listener] of PORT_FLAGS) {
    const text = values[flag as keyof typeof values] as string | undefined;
    if (text !== undefined) ports[listener] = parsePort(flag, text);
  }
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
  if (values.ca !== undefined && values.cert === undefined) throw new UsageError('--ca only applies with --cert and --key');
  const statsSeconds = values.stats === undefined ? 0 : Number(values.stats);
  if (values.stats !== undefined && !(Number.isFinite(statsSeconds) && statsSeconds > 0)) throw new UsageError(`--stats wants a number of seconds above 0, not ${JSON.stringify(values.stats)}`);
  return {
    stateDir: values.state,
    hostName: values.host,
    bind: values.bind ?? '127.0.0.1',
    ports,
    certFile: values.cert,
    keyFile: values.key,
    caFile: values.ca,
    devices: values.device ?? [],
    idScope: values['id-scope'],
    quiet: values.quiet === true,
    statsSeconds,
  };
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      state: { type: 'string' },
      host: { type: 'string' },
      bind: { type: 'string' },
      'mqtts-port': { type: 'string' },
      'wss-port': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'ws-port': { type: 'string' },
      'dps-mqtts-port': { type: 'string' },
      'dps-wss-port': { type: 'string' },
      'dps-mqtt-port': { type: 'string' },
      'dps-ws-port': { type: 'string' },
      'https-port': { type: 'string' },
      'http-port': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      device: { type: 'string', multiple: true },
      'id-scope': { type: 'string' },
      stats: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function parsePort(flag: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--${flag} wants a port from 0 to 65535, not ${JSON.stringify(text)}`);
  return port;
}
