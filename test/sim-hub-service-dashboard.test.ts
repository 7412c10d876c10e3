/**
 * The dashboard in headless Chromium (Debian's, through playwright-core) against a running hub with a
 * hubwire device connected over TCP. Everything is asserted on what a person sees on the page, and
 * on what the device receives: connection state, telemetry with its properties, a desired edit
 * arriving as a desired patch, a method answered, a C2D message delivered and its outcome shown.
 */
import type { DeviceEvent } from '@hubwire/core';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpsAuth, provision } from '@hubwire/node';
import { simConnector, startSimDevice, type SimDevice } from '../examples/demo/sim-device.ts';
import { respondLikeAThermostat } from '../examples/demo/thermostat.ts';
import { chromiumMissing, launchChromium, type HeadlessChromium } from './support/chromium.ts';
import { startService, type ServiceFixture } from './support/sim-hub-service.ts';

const WAIT = 10_000;
const missing = chromiumMissing();
const text = (body: Uint8Array): string => new TextDecoder().decode(body);

/** Resolves once `locator` shows `expected` (a person would see it), and returns its text. */
async function shows(locator: Locator, expected: string): Promise<string> {
  await locator.filter({ hasText: expected }).first().waitFor({ state: 'visible', timeout: WAIT });
  return (await locator.first().innerText()).trim();
}

describe.skipIf(missing !== undefined)('the dashboard in a browser', () => {
  let service: ServiceFixture;
  let chromium: HeadlessChromium;
  let page: Page;
  let device: SimDevice;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    service = await startService();
    service.hub.addDevice({ deviceId: 'thermostat-9' });
    service.hub.addDevice({ deviceId: 'idle-device' });
    device = startSimDevice(service.addresses, service.hub.connectionString('thermostat-9'), { onEvent: respondLikeAThermostat });
    await service.hub.waitForConnection('thermostat-9', {
      filters: ['$iothub/methods/POST/#', '$iothub/twin/PATCH/properties/desired/#', 'devices/thermostat-9/messages/devicebound/#'],
      timeoutMs: WAIT,
    });
    chromium = await launchChromium();
    page = await chromium.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${service.base}/`);
    await page.getByRole('button', { name: 'Open local session' }).click();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await device?.stop();
    await service?.close();
  });

  it('lists the devices with their live connection state', async () => {
    const list = page.locator('#device-list');
    await shows(list, 'thermostat-9');
    const thermostat = list.locator('a[data-device-id="thermostat-9"]');
    await thermostat.locator('.state-dot.connected').waitFor({ timeout: WAIT });
    expect(await thermostat.innerText()).toContain('tcp');
    expect(await list.locator('a[data-device-id="idle-device"] .state-dot.connected').count()).toBe(0);
    const overview = await shows(page.locator('main'), '1 of 2 connected');
    expect(overview).toContain('thermostat-9');
  });

  it('opens the device and shows it connected, with telemetry and its properties arriving live', async () => {
    await page.locator('#device-list a[data-device-id="thermostat-9"]').click();
    expect(await shows(page.locator('#device-title'), 'thermostat-9')).toBe('thermostat-9');
    expect(await shows(page.locator('.device-head'), 'Connected')).toContain('Over tcp');
    const feed = page.locator('#telemetry-panel');
    await shows(feed, 'Waiting for telemetry');
    device.client.act((engine, now) =>
      engine.publishTelemetry(now, '{"temperature":24.5}', { contentType: 'application/json', properties: { unit: 'celsius', alert: 'none' } }),
    );
    const line = await shows(feed.locator('.feed li'), '{"temperature":24.5}');
    expect(line).toContain('contentType=application/json');
    expect(line).toContain('unit=celsius');
    expect(line).toContain('alert=none');
  });

  it('edits a desired property: the device gets the patch, and its acknowledgement shows as reported', async () => {
    await page.fill('#desired-patch', '{ "targetTemperature": 19 }');
    await page.click('#apply-patch');
    const patch = (await device.events.nextOf('desired-patch', WAIT)) as Extract<DeviceEvent, { type: 'desired-patch' }>;
    expect(patch.patch['targetTemperature']).toBe(19);
    expect(await shows(page.locator('#twin-result'), 'sent to the device')).toContain(`Desired v${patch.version} saved`);
    expect(await shows(page.locator('#twin-desired'), '"targetTemperature": 19')).toContain('19');
    const reported = await shows(page.locator('#twin-reported'), '"ac": 200');
    expect(reported).toContain(`"av": ${patch.version}`);
  });

  it('invokes a direct method and shows the device answer', async () => {
    await page.fill('#method-name', 'reboot');
    await page.fill('#method-payload', '{ "delay": 1 }');
    await page.click('#invoke-method');
    const request = (await device.events.nextOf('method-request', WAIT)) as Extract<DeviceEvent, { type: 'method-request' }>;
    expect(request.methodName).toBe('reboot');
    expect(JSON.parse(text(request.body))).toEqual({ delay: 1 });
    const result = await shows(page.locator('#method-result'), 'Status 200');
    expect(result).toContain('"command": "reboot"');
    expect(result).toContain('"ok": true');
  });

  it('sends a cloud-to-device message that reaches the device, and shows it completed', async () => {
    await page.fill('#c2d-body', 'open the valve');
    await page.fill('#c2d-properties', 'priority=high');
    await page.click('#send-c2d');
    const message = (await device.events.nextOf('c2d', WAIT)) as Extract<DeviceEvent, { type: 'c2d' }>;
    expect(text(message.body)).toBe('open the valve');
    expect(message.properties.application['priority']).toBe('high');
    const row = page.locator('#c2d-list tbody tr', { hasText: 'open the valve' });
    await row.locator('[data-outcome="completed"]').waitFor({ timeout: WAIT });
    expect(await row.innerText()).toContain(message.properties.messageId!);
  });

  it('shows the device disconnected when it goes away, and a method then fails as not online', async () => {
    await device.stop();
    await shows(page.locator('.device-head'), 'Disconnected');
    await page.click('#invoke-method');
    const result = await shows(page.locator('#method-result'), 'DeviceNotOnline');
    expect(result).toContain('404');
    expect(result).toContain('not connected');
  });

  it('creates an enrollment from the page, and shows the registration of a device that uses it', async () => {
    await page.locator('#nav a[data-route="provisioning"]').click();
    await shows(page.locator('main'), `ID scope ${service.addresses.idScope}`);
    await shows(page.locator('#registrations'), 'No device has registered yet');
    await page.getByLabel('Registration id').fill('shown-reg');
    await page.getByLabel('Device id').fill('shown-device');
    await page.getByRole('button', { name: 'Add enrollment' }).click();
    const created = await shows(page.locator('#individual-enrollments'), 'Device key');
    const key = await page.locator('#individual-enrollments .result code').innerText();
    expect(created).toContain(key);
    expect(service.hub.dps.individualEnrollment('shown-reg')?.key).toBe(key);
    await shows(page.locator('#individual-enrollments table'), 'shown-device');
    await provision({
      connector: simConnector(service.addresses, 'tcp', 'dps'),
      engineOptions: { idScope: service.addresses.idScope, registrationId: 'shown-reg', requestTimeoutMs: WAIT },
      auth: dpsAuth(service.addresses.idScope, 'shown-reg', key),
    });
    const row = await shows(page.locator('#registrations tbody tr'), 'shown-device');
    expect(row).toContain('shown-reg');
    expect(row).toContain(service.hub.hostName);
    expect(pageErrors).toEqual([]);
  });
});
