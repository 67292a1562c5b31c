// Live progress: a pledge made in one browser moves the bar in another without a reload,
// through the document's event stream (links.events). The widget's polling interval
// stays at its default of 60 s and the waits here are far shorter, so only the stream
// can explain it. How fast it moves is measured by bench/live.mjs, not asserted here.
// The server serves /metrics to loopback, so the tests can count its open streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openWidget, axe, money, text, until } from './harness.mjs';

const OPEN = 'utrecht-voorjaar-2027';
const env = useServerAndBrowser({ args: ['--metrics', '--metrics-allow', '127.0.0.1'] });

/** The server's count of open live-progress streams (cofund_live_subscribers). */
async function subscribers() {
  const r = await fetch(`${env.server.base}/metrics`);
  assert.equal(r.status, 200, 'metrics are served to loopback');
  const m = (await r.text()).match(/^cofund_live_subscribers (\S+)$/m);
  assert.ok(m, 'the metrics have cofund_live_subscribers');
  return Number(m[1]);
}

/** Waits until the server counts `n` open streams. */
async function subscribersAre(n, timeout = 30_000) {
  let last;
  await until(`${n} open streams (last seen: ${last})`, async () => (last = await subscribers()) === n, timeout);
}

const shows = (want) => document.querySelector('.cofund-pledged')?.textContent.replace(/[\u00a0\u202f]/g, ' ') === want;

/** Opens the widget and waits until its event stream is connected (headers received). */
async function openLive(url) {
  const context = await env.browser.newContext({ locale: 'nl-NL' });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  const stream = page.waitForResponse((r) => r.url().endsWith('/events') && r.status() === 200, { timeout: 15_000 });
  await page.goto(url);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  await stream;
  return page;
}

test('a pledge in one browser moves the bar in another through the event stream, without a reload', async () => {
  const before = await env.server.document(OPEN);
  assert.ok(before.links.events, 'the document advertises its event stream');
  const viewer = await openLive(`${env.server.base}/embed/${OPEN}`);
  const donor = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  assert.equal(text(await viewer.textContent('.cofund-pledged')), text(await money(viewer, before.crowd.pledged_cents)));

  await donor.click('summary.cofund-pledge-toggle');
  await donor.fill('input[name="amount"]', '40');
  await donor.fill('input[name="email"]', 'live@example.nl');
  await donor.check('input[type="checkbox"][id$="-consent"]');
  await donor.click('button.cofund-submit');
  await donor.waitForSelector('.cofund-thanks', { timeout: 10_000 });

  // Far within the 60 s polling interval: only the stream can bring the new total.
  const expected = text(await money(viewer, before.crowd.pledged_cents + 4000));
  await viewer.waitForFunction(shows, expected, { timeout: 15_000 });
  const percent = await viewer.getAttribute('.cofund-bar-crowd', 'aria-valuenow');
  const after = await env.server.document(OPEN);
  const target = Math.ceil((after.budget_cents * after.crowd.target_share_bps) / 10000);
  assert.equal(percent, String(Math.min(Math.floor((after.crowd.pledged_cents * 100) / target), 100)));
  assert.deepEqual(await axe(viewer), []);
  assert.deepEqual(viewer.pageErrors, []);
  await viewer.context().close();
  await donor.context().close();
});

test('a hidden page closes its stream (the browser ends the request, the server counts one stream less) and catches up when shown again', async () => {
  // The pages of the test before are closed: the server notices their streams end.
  await subscribersAre(0);
  const page = await openLive(`${env.server.base}/embed/${OPEN}`);
  await subscribersAre(1);
  const ended = page.waitForEvent('requestfailed', { predicate: (r) => r.url().endsWith('/events'), timeout: 15_000 });
  // Hide the page as a background tab would be.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await ended;
  await subscribersAre(0);

  // A visible page alongside: once it shows the new pledge, the event has gone out.
  const witness = await openLive(`${env.server.base}/embed/${OPEN}`);
  await subscribersAre(1);
  const before = await env.server.document(OPEN);
  const r = await fetch(`${env.server.base}/api/v1/cohorts/${OPEN}/pledges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `hidden-${Date.now()}` },
    body: JSON.stringify({ amount_cents: 1500, email: 'hidden@example.nl', consent: true }),
  });
  assert.equal(r.status, 201);
  const expected = text(await money(page, before.crowd.pledged_cents + 1500));
  await witness.waitForFunction(shows, expected, { timeout: 15_000 });
  assert.equal(text(await page.textContent('.cofund-pledged')), text(await money(page, before.crowd.pledged_cents)),
    'the hidden page did not follow');

  const reopened = page.waitForResponse((res) => res.url().endsWith('/events') && res.status() === 200, { timeout: 15_000 });
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForFunction(shows, expected, { timeout: 15_000 });
  await reopened;
  await subscribersAre(2);
  assert.deepEqual(page.pageErrors, []);
  await witness.context().close();
  await page.context().close();
});
