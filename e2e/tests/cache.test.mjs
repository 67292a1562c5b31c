// Returning visitors: the widget's module and wasm are named by their content and cached
// for good; only the loader (the one URL host pages use) is revalidated after its short
// cache time; a new build changes the names, and a page that loaded the old loader
// still gets the files that loader names. Real server, real browser, a copy of the
// release build, and a new build made from it by the build's own naming step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, appendFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, takenOver } from './harness.mjs';
import { startHostSite } from './host-site.mjs';
import { recordNetwork, fileName, CONTENT_NAMED } from './network.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SLUG = 'utrecht-voorjaar-2027';
// Short, so the test can outlast it; the default is 300 s.
const LOADER_MAX_AGE_S = 10;
const env = {};

before(async () => {
  env.widgetDir = mkdtempSync(join(tmpdir(), 'cofund-widget-build-'));
  cpSync(process.env.COFUND_WIDGET_DIR, env.widgetDir, { recursive: true });
  env.server = await startServer({ widgetDir: env.widgetDir, args: ['--loader-max-age', String(LOADER_MAX_AGE_S)] });
  env.browser = await launchBrowser();
  env.site = await startHostSite();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
  await env.site?.stop();
  if (env.widgetDir) rmSync(env.widgetDir, { recursive: true, force: true });
});

const loaderTag = () => `<script type="module" src="${env.server.base}/widget/cofund.js" async></script>`;
const hostPage = (path, body) => env.site.page(path, `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gemeente</title></head>
<body><h1>Doe mee</h1>${body}${loaderTag()}</body></html>`);
const widgetTag = () => `<cofund-widget src="${env.server.base}/api/v1/cohorts/${SLUG}" locale="nl-NL"></cofund-widget>`;

async function visit(context, url) {
  const page = await context.newPage();
  const network = await recordNetwork(page);
  await page.goto(url);
  await page.waitForFunction(() => [...document.querySelectorAll('cofund-widget')].some((h) => h.shadowRoot?.querySelector('.cofund .cofund-updated')),
    null, { timeout: 20_000 });
  await page.waitForFunction(takenOver, null, { timeout: 20_000 });
  return { page, network };
}

const manifest = () => JSON.parse(readFileSync(join(env.widgetDir, 'widget-manifest.json'), 'utf8'));
const byName = (requests) => Object.fromEntries(requests.map((r) => [fileName(r.url), r]));

test('a repeat view moves no widget bytes, then only revalidates the loader; a new build keeps the old loader working', async () => {
  const url = hostPage('/page.html', widgetTag());
  const context = await env.browser.newContext();

  // First view: the loader, and the content-named module and wasm it names.
  const first = await visit(context, url);
  const loaderFetched = Date.now();
  const names = manifest();
  assert.match(names.glue, CONTENT_NAMED);
  assert.match(names.wasm, CONTENT_NAMED);
  const firstFiles = byName(first.network.widget());
  for (const name of ['cofund.js', names.glue, names.wasm]) {
    assert.equal(firstFiles[name]?.status, 200, `${name} fetched on the first view: ${JSON.stringify(firstFiles)}`);
    assert.ok(!firstFiles[name].cached && firstFiles[name].bytes > 0, name);
  }
  assert.equal(Object.keys(firstFiles).length, 3, `only the loader, module and wasm: ${Object.keys(firstFiles)}`);
  assert.ok(first.network.bytes((r) => r.url.includes('/widget/')) > 100_000, 'the wasm crossed the wire');
  await first.page.close();

  // Second view within the loader's cache time: nothing of the widget crosses the wire.
  const second = await visit(context, url);
  assert.ok(Date.now() - loaderFetched < LOADER_MAX_AGE_S * 1000, 'still within the loader\'s cache time (a slow machine makes this test void)');
  const secondFiles = second.network.widget();
  assert.ok(secondFiles.length >= 1, 'the page asked for the loader');
  for (const r of secondFiles) assert.ok(r.cached, `${fileName(r.url)} from the cache, not the server: ${JSON.stringify(r)}`);
  assert.equal(second.network.bytes((r) => r.url.includes('/widget/')), 0, 'no widget bytes');
  await second.page.close();

  // After the loader's cache time: the loader is revalidated (304), nothing else asked for.
  const waitMs = loaderFetched + LOADER_MAX_AGE_S * 1000 + 500 - Date.now();
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  const third = await visit(context, url);
  const thirdFiles = byName(third.network.widget());
  assert.equal(thirdFiles['cofund.js']?.wire, 304, `the loader revalidated: ${JSON.stringify(thirdFiles)}`);
  for (const name of [names.glue, names.wasm]) {
    assert.ok(!thirdFiles[name] || thirdFiles[name].cached, `${name} not fetched again: ${JSON.stringify(thirdFiles[name])}`);
  }
  assert.ok(third.network.bytes((r) => r.url.includes('/widget/')) < 1000, 'a 304 moves headers only');
  await third.page.close();

  // A page that loaded the old loader and adds its first widget later (a long-open page).
  const oldContext = await env.browser.newContext();
  const oldPage = await oldContext.newPage();
  const oldNetwork = await recordNetwork(oldPage);
  await oldPage.goto(hostPage('/late.html', '<div id="slot"></div>'));
  await oldPage.waitForFunction(() => customElements.get('cofund-widget'));

  // The next build: other bytes, so other names; the naming step of the real build.
  appendFileSync(join(env.widgetDir, 'cofund-widget.js'), '\n// the next build\n');
  // A custom section (id 0, 5 bytes: name length 4, "next") keeps the module valid.
  appendFileSync(join(env.widgetDir, 'cofund-widget_bg.wasm'), Buffer.from([0, 5, 4, ...Buffer.from('next')]));
  const build = spawnSync('bash', [join(here, '..', '..', 'scripts', 'hash-widget.sh'), env.widgetDir], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const next = manifest();
  assert.notEqual(next.glue, names.glue);
  assert.notEqual(next.wasm, names.wasm);
  const served = await (await fetch(`${env.server.base}/widget/cofund.js`)).text();
  assert.ok(served.includes(next.glue) && served.includes(next.wasm), 'the server\'s loader names the new build');

  await oldPage.evaluate((tag) => { document.querySelector('#slot').innerHTML = tag; }, widgetTag());
  await oldPage.waitForFunction(() => document.querySelector('cofund-widget')?.shadowRoot?.querySelector('.cofund .cofund-updated'),
    null, { timeout: 20_000 });
  await oldPage.waitForFunction(takenOver, null, { timeout: 20_000 });
  const oldFiles = byName(oldNetwork.widget());
  assert.equal(oldFiles[names.glue]?.status, 200, 'the old loader imported the old module');
  assert.equal(oldFiles[names.wasm]?.status, 200, 'and its wasm');
  assert.ok(!oldFiles[next.glue] && !oldFiles[next.wasm], 'nothing of the new build mixed in');
  await oldContext.close();

  // The returning visitor, after the loader's cache time, gets the new build.
  await new Promise((r) => setTimeout(r, LOADER_MAX_AGE_S * 1000 + 500));
  const fourth = await visit(context, url);
  const fourthFiles = byName(fourth.network.widget());
  assert.equal(fourthFiles['cofund.js']?.wire, 200, `the changed loader is sent again: ${JSON.stringify(fourthFiles)}`);
  assert.equal(fourthFiles[next.glue]?.status, 200);
  assert.equal(fourthFiles[next.wasm]?.status, 200);
  await context.close();
});
