// The embed as a product: <cofund-widget> plus the loader on host pages of another
// origin (a hostile theme, a strict Content-Security-Policy, elements added, changed and
// removed), the events the host page receives, and iframe mode. axe-core audits the
// widget inside its shadow root (without the host page's own theme) in each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axe, text, until } from './harness.mjs';
import { startHostSite } from './host-site.mjs';

const UTRECHT = 'utrecht-voorjaar-2027';
const ROTTERDAM = 'rotterdam-zuid-najaar-2027';
const env = useServerAndBrowser();
let site;
let other;
before(async () => { site = await startHostSite(); other = await startHostSite(); });
after(async () => { await site?.stop(); await other?.stop(); });

/** Every <cofund-widget> of the page, inside its shadow root. */
const WIDGET = { fromShadowDom: ['cofund-widget', '.cofund'] };

/** Instrumentation every page gets before its own scripts (init scripts are not subject
 * to the page's CSP): layout shifts, the widget's events, CSP violations, live timers. */
const INSTRUMENT = () => {
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
  window.__events = [];
  for (const type of ['cofund:load', 'cofund:pledge', 'cofund:error']) {
    document.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail, target: e.target.tagName }));
  }
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  window.__intervals = new Set();
  const set = window.setInterval.bind(window);
  const clear = window.clearInterval.bind(window);
  window.setInterval = (...a) => { const id = set(...a); window.__intervals.add(id); return id; };
  window.clearInterval = (id) => { window.__intervals.delete(id); clear(id); };
};

const tag = (slug, attrs = '') => `<cofund-widget src="${env.server.base}/api/v1/cohorts/${slug}" locale="nl-NL"${attrs}></cofund-widget>`;
const loader = () => `<script type="module" src="${env.server.base}/widget/cofund.js" async></script>`;

