/**
 * The dashboard's actions, terminal and YAML editor in a real headless Chromium (in a network
 * namespace of its own, launchIsolatedBrowser) against `flotilla up` with real runc containers:
 * - as admin every action works: scale 1 → 2 seen live on the object page, rollout restart,
 *   undo, pause / resume, cordon / uncordon, drain (evictions), create from pasted YAML, delete
 *   after a confirmation — each checked with kubectl;
 * - as a user bound to `view` the buttons are disabled (SelfSubjectAccessReview) and a forced
 *   request is refused by the server;
 * - the terminal runs `echo hi-$((1+1))` in a pod over the exec WebSocket and shows `hi-2`;
 * - the YAML editor changes a ConfigMap's data, shows the diff, applies it (server-side apply as
 *   flotilla-dashboard), and kubectl sees it.
 * Every page is checked for CSP violations (xterm.js and CodeMirror inject no inline style).
 * Screenshots go to test-output/dashboard/ (FLOTILLA_TEST_DASHBOARD_OUTPUT overrides the folder).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { runCommand } from '../src/machinery/exec/run-command.js';
import { flotillaCommand, REPO_ROOT, type KubectlResult } from './helpers/cluster.js';
import { DASHBOARD_OUTPUT, loginWithToken, openView, screenshot, watchedPage } from './helpers/dashboard-pages.js';
import { type IsolatedBrowser, launchIsolatedBrowser } from './helpers/isolated-browser.js';
import { startUp, UP_BRIDGE_TAKEN, type UpProcess } from './helpers/up-process.js';
import { until } from './helpers/wait-until.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = UP_BRIDGE_TAKEN
  ? 'flotilla0 exists: a real cluster runs here'
  : !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (scripts/setup.sh installs it)`
    : false;

let up: UpProcess | undefined;
let dir = '';
let url = '';
let token = '';
let isolated: IsolatedBrowser | undefined;
let browser: Browser | undefined;

const k = (args: string[], stdin?: string): Promise<KubectlResult> => {
  assert.ok(up);
  return up.kubectl(args, stdin);
};
const kOut = async (args: string[]): Promise<string> => {
  const r = await k(args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
};
const apply = async (obj: unknown) => {
  const r = await k(['apply', '-f', '-'], JSON.stringify(obj));
  assert.equal(r.code, 0, r.stderr);
};
const jsonpath = (what: string, path: string) => kOut(['get', what, '-o', `jsonpath={${path}}`]);

const deployment = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
      },
    },
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
  up = await startUp({ name: 'dashboard-actions', timeoutMs: 90_000 });
  dir = up.dataDir;
  url = up.apiUrl();
  token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
  isolated = await launchIsolatedBrowser(CHROMIUM, Number(new URL(url).port));
  browser = isolated.browser;
});

after(async () => {
  if (skip) return;
  await isolated?.close();
  await up?.stop();
});

/** A watched page (see helpers/dashboard-pages.ts); `errors` are its page errors. */
async function newPage(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const { page, incidents, close } = await watchedPage(browser ?? assert.fail('no browser'), 900);
  return { page, errors: incidents.errors, close };
}

const login = (page: Page) => loginWithToken(page, url, token);
const open = openView;

/** Waits for an enabled button and clicks it. */
async function press(page: Page, selector: string): Promise<void> {
  await page.waitForSelector(`${selector}:not([disabled])`, { timeout: 30_000 });
  await page.click(selector);
}

