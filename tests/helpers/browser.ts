/**
 * Headless Debian Chromium driven by playwright-core (the Debian binary as executablePath),
 * with the flags that keep it off the network; every request that leaves 127.0.0.1 is
 * recorded so tests can assert there is none.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The Debian package's binary. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches Chromium headless with a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page plus what it did: console errors, dialogs, requests to hosts other than 127.0.0.1. */
export interface WatchedPage { page: Page; context: BrowserContext; consoleErrors: string[]; dialogs: string[]; offHostRequests: string[] }

/** Opens a new context (clipboard allowed for `origin`) and page that record errors, dialogs and off-host requests. */
export async function watchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  const w: WatchedPage = { page, context, consoleErrors: [], dialogs: [], offHostRequests: [] };
  page.on('console', (m) => { if (m.type() === 'error') w.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => w.consoleErrors.push(String(e)));
  page.on('dialog', (d) => { w.dialogs.push(d.message()); void d.dismiss(); });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1'].includes(u.hostname) && u.protocol !== 'data:' && u.protocol !== 'blob:') w.offHostRequests.push(r.url());
  });
  return w;
}
