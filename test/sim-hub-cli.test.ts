/**
 * `hubwire-sim-hub` as a user runs it: a real child process started through the package's bin (which
 * runs the sources, no build needed), its files in the state folder, a device connecting over TLS with
 * what connection-strings.json says, a clean stop on SIGTERM, state kept for the next start, and one
 * clear line and a non-zero exit code for bad flags, a port in use or an unusable state file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSasToken, deviceResourceUri, hubCredentials } from '@hubwire/sas';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RawMqttClient } from '@hubwire/sim-hub';
import { parseCommandLine, USAGE, UsageError } from '../packages/sim-hub/src/cli/flags.ts';
import { tempStateDir } from './support/sim-hub.ts';

const BIN = fileURLToPath(new URL('../packages/sim-hub/bin/hubwire-sim-hub.js', import.meta.url));
/** Every listener on an OS-chosen port, so runs never collide. */
const ANY_PORTS = ['--mqtts-port', '0', '--wss-port', '0', '--https-port', '0', '--dps-mqtts-port', '0', '--dps-wss-port', '0'];
const START_MS = 20_000;

interface Run {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (bounded by `timeoutMs`; the child is killed past it). */
  exited(timeoutMs?: number): Promise<number | null>;
}

function run(args: readonly string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: async (timeoutMs = START_MS) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Resolves once stdout contains `text`; rejects (with what was printed) if the child exits first or time runs out. */
async function printed(r: Run, text: string, timeoutMs = START_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!r.stdout().includes(text)) {
    if (r.child.exitCode !== null || Date.now() > deadline) throw new Error(`no "${text}" (exit ${r.child.exitCode}):\n${r.stdout()}\n${r.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A connection string's fields, split at the first `=` (docs/protocol.md §3). Not hubwire's parser: that
 * one wants GatewayHostName without a port, and the CLI adds `:port` when the port is not 8883.
 */
function fields(connectionString: string): Record<string, string> {
  return Object.fromEntries(connectionString.split(';').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** Connects over TLS as the connection string says (GatewayHostName = 127.0.0.1:port), trusting ca.pem. */
async function connectWith(connectionString: string, ca: string): Promise<number> {
  const { HostName: hostName, DeviceId: deviceId, SharedAccessKey: key, GatewayHostName: gateway } = fields(connectionString);
  const client = await RawMqttClient.tls(Number(gateway!.split(':')[1]), { ca, servername: hostName! });
  try {
    const password = await createSasToken({ resourceUri: deviceResourceUri(hostName!, deviceId!), key: key!, expiresAt: Math.floor(Date.now() / 1000) + 600 });
    return await client.connect(hubCredentials({ hostName: hostName!, deviceId: deviceId!, password }));
  } finally {
    client.destroy();
  }
}

describe('hubwire-sim-hub', () => {
  it('starts, writes ca.pem and connection-strings.json, serves a device over TLS, stops on SIGTERM and keeps its state', async () => {
    const dir = tempStateDir();
    const first = run(['--state', dir, '--device', 'dev1', '--device', 'dev2', '--quiet', ...ANY_PORTS]);
    await printed(first, 'Ctrl+C stops the hub.');
    const info = JSON.parse(readFileSync(join(dir, 'connection-strings.json'), 'utf8')) as {
      service: string;
      devices: Record<string, string>;
      dps: { idScope: string; groupKey: string; provisioningHost: string };
    };
    const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
    expect(Object.keys(info.devices)).toEqual(['dev1', 'dev2']);
    expect(info.service).toMatch(/^HostName=localhost;SharedAccessKeyName=iothubowner;SharedAccessKey=[A-Za-z0-9+/]{43}=$/);
    expect(info.devices['dev1']).toMatch(/^HostName=localhost;DeviceId=dev1;SharedAccessKey=[A-Za-z0-9+/]{43}=;GatewayHostName=127\.0\.0\.1:\d+$/);
    expect(info.dps).toMatchObject({ idScope: '0ne00SIM0D5', groupKey: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/), provisioningHost: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    // The summary says the same and how to trust the CA.
    expect(first.stdout()).toContain(info.devices['dev1']);
    expect(first.stdout()).toContain(`NODE_EXTRA_CA_CERTS=${join(dir, 'ca.pem')}`);
    expect(await connectWith(info.devices['dev1']!, ca)).toBe(0);

    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    expect(first.stdout()).toContain('SIGTERM, stopping');
    expect(first.stderr()).toBe('');

    const second = run(['--state', dir, '--quiet', ...ANY_PORTS]);
    await printed(second, 'Ctrl+C stops the hub.');
    const again = JSON.parse(readFileSync(join(dir, 'connection-strings.json'), 'utf8')) as typeof info;
    const keyOf = (cs: string): string | undefined => fields(cs)['SharedAccessKey'];
    expect(keyOf(again.devices['dev1']!)).toBe(keyOf(info.devices['dev1']!));
    expect(again.service).toBe(info.service);
    expect(again.dps.groupKey).toBe(info.dps.groupKey);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(ca);
    expect(await connectWith(again.devices['dev2']!, ca)).toBe(0);
    second.child.kill('SIGINT');
    expect(await second.exited()).toBe(0);
  });

  it('refuses a bad flag with one line and exit code 2', async () => {
    const r = run(['--state', tempStateDir(), '--frobnicate']);
    expect(await r.exited()).toBe(2);
    expect(r.stderr()).toBe("hubwire-sim-hub: Unknown option '--frobnicate'\nRun hubwire-sim-hub --help for usage.\n");
    expect(r.stdout()).toBe('');
  });

  it('says which port is in use and exits 1, without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const r = run(['--state', tempStateDir(), '--quiet', ...ANY_PORTS, '--dps-mqtts-port', String(port)]);
    expect(await r.exited()).toBe(1);
    expect(r.stderr()).toBe(`hubwire-sim-hub: cannot listen for DPS MQTT over TLS on 127.0.0.1:${port}: the port is in use\n`);
  });

  it('refuses a state file it cannot read, leaving it untouched', async () => {
    const dir = tempStateDir();
    writeFileSync(join(dir, 'state.json'), 'not json');
    const r = run(['--state', dir, '--quiet', ...ANY_PORTS]);
    expect(await r.exited()).toBe(1);
    expect(r.stderr()).toMatch(/^hubwire-sim-hub: .*state\.json is not valid JSON .*; the hub does not overwrite it: repair it, or move it away to start empty\n$/);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('not json');
  });
});

describe('the command line', () => {
  it('has the documented defaults', () => {
    expect(parseCommandLine(['--state', 'dir'])).toEqual({
      stateDir: 'dir',
      hostName: undefined,
      bind: '127.0.0.1',
      ports: { mqtts: 8883, wss: 8443, https: 9443, dpsMqtts: 8884, dpsWss: 8444 },
      certFile: undefined,
      keyFile: undefined,
      caFile: undefined,
      devices: [],
      idScope: undefined,
      quiet: false,
      statsSeconds: 0,
    });
    expect(parseCommandLine(['--help'])).toBe('help');
    expect(USAGE).toContain('--dps-mqtts-port N');
  });

  it('takes every port flag, repeated --device, and the rest', () => {
    const flags = ['mqtts', 'wss', 'mqtt', 'ws', 'dps-mqtts', 'dps-wss', 'dps-mqtt', 'dps-ws', 'https', 'http'].flatMap((name, i) => [`--${name}-port`, String(10_000 + i)]);
    const options = parseCommandLine(['--state', 'd', '--host', 'hub.test', '--bind', '0.0.0.0', ...flags, '--device', 'a', '--device', 'b', '--stats', '2', '--quiet']);
    expect(options).toMatchObject({
      hostName: 'hub.test',
      bind: '0.0.0.0',
      ports: { mqtts: 10000, wss: 10001, mqtt: 10002, ws: 10003, dpsMqtts: 10004, dpsWss: 10005, dps: 10006, dpsWs: 10007, https: 10008, http: 10009 },
      devices: ['a', 'b'],
      statsSeconds: 2,
      quiet: true,
    });
  });

  it.each([
    [['--device', 'dev1'], '--state DIR is required'],
    [['--state', 'd', '--mqtts-port', 'eighty'], '--mqtts-port wants a port from 0 to 65535, not "eighty"'],
    [['--state', 'd', '--mqtts-port', '70000'], '--mqtts-port wants a port from 0 to 65535, not "70000"'],
    [['--state', 'd', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['--state', 'd', 'stray'], "Unexpected argument 'stray'"],
    [['--state', 'd', '--cert', 'a.pem'], '--cert and --key go together'],
    [['--state', 'd', '--stats', '0'], '--stats wants a number of seconds above 0, not "0"'],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parseCommandLine(args)).toThrow(new UsageError(message));
  });
});
