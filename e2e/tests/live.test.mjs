// Live progress: a pledge made in one browser moves the bar in another within a second,
// without a reload, through the document's event stream (links.events). The widget's
// polling interval stays at its default of 60 s, so only the stream can explain it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openWidget, axe, money, text } from './harness.mjs';

const OPEN = 'utrecht-voorjaar-2027';
const env = useServerAndBrowser();

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

test('a pledge in one browser moves the bar in another within a second', async () => {
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
  const acknowledged = Date.now();

  const expected = text(await money(viewer, before.crowd.pledged_cents + 4000));
  await viewer.waitForFunction(
    (want) => document.querySelector('.cofund-pledged')?.textContent.replace(/[\u00a0\u202f]/g, ' ') === want,
    expected,
    { timeout: 3000 },
  );
  const elapsed = Date.now() - acknowledged;
  assert.ok(elapsed < 1000, `the viewer's bar moved after ${elapsed} ms`);
  const percent = await viewer.getAttribute('.cofund-bar-crowd', 'aria-valuenow');
  const after = await env.server.document(OPEN);
  const target = Math.ceil((after.budget_cents * after.crowd.target_share_bps) / 10000);
  assert.equal(percent, String(Math.min(Math.floor((after.crowd.pledged_cents * 100) / target), 100)));
  assert.deepEqual(await axe(viewer), []);
  assert.deepEqual(viewer.pageErrors, []);
  await viewer.context().close();
  await donor.context().close();
});

test('a hidden page closes its stream and catches up when shown again', async () => {
  const page = await openLive(`${env.server.base}/embed/${OPEN}`);
  // Hide the page as a background tab would be.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const before = await env.server.document(OPEN);
  const r = await fetch(`${env.server.base}/api/v1/cohorts/${OPEN}/pledges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `hidden-${Date.now()}` },
    body: JSON.stringify({ amount_cents: 1500, email: 'hidden@example.nl', consent: true }),
  });
  assert.equal(r.status, 201);
  await new Promise((res) => setTimeout(res, 800));
  assert.equal(text(await page.textContent('.cofund-pledged')), text(await money(page, before.crowd.pledged_cents)),
    'a hidden page does not follow the stream');
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const expected = text(await money(page, before.crowd.pledged_cents + 1500));
  await page.waitForFunction(
    (want) => document.querySelector('.cofund-pledged')?.textContent.replace(/[\u00a0\u202f]/g, ' ') === want,
    expected,
    { timeout: 2000 },
  );
  await page.context().close();
});
