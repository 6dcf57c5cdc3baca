/**
 * The web dashboard in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core)
 * against `flotilla up` (server + in-process agent, real runc containers): log in with the admin
 * token and log out for real, the one-time login link `up` prints, a Deployment scaled 1 → 3 seen
 * live in the open list, a pod's log line, and hostile content (ConfigMap data and annotations,
 * an Event, a pod's log holding `<script>` and `<img onerror>`) rendered as text with no script run.
 * Screenshots of the views go to test-output/dashboard/ (FLOTILLA_TEST_DASHBOARD_OUTPUT overrides the folder).
 * Runs as root; skipped when a real cluster owns the `flotilla0` bridge or Chromium is missing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { flotillaCommand, REPO_ROOT, type KubectlResult } from './helpers/cluster.js';
import { type IsolatedBrowser, launchIsolatedBrowser } from './helpers/isolated-browser.js';
import { DASHBOARD_OUTPUT, loginWithToken, openView, screenshot, watchedPage } from './helpers/dashboard-pages.js';
import { startUp, UP_BRIDGE_TAKEN, type UpProcess } from './helpers/up-process.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = UP_BRIDGE_TAKEN
  ? 'flotilla0 exists: a real cluster runs here'
  : !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (scripts/setup.sh installs it)`
    : false;

/** Each payload, if it ever ran, would set window.__xss and open a dialog. */
const SCRIPT_PAYLOAD = '<script>window.__xss="script";alert("script")</script>';
const IMG_PAYLOAD = `<img src=x onerror="window.__xss='img';alert('img')">`;

let up: UpProcess | undefined;
let dir = '';
let url = '';
let token = '';
let caPem = '';
let loginLink = '';
let isolated: IsolatedBrowser | undefined;
let browser: Browser | undefined;

const k = (args: string[], stdin?: string): Promise<KubectlResult> => {
  assert.ok(up);
  return up.kubectl(args, stdin);
};

async function apply(obj: unknown): Promise<void> {
  const r = await k(['apply', '-f', '-'], JSON.stringify(obj));
  assert.equal(r.code, 0, r.stderr);
}

const pod = (name: string, script: string, env: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', script],
        env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
      },
    ],
  },
});

before(async () => {
  if (skip) return;
  await mkdir(DASHBOARD_OUTPUT, { recursive: true });
  const built = await runCommand(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'build-dashboard.ts')],
    {
      allowFailure: true,
    },
  );
  assert.equal(built.code, 0, built.stderr);
  up = await startUp({ name: 'dashboard', timeoutMs: 90_000 });
  dir = up.dataDir;
  const out = up.output();
  loginLink = /(https:\/\/\S+\/dashboard\/#code=[A-Za-z0-9_-]+)/.exec(out)?.[1] ?? '';
  assert.ok(loginLink, `up printed a dashboard login link:\n${out}`);
  url = up.apiUrl();
  token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
  caPem = await readFile(join(dir, 'tls', 'ca.crt'), 'utf8');
  await apply(pod('talker', 'i=0; while true; do echo "hello from talker $i"; i=$((i+1)); sleep 1; done'));
  await apply(
    pod('xss-talker', 'while true; do echo "$P1"; echo "$P2"; sleep 1; done', {
      P1: SCRIPT_PAYLOAD,
      P2: IMG_PAYLOAD,
    }),
  );
  isolated = await launchIsolatedBrowser(CHROMIUM, Number(new URL(url).port));
  browser = isolated.browser;
});

after(async () => {
  if (skip) return;
  await isolated?.close();
  await up?.stop();
});

const newPage = () => watchedPage(browser ?? assert.fail('no browser'));
const login = (page: Page) => loginWithToken(page, url, token);
const open = openView;
const shot = screenshot;

