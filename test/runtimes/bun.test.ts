/**
 * Bun, from the npm package `bun`: the README's library examples print what they promise, and
 * examples/drivers/bun-device.ts runs a device over `Bun.connect` against the simulated hub.
 * The libraries are resolved as installed packages (their `exports`, hence the built `dist`): the
 * workspace tsconfig's `paths` to the sources are overridden, and auto-install is off.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimHub } from '@hubwire/sim-hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './support/closed-port.ts';
import { exitedEarly, outputLines, run } from './support/processes.ts';
import { LIBRARY_SECTIONS, readmeSnippets } from './support/readme-snippets.ts';
import { locateRuntime } from './support/runtimes.ts';
import { LIBRARIES, WORKSPACE } from './support/workspace.ts';

const located = locateRuntime('bun');
const bun = located.runtime;
const DRIVER = join(WORKSPACE, 'examples/drivers/bun-device.ts');
const TSC = join(WORKSPACE, 'node_modules/typescript/bin/tsc');

describe.skipIf(bun === undefined)(`Bun ${bun?.version ?? `(skipped: ${located.missing})`}`, () => {
  const snippets = readmeSnippets();
  let scratch = '';
  let flags: string[] = [];

  beforeAll(() => {
    // A project folder of its own: node_modules/@hubwire/* link to the packages, as an install would.
    scratch = mkdtempSync(join(tmpdir(), 'hubwire-bun-'));
    mkdirSync(join(scratch, 'node_modules/@hubwire'), { recursive: true });
    for (const [name, folder] of LIBRARIES) symlinkSync(join(WORKSPACE, 'packages', folder), join(scratch, 'node_modules', name), 'dir');
    writeFileSync(join(scratch, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    flags = ['--no-install', `--tsconfig-override=${join(scratch, 'tsconfig.json')}`];
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('resolves the libraries to their built dist', async () => {
    const probe = join(scratch, 'resolve.ts');
    writeFileSync(probe, "for (const name of ['@hubwire/topics', '@hubwire/sas', '@hubwire/core']) console.log(import.meta.resolve(name));\n");
    const result = await run(bun!.executable, [...flags, probe], { cwd: scratch, timeoutMs: 30_000 });
    expect(result.code).toBe(0);
    expect(outputLines(result.stdout)).toEqual(LIBRARIES.map(([, folder]) => `file://${join(WORKSPACE, 'packages', folder, 'dist/index.js')}`));
  }, 45_000);

  it('has README examples for every library', () => {
    expect(new Set(snippets.map((snippet) => snippet.section))).toEqual(new Set(LIBRARY_SECTIONS));
  });

  snippets.forEach((snippet, index) => {
    it(`runs README example ${index + 1} (${snippet.section}) and prints what it promises`, async () => {
      const file = join(scratch, `example-${index + 1}.ts`);
      writeFileSync(file, snippet.code);
      const result = await run(bun!.executable, [...flags, file], { cwd: scratch, timeoutMs: 30_000 });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(outputLines(result.stdout)).toEqual(snippet.promised);
    }, 45_000);
  });

  it('type-checks the Bun driver with Bun’s own types', async () => {
    const result = await run(process.execPath, [TSC, '-p', join(WORKSPACE, 'test/runtimes/tsconfig.bun.json')], { cwd: WORKSPACE, timeoutMs: 60_000 });
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  }, 75_000);

  it('the Bun driver says what is wrong, without a stack trace, for a bad connection string or an unreachable hub', async () => {
    const badString = await run(bun!.executable, [...flags, DRIVER, 'HostName=sim-hub.local'], { cwd: scratch, timeoutMs: 30_000 });
    expect(badString.code).toBe(1);
    expect(badString.stderr).toBe('bun-device: connection string has no DeviceId\n');
    const port = await closedPort();
    const noHub = await run(bun!.executable, [...flags, DRIVER, 'HostName=sim-hub.local;DeviceId=d;SharedAccessKey=a2V5', `127.0.0.1:${port}`], { cwd: scratch, timeoutMs: 30_000 });
    expect(noHub.code).toBe(1);
    expect(noHub.stderr).toMatch(new RegExp(`^bun-device: 127\\.0\\.0\\.1:${port}: .+\\n$`));
  }, 60_000);

  it('drives a device over Bun.connect: SAS connect, telemetry acked, twin read, a method answered', async () => {
    const hub = new SimHub();
    try {
      const { mqttPort } = await hub.start();
      hub.addDevice({ deviceId: 'bun-device' });
      const device = run(bun!.executable, [...flags, DRIVER, hub.connectionString('bun-device'), `127.0.0.1:${mqttPort}`], { cwd: scratch, timeoutMs: 45_000 });
      await Promise.race([hub.waitForConnection('bun-device', { filters: ['$iothub/methods/POST/#'], timeoutMs: 30_000 }), exitedEarly(device)]);
      expect(hub.connectedDevices()).toMatchObject([{ deviceId: 'bun-device', transport: 'tcp' }]);
      const answer = await hub.invokeMethod('bun-device', 'reboot', { delaySeconds: 3 }, { timeoutMs: 10_000 });
      const result = await device;

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(answer).toEqual({ status: 200, payload: { method: 'reboot', runtime: 'bun', request: { delaySeconds: 3 } } });
      const events = outputLines(result.stdout).map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
      expect(events.map((event) => event.type).sort()).toEqual(
        ['connected', 'disconnected', 'method-request', 'subscribed', 'telemetry-acked', 'twin'].sort(),
      );
      expect(events).toContainEqual(expect.objectContaining({ type: 'twin', status: 200, desiredVersion: 1 }));
      expect(events).toContainEqual(expect.objectContaining({ type: 'method-request', methodName: 'reboot', body: '{"delaySeconds":3}' }));
      const telemetry = hub.telemetry((record) => record.deviceId === 'bun-device');
      expect(telemetry).toMatchObject([{ text: '{"temperature":21.5,"runtime":"bun"}', qos: 1, properties: { contentType: 'application/json' } }]);
      await hub.waitUntil(() => !hub.isConnected('bun-device'), 5000, 'the Bun device to disconnect');
    } finally {
      await hub.close();
    }
  }, 60_000);
});
