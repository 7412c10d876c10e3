/**
 * Starts a private mosquitto broker on a free loopback port for interop tests, and stops it.
 *
 * mosquitto is an independent MQTT 3.1.1 implementation (Debian package `mosquitto`): if it
 * accepts hubwire's CONNECT, SUBSCRIBE, PUBLISH, PUBACK and PINGREQ, those bytes are not just
 * "what our own fake hub happens to parse". The broker gets a generated config that listens on
 * 127.0.0.1 only and allows anonymous clients (IoT Hub-style user names carry no password file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian puts the broker; `mosquitto` on PATH is tried too. */
const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

/** A running broker: its port, and `stop()` which kills it and removes its config. */
export interface Mosquitto {
  readonly port: number;
  /** Everything the broker logged so far (stderr), for failure messages. */
  log(): string;
  /** Kills the broker and waits for it to exit (bounded); safe to call twice. */
  stop(): Promise<void>;
}

/** Returns the broker's path, or undefined when it is not installed. */
export function findMosquitto(): string | undefined {
  const fromPath = (process.env['PATH'] ?? '').split(':').map((dir) => join(dir, 'mosquitto'));
  return [...CANDIDATES, ...fromPath].find((path) => existsSync(path));
}

/** Asks the OS for a free loopback port (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Resolves once a TCP connection to the port succeeds, retrying until `deadlineMs` passes. */
async function waitListening(port: number, deadlineMs: number, exited: () => string | undefined): Promise<void> {
  const giveUpAt = performance.now() + deadlineMs;
  for (;;) {
    const why = exited();
    if (why !== undefined) throw new Error(`mosquitto exited before listening: ${why}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (performance.now() > giveUpAt) throw new Error(`mosquitto did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Starts mosquitto on a free 127.0.0.1 port and resolves once it accepts connections; throws
 * (after killing it) if it exits or does not listen within `startTimeoutMs`.
 */
export async function startMosquitto(options: { path?: string; startTimeoutMs?: number } = {}): Promise<Mosquitto> {
  const path = options.path ?? findMosquitto();
  if (path === undefined) throw new Error('mosquitto is not installed (Debian: apt-get install mosquitto)');
  const dir = mkdtempSync(join(tmpdir(), 'hubwire-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      config,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        // Running as root, mosquitto would switch to the `mosquitto` user; stay who we are.
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n'),
    );
    const child = spawn(path, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let exit: string | undefined;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => (stderr += text));
    child.once('exit', (code, signal) => (exit = `code ${code} signal ${signal}; log:\n${stderr}`));
    child.once('error', (error) => (exit = `spawn failed: ${error.message}`));
    try {
      await waitListening(port, options.startTimeoutMs ?? 5000, () => exit);
    } catch (error) {
      await kill(child);
      // Another process may have taken the port between freePort() and the broker's bind: retry once.
      if (attempt < 1 && /Address already in use/i.test(stderr)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    let stopped = false;
    return {
      port,
      log: () => stderr,
      async stop() {
        if (stopped) return;
        stopped = true;
        await kill(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/** SIGTERM, then SIGKILL after 2 s; resolves once the process has exited. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * Whether to run mosquitto tests: yes when installed; when missing, skip with a message unless
 * `CI` is set (then the test must fail instead of silently passing).
 */
export function mosquittoAvailability(): { run: true } | { run: false; why: string } {
  if (findMosquitto() !== undefined) return { run: true };
  if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') return { run: true };
  return { run: false, why: 'mosquitto is not installed; install it (apt-get install mosquitto) to run the broker interop tests' };
}
