/**
 * `hubwire-sim-hub`: runs the simulated IoT Hub and DPS on a state folder until SIGINT or SIGTERM.
 * On start it writes `ca.pem` and `connection-strings.json` into the folder and prints a summary;
 * bad flags, an unusable state folder or a port in use end it with a one-line message and a non-zero
 * exit code (2 for usage, 1 otherwise), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListenError } from '../listeners.ts';
import { SimHub } from '../sim-hub.ts';
import { StateFileError } from '../state/state-file.ts';
import { writeFileAtomic } from '../state/files.ts';
import { connectionInfo, summary } from './connection-info.ts';
import { parseCommandLine, USAGE, UsageError, type CliOptions } from './flags.ts';
import { startStatsLine } from './stats-line.ts';

const NAME = 'hubwire-sim-hub';
/** The CLI's default hub host name: one every client resolves, so TLS checks pass without a hosts entry. */
const DEFAULT_CLI_HOST = 'localhost';

/** Runs the CLI; resolves with the exit code once the hub has stopped (or failed to start). */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    const parsed = parseCommandLine(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${NAME}: ${error.message}\nRun ${NAME} --help for usage.`);
    return 2;
  }
  let hub: SimHub | undefined;
  try {
    hub = createHub(options);
    for (const deviceId of options.devices) if (hub.device(deviceId) === undefined) hub.addDevice({ deviceId });
    if (hub.dps.export().groups.length === 0) hub.dps.addGroupEnrollment();
    const addresses = await hub.start();
    const info = connectionInfo(hub, addresses);
    await writeFileAtomic(join(options.stateDir, 'ca.pem'), addresses.caPem);
    await writeFileAtomic(join(options.stateDir, 'connection-strings.json'), `${JSON.stringify(info, null, 2)}\n`, 0o600);
    console.log(summary(info, addresses, options.stateDir));
    const stopStats = options.statsSeconds > 0 ? startStatsLine(hub, options.statsSeconds * 1000) : undefined;
    const signal = await stopSignal(hub);
    stopStats?.();
    console.log(`${NAME}: ${signal}, stopping`);
    await hub.close();
    return 0;
  } catch (error) {
    await hub?.close().catch(() => undefined);
    console.error(`${NAME}: ${describe(error)}`);
    return 1;
  }
}

function createHub(options: CliOptions): SimHub {
  const tls = options.certFile === undefined || options.keyFile === undefined
    ? undefined
    : { cert: readText(options.certFile, '--cert'), key: readText(options.keyFile, '--key'), ...(options.caFile === undefined ? {} : { ca: readText(options.caFile, '--ca') }) };
  return new SimHub({
    stateDir: options.stateDir,
    // An explicit --host wins; else what the state folder saved; else localhost.
    ...(options.hostName !== undefined ? { hostName: options.hostName } : savedHostName(options.stateDir) === undefined ? { hostName: DEFAULT_CLI_HOST } : {}),
    bind: options.bind,
    ports: options.ports,
    ...(tls === undefined ? {} : { tls }),
    ...(options.idScope === undefined ? {} : { dps: { idScope: options.idScope } }),
    ...(options.quiet ? {} : { onLog: (line: string) => console.log(line) }),
  });
}

/** The host name a state folder saved, if it has a readable state file (errors surface when the hub loads it). */
function savedHostName(dir: string): string | undefined {
  try {
    const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { hostName?: unknown };
    return typeof saved.hostName === 'string' ? saved.hostName : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** Resolves with the first SIGINT or SIGTERM; a second one saves the state and exits at once. */
function stopSignal(hub: SimHub): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        hub.saveNow();
        process.exit(130);
      }
      stopping = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** A one-line description for the user: known failures by their message, anything else by its message too. */
function describe(error: unknown): string {
  if (error instanceof ListenError || error instanceof StateFileError || error instanceof UsageError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined ? error.message : `${error.message} (${code})`;
  }
  return String(error);
}

// Run when executed, not when imported (tests import main()).
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
