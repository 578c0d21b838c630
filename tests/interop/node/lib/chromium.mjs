// Debian's Chromium (/usr/bin/chromium), driven headless by playwright-core.
//
// Playwright's own browser download cannot reach its host here, so playwright-core (which never
// downloads a browser) is given Debian's executable. The flags keep a headless Chromium off the
// network it cannot reach anyway: without the background-networking ones it keeps retrying
// Google's update, sync and component services. Every launch gets a fresh profile directory,
// removed on close, so no cookie or cache carries from one test to the next.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.USERPOOL_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const VIEWPORT = { width: 1000, height: 760 };

/**
 * A fresh headless Chromium context. `ignoreHTTPSErrors` lets it open the tests' self-signed TLS
 * servers (it adds --ignore-certificate-errors too, for requests made outside Playwright's view).
 * Returns `{context, page, close}`; `close()` ends the browser and removes its profile.
 */
export async function launchChromium({ ignoreHTTPSErrors = false, viewport = VIEWPORT } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'userpool-chromium-'));
  const args = [...CHROMIUM_FLAGS, ...(ignoreHTTPSErrors ? ['--ignore-certificate-errors'] : [])];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport,
    ignoreHTTPSErrors,
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  const close = async () => {
    try {
      await context.close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return { context, page, close };
}

/** What a person sees of the page now: where it is, its title, its visible text. */
export async function pageView(page) {
  return {
    url: page.url(),
    title: await page.title(),
    text: await page.evaluate(() => document.body?.innerText ?? ''),
  };
}
