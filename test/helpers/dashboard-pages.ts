/**
 * Pages of the web dashboard in a real Chromium, shared by the dashboard tests: a page in its own
 * browser context watched for what must not happen, the token login, opening a view by its hash
 * (saying what the page shows instead when the view does not come), and screenshots.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { REPO_ROOT } from './cluster.js';

/** Where screenshots go (FLOTILLA_TEST_OUTPUT overrides the folder). */
export const DASHBOARD_OUTPUT = process.env.FLOTILLA_TEST_OUTPUT ?? join(REPO_ROOT, 'test-output', 'dashboard');

/** What a page did that it must not: dialogs, requests for an injected image (`/x`), page errors. */
export interface Incidents {
  dialogs: string[];
  requests: string[];
  errors: string[];
}

export interface WatchedPage {
  page: Page;
  incidents: Incidents;
  close(): Promise<void>;
}

/**
 * A page in its own browser context (its own cookies), watched for incidents; CSP violations are
 * recorded in `window.__csp` before any page script runs (an injected inline script would cause one).
 */
export async function watchedPage(browser: Browser, height = 800): Promise<WatchedPage> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height });
  const incidents: Incidents = { dialogs: [], requests: [], errors: [] };
  page.on('dialog', (d) => {
    incidents.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => incidents.errors.push(String(e)));
  page.on('request', (r) => {
    if (/\/x(\?|$)/.test(r.url())) incidents.requests.push(r.url());
  });
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, incidents, close: () => context.close() };
}

/** Logs in on the login form with a bearer token; resolves once the header shows the user. */
export async function loginWithToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/dashboard/`);
  await page.waitForSelector('#token');
  await page.type('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('header .user');
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(DASHBOARD_OUTPUT, `${name}.png`) });

/** Opens a view by its hash and waits for `selector`; when it does not come, says what the page shows. */
export async function openView(page: Page, hash: string, selector: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  try {
    await page.waitForSelector(selector, { timeout: 30_000 });
  } catch (err) {
    await screenshot(page, `failed-${selector.replace(/[^a-z0-9-]+/gi, '_')}`).catch(() => undefined);
    const text = await page.evaluate(() => document.body.innerText.slice(0, 600)).catch(() => '?');
    throw new Error(`${selector} did not appear at ${page.url()}; the page shows:\n${text}`, { cause: err });
  }
}