const textOf = (page: Page, sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
const shot = screenshot;

async function noCsp(page: Page, where: string): Promise<void> {
  const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  assert.deepEqual(csp, [], `${where}: CSP violations`);
}

/** Waits for the last action's outcome and returns it; fails on an error outcome. */
async function outcome(page: Page, what: string): Promise<string> {
  await page.waitForSelector('.action-result, .action-error', { timeout: 60_000 });
  const ok = await page.$('.action-result');
  const text = await textOf(page, ok ? '.action-result' : '.action-error');
  assert.ok(ok, `${what}: ${text}`);
  return text;
}

test('as admin every action works, each seen through kubectl', { skip, timeout: 600_000 }, async () => {
  await apply(deployment('act', 1));
  const { page, errors, close } = await newPage();
  try {
    await login(page);
    await open(page, '#/object?g=apps&v=v1&r=deployments&ns=default&n=act', 'button.action-scale');
    await page.waitForFunction(() => /readyReplicas: 1/.test(document.querySelector('pre.yaml')?.textContent ?? ''), {
      timeout: 90_000,
    });
    // Scale 1 → 2, seen live on the open page (the object page watches its object).
    await page.waitForSelector('input.replicas:not([disabled])');
    await page.click('input.replicas', { count: 3 });
    await page.type('input.replicas', '2');
    await press(page, 'button.action-scale');
    assert.match(await outcome(page, 'scale'), /scaled to 2/);
    await page.waitForFunction(() => /readyReplicas: 2/.test(document.querySelector('pre.yaml')?.textContent ?? ''), {
      timeout: 90_000,
    });
    await shot(page, 'actions-scaled');
    assert.equal(await jsonpath('deployment/act', '.spec.replicas'), '2');

    // rollout restart: a new template annotation, a second revision.
    await press(page, 'button.action-restart');
    await outcome(page, 'restart');
    assert.notEqual(
      await jsonpath('deployment/act', ".spec.template.metadata.annotations['kubectl\\.kubernetes\\.io/restartedAt']"),
      '',
    );
    await until(
      'a second ReplicaSet',
      async () => (await kOut(['get', 'rs', '-l', 'app=act', '-o', 'name'])).split('\n').length === 2,
      {
        timeoutMs: 60_000,
      },
    );
    // rollout undo: back to the first template (no restartedAt), as kubectl rollout undo.
    await press(page, 'button.action-undo');
    assert.match(await outcome(page, 'undo'), /rolled back/);
    await until(
      'the first template is back',
      async () => (await jsonpath('deployment/act', '.spec.template.metadata.annotations')) === '',
    );
    // pause / resume
    await press(page, 'button.action-pause');
    await outcome(page, 'pause');
    assert.equal(await jsonpath('deployment/act', '.spec.paused'), 'true');
    await press(page, 'button.action-resume');
    await outcome(page, 'resume');
    assert.equal(await jsonpath('deployment/act', '.spec.paused'), 'false');

    // Node: cordon, uncordon, drain (evictions), uncordon again.
    const node = await kOut(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    await until(
      'two act pods ready',
      async () =>
        (await kOut([
          'get',
          'pods',
          '-l',
          'app=act',
          '-o',
          'jsonpath={.items[*].status.containerStatuses[0].ready}',
        ])) === 'true true',
      { timeoutMs: 90_000 },
    );
    const before = await kOut(['get', 'pods', '-l', 'app=act', '-o', 'jsonpath={.items[*].metadata.name}']);
    await open(page, `#/object?g=&v=v1&r=nodes&n=${node}`, 'button.action-cordon');
    await press(page, 'button.action-cordon');
    await outcome(page, 'cordon');
    assert.equal(await jsonpath(`node/${node}`, '.spec.unschedulable'), 'true');
    await press(page, 'button.action-uncordon');
    await outcome(page, 'uncordon');
    assert.equal(await jsonpath(`node/${node}`, '.spec.unschedulable'), 'false');
    await press(page, 'button.action-drain');
    await page.waitForSelector('button.confirm-drain');
    await shot(page, 'actions-drain-confirm');
    await press(page, 'button.confirm-drain');
    assert.match(await outcome(page, 'drain'), /2 pod\(s\) evicted/);
    assert.equal(await jsonpath(`node/${node}`, '.spec.unschedulable'), 'true');
    await until(
      'the drained pods are gone',
      async () => {
        const now = await kOut(['get', 'pods', '-l', 'app=act', '-o', 'jsonpath={.items[*].metadata.name}']);
        return before.split(' ').every((p) => !now.split(' ').includes(p));
      },
      { timeoutMs: 60_000 },
    );
    await press(page, 'button.action-uncordon');
    await outcome(page, 'uncordon');

    // Create from pasted YAML, then delete it after a confirmation.
    await open(page, '#/create', '#create-yaml');
    const manifest = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: doomed', 'data:', '  a: "1"'].join(
      '\n',
    );
    await page.$eval(
      '#create-yaml',
      (el, v) => {
        const t = el as HTMLTextAreaElement;
        t.value = v;
        t.dispatchEvent(new Event('input', { bubbles: true }));
      },
      manifest,
    );
    await press(page, 'button.create-submit');
    await page.waitForSelector('.outcomes li', { timeout: 30_000 });
    assert.match(await textOf(page, '.outcomes li'), /ConfigMap default\/doomed created/);
    assert.equal(await jsonpath('configmap/doomed', '.data.a'), '1');
    assert.match(await jsonpath('configmap/doomed', '.metadata.managedFields[0].manager'), /flotilla-dashboard/);
    await page.click('.outcomes li a');
    await page.waitForSelector('button.action-delete:not([disabled])', { timeout: 30_000 });
    await page.click('button.action-delete');
    await page.waitForSelector('button.confirm-delete');
    // Nothing is deleted before the confirmation.
    assert.equal((await k(['get', 'configmap', 'doomed'])).code, 0);
    await shot(page, 'actions-delete-confirm');
    await page.click('button.confirm-delete');
    await outcome(page, 'delete');
    await until('the ConfigMap is gone', async () => (await k(['get', 'configmap', 'doomed'])).code !== 0);
    await page.waitForSelector('.gone', { timeout: 30_000 });
    await noCsp(page, 'actions');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a user bound to `view` sees the actions disabled, and a forced request is refused by the server', {
  skip,
  timeout: 300_000,
}, async () => {
  const file = join(dir, 'viewer.kubeconfig');
  const made = await runCommand(
    process.execPath,
    [...flotillaCommand(), 'kubeconfig', '--user', 'viewer', '--data-dir', dir, '--out', file],
    { allowFailure: true },
  );
  assert.equal(made.code, 0, made.stderr);
  await kOut(['create', 'clusterrolebinding', 'viewer-view', '--clusterrole=view', '--user=viewer']);
  const replicas = await jsonpath('deployment/act', '.spec.replicas');
  const { page, errors, close } = await newPage();
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
    assert.equal(await textOf(page, 'header .user'), 'viewer');
    await open(page, '#/object?g=apps&v=v1&r=deployments&ns=default&n=act', 'button.action-scale');
    // The answers arrive: every button is disabled and says why.
    await page.waitForFunction(
      () => document.querySelector('button.action-delete')?.getAttribute('title') === 'you may not do this (RBAC)',
      { timeout: 30_000 },
    );
    for (const a of ['scale', 'restart', 'undo', 'pause', 'resume', 'delete'])
      assert.equal(await page.$eval(`button.action-${a}`, (b) => (b as HTMLButtonElement).disabled), true, a);
    assert.equal(await page.$eval('input.replicas', (b) => (b as HTMLInputElement).disabled), true);
    await shot(page, 'actions-view-only');
    // Forced: enable the button in the page and click it; the server refuses (403).
    await page.$eval('button.action-restart', (b) => {
      (b as HTMLButtonElement).disabled = false;
      (b as HTMLButtonElement).click();
    });
    await page.waitForSelector('.action-error', { timeout: 30_000 });
    assert.match(await textOf(page, '.action-error'), /restart failed: .*forbidden/i);
    assert.equal(await jsonpath('deployment/act', '.spec.replicas'), replicas);
    assert.equal(await jsonpath('deployment/act', '.spec.template.metadata.annotations'), '');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the terminal runs a command in a pod over the exec WebSocket', { skip, timeout: 300_000 }, async () => {
  await apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'shell', namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
    },
  });
  const waited = await k(['wait', '--for=condition=Ready', 'pod/shell', '--timeout=90s']);
  assert.equal(waited.code, 0, waited.stderr);
  const { page, errors, close } = await newPage();
  try {
    await login(page);
    await open(page, '#/object?g=&v=v1&r=pods&ns=default&n=shell', 'a.terminal-link');
    await page.click('a.terminal-link');
    await page.waitForSelector('.xterm-rows', { timeout: 30_000 });
    await page.waitForFunction(
      () => /connected/.test(document.querySelector('.pod-terminal .state')?.textContent ?? ''),
      {
        timeout: 30_000,
      },
    );
    assert.match(await textOf(page, '.pod-terminal .state'), /v[45]\.channel\.k8s\.io/);
    await page.click('.terminal');
    await page.keyboard.type('echo hi-$((1+1))\n');
    await page.waitForFunction(
      () => [...document.querySelectorAll('.xterm-rows > div')].some((r) => (r.textContent ?? '').trim() === 'hi-2'),
      { timeout: 30_000 },
    );
    await shot(page, 'terminal');
    await noCsp(page, 'terminal');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('the YAML editor shows the diff of a change, applies it with server-side apply, kubectl sees it', {
  skip,
  timeout: 300_000,
}, async () => {
  await kOut(['create', 'configmap', 'edit-me', '--from-literal=greeting=hello']);
  const { page, errors, close } = await newPage();
  try {
    await login(page);
    await open(page, '#/object?g=&v=v1&r=configmaps&ns=default&n=edit-me', 'button.edit-yaml');
    await page.click('button.edit-yaml');
    await page.waitForSelector('.cm-content', { timeout: 30_000 });
    const line = await page.waitForFunction(() =>
      [...document.querySelectorAll('.cm-line')].find((l) => (l.textContent ?? '').includes('greeting: hello')),
    );
    await (line.asElement() as import('puppeteer-core').ElementHandle<Element>).click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'hello'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('world');
    await page.click('button.show-diff');
    await page.waitForSelector('pre.diff', { timeout: 30_000 });
    const diff = await textOf(page, 'pre.diff');
    assert.match(diff, /- {2,}greeting: hello/);
    assert.match(diff, /\+ {2,}greeting: world/);
    // A dry run changed nothing yet.
    assert.equal(await jsonpath('configmap/edit-me', '.data.greeting'), 'hello');
    await shot(page, 'editor-diff');
    await press(page, 'button.apply-yaml');
    await until(
      'kubectl sees the change',
      async () => (await jsonpath('configmap/edit-me', '.data.greeting')) === 'world',
    );
    const managers = await jsonpath('configmap/edit-me', '.metadata.managedFields[*].manager');
    assert.match(managers, /flotilla-dashboard/);
    assert.match(await jsonpath('configmap/edit-me', '.metadata.managedFields[*].operation'), /Apply/);
    // The open page follows the object.
    await page.waitForFunction(() => /greeting: world/.test(document.querySelector('pre.yaml')?.textContent ?? ''), {
      timeout: 30_000,
    });
    await noCsp(page, 'editor');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a pod page graphs its CPU and memory from the history the server keeps', { skip, timeout: 300_000 }, async () => {
  const { page, errors, close } = await newPage();
  try {
    await login(page);
    await open(page, '#/object?g=&v=v1&r=pods&ns=default&n=shell', '.usage');
    // Two samples (15 s apart at the soonest): both charts drawn with them.
    await page.waitForFunction(
      () => {
        const charts = [...document.querySelectorAll('.usage .chart')];
        return (
          charts.length === 2 &&
          charts.every((c) => Number(c.getAttribute('data-points')) >= 2 && c.querySelector('canvas'))
        );
      },
      { timeout: 120_000, polling: 1000 },
    );
    assert.deepEqual(await page.$$eval('.usage .u-title', (ts) => ts.map((t) => t.textContent)), ['CPU', 'Memory']);
    await shot(page, 'pod-graphs');
    await noCsp(page, 'graphs');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