function hostPage(body, { head = '' } = {}) {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gemeente</title>${head}</head>
<body><h1>Doe mee</h1><p>Een alinea van de gemeente boven de widget.</p>${body}
<p id="below">De tekst onder de widget mag niet verspringen.</p>${loader()}</body></html>`;
}

/** A theme that would wreck a widget without a shadow root. */
const HOSTILE_CSS = `<style>
body{color:#f0f!important;font:italic 900 25px/3 cursive!important;text-transform:uppercase!important;letter-spacing:.3em!important;word-spacing:2em!important;text-align:right!important;white-space:pre!important}
body *{all:unset!important}
div{display:flex!important;flex-direction:row-reverse!important;gap:3em!important}
section,p,h2,h3,ul,li,span,button,details,summary,dl,dt,dd{color:red!important;margin:3em!important;padding:2em!important;border:5px solid red!important;font-size:40px!important}
cofund-widget{padding:0!important}
</style>`;

async function open(url, { width = 600, locale = 'nl-NL' } = {}) {
  const context = await env.browser.newContext({ viewport: { width, height: 900 }, locale });
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(url);
  return page;
}

/** Waits until every <cofund-widget> shows a cohort from its wasm (the server's first
 * view taken over), then two frames more. */
async function loaded(page, count = 1) {
  await page.waitForFunction((n) => {
    const hosts = [...document.querySelectorAll('cofund-widget')];
    return hosts.length === n && hosts.every((h) => h.shadowRoot?.querySelector('.cofund .cofund-updated')
      && !h.shadowRoot.querySelector('[data-cofund-ssr]'));
  }, count, { timeout: 20_000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** What a visitor sees of each widget: its rendered text and its box. */
function widgets(page) {
  return page.evaluate(() => [...document.querySelectorAll('cofund-widget')].map((h) => {
    const root = h.shadowRoot.querySelector('.cofund');
    const box = root.getBoundingClientRect();
    return { text: root.innerText, width: Math.round(box.width), height: Math.round(box.height),
      font: getComputedStyle(root.querySelector('h2')).font };
  }));
}

test('on a hostile page of another origin the widget renders as on a clean one, without layout shift', async () => {
  const clean = await open(site.page('/clean', hostPage(tag(UTRECHT, ' now="2027-03-20T12:00:00+01:00"'))));
  await loaded(clean);
  const [expected] = await widgets(clean);
  assert.match(expected.text, /Starters4Communities Utrecht/);
  assert.deepEqual(await axe(clean, WIDGET), []);
  for (const width of [320, 600, 1024]) {
    const url = site.page(`/hostile-${width}`, hostPage(tag(UTRECHT, ' now="2027-03-20T12:00:00+01:00"'), { head: HOSTILE_CSS }));
    const page = await open(url, { width });
    // The loading state's arrival is the page's first layout; count from there.
    await page.waitForFunction(() => document.querySelector('cofund-widget')?.shadowRoot?.querySelector('.cofund-skeleton, .cofund section'));
    const before = await page.evaluate(() => ({ below: document.querySelector('#below').getBoundingClientRect().top, shift: window.__shift }));
    await loaded(page);
    const afterLoad = await page.evaluate(() => ({ below: document.querySelector('#below').getBoundingClientRect().top, shift: window.__shift }));
    const [seen] = await widgets(page);
    if (width === 600) assert.deepEqual(seen, expected, 'same text, box and type as on the clean page');
    else assert.equal(seen.text, expected.text);
    assert.equal(seen.font, expected.font);
    assert.equal(afterLoad.shift, before.shift, `layout shift at ${width} px`);
    assert.equal(afterLoad.below, before.below, `the host text below moved at ${width} px`);
    assert.deepEqual(await axe(page, WIDGET), [], `axe at ${width} px on the hostile page`);
    assert.deepEqual(page.pageErrors, []);
    await page.context().close();
  }
  await clean.context().close();
});

test('the host page themes the widget through the documented custom properties', async () => {
  const page = await open(site.page('/themed', hostPage(`<div style="--cofund-accent:#5a189a;--cofund-surface:#fffbe6">${tag(UTRECHT)}</div>`)));
  await loaded(page);
  const [fill, surface] = await page.evaluate(() => {
    const root = document.querySelector('cofund-widget').shadowRoot;
    return [getComputedStyle(root.querySelector('.cofund-bar-fill')).backgroundColor, getComputedStyle(root.querySelector('.cofund')).backgroundColor];
  });
  assert.equal(fill, 'rgb(90, 24, 154)');
  assert.equal(surface, 'rgb(255, 251, 230)');
  assert.deepEqual(await axe(page, WIDGET), [], 'the themed colours keep their contrast');
  await page.context().close();
});

test('two elements show two cohorts; each fires cofund:load once with the documented detail', async () => {
  const page = await open(site.page('/two', hostPage(tag(UTRECHT) + tag(ROTTERDAM))));
  // The second is below the fold: its widget loads once it comes near.
  await page.waitForFunction(() => document.querySelectorAll('cofund-widget')[1]?.shadowRoot);
  await page.evaluate(() => document.querySelectorAll('cofund-widget')[1].scrollIntoView());
  await loaded(page, 2);
  const [a, b] = await widgets(page);
  assert.match(a.text, /Utrecht/);
  assert.match(b.text, /Rotterdam/);
  await page.waitForFunction(() => window.__events.filter((e) => e.type === 'cofund:load').length >= 2);
  const events = await page.evaluate(() => window.__events);
  assert.equal(events.length, 2, JSON.stringify(events));
  for (const slug of [UTRECHT, ROTTERDAM]) {
    const doc = await env.server.document(slug);
    const target = Math.ceil((doc.budget_cents * doc.crowd.target_share_bps) / 10000);
    const mine = events.filter((e) => e.detail.slug === slug);
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0], { type: 'cofund:load', target: 'COFUND-WIDGET', detail: {
      slug, percent: Math.floor((doc.crowd.pledged_cents * 100) / target), pledged_cents: doc.crowd.pledged_cents, target_cents: target } });
  }
  // One module for the page: the wasm was fetched once.
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length);
  assert.equal(wasm, 1);
  assert.deepEqual(await axe(page, WIDGET), [], 'both widgets');
  await page.context().close();
});

test('a pledge through <cofund-widget> fires cofund:pledge once, without personal data', async () => {
  // On the server's own origin: the demo cohorts take pledges from there.
  const context = await env.browser.newContext({ viewport: { width: 600, height: 900 }, locale: 'nl-NL' });
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  await page.route(`${env.server.base}/gemeente`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: hostPage(tag(UTRECHT)) }));
  await page.goto(`${env.server.base}/gemeente`);
  await loaded(page);
  // Playwright's selectors reach into the open shadow root, as a visitor's clicks do.
  await page.click('summary.cofund-pledge-toggle');
  await page.fill('input[name="amount"]', '12,50');
  await page.fill('input[name="name"]', 'Fatima El Amrani');
  await page.fill('input[name="email"]', 'fatima@example.nl');
  await page.check('input[type="checkbox"][id$="-consent"]');
  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-thanks', { timeout: 10_000 });
  const reference = (await page.textContent('.cofund-pay-reference')).trim();
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'cofund:pledge'));
  const pledges = (await page.evaluate(() => window.__events)).filter((e) => e.type === 'cofund:pledge');
  assert.deepEqual(pledges, [{ type: 'cofund:pledge', target: 'COFUND-WIDGET', detail: { slug: UTRECHT, amount_cents: 1250, reference } }]);
  assert.doesNotMatch(JSON.stringify(await page.evaluate(() => window.__events)), /Fatima|fatima@/);
  // Focus moved to the thank-you inside the shadow root.
  assert.equal(await page.evaluate(() => document.querySelector('cofund-widget').shadowRoot.activeElement?.tagName), 'H3');
  assert.deepEqual(await axe(page, WIDGET), [], 'the thank-you state');
  await context.close();
});

test('a failing document fires cofund:error once, with kind and message', async () => {
  const page = await open(site.page('/missing', hostPage(tag('no-such-cohort'))));
  await page.waitForFunction(() => window.__events.length > 0, null, { timeout: 20_000 });
  // The error state is on screen: the widget is done with this document.
  await page.waitForFunction(() => document.querySelector('cofund-widget').shadowRoot?.querySelector('.cofund-error'), null, { timeout: 20_000 });
  const events = await page.evaluate(() => window.__events);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'cofund:error');
  assert.deepEqual(Object.keys(events[0].detail).sort(), ['kind', 'message']);
  assert.equal(events[0].detail.kind, 'http');
  assert.match(events[0].detail.message, /404/);
  assert.deepEqual(await axe(page, WIDGET), [], 'the error state');
  await page.context().close();
});

test('changing src loads the other cohort; removing the element stops its timer and its requests', async () => {
  const page = await open(site.page('/change', hostPage(tag(UTRECHT, ' refresh="15"'))));
  await loaded(page);
  const requests = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/cohorts/')) requests.push(r.url()); });
  assert.equal(await page.evaluate(() => window.__intervals.size), 1, 'the refresh timer runs');
  await page.evaluate((src) => document.querySelector('cofund-widget').setAttribute('src', src), `${env.server.base}/api/v1/cohorts/${ROTTERDAM}`);
  await page.waitForFunction(() => /Rotterdam/.test(document.querySelector('cofund-widget').shadowRoot.querySelector('.cofund section h2')?.textContent ?? ''));
  assert.equal(await page.evaluate(() => window.__intervals.size), 1, 'one timer, not two');
  const [w] = await widgets(page);
  assert.doesNotMatch(w.text, /Utrecht/);

  await page.evaluate(() => document.querySelector('cofund-widget').remove());
  assert.equal(await page.evaluate(() => window.__intervals.size), 0, 'no timer left');
  requests.length = 0;
  // Past the refresh interval nothing asks for the document any more. This wait is what
  // the test checks (an absence over the interval), not a guess at how long something
  // takes. (Playwright's fake clock cannot shorten it: the widget's timers then escape
  // the instrumentation.) A request of the page's own, made afterwards, is reported
  // after any the widget would have made.
  await page.waitForTimeout(16_500);
  const barrier = page.waitForRequest((r) => r.url() === `${site.base}/barrier`);
  await page.evaluate((url) => { fetch(url).catch(() => {}); }, `${site.base}/barrier`);
  await barrier;
  assert.deepEqual(requests, []);

  // Elements added later mount by themselves.
  await page.evaluate((html) => document.body.insertAdjacentHTML('afterbegin', html), tag(UTRECHT));
  await loaded(page);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('under the strict CSP the README gives, the widget loads with no violation', async () => {
  const server = env.server.base;
  const csp = `default-src 'none'; script-src ${server}/widget/ 'wasm-unsafe-eval'; connect-src ${server}; img-src 'self'; style-src 'self'`;
  const page = await open(site.page('/csp', hostPage(tag(UTRECHT)), { 'content-security-policy': csp }));
  await loaded(page);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(page.pageErrors, []);
  const [w] = await widgets(page);
  assert.match(w.text, /Utrecht/);
  // The widget's stylesheet applies (the bar has its colour), though style-src has no 'unsafe-inline'.
  const fill = await page.evaluate(() => getComputedStyle(document.querySelector('cofund-widget').shadowRoot.querySelector('.cofund-bar-fill')).backgroundColor);
  assert.equal(fill, 'rgb(11, 110, 79)');
  await page.context().close();
});

/** A host page with the iframe embed of `slug` and cofund-frame.js. */
const iframePage = (slug, extra = '') => `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Iframe</title></head><body style="margin:0">
<iframe data-cofund-frame title="Crowdfunding" src="${env.server.base}/embed/${slug}?frame=1" style="width:100%;border:0;display:block"></iframe>
<p id="below">Onder</p>${extra}<script src="${env.server.base}/widget/cofund-frame.js" async></script></body></html>`;

test('iframe mode: the iframe takes its content height at 320, 600 and 1024 px and after a disclosure opens; events are forwarded', async () => {
  const url = site.page('/iframe', iframePage(UTRECHT));
  for (const width of [320, 600, 1024]) {
    const page = await open(url, { width });
    const frame = page.frameLocator('iframe');
    await frame.locator('.cofund .cofund-updated').waitFor({ timeout: 20_000 });
    // The frame is of another origin; Playwright reads its height for the check.
    const sizes = async () => {
      const content = await page.frames()[1].evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
      const iframe = await page.evaluate(() => document.querySelector('iframe').getBoundingClientRect().height);
      return { content, iframe };
    };
    let s;
    const fits = (when) => until(`the iframe to take its content height ${when} (last: ${JSON.stringify(s)})`,
      async () => { s = await sizes(); return s.content > 200 && s.iframe === s.content; });
    await fits(`at ${width} px`);
    const closed = s.iframe;
    await frame.locator('summary').first().click();
    await page.waitForFunction((h) => parseFloat(document.querySelector('iframe').style.height) > h, closed, { timeout: 10_000 });
    await fits(`after a disclosure opens at ${width} px`);
    const events = await page.evaluate(() => window.__events.map((e) => [e.type, e.target, e.detail.slug]));
    assert.deepEqual(events, [['cofund:load', 'IFRAME', UTRECHT]]);
    assert.deepEqual(await axe(page.frames()[1]), [], `in the iframe, a disclosure open, at ${width} px`);
    await page.context().close();
  }
});

test('iframe mode: cofund-frame.js ignores cofund messages from another origin, from another window or from the frame once it shows another origin', async () => {
  // A page of a third origin that posts a forged height and a forged pledge to its parent.
  const forge = other.page('/forge', `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Nep</title></head><body><script>
parent.postMessage({ type: 'cofund:height', height: 4321 }, '*');
parent.postMessage({ type: 'cofund:pledge', detail: { slug: 'nep', amount_cents: 1 } }, '*');
</script></body></html>`);
  const page = await open(site.page('/iframe-forged', iframePage(UTRECHT,
    `<iframe id="sibling" title="Ander" src="${forge}" style="width:10px;height:10px;border:0"></iframe>`)));
  // Every message the host page receives, recorded before cofund-frame.js handles it.
  await page.evaluate(() => {
    window.__messages = [];
    addEventListener('message', (e) => window.__messages.push({ origin: e.origin, ...e.data }), true);
  });
  const frame = page.frameLocator('iframe[data-cofund-frame]');
  await frame.locator('.cofund .cofund-updated').waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => parseFloat(document.querySelector('iframe[data-cofund-frame]').style.height) > 200, null, { timeout: 10_000 });
  const height = () => page.evaluate(() => document.querySelector('iframe[data-cofund-frame]').style.height);
  const count = () => page.evaluate((origin) => window.__messages
    .filter((m) => m.origin === origin && m.type === 'cofund:height' && m.height === 4321).length, other.base);
  /** Loads the forging page into `frame`, waits until the host page got its message and
   * returns the iframe's height before and after. */
  const forgeIn = async (frame) => {
    const [seen, was] = [await count(), await height()];
    await frame.goto(forge);
    await page.waitForFunction(([origin, n]) => window.__messages
      .filter((m) => m.origin === origin && m.type === 'cofund:height' && m.height === 4321).length > n, [other.base, seen], { timeout: 10_000 });
    return [await height(), was];
  };

  // 1. From a sibling frame of another origin (loaded again now that cofund-frame.js
  // demonstrably listens: it has set the genuine height).
  let [now, was] = await forgeIn(page.frames().find((f) => f.url() === forge));
  assert.equal(now, was, 'a forged height from another window of another origin');

  // 2. From the cofund iframe itself, once it shows a page of another origin: the right
  // window, the wrong origin.
  [now, was] = await forgeIn(page.frames().find((f) => f.url().startsWith(`${env.server.base}/embed/`)));
  assert.equal(now, was, 'a forged height from the cofund iframe showing another origin');
  // Forwarded events: only the genuine load, none of the forged pledges.
  const events = await page.evaluate(() => window.__events.map((e) => e.type));
  assert.deepEqual(events, ['cofund:load']);

  // 3. The same message from the host page's own window is not the frame's either.
  was = await height();
  await page.evaluate(() => postMessage({ type: 'cofund:height', height: 4321 }, '*'));
  await page.waitForFunction((origin) => window.__messages.some((m) => m.origin === origin && m.height === 4321), site.base);
  assert.equal(await height(), was, 'a height posted by the host page itself');
  assert.notEqual(was, '4321px');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
