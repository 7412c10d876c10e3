/**
 * Launches Debian's headless Chromium through playwright-core, for tests that look at what a
 * page shows a person (the browser runtime test, the hub's dashboard, the fleet report).
 *
 * playwright's own browser download cannot run on machines without general network access, so
 * the system `chromium` package is driven instead. When it is missing, a test skips with the
 * reason locally; under CI (`CI` set) the missing browser is a failure, because .ci/run
 * installs it and a silent skip would hide a broken install step.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian puts the browser. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

/**
 * Flags for a closed network: without the background-networking ones Chromium keeps dialling
 * Google's hosts and every attempt is refused.
 */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Returns the browser's path, or undefined when it is not installed. */
export function findChromium(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

/** Why browser tests cannot run here, or undefined when they can (throws under CI). */
export function chromiumMissing(): string | undefined {
  if (findChromium() !== undefined) return undefined;
  const reason = 'Chromium is not installed (apt-get install chromium); .ci/run installs it';
  if (process.env['CI']) throw new Error(`browser tests cannot run: ${reason}`);
  return reason;
}

/** A running headless browser (playwright gives it a throwaway profile); `close()` ends it. */
export interface HeadlessChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Starts headless Chromium. */
export async function launchChromium(): Promise<HeadlessChromium> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error('Chromium is not installed (apt-get install chromium)');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: FLAGS,
    timeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
