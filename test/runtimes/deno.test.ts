/**
 * Deno, from the npm package `deno`, with no permission but network access to loopback: the
 * README's library examples print what they promise, and examples/drivers/deno-device.ts runs a
 * device over `Deno.connect` against the simulated hub. The libraries come from their built
 * `dist` through examples/drivers/deno-import-map.json, which names nothing else, so any import
 * outside hubwire (a Node built-in, an npm dependency) fails to resolve.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimHub } from '@hubwire/sim-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './support/closed-port.ts';
import { exitedEarly, outputLines, run } from './support/processes.ts';
import { LIBRARY_SECTIONS, readmeSnippets } from './support/readme-snippets.ts';
import { DENO_IMPORT_MAP, locateRuntime, sourceImportMap } from './support/runtimes.ts';
import { WORKSPACE } from './support/workspace.ts';

const located = locateRuntime('deno');
const deno = located.runtime;
const DRIVER = join(WORKSPACE, 'examples/drivers/deno-device.ts');
/** Everything a program here may do: talk to 127.0.0.1, and never wait on a permission prompt. */
const SANDBOX = ['--no-config', '--no-prompt', '--allow-net=127.0.0.1'];

describe.skipIf(deno === undefined)(`Deno ${deno?.version ?? `(skipped: ${located.missing})`}`, () => {
  const snippets = readmeSnippets();
  let scratch = '';

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'hubwire-deno-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is given the three libraries and nothing else to import', () => {
    const map = JSON.parse(readFileSync(DENO_IMPORT_MAP, 'utf8')) as { imports: Record<string, string> };
    expect(map.imports).toEqual({
      '@hubwire/topics': '../../packages/topics/dist/index.js',
      '@hubwire/sas': '../../packages/sas/dist/index.js',
      '@hubwire/core': '../../packages/core/dist/index.js',
    });
  });

  it('has README examples for every library', () => {
    expect(new Set(snippets.map((snippet) => snippet.section))).toEqual(new Set(LIBRARY_SECTIONS));
    for (const snippet of snippets) expect(snippet.promised.length).toBeGreaterThan(0);
  });

  snippets.forEach((snippet, index) => {
    it(`runs README example ${index + 1} (${snippet.section}) and prints what it promises`, async () => {
      const file = join(scratch, `example-${index + 1}.ts`);
      writeFileSync(file, snippet.code);
      const result = await run(deno!.executable, ['run', ...SANDBOX, `--import-map=${DENO_IMPORT_MAP}`, file], { cwd: scratch, timeoutMs: 45_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(outputLines(result.stdout)).toEqual(snippet.promised);
    }, 60_000);
  });

  it('type-checks the Deno driver with Deno’s own types', async () => {
    const sourceMap = join(scratch, 'import-map.src.json');
    writeFileSync(sourceMap, JSON.stringify(sourceImportMap()));
    const result = await run(deno!.executable, ['check', '--no-config', `--import-map=${sourceMap}`, DRIVER], { cwd: scratch, timeoutMs: 45_000 });
    expect(result.stderr.replace(/^Check .*\n/m, '')).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('the Deno driver says what is wrong, without a stack trace, for a bad connection string or an unreachable hub', async () => {
    const badString = await run(deno!.executable, ['run', ...SANDBOX, `--import-map=${DENO_IMPORT_MAP}`, DRIVER, 'HostName=sim-hub.local'], { cwd: scratch, timeoutMs: 30_000 });
    expect(badString.code).toBe(1);
    expect(badString.stderr).toBe('deno-device: connection string has no DeviceId\n');
    const port = await closedPort();
    const noHub = await run(deno!.executable, ['run', ...SANDBOX, `--import-map=${DENO_IMPORT_MAP}`, DRIVER, 'HostName=sim-hub.local;DeviceId=d;SharedAccessKey=a2V5', `127.0.0.1:${port}`], { cwd: scratch, timeoutMs: 30_000 });
    expect(noHub.code).toBe(1);
    expect(noHub.stderr).toMatch(new RegExp(`^deno-device: 127\\.0\\.0\\.1:${port}: .+\\n$`));
  }, 60_000);

  it('drives a device over Deno.connect: SAS connect, telemetry acked, twin read, a method answered', async () => {
    const hub = new SimHub();
    try {
      const { mqttPort } = await hub.start();
      hub.addDevice({ deviceId: 'deno-device' });
      const device = run(deno!.executable, ['run', ...SANDBOX, `--import-map=${DENO_IMPORT_MAP}`, DRIVER, hub.connectionString('deno-device'), `127.0.0.1:${mqttPort}`], {
        cwd: scratch,
        timeoutMs: 45_000,
      });
      await Promise.race([hub.waitForConnection('deno-device', { filters: ['$iothub/methods/POST/#'], timeoutMs: 30_000 }), exitedEarly(device)]);
      expect(hub.connectedDevices()).toMatchObject([{ deviceId: 'deno-device', transport: 'tcp' }]);
      const answer = await hub.invokeMethod('deno-device', 'reboot', { delaySeconds: 3 }, { timeoutMs: 10_000 });
      const result = await device;

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(answer).toEqual({ status: 200, payload: { method: 'reboot', runtime: 'deno', request: { delaySeconds: 3 } } });
      const events = outputLines(result.stdout).map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
      expect(events.map((event) => event.type).sort()).toEqual(
        ['connected', 'disconnected', 'method-request', 'subscribed', 'telemetry-acked', 'twin'].sort(),
      );
      expect(events).toContainEqual(expect.objectContaining({ type: 'twin', status: 200, desiredVersion: 1 }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'method-request', methodName: 'reboot', body: '{"delaySeconds":3}' }));
      const telemetry = hub.telemetry((record) => record.deviceId === 'deno-device');
      expect(telemetry).toMatchObject([{ text: '{"temperature":21.5,"runtime":"deno"}', qos: 1, properties: { contentType: 'application/json' } }]);
      await hub.waitUntil(() => !hub.isConnected('deno-device'), 5000, 'the Deno device to disconnect');
    } finally {
      await hub.close();
    }
  }, 60_000);
});
