// The loading state reserves the loaded widget's space: when the document arrives,
// nothing on the host page moves. Checked with the browser's own Layout Instability API
// and with the position of the host content below the widget, for every example cohort
// at phone to desktop widths, in both languages. Also: the host page's own styles do
// not leak into the widget. axe-core audits the loading state and the loaded widget in
// each of those, and the opened pledge form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axe, screenshot } from './harness.mjs';

const SLUGS = ['utrecht-voorjaar-2027', 'rotterdam-zuid-najaar-2027', 'amsterdam-noord-2026',
  'den-haag-najaar-2026', 'zwolle-voorjaar-2027'];
const WIDTHS = [320, 375, 414, 600, 1024];

const env = useServerAndBrowser();

/** A host page on the server's origin: an article with the widget in the middle and
 * hostile styles (a CMS theme that borders and pads every section). */
function hostPage(slug, locale, wrap = (widget) => widget) {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Host</title>
<style>body{margin:0;padding:1rem;font:18px/1.6 Georgia,serif}section{border-top:3px solid red;padding:2rem 0;margin:1rem 0}
summary{padding:1rem;font-size:2rem}p{margin:1.5rem 0}</style></head><body>
<main><h1>Doe mee</h1><p>Een alinea van de gemeente boven de widget.</p>
${wrap(`<div data-cofund-src="/api/v1/cohorts/${slug}" data-cofund-locale="${locale}"></div>`)}
<p id="below">De tekst onder de widget mag niet verspringen.</p></main>
<script>
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
</script>
<script type="module">import init from '/widget/cofund-widget.js'; init();</script>
</body></html>`;
}

/** Shows the widget's loading state with the document held back, measures, releases the
 * document, and measures again once the cohort is on screen; axe-core's violations in
 * both states are in `audits` (after the measurements of each state). */
async function loadWithHeldDocument(width, slug, locale, shots) {
  const context = await env.browser.newContext({ viewport: { width, height: 800 }, locale });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.route(`${env.server.base}/host`, (route) =>
    route.fulfill({ contentType: 'text/html; charset=utf-8', body: hostPage(slug, locale) }));
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(`**/api/v1/cohorts/${slug}`, async (route) => { await held; await route.continue(); });
  await page.goto(`${env.server.base}/host`);
  await page.waitForSelector('.cofund-skeleton');
  // The skeleton's own arrival is the page's first layout; count from here.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const before = await page.evaluate(() => ({
    below: document.querySelector('#below').getBoundingClientRect().top,
    shift: window.__shift,
  }));
  if (shots) await screenshot(page, `${shots}-loading`);
  const audits = { loading: await axe(page) };
  release();
  await page.waitForSelector('.cofund .cofund-updated');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  if (shots) await screenshot(page, `${shots}-loaded`);
  const afterLoad = await page.evaluate(() => ({
    below: document.querySelector('#below').getBoundingClientRect().top,
    shift: window.__shift,
    content: document.querySelector('.cofund-frame > section').getBoundingClientRect().height,
    frame: document.querySelector('.cofund-frame').getBoundingClientRect().height,
  }));
  audits.loaded = await axe(page);
  return { page, context, before, afterLoad, pageErrors, audits };
}

for (const width of WIDTHS) {
  test(`no layout shift when the document arrives, at ${width} px`, async () => {
    for (const slug of SLUGS) {
      for (const locale of ['nl-NL', 'en-GB']) {
        const { context, before, afterLoad, pageErrors, audits } = await loadWithHeldDocument(width, slug, locale);
        const where = `${slug} ${locale} at ${width} px: content ${Math.round(afterLoad.content)} px in a frame of ${Math.round(afterLoad.frame)} px`;
        assert.equal(afterLoad.below, before.below, `the host text below moved (${where})`);
        assert.equal(afterLoad.shift, before.shift, `layout shift reported by the browser (${where})`);
        assert.deepEqual(audits, { loading: [], loaded: [] }, `axe (${where})`);
        assert.deepEqual(pageErrors, []);
        await context.close();
      }
    }
  });
}

test('the host page\'s styles for sections and summaries do not reach into the widget', async () => {
  const { page, context } = await loadWithHeldDocument(1024, SLUGS[0], 'nl-NL');
  const styles = await page.evaluate(() => {
    const s = getComputedStyle(document.querySelector('.cofund section section'));
    const summary = getComputedStyle(document.querySelector('.cofund .cofund-more > summary'));
    return { border: s.borderTopWidth, padding: s.paddingTop, summaryFont: summary.fontSize, summaryPadding: summary.paddingTop };
  });
  assert.deepEqual(styles, { border: '0px', padding: '0px', summaryFont: '16px', summaryPadding: '0px' });
  await context.close();
});

test('opening a disclosure is the visitor\'s own change, and the pledge form opens on request', async () => {
  const { page, context, afterLoad } = await loadWithHeldDocument(375, SLUGS[0], 'nl-NL', '08-phone');
  assert.equal(await page.isVisible('form.cofund-form'), false, 'the form waits for the donor');
  await page.click('summary.cofund-pledge-toggle');
  assert.equal(await page.isVisible('form.cofund-form'), true);
  assert.equal(await page.getAttribute('.cofund-pledge-details', 'open'), '');
  // Shifts right after input are the visitor's own (hadRecentInput) and are not counted.
  assert.equal(await page.evaluate(() => window.__shift), afterLoad.shift);
  assert.deepEqual(await axe(page), [], 'the opened form at 375 px');
  await context.close();
});

test('in a flex row or an auto-sized grid column the widget takes a usable width and never overflows', async () => {
  const layouts = {
    'flex row': (w) => `<div style="display:flex;gap:1rem">${w}<p>Naast de widget.</p></div>`,
    'auto grid column': (w) => `<div style="display:grid;grid-template-columns:auto 1fr">${w}<p>Naast de widget.</p></div>`,
    'float': (w) => `<div style="float:right">${w}</div>`,
  };
  for (const width of [360, 1024]) {
    for (const [name, wrap] of Object.entries(layouts)) {
      const context = await env.browser.newContext({ viewport: { width, height: 800 } });
      const page = await context.newPage();
      await page.route(`${env.server.base}/host`, (route) =>
        route.fulfill({ contentType: 'text/html; charset=utf-8', body: hostPage(SLUGS[0], 'nl-NL', wrap) }));
      await page.goto(`${env.server.base}/host`);
      await page.waitForSelector('.cofund .cofund-updated');
      const box = await page.evaluate(() => document.querySelector('.cofund').getBoundingClientRect().toJSON());
      assert.ok(box.width >= Math.min(300, width - 60), `${name} at ${width} px: ${box.width} px wide`);
      assert.ok(box.right <= width, `${name} at ${width} px overflows: right edge ${box.right}`);
      await context.close();
    }
  }
});

test('at every width from 280 to 820 px the reserved height covers the loaded widget', async () => {
  const context = await env.browser.newContext({ viewport: { width: 820, height: 800 } });
  const page = await context.newPage();
  const short = [];
  for (const slug of SLUGS) {
    for (const locale of ['nl-NL', 'en-GB']) {
      await page.setViewportSize({ width: 820, height: 800 });
      // The widget rendered in the browser (a server's first view needs no reservation:
      // its figures are there from the start, and the wasm's view takes its place whole).
      await page.route(`${env.server.base}/host`, (route) =>
        route.fulfill({ contentType: 'text/html; charset=utf-8', body: hostPage(slug, locale) }));
      await page.goto(`${env.server.base}/host`);
      await page.waitForSelector('.cofund .cofund-updated');
      for (let width = 280; width <= 820; width += 8) {
        await page.setViewportSize({ width, height: 800 });
        // A frame later: the ResizeObserver reports after the layout of the resized one.
        const [content, reserved] = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
          const frame = document.querySelector('.cofund-frame');
          resolve([frame.firstElementChild.getBoundingClientRect().height, parseFloat(getComputedStyle(frame).minHeight)]);
        }))));
        if (content > reserved) short.push(`${slug} ${locale} at ${width} px: ${content} px in ${reserved} px`);
      }
    }
  }
  assert.deepEqual(short, []);
  await context.close();
});

test('the embed page at 360 px has no sideways scroll', async () => {
  const context = await env.browser.newContext({ viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  const found = [];
  for (const slug of SLUGS) {
    await page.goto(`${env.server.base}/embed/${slug}`);
    await page.waitForSelector('.cofund .cofund-updated');
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scroll > 360) found.push(`${slug}: the page is ${scroll} px wide`);
  }
  assert.deepEqual(found, []);
  await context.close();
});
