/**
 * One set-up for the simulated-hub tests: a SimHub started before each test (or once per file) on
 * 127.0.0.1 with OS-chosen ports, closed after it, with every raw client opened through the fixture
 * destroyed first; and state folders in the temp directory, removed when their test ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, onTestFinished } from 'vitest';
import { RawMqttClient, SimHub, type SimHubAddresses, type SimHubOptions } from '@hubwire/sim-hub';

/** What connectDevice takes. */
export interface DeviceConnectOptions {
  readonly moduleId?: string;
  /** CleanSession (default true). */
  readonly clean?: boolean;
  /** Filters to subscribe after CONNACK; none may be refused. */
  readonly filters?: readonly (readonly [filter: string, qos: 0 | 1])[];
  /** A port other than the plain MQTT listener's. */
  readonly port?: number;
}

/** The current test's hub and its helpers. */
export interface SimHubFixture {
  readonly hub: SimHub;
  readonly ports: SimHubAddresses;
  /** A raw client on 127.0.0.1:`port` (default: the hub's plain MQTT port), destroyed after the test. */
  raw(port?: number): Promise<RawMqttClient>;
  /** A raw client connected as a registered identity with SAS (CONNACK 0 asserted), subscribed to `filters`. */
  connectDevice(deviceId: string, options?: DeviceConnectOptions): Promise<RawMqttClient>;
  /** Destroys a client after the test (for clients opened another way). */
  track(client: RawMqttClient): RawMqttClient;
}

/**
 * Starts a hub per test (`scope: 'test'`, the default) or per file, built from `options()`; `prepare`
 * runs on each new hub before its tests (register devices, enrollments, …).
 */
export function useSimHub(
  options: () => SimHubOptions = () => ({}),
  { scope = 'test', prepare }: { scope?: 'test' | 'file'; prepare?: (hub: SimHub) => void } = {},
): SimHubFixture {
  let hub: SimHub | undefined;
  let ports: SimHubAddresses | undefined;
  const clients: RawMqttClient[] = [];
  const started = (): { hub: SimHub; ports: SimHubAddresses } => {
    if (hub === undefined || ports === undefined) throw new Error('the simulated hub is not started (use the fixture inside a test)');
    return { hub, ports };
  };
  const start = async (): Promise<void> => {
    hub = new SimHub(options());
    ports = await hub.start();
    prepare?.(hub);
  };
  const stop = async (): Promise<void> => {
    for (const client of clients.splice(0)) client.destroy();
    await hub?.close();
    hub = undefined;
    ports = undefined;
  };
  if (scope === 'test') {
    beforeEach(start);
    afterEach(stop);
  } else {
    beforeAll(start);
    afterEach(() => {
      for (const client of clients.splice(0)) client.destroy();
    });
    afterAll(stop);
  }
  const fixture: SimHubFixture = {
    get hub() {
      return started().hub;
    },
    get ports() {
      return started().ports;
    },
    raw: async (port) => fixture.track(await RawMqttClient.tcp(port ?? started().ports.mqttPort)),
    connectDevice: async (deviceId, connect = {}) => {
      const client = await fixture.raw(connect.port);
      const credentials = await started().hub.credentials(deviceId, connect.moduleId === undefined ? {} : { moduleId: connect.moduleId });
      expect(await client.connect({ ...credentials, clean: connect.clean ?? true })).toBe(0);
      if (connect.filters !== undefined && connect.filters.length > 0) expect(await client.subscribe(connect.filters)).not.toContain(0x80);
      return client;
    },
    track: (client) => {
      clients.push(client);
      return client;
    },
  };
  return fixture;
}

/** A fresh folder under the temp directory for the current test, removed when the test ends. */
export function tempStateDir(prefix = 'sim-hub-state-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
