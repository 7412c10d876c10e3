/**
 * Headless Chromium (Debian's package, driven by playwright-core) runs hubwire from an esbuild
 * bundle made for the browser: a device over the browser's own WebSocket to the simulated hub
 * (SAS signed by WebCrypto in the page, telemetry acknowledged, twin read, a desired patch, a
 * direct method, a C2D message) and a DPS registration over WebSocket. The page reports its
 * events; the test checks them and what the hub saw.
 */
import { WEBSOCKET_PATH, SimHub } from '@hubwire/sim-hub';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium, type HeadlessChromium } from '../support/chromium.ts';
import { bundlePage, PAGE_SOURCE, servePage, type PageBundle, type PageServer } from './support/page-bundle.ts';
import { PageEvents } from './support/page-events.ts';

const missing = chromiumMissing();
const DEVICE = 'browser-device';
const REGISTRATION = 'browser-provisioned';

describe.skipIf(missing !== undefined)(`hubwire in headless Chromium${missing === undefined ? '' : ` (skipped: ${missing})`}`, () => {
  const events = new PageEvents();
  const pageErrors: string[] = [];
  const hub = new SimHub();
  let bundle: PageBundle;
  let server: PageServer | undefined;
  let chromium: HeadlessChromium | undefined;
  let page: Page;
  let wsUrl = '';
  let dpsWsUrl = '';

  beforeAll(async () => {
    bundle = await bundlePage();
    const addresses = await hub.start();
    wsUrl = `ws://127.0.0.1:${addresses.wsPort}${WEBSOCKET_PATH}`;
    dpsWsUrl = `ws://127.0.0.1:${addresses.dpsWsPort}${WEBSOCKET_PATH}`;
    server = await servePage(bundle);
    chromium = await launchChromium();
    page = await chromium.browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.exposeFunction('hubwireReport', (source: string, json: string) => events.add(source, json));
    await page.goto(server.url);
    await page.waitForFunction(() => 'hubwirePage' in window, undefined, { timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await hub.close();
  });

  it('bundles core, topics and sas for the browser from their dist, with nothing else inside', async () => {
    const outside = bundle.inputs.filter((input) => input !== PAGE_SOURCE && !/^packages\/(core|topics|sas)\/dist\/.+\.js$/.test(input));
    expect(outside).toEqual([]);
    for (const name of ['core', 'topics', 'sas']) expect(bundle.inputs).toContain(`packages/${name}/dist/index.js`);
    expect(bundle.code).not.toMatch(/\brequire\(/);
    expect(await page.evaluate(() => window.isSecureContext && typeof crypto.subtle?.sign === 'function')).toBe(true);
  });

  it('connects a device over WebSocket with a SAS token signed in the page', async () => {
    hub.addDevice({ deviceId: DEVICE });
    await page.evaluate(([url, cs]) => window.hubwirePage.startDevice(url, cs), [wsUrl, hub.connectionString(DEVICE)] as const);
    expect(await events.waitFor('device', 'connected')).toEqual({ type: 'connected', sessionPresent: false });
    await events.waitFor('device', 'subscribed');
    await hub.waitForConnection(DEVICE, { filters: ['$iothub/methods/POST/#', '$iothub/twin/PATCH/properties/desired/#'] });
    expect(hub.connectedDevices()).toMatchObject([{ deviceId: DEVICE, transport: 'ws' }]);
  });

  it('has its telemetry acknowledged, and the hub holds it with its properties', async () => {
    expect(await events.waitFor('device', 'telemetry-acked')).toEqual({ type: 'telemetry-acked', id: 1 });
    expect(hub.telemetry((record) => record.deviceId === DEVICE)).toMatchObject([
      {
        text: '{"temperature":21.5,"runtime":"chromium"}',
        qos: 1,
        properties: { contentType: 'application/json', contentEncoding: 'utf-8', application: { source: 'browser' } },
      },
    ]);
  });

  it('reads its twin', async () => {
    expect(await events.waitFor('device', 'twin')).toMatchObject({ status: 200, desired: { $version: 1 }, desiredVersion: 1 });
  });

  it('receives a desired patch pushed by the hub and reports it back', async () => {
    const version = hub.updateDesired(DEVICE, { interval: 15 });
    expect(await events.waitFor('device', 'desired-patch')).toMatchObject({ version, patch: { interval: 15 } });
    expect(await events.waitFor('device', 'reported-patched')).toMatchObject({ status: 204 });
    expect(hub.twin(DEVICE).reported).toMatchObject({ interval: 15 });
  });

  it('answers a direct method invoked by the hub', async () => {
    const answer = await hub.invokeMethod(DEVICE, 'reboot', { delaySeconds: 3 }, { timeoutMs: 10_000 });
    expect(answer).toEqual({ status: 200, payload: { method: 'reboot', runtime: 'chromium', request: { delaySeconds: 3 } } });
    expect(await events.waitFor('device', 'method-request')).toMatchObject({ methodName: 'reboot', body: '{"delaySeconds":3}' });
  });

  it('receives a C2D message, which the hub sees completed', async () => {
    const receipt = await hub.sendC2d(DEVICE, 'display: hello', { messageId: 'c2d-1', application: { color: 'blue' } }, { ttlMs: 10_000 });
    expect(receipt).toMatchObject({ messageId: 'c2d-1', outcome: 'completed', deliveryCount: 1 });
    expect(await events.waitFor('device', 'c2d')).toMatchObject({ body: 'display: hello', properties: { messageId: 'c2d-1', application: { color: 'blue' } } });
    expect(await page.evaluate(() => window.hubwirePage.classify('devices/d/messages/devicebound/%24.mid=m'))).toBe('c2d');
  });

  it('disconnects cleanly', async () => {
    await page.evaluate(() => window.hubwirePage.stopDevice());
    await events.waitFor('device', 'disconnected');
    await hub.waitUntil(() => !hub.isConnected(DEVICE), 5000, 'the browser device to disconnect');
    expect(events.types('device')).not.toContain('connection-lost');
    expect(events.types('device')).not.toContain('request-failed');
  });

  it('registers with DPS over WebSocket and is assigned to the hub', async () => {
    const { key } = hub.dps.addIndividualEnrollment({ registrationId: REGISTRATION });
    await page.evaluate(([url, scope, id, k]) => window.hubwirePage.provision(url, scope, id, k), [dpsWsUrl, hub.dps.idScope, REGISTRATION, key ?? ''] as const);
    expect(await events.waitFor('dps', 'assigned', 15_000)).toMatchObject({ registrationId: REGISTRATION, assignedHub: hub.hostName, deviceId: REGISTRATION });
    await events.waitFor('dps', 'disconnected');
    expect(hub.dps.registrations()).toMatchObject([{ registrationId: REGISTRATION, deviceId: REGISTRATION, assignedHub: hub.hostName }]);
    expect(hub.device(REGISTRATION)?.key).toBe(key);
  }, 30_000);

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
