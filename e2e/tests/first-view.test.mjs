// The first view the server renders (the widget's own components, `ssr`): the figures
// are on screen before the wasm is fetched, in /embed/{slug} and in <cofund-widget> on
// another origin; the wasm is fetched after the first view, for a widget below the fold
// only when it comes near; when it takes the view over nothing moves (Layout Instability
// API), an opened disclosure stays open, the focus stays where it was, and the pledge
// form works. axe-core audits the server's view and the taken-over one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axe, takenOver, text } from './harness.mjs';
import { startHostSite } from './host-site.mjs';

const UTRECHT = 'utrecht-voorjaar-2027';
const env = useServerAndBrowser();
let site;
before(async () => { site = await startHostSite(); });
after(async () => { await site?.stop(); });

const SHIFTS = () => {
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
};
const isWasm = (url) => /\/widget\/cofund-widget[^/]*_bg\.wasm$/.test(new URL(url).pathname);

/** A page whose wasm requests wait until `release()`; `wasmRequests` counts them. */
async function openHeld(url, { width = 600, height = 900 } = {}) {
  const context = await env.browser.newContext({ viewport: { width, height }, locale: 'nl-NL' });
  await context.addInitScript(SHIFTS);
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const state = { wasmRequests: 0, release };
  await page.route(isWasm, async (route) => { state.wasmRequests += 1; await held; await route.continue(); });
  await page.goto(url);
  return { page, context, state };
}

const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

for (const locale of ['nl-NL', 'en-GB']) {
  test(`/embed/{slug} (${locale}): the figures before the wasm; the takeover moves nothing and keeps the open form and the focus`, async () => {
    const doc = await env.server.document(UTRECHT);
    const { page, context, state } = await openHeld(`${env.server.base}/embed/${UTRECHT}?locale=${locale}`);
    // The server's view: the crowd percent is on screen with the wasm held back.
    await page.waitForSelector('[data-cofund-ssr] .cofund-percent');
    const percent = text(await page.textContent('.cofund-percent'));
    assert.match(percent, /^\d+%$/);
    assert.equal(await page.isVisible('.cofund-percent'), true);
    assert.deepEqual(await axe(page), [], 'axe on the server\'s view');
    // The visitor opens the pledge form and starts typing before the wasm is there.
    await page.click('summary.cofund-pledge-toggle');
    await page.fill('input[name="name"]', 'Fatima El Amrani');
    const before = await page.evaluate(() => ({ shift: window.__shift, box: JSON.stringify(document.querySelector('.cofund').getBoundingClientRect()) }));
    state.release();
    await page.waitForFunction(takenOver, null, { timeout: 20_000 });
    await frames(page);
    const afterTakeover = await page.evaluate(() => ({ shift: window.__shift, box: JSON.stringify(document.querySelector('.cofund').getBoundingClientRect()) }));
    assert.ok(state.wasmRequests >= 1, 'the wasm was fetched');
    assert.equal(afterTakeover.shift, before.shift, 'layout shift when the wasm took over');
    assert.equal(afterTakeover.box, before.box, 'the widget\'s box did not move or change size');
    assert.equal(text(await page.textContent('.cofund-percent')), percent, 'the same figure');
    assert.equal(await page.getAttribute('details.cofund-pledge-details', 'open'), '', 'the opened form stayed open');
    assert.equal(await page.inputValue('input[name="name"]'), 'Fatima El Amrani', 'what was typed is still there');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'name', 'the focus stayed in the field');
    // The form is the wasm's now: a field error comes from the widget, not a page load.
    await page.fill('input[name="amount"]', '1');
    await page.click('button.cofund-submit');
    await page.waitForSelector('[id$="-amount_cents-error"]:not([hidden])', { timeout: 10_000 });
    assert.equal(new URL(page.url()).search, `?locale=${locale}`, 'no native form submission');
    assert.deepEqual(await axe(page), [], 'axe after the takeover');
    assert.deepEqual(page.pageErrors, []);
    assert.ok(doc.crowd.pledged_cents > 0);
    await context.close();
  });
}

const hostPage = (body) => `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gemeente</title></head>
<body><h1>Doe mee</h1><p>Een alinea.</p>${body}<p id="below">Onder de widget.</p>
<script type="module" src="${env.server.base}/widget/cofund.js" async></script></body></html>`;
const tag = () => `<cofund-widget src="${env.server.base}/api/v1/cohorts/${UTRECHT}" locale="nl-NL"></cofund-widget>`;

test('<cofund-widget> on another origin: the server\'s view first, the wasm after it; no shift at the takeover', async () => {
  const { page, context, state } = await openHeld(site.page('/first', hostPage(tag())));
  await page.waitForFunction(() => document.querySelector('cofund-widget')?.shadowRoot?.querySelector('[data-cofund-ssr] .cofund-percent')?.textContent);
  assert.equal(await page.isVisible('.cofund-percent'), true, 'the figures are on screen with the wasm held back');
  const before = await page.evaluate(() => ({ shift: window.__shift, below: document.querySelector('#below').getBoundingClientRect().top }));
  state.release();
  await page.waitForFunction(takenOver, null, { timeout: 20_000 });
  await frames(page);
  const afterTakeover = await page.evaluate(() => ({ shift: window.__shift, below: document.querySelector('#below').getBoundingClientRect().top }));
  assert.deepEqual(afterTakeover, before, 'nothing moved when the wasm took over');
  assert.equal(await page.evaluate(() => document.querySelector('cofund-widget').shadowRoot.querySelectorAll('style').length), 0,
    'the first view\'s stylesheet went with it; the shared sheet is adopted');
  assert.deepEqual(await axe(page, { fromShadowDom: ['cofund-widget', '.cofund'] }), []);
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test('a <cofund-widget> below the fold fetches no wasm until it comes near the viewport', async () => {
  const { page, context, state } = await openHeld(site.page('/below', hostPage(`<div style="height:3000px"></div>${tag()}`)), { height: 700 });
  state.release();
  await page.waitForFunction(() => document.querySelector('cofund-widget')?.shadowRoot?.querySelector('[data-cofund-ssr] .cofund-percent'));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(state.wasmRequests, 0, 'no wasm for a widget far below the fold');
  await page.evaluate(() => document.querySelector('cofund-widget').scrollIntoView());
  await page.waitForFunction(takenOver, null, { timeout: 20_000 });
  assert.equal(state.wasmRequests, 1, 'the wasm, once near');
  await context.close();
});