/** A request to the server from outside the browser, with a given Cookie and CSRF header. */
function rawRequest(
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca: caPem, headers, agent: false, method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('log in with the admin token; log out ends the session on the server', { skip }, async () => {
  const { page, close } = await newPage();
  try {
    const response = await page.goto(`${url}/dashboard/`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    await page.waitForSelector('#token');
    await shot(page, 'login');
    await page.type('#token', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('.overview');
    assert.equal(await page.$eval('header .user', (e) => e.textContent), 'admin');
    await page.waitForFunction(() => document.querySelectorAll('table.nodes tbody tr').length > 0, { timeout: 30_000 });
    await shot(page, 'overview');

    const cookie = (await page.browserContext().cookies()).find((c) => c.name === 'flotilla-dashboard');
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/dashboard/');
    // The page's JavaScript cannot read the session (HttpOnly).
    assert.equal(await page.evaluate(() => document.cookie), '');
    const session = JSON.parse(
      (await rawRequest('/dashboard/session', { Cookie: `flotilla-dashboard=${cookie.value}` })).body,
    ) as { csrfToken: string };
    const asBrowser = { Cookie: `flotilla-dashboard=${cookie.value}`, 'X-CSRF-Token': session.csrfToken };
    assert.equal((await rawRequest('/dashboard/k8s/api/v1/namespaces', asBrowser)).status, 200);
    // Without the CSRF token the session does not act.
    const noCsrf = await rawRequest('/dashboard/k8s/api/v1/namespaces', { Cookie: asBrowser.Cookie });
    assert.equal(noCsrf.status, 403, noCsrf.body);

    await page.click('button.logout');
    await page.waitForSelector('#token');
    // The old cookie, replayed, no longer works: the session ended on the server.
    const replay = await rawRequest('/dashboard/k8s/api/v1/namespaces', asBrowser);
    assert.equal(replay.status, 401, replay.body);
    assert.match(replay.body, /"kind":"Status"/);
  } finally {
    await close();
  }
});

test('a kubeconfig file with a client certificate logs in as its user; API calls carry that identity', {
  skip,
}, async () => {
  const file = join(dir, 'jane.kubeconfig');
  const made = await runCommand(
    process.execPath,
    [...flotillaCommand(), 'kubeconfig', '--user', 'jane', '--group', 'devs', '--data-dir', dir, '--out', file],
    { allowFailure: true },
  );
  assert.equal(made.code, 0, made.stderr);
  const { page, close } = await newPage();
  try {
    await page.goto(`${url}/dashboard/`);
    await page.waitForSelector('input[name=mode]');
    const [, kubeconfigMode] = await page.$$('input[name=mode]');
    await kubeconfigMode?.click();
    const input = await page.waitForSelector('input[type=file]');
    await input?.uploadFile(file);
    await page.waitForFunction(() =>
      (document.querySelector('#kubeconfig') as HTMLTextAreaElement | null)?.value.includes('client-key-data'),
    );
    await page.click('button[type=submit]');
    await page.waitForSelector('header .user');
    assert.equal(await page.$eval('header .user', (e) => e.textContent), 'jane');
    // Who the API server sees behind the session: SelfSubjectReview through the dashboard's API path.
    const cookie = (await page.browserContext().cookies()).find((c) => c.name === 'flotilla-dashboard');
    assert.ok(cookie);
    const Cookie = `flotilla-dashboard=${cookie.value}`;
    const { csrfToken } = JSON.parse((await rawRequest('/dashboard/session', { Cookie })).body) as {
      csrfToken: string;
    };
    const review = await rawRequest(
      '/dashboard/k8s/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { Cookie, 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' },
      'POST',
      JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    );
    assert.equal(review.status, 201, review.body);
    const info = (JSON.parse(review.body) as { status: { userInfo: { username: string; groups: string[] } } }).status
      .userInfo;
    assert.equal(info.username, 'jane');
    assert.ok(info.groups.includes('devs'), JSON.stringify(info));
    assert.ok(!info.groups.includes('system:masters'));
  } finally {
    await close();
  }
  // `flotilla dashboard --kubeconfig` prints a one-time link for that kubeconfig's own user.
  const link = await runCommand(process.execPath, [...flotillaCommand(), 'dashboard', '--kubeconfig', file], {
    allowFailure: true,
  });
  assert.equal(link.code, 0, link.stderr);
  assert.match(link.stdout, /one-time login as jane/);
  const janeLink = /(https:\/\/\S+#code=\S+)/.exec(link.stdout)?.[1] ?? '';
  const viaLink = await newPage();
  try {
    await viaLink.page.goto(janeLink);
    await viaLink.page.waitForSelector('header .user');
    assert.equal(await viaLink.page.$eval('header .user', (e) => e.textContent), 'jane');
  } finally {
    await viaLink.close();
  }
});

test('the one-time login link from `flotilla up` logs in once', { skip }, async () => {
  const first = await newPage();
  try {
    await first.page.goto(loginLink);
    await first.page.waitForSelector('header .user');
    assert.equal(await first.page.$eval('header .user', (e) => e.textContent), 'admin');
    // The code left the address bar.
    assert.doesNotMatch(first.page.url(), /code=/);
  } finally {
    await first.close();
  }
  const second = await newPage();
  try {
    await second.page.goto(loginLink);
    await second.page.waitForSelector('.login .error');
    assert.match(
      (await second.page.$eval('.login .error', (e) => e.textContent)) ?? '',
      /login link did not work: the login code is unknown, used or expired/,
    );
  } finally {
    await second.close();
  }
});

test('a Deployment scaled from 1 to 3 shows live in the open list', { skip }, async () => {
  await apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'web', image: 'busybox', command: ['sleep', '3600'] }],
        },
      },
    },
  });
  const { page, incidents, close } = await newPage();
  try {
    await login(page);
    await open(page, '#/list?g=apps&v=v1&r=deployments&ns=default', 'section.resource-list');
    const row = 'tr[data-key="default/web"]';
    await page.waitForFunction(
      (sel) => (document.querySelector(sel)?.textContent ?? '').includes('1/1'),
      { timeout: 90_000 },
      row,
    );
    await page.waitForSelector('.live.on');
    await shot(page, 'deployments-1');
    // A marker on the page: if it is still there at the end, the list changed without a reload.
    await page.evaluate(() => {
      (window as unknown as { __samePage: boolean }).__samePage = true;
    });
    const scaled = await k(['scale', 'deployment/web', '--replicas=3']);
    assert.equal(scaled.code, 0, scaled.stderr);
    await page.waitForFunction(
      (sel) => (document.querySelector(sel)?.textContent ?? '').includes('3/3'),
      { timeout: 90_000 },
      row,
    );
    assert.equal(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true);
    await shot(page, 'deployments-3');
    // The same live list of pods, filtered by label on the server and by text here.
    await open(page, '#/list?g=&v=v1&r=pods&ns=default&l=app%3Dweb', 'section.resource-list');
    await page.waitForFunction(() => document.querySelectorAll('table.resources tbody tr').length === 3, {
      timeout: 30_000,
    });
    await shot(page, 'pods-by-label');
    assert.deepEqual(incidents.errors, []);
  } finally {
    await close();
    await k(['delete', 'deployment/web', '--wait=false']);
  }
});

