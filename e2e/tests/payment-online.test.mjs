// Paying a pledge online, end to end: the real server with the built-in test payment
// provider (it speaks Mollie's API; the server's real Mollie client talks to it), the
// release widget and Chromium. Pledge → iDEAL → the provider's checkout → back on the
// page the donor came from, with the outcome shown and counted (or not).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axe, screenshot, money, text } from './harness.mjs';

const OPEN = 'utrecht-voorjaar-2027';
const env = useServerAndBrowser({ payments: 'demo' });

async function newPage(options = {}) {
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: options.width ?? 412, height: 900 } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  return page;
}

/** Pledges `amount` through the widget (in `frame`, the page or an iframe) and returns
 * the server's answer. */
async function pledge(page, frame, amount, email) {
  await frame.locator('summary.cofund-pledge-toggle').click();
  await frame.locator('input[name="amount"]').fill(amount);
  await frame.locator('input[name="email"]').fill(email);
  await frame.locator('input[id$="-consent"]').check();
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/pledges'));
  await frame.locator('button.cofund-submit').click();
  const body = await (await answer).json();
  await frame.locator('.cofund-thanks').waitFor();
  return body;
}

/** On the provider's checkout page, chooses an outcome; resolves back on the widget. */
async function checkout(page, outcome) {
  await page.waitForURL(/\/demo-psp\/checkout\/tr_/);
  assert.deepEqual(await axe(page, 'html'), [], 'the test checkout page is accessible too');
  await page.getByRole('button', { name: outcome }).click();
  await page.waitForURL(/cofund_payment=pl_/);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
}

const received = (page) => page.textContent('.cofund-received').then(text);

test('iDEAL first, then the transfer details; paid at the checkout, the widget says paid and counts it', async () => {
  const page = await newPage();
  await page.goto(`${env.server.base}/embed/${OPEN}`);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  const before = await env.server.document(OPEN);
  const answer = await pledge(page, page, '25,50', 'ideal-paid@example.nl');
  assert.equal(answer.online_payment.method, 'ideal');

  // The primary action is iDEAL; the transfer details follow, second.
  const ideal = page.locator('.cofund-thanks button.cofund-ideal');
  assert.equal(await ideal.textContent(), 'Betaal nu met iDEAL');
  const order = await page.$$eval('.cofund-thanks button', (bs) => bs.map((b) => b.className));
  assert.equal(order[0], 'cofund-ideal', `iDEAL comes first: ${order}`);
  assert.match(await page.textContent('.cofund-transfer-intro'), /Liever zelf overmaken/);
  assert.equal(await page.textContent('.cofund-pay-reference'), answer.payment.reference);
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '20-pledged-with-ideal');

  await ideal.click();
  await checkout(page, 'Betaald');
  assert.equal(new URL(page.url()).searchParams.get('cofund_payment'), answer.pledge.id);
  await page.waitForSelector('.cofund-thanks.cofund-paid');
  assert.equal(await page.textContent('.cofund-thanks h3'), 'Betaald, dank je wel!');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H3', 'focus on the outcome');
  assert.match(await page.textContent('.cofund-pledge-section [role="status"]'), /Betaald/);
  assert.equal(await page.locator('.cofund-thanks .cofund-details').count(), 0, 'no transfer details once paid');

  // Counted: the document and the widget show the received figure moved.
  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.received_cents, before.crowd.received_cents + 2550);
  const expected = `waarvan ${text(await money(page, after.crowd.received_cents))} ontvangen`;
  await page.waitForFunction((e) => document.querySelector('.cofund-received')?.textContent.replace(/[\u00a0\u202f]/g, ' ') === e, expected);
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '21-paid');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a failed payment counts nothing and offers iDEAL again and the transfer; replayed and forged webhooks change nothing', async () => {
  const page = await newPage({ width: 360 });
  await page.goto(`${env.server.base}/embed/${OPEN}`);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  const before = await env.server.document(OPEN);
  const answer = await pledge(page, page, '40', 'ideal-failed@example.nl');
  await page.click('button.cofund-ideal');
  await page.waitForURL(/\/demo-psp\/checkout\/tr_/);
  const paymentId = page.url().split('/').pop();
  await checkout(page, 'Mislukt');
  await page.waitForSelector('.cofund-thanks.cofund-failed');
  assert.equal(await page.textContent('.cofund-thanks h3'), 'De betaling is niet gelukt');
  assert.equal(await page.textContent('.cofund-thanks button.cofund-ideal'), 'Opnieuw betalen met iDEAL');
  assert.equal(await page.textContent('.cofund-pay-reference'), answer.payment.reference, 'the transfer details are there');
  assert.equal((await env.server.document(OPEN)).crowd.received_cents, before.crowd.received_cents, 'nothing received');
  assert.equal(await received(page), `waarvan ${text(await money(page, before.crowd.received_cents))} ontvangen`);
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '22-failed-retry');

  // The provider's webhook arrives three more times, and someone forges one: nothing moves.
  const etag = async () => (await fetch(`${env.server.base}/api/v1/cohorts/${OPEN}`)).headers.get('etag');
  const unchanged = await etag();
  for (const id of [paymentId, paymentId, paymentId, 'tr_forged0000']) {
    const r = await fetch(`${env.server.base}/api/v1/payments/webhook`, { method: 'POST', body: new URLSearchParams({ id, status: 'paid' }) });
    assert.equal(r.status, 200);
  }
  assert.equal(await etag(), unchanged);

  // Paying again works.
  await page.click('button.cofund-ideal');
  await checkout(page, 'Betaald');
  await page.waitForSelector('.cofund-thanks.cofund-paid');
  assert.equal((await env.server.document(OPEN)).crowd.received_cents, before.crowd.received_cents + 4000);
  await page.context().close();
});

test('in an iframe the checkout opens at the top level and the donor comes back to the widget page', async () => {
  const page = await newPage();
  // A host page framing the widget's page. (On the server's own origin: Chromium's
  // local-network checks block a localhost page from framing 127.0.0.1.)
  const host = `${env.server.base}/host-page`;
  await page.route(host, (route) => route.fulfill({ contentType: 'text/html',
    body: `<!doctype html><html lang="nl"><title>Host</title><h1>Een gastpagina</h1><iframe title="Cofund" src="${env.server.base}/embed/${OPEN}" style="width:400px;height:800px"></iframe>` }));
  await page.goto(host);
  const frame = page.frameLocator('iframe');
  await frame.locator('.cofund section h2').waitFor({ timeout: 15_000 });
  await pledge(page, frame, '15', 'ideal-frame@example.nl');
  await frame.locator('button.cofund-ideal').click();
  await page.waitForURL(/\/demo-psp\/checkout\/tr_/);
  assert.equal(page.frames().length, 1, 'the checkout replaced the whole page, not the frame');
  await checkout(page, 'Betaald');
  assert.match(page.url(), new RegExp(`^${env.server.base}/embed/${OPEN}\\?`));
  await page.waitForSelector('.cofund-thanks.cofund-paid');
  await page.context().close();
});

test('a return URL on a foreign origin is refused', async () => {
  const page = await newPage();
  await page.goto(`${env.server.base}/embed/${OPEN}`);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  const answer = await pledge(page, page, '10', 'ideal-foreign@example.nl');
  const result = await page.evaluate(async (url) => {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'foreign-1' },
      body: JSON.stringify({ return_url: 'https://evil.example/phish' }) });
    return [r.status, (await r.json()).error];
  }, answer.online_payment.start_url);
  assert.equal(result[0], 422);
  assert.deepEqual(result[1].fields.map((f) => f.field), ['return_url']);
  await page.context().close();
});
