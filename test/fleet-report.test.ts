/**
 * The HTML report of a real short run (hubwire-fleet as a child process against its embedded hub
 * over TLS, with service-side calls so the method chart is drawn), opened in headless Chromium:
 * what a person sees — the five charts with their titles and drawn series, the figures of the
 * cards and legends — checked against the run's JSON summary, and nothing cut off or overlapping.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSummary, LatencySummary } from '@hubwire/fleet';
import { chromiumMissing, launchChromium, type HeadlessChromium } from './support/chromium.ts';
import { runFleetCli } from './support/fleet-process.ts';

const missing = chromiumMissing();
const dir = mkdtempSync(join(tmpdir(), 'hubwire-fleet-report-'));

const CHARTS = {
  connected: 'Connected devices',
  throughput: 'Throughput',
  ack: 'Acknowledgement latency (PUBLISH → PUBACK)',
  connect: 'Connect latency (socket open → CONNACK)',
  method: 'Direct method round trip (service → device → service)',
} as const;

/** `1 234` → 1234; `12.5 ms` → 12.5; `1.58 s` → 1580; `250 µs` → 0.25 (a value in ms for latencies). */
function figure(text: string): number {
  const match = /(-?[\d ]+(?:\.\d+)?)\s*(µs|ms|s)?\b/.exec(text.replace(/\u00a0/g, ' '));
  if (match === null) throw new Error(`no number in "${text}"`);
  const value = Number((match[1] as string).replace(/ /g, ''));
  return match[2] === 's' ? value * 1000 : match[2] === 'µs' ? value / 1000 : value;
}

/** Text of the card whose key is `key`: its value and its note. */
async function card(page: Page, key: string): Promise<{ value: string; note: string }> {
  const found = page.locator('.card').filter({ has: page.locator('.k', { hasText: new RegExp(`^${key}$`, 'i') }) });
  await expect.poll(() => found.count()).toBe(1);
  return { value: (await found.locator('.v').innerText()).trim(), note: (await found.locator('.n').innerText()).trim() };
}

