/**
 * Debian's Chromium driven by playwright-core, for end-to-end tests in a real browser.
 * (`npx playwright install` cannot download browsers here; .ci/run installs the `chromium` package.)
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * How long a Playwright wait (a selector, a function, a click) may take before it fails. Waits end
 * on their condition; this only bounds a genuine hang, below the test's own timeout
 * (vite.config.ts) so the failure names what was awaited. Playwright's default, 30 s, is a budget
 * a loaded machine can exceed.
 */
export const WAIT_TIMEOUT = 150_000;

/**
 * A headless Chromium (fresh profile) with the flags this closed network needs; every page and
 * context it opens waits up to WAIT_TIMEOUT. Close it in afterAll.
 */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium (.ci/run does this).`);
  }
  const browser = await launch();
  // browser.newPage() opens its context through newContext() too.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>) => {
    const context = await newContext(...args);
    context.setDefaultTimeout(WAIT_TIMEOUT);
    return context;
  };
  return browser;
}

function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
