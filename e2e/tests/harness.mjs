// Test harness: the real `cofund` server on a free loopback port with a fresh SQLite
// database seeded by `cofund demo`, the release widget it serves, and the system
// Chromium driven by Playwright. Nothing is stubbed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const ARTIFACTS = join(here, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `cofund demo` and resolves once /healthz answers. `payments: 'demo'` runs
 * the built-in test payment provider (online payment with its own checkout page);
 * `widgetDir` serves another widget build than COFUND_WIDGET_DIR; `args` are more flags. */
export async function startServer({ payments = 'off', widgetDir = process.env.COFUND_WIDGET_DIR, args = [] } = {}) {
  const bin = process.env.COFUND_BIN;
  if (!bin || !widgetDir) throw new Error('set COFUND_BIN and COFUND_WIDGET_DIR (scripts/test.sh does)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cofund-e2e-'));
  const base = `http://127.0.0.1:${port}`;
  const database = `sqlite:${join(dir, 'e2e.db')}`;
  const dashboardDir = process.env.COFUND_DASHBOARD_DIR;
  const child = spawn(bin, ['demo', '--addr', `127.0.0.1:${port}`, '--database', database,
    '--widget-dir', widgetDir, ...(dashboardDir ? ['--dashboard-dir', dashboardDir] : []), '--log', 'warn', '--payments', payments,
    // Every page of the suite comes from one loopback address: no per-client cap on live streams here.
    '--max-streams-per-client', '100000', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cofund exited ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`cofund did not start:\n${output}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    /** The server's process id (the stream benchmark reads its memory). */
    pid: child.pid,
    /** What `cofund demo` printed (admin token, sign-in links). */
    get output() { return output; },
    /** Runs the `cofund` CLI on this server's database; returns its standard output. */
    cli(...args) {
      const r = spawnSync(bin, [...args, '--database', database, '--log', 'warn'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cofund ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return r.stdout.trim();
    },
    async document(slug) {
      const r = await fetch(`${base}/api/v1/cohorts/${slug}`);
      if (!r.ok) throw new Error(`document ${slug}: ${r.status}`);
      return r.json();
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROME_BIN || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Starts the server and the browser before a test file's tests and stops them after.
 * The returned object holds them (`env.server`, `env.browser`) once the tests run. */
export function useServerAndBrowser(serverOptions = {}) {
  const env = {};
  before(async () => {
    env.server = await startServer(serverOptions);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/** Opens a page and waits until the widget has rendered its cohort (down to its last
 * line, which comes a frame after the crowd figures). */
export async function openWidget(browser, url, options = {}) {
  const context = await browser.newContext({ locale: options.locale ?? 'nl-NL', reducedMotion: options.reducedMotion ?? 'no-preference' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('.cofund .cofund-updated', { timeout: 15_000 });
  await page.waitForFunction(takenOver, null, { timeout: 15_000 });
  page.pageErrors = errors;
  return page;
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA) on the widget, or on `scope`: a selector
 * (e.g. 'html' for the whole page, open shadow roots included) or an axe context object
 * (e.g. `{ fromShadowDom: ['cofund-widget', '.cofund'] }` for the widget inside its
 * shadow root, without the host page); returns the violations. */
export async function axe(page, scope = '.cofund') {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  return page.evaluate(async (selector) => {
    const context = typeof selector === 'string' ? document.querySelector(selector) : selector;
    const result = await window.axe.run(context, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, scope);
}

export async function screenshot(page, name) {
  await page.locator('.cofund').screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Polls `check` (an async function) until it returns a truthy value, and returns it;
 * fails with `what` after `timeout` ms. For conditions outside one page's DOM (a server
 * metric, a value read from two frames). */
export async function until(what, check, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Formats cents as the page's Intl does, for expected values. */
export function money(page, cents, locale = 'nl-NL') {
  return page.evaluate(([c, l]) => new Intl.NumberFormat(l, { style: 'currency', currency: 'EUR', trailingZeroDisplay: 'stripIfInteger' })
    .format(`${Math.trunc(c / 100)}.${String(c % 100).padStart(2, '0')}`), [cents, locale]);
}

/** In the page: whether every view the server rendered (`/embed/{slug}`, a
 * `<cofund-widget>`'s first view) has been taken over by the widget's wasm. */
export function takenOver() {
  return !document.querySelector('[data-cofund-ssr]')
    && [...document.querySelectorAll('cofund-widget')].every((h) => !h.shadowRoot?.querySelector('[data-cofund-ssr]'));
}

export const text = (s) => s.replace(/[\u00a0\u202f]/g, ' ');