describe.skipIf(missing !== undefined)('the fleet report in a browser', () => {
  let chromium: HeadlessChromium;
  let page: Page;
  let summary: FleetSummary;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const reportPath = join(dir, 'report.html');
    const summaryPath = join(dir, 'summary.json');
    const run = await runFleetCli([
      '--devices', '60', '--duration', '4s', '--connect-rate', '60', '--service-rate', '4', '--twin-report',
      '--progress', 'none', '--report', reportPath, '--summary-json', summaryPath,
    ]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as FleetSummary;
    chromium = await launchChromium();
    page = await chromium.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`file://${reportPath}`);
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the run in its title and the headline cards with the summary’s figures', async () => {
    expect(await page.title()).toBe('hubwire-fleet report — 60 devices');
    expect(await page.locator('h1').innerText()).toMatch(/^hubwire-fleet: 60 devices, \d+\.\d s$/);
    expect((await card(page, 'devices connected')).value).toBe(`${summary.devices.everConnected} / ${summary.devices.target}`);
    expect(summary.devices.everConnected).toBe(60);
    const acked = await card(page, 'acknowledged / s');
    expect(figure(acked.value)).toBeCloseTo(summary.telemetry.fullFleet?.ackedPerSecond ?? summary.telemetry.ackedPerSecond, 0);
    expect(acked.note).toBe(`${summary.telemetry.acked} of ${summary.telemetry.sent} sent`);
    expect(figure((await card(page, 'ack latency p99')).value)).toBeCloseTo(summary.ackLatencyMs.p99, 0);
    expect(figure((await card(page, 'connect latency p99')).value)).toBeCloseTo(summary.connectLatencyMs.p99, -1);
    expect(figure((await card(page, 'errors')).value)).toBe(summary.errorTotal);
    expect(pageErrors).toEqual([]);
  });

  it('draws the five charts, each titled, with a series that is actually drawn', async () => {
    for (const title of Object.values(CHARTS)) {
      const chart = page.locator(`svg[aria-label="${title}"]`);
      await expect.poll(() => chart.count(), { message: title }).toBe(1);
      expect(await chart.isVisible(), title).toBe(true);
      expect(await chart.locator('text.title').textContent(), title).toBe(title);
      expect((await chart.boundingBox())?.width, title).toBeGreaterThan(400);
    }
    // Line charts: a stroke with at least one point per second of the run, rising off the axis.
    for (const title of [CHARTS.connected, CHARTS.throughput]) {
      const lines = page.locator(`svg[aria-label="${title}"] path[fill="none"]`);
      expect(await lines.count(), title).toBeGreaterThanOrEqual(1);
      for (const line of await lines.all()) {
        const shape = await line.evaluate((path: SVGPathElement) => ({ points: (path.getAttribute('d') ?? '').split(/[ML]/).length - 1, height: path.getBBox().height }));
        expect(shape.points, title).toBeGreaterThanOrEqual(summary.timeline.length);
        expect(shape.height, title).toBeGreaterThan(20);
      }
    }
  });

  it('has histograms whose bars add up to the summary’s counts and whose legends give its percentiles', async () => {
    const histograms: [string, LatencySummary][] = [
      [CHARTS.ack, summary.ackLatencyMs],
      [CHARTS.connect, summary.connectLatencyMs],
      [CHARTS.method, (summary.service as NonNullable<FleetSummary['service']>).methodLatencyMs],
    ];
    for (const [title, latency] of histograms) {
      expect(latency.count, title).toBeGreaterThan(0);
      const bars = await page.locator(`svg[aria-label="${title}"] g.bars rect`).evaluateAll((rects) =>
        rects.map((rect) => ({ height: Number(rect.getAttribute('height')), label: rect.querySelector('title')?.textContent ?? '' })),
      );
      expect(bars.length, title).toBeGreaterThan(0);
      expect(bars.every((bar) => bar.height > 0), title).toBe(true);
      expect(bars.reduce((sum, bar) => sum + Number(/: (\d+)$/.exec(bar.label)?.[1]), 0), title).toBe(latency.count);
      const legend = await page.locator(`svg[aria-label="${title}"] text.legend`).textContent();
      const shown = Object.fromEntries([...(legend ?? '').matchAll(/(p\d+) ([\d.]+ (?:µs|ms|s))/g)].map((m) => [m[1], figure(m[2] as string)]));
      for (const name of ['p50', 'p95', 'p99'] as const) {
        expect(shown[name], `${title} ${name}`).toBeGreaterThan(0);
        expect(Math.abs((shown[name] as number) - latency[name]) / latency[name], `${title} ${name}`).toBeLessThan(0.01); // 3 significant digits
      }
    }
  });

  it('fits the page: no horizontal scrolling, no text outside its chart, no legend over a title', async () => {
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const problems = await page.locator('svg[aria-label]').evaluateAll((charts) =>
      charts.flatMap((svg) => {
        const view = (svg as SVGSVGElement).viewBox.baseVal;
        const texts = Array.from(svg.querySelectorAll('text'));
        const outside = texts.filter((text) => {
          const box = text.getBBox();
          const matrix = text.getCTM();
          // Rotated axis labels: check their transformed corners.
          const corners = [[box.x, box.y], [box.x + box.width, box.y + box.height]].map(([x, y]) => new DOMPoint(x, y).matrixTransform(matrix ?? undefined));
          const ctm = (svg as SVGSVGElement).getCTM();
          const local = corners.map((p) => (ctm === null ? p : p.matrixTransform(ctm.inverse())));
          return local.some((p) => p.x < view.x - 0.5 || p.x > view.x + view.width + 0.5 || p.y < view.y - 0.5 || p.y > view.y + view.height + 0.5);
        });
        const title = svg.querySelector('text.title') as SVGTextElement;
        const t = title.getBBox();
        const overlapping = Array.from(svg.querySelectorAll('text.legend')).filter((legend) => {
          const l = (legend as SVGTextElement).getBBox();
          return l.x < t.x + t.width && t.x < l.x + l.width && l.y < t.y + t.height && t.y < l.y + l.height;
        });
        const name = svg.getAttribute('aria-label');
        return [...outside.map((text) => `${name}: "${text.textContent}" outside the chart`), ...overlapping.map((text) => `${name}: "${text.textContent}" over the title`)];
      }),
    );
    expect(problems).toEqual([]);
    const screenshot = join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
  });
});