test("a pod's logs show the lines it prints, followed", { skip }, async () => {
  const { page, incidents, close } = await newPage();
  try {
    await login(page);
    await open(page, '#/object?g=&v=v1&r=pods&ns=default&n=talker', 'a.logs-link');
    await page.click('a.logs-link');
    await page.waitForSelector('pre.log');
    await page.waitForFunction(
      () => /hello from talker \d+/.test(document.querySelector('pre.log')?.textContent ?? ''),
      {
        timeout: 90_000,
      },
    );
    // Followed: a later line arrives without reloading.
    const count = () =>
      page.$eval('pre.log', (e) => (e.textContent ?? '').split('\n').filter((l) => l.startsWith('hello')).length);
    const before = await count();
    await page.waitForFunction(
      (n) =>
        (document.querySelector('pre.log')?.textContent ?? '').split('\n').filter((l) => l.startsWith('hello')).length >
        n,
      { timeout: 30_000 },
      before,
    );
    await shot(page, 'pod-logs');
    assert.deepEqual(incidents.errors, []);
  } finally {
    await close();
  }
});

test('hostile content is shown as text in every view and no script runs', { skip }, async () => {
  await apply({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'xss',
      namespace: 'default',
      labels: { test: 'xss' },
      annotations: { 'note/script': SCRIPT_PAYLOAD, 'note/img': IMG_PAYLOAD },
    },
    data: { script: SCRIPT_PAYLOAD, img: IMG_PAYLOAD, [`k${'x'.repeat(3)}`]: `${IMG_PAYLOAD}${SCRIPT_PAYLOAD}` },
  });
  const uid = (await k(['get', 'configmap', 'xss', '-o', 'jsonpath={.metadata.uid}'])).stdout;
  await apply({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'xss.1', namespace: 'default' },
    involvedObject: { kind: 'ConfigMap', namespace: 'default', name: 'xss', uid, apiVersion: 'v1' },
    type: 'Warning',
    reason: 'Hostile',
    message: `${SCRIPT_PAYLOAD} ${IMG_PAYLOAD}`,
    source: { component: 'dashboard-test' },
    lastTimestamp: new Date().toISOString(),
  });
  // Label values cannot hold markup (the API refuses them), so hostile labels are not possible.
  const badLabel = await k(['label', 'configmap', 'xss', `bad=${SCRIPT_PAYLOAD}`]);
  assert.notEqual(badLabel.code, 0);

  const { page, incidents, close } = await newPage();
  const clean = async (view: string) => {
    const found = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: string }).__xss,
      csp: (window as unknown as { __csp: string[] }).__csp,
      injectedImages: document.querySelectorAll('img[src="x"], img[onerror]').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src') ?? 'inline'),
    }));
    assert.equal(found.xss, undefined, `${view}: a payload ran`);
    assert.deepEqual(found.csp, [], `${view}: CSP violations`);
    assert.equal(found.injectedImages, 0, `${view}: an <img> from the payload is in the DOM`);
    assert.deepEqual(found.scripts, ['assets/app.js'], `${view}: only the bundle is a script`);
    assert.deepEqual(incidents.dialogs, [], `${view}: dialogs`);
    assert.deepEqual(incidents.requests, [], `${view}: the payload's image was requested`);
    assert.deepEqual(incidents.errors, [], `${view}: page errors`);
  };
  const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
  try {
    await login(page);
    await open(page, '#/object?g=&v=v1&r=configmaps&ns=default&n=xss', 'pre.yaml');
    await page.waitForFunction(() => (document.querySelector('table.events')?.textContent ?? '').includes('Hostile'), {
      timeout: 30_000,
    });
    const yaml = await text('pre.yaml');
    assert.ok(yaml.includes('<script>window.__xss'), yaml);
    assert.ok(yaml.includes('<img src=x onerror='), yaml);
    assert.ok((await text('table.events')).includes(SCRIPT_PAYLOAD));
    await shot(page, 'xss-configmap');
    await clean('configmap detail');

    await open(page, '#/list?g=&v=v1&r=configmaps&ns=default', 'tr[data-key="default/xss"]');
    await clean('configmap list');
    await open(page, '#/list?g=&v=v1&r=events&ns=default', 'section.resource-list');
    await page.waitForFunction(
      () => (document.querySelector('table.resources')?.textContent ?? '').includes('<img src=x'),
      { timeout: 30_000 },
    );
    await shot(page, 'xss-events');
    await clean('event list');
    await open(page, '#/', 'section.overview');
    await page.waitForFunction(() => (document.querySelector('table.events')?.textContent ?? '').includes('<script>'), {
      timeout: 30_000,
    });
    await shot(page, 'xss-overview');
    await clean('overview');
    await open(page, '#/logs?ns=default&n=xss-talker&c=main', 'pre.log');
    await page.waitForFunction(
      () => {
        const t = document.querySelector('pre.log')?.textContent ?? '';
        return t.includes('<script>window.__xss') && t.includes('<img src=x onerror=');
      },
      { timeout: 90_000 },
    );
    await shot(page, 'xss-logs');
    await clean('pod logs');
  } finally {
    await close();
  }
});
