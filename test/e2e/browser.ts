// Headless Debian chromium through playwright-core (Playwright cannot download browsers here), and the
// screenshot helper: every page is saved at phone and desktop sizes under test-results/screenshots/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };

/** A slow 4G network (issue 20): 1.6 Mbps down, 750 kbps up, 150 ms latency. */
export const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
};

/** Throttles the page's network to SLOW_4G through the DevTools protocol (chromium). */
export async function slow4g(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
}
/** where every browser test writes its screenshots: test-results/screenshots in the checkout ($SHOTS_DIR overrides) */
export const SHOTS = path.resolve(process.env.SHOTS_DIR ?? 'test-results/screenshots');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves `<name>-phone.png` and `<name>-desktop.png`, then restores the page's viewport. */
export async function shoot(page: Page, name: string): Promise<string[]> {
  mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  const out: string[] = [];
  for (const [label, size] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await page.setViewportSize(size);
    const file = path.join(SHOTS, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    out.push(file);
  }
  if (before) await page.setViewportSize(before);
  return out;
}

/** Screenshots at 1280x800 and 390x844 as `<name>-<W>x<H>.png` in SHOTS; restores the viewport. */
export async function shootSizes(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const size of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    await page.screenshot({
      path: path.join(SHOTS, `${name}-${size.width}x${size.height}.png`),
      fullPage: true,
    });
  }
  if (before) await page.setViewportSize(before);
}
