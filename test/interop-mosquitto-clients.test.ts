/**
 * mosquitto's command-line clients (Debian `mosquitto-clients`) against the simulated hub over TLS,
 * configured the way the README tells a user to: the hub's CA as `--cafile`, the IoT Hub user name,
 * a SAS token as the password. `mosquitto_pub` sends telemetry with a property bag; `mosquitto_sub`
 * receives a C2D message (and acknowledges it at QoS 1).
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempStateDir, useSimHub } from './support/sim-hub.ts';

const WAIT = 10_000;

/** The client's path, or undefined when mosquitto-clients is not installed (a failure under CI, which installs it). */
function findClient(name: string): string | undefined {
  const dirs = ['/usr/bin', '/usr/local/bin', ...(process.env['PATH'] ?? '').split(':')];
  const found = dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (found === undefined && process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
    throw new Error(`${name} is missing: .ci/run installs mosquitto-clients`);
  }
  return found;
}

const pub = findClient('mosquitto_pub');
const sub = findClient('mosquitto_sub');
if (pub === undefined || sub === undefined) console.warn('skipping mosquitto client interop: install mosquitto-clients (apt-get install mosquitto-clients)');

const sim = useSimHub(undefined, { scope: 'file', prepare: (hub) => hub.addDevice({ deviceId: 'mosq-dev' }) });

/** Runs a client to completion (bounded); resolves with its exit code and output. */
function runClient(path: string, args: readonly string[], timeoutMs = WAIT): { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(path, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  onTestFinished(() => {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return { done };
}

/** The TLS and IoT Hub connection flags: host, port, CA file, client id, user name, SAS password. */
async function connectionFlags(): Promise<string[]> {
  const caFile = join(tempStateDir('mosquitto-ca-'), 'ca.pem');
  writeFileSync(caFile, sim.ports.caPem);
  const { clientId, username, password } = await sim.hub.credentials('mosq-dev');
  return ['-h', '127.0.0.1', '-p', String(sim.ports.mqttsPort), '--cafile', caFile, '-V', 'mqttv311', '-i', clientId, '-u', username, '-P', password!];
}

describe.skipIf(pub === undefined || sub === undefined)('mosquitto clients over TLS with a SAS password', () => {
  it('mosquitto_pub sends telemetry with application properties at QoS 1', async () => {
    const { done } = runClient(pub!, [...(await connectionFlags()), '-q', '1', '-t', 'devices/mosq-dev/messages/events/%24.ct=application%2Fjson&site=lab%201', '-m', '{"t":19.5}']);
    expect(await done).toMatchObject({ code: 0, stderr: '' });
    const record = await sim.hub.waitForTelemetry((r) => r.deviceId === 'mosq-dev', WAIT);
    expect(JSON.parse(record.text)).toEqual({ t: 19.5 });
    expect(record.qos).toBe(1);
    expect(record.properties.contentType).toBe('application/json');
    expect(record.properties.application['site']).toBe('lab 1');
  });

  it('mosquitto_sub receives a C2D message and acknowledges it', async () => {
    const { done } = runClient(sub!, [...(await connectionFlags()), '-q', '1', '-C', '1', '-v', '-t', 'devices/mosq-dev/messages/devicebound/#']);
    await sim.hub.waitForConnection('mosq-dev', { filters: ['devices/mosq-dev/messages/devicebound/#'], timeoutMs: WAIT });
    const receipt = sim.hub.sendC2d('mosq-dev', 'hello mosquitto', { messageId: 'mq-1' });
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^devices\/mosq-dev\/messages\/devicebound\/\S*%24\.mid=mq-1\S* hello mosquitto\n$/);
    await expect(receipt).resolves.toEqual({ messageId: 'mq-1', outcome: 'completed', deliveryCount: 1 });
  });
});
