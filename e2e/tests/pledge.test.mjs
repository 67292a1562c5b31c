// Pledging through the widget, end to end: real server, real database, the optimised
// widget, headless Chromium, axe-core in every state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openWidget, axe, screenshot, money, text } from './harness.mjs';

const OPEN = 'utrecht-voorjaar-2027';
const env = useServerAndBrowser();

/** The pledge form opens on the donor's request. */
async function openForm(page) {
  if (!(await page.isVisible('form.cofund-form'))) await page.click('summary.cofund-pledge-toggle');
}

async function fillDonor(page, { amount, email = 'donor@example.nl', consent = true }) {
  await openForm(page);
  if (amount !== undefined) await page.fill('input[name="amount"]', amount);
  await page.fill('input[name="email"]', email);
  if (consent) await page.check('input[type="checkbox"][id$="-consent"]');
}

test('the cohort renders with the figures of its document, without accessibility violations', async () => {
  const doc = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  assert.equal(text(await page.textContent('.cofund-pledged')), text(await money(page, doc.crowd.pledged_cents)));
  const target = Math.ceil((doc.budget_cents * doc.crowd.target_share_bps) / 10000);
  const percent = Math.floor((doc.crowd.pledged_cents * 100) / target);
  assert.equal(await page.getAttribute('.cofund-bar-crowd', 'aria-valuenow'), String(Math.min(percent, 100)));
  assert.match(text(await page.textContent('.cofund-backers')), new RegExp(`^${doc.crowd.backers} donateurs$`));
  assert.equal(await page.locator('.cofund-stakeholder').count(), doc.stakeholders.length);
  assert.deepEqual(await axe(page), []);
  assert.deepEqual(page.pageErrors, []);
  // The browser got the wasm compressed (the precompressed copy), not its 400 KB.
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith('.wasm')).map((e) => [e.encodedBodySize, e.decodedBodySize])[0]);
  assert.ok(wasm && wasm[0] > 0 && wasm[0] * 2 < wasm[1], `wasm transfer ${wasm}`);
  await screenshot(page, '01-loaded-nl');
  // Opened, every list and the form are accessible too.
  await page.evaluate(() => document.querySelectorAll('.cofund details').forEach((d) => { d.open = true; }));
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '01-loaded-nl-opened');
  await page.context().close();
});

test('a pledge of "25,50" succeeds, shows the payment reference and moves the bar', async () => {
  const before = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  await fillDonor(page, { amount: '25,50', email: 'sanne.de.vries@example.nl' });
  await page.fill('input[name="name"]', 'Sanne');
  await page.check('input[id$="-show-name"]');
  await page.fill('textarea[name="message"]', 'Succes met de moestuin!');
  assert.equal(text(await page.textContent('p[id$="-message-count"]')), 'Nog 257 tekens');
  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-thanks', { timeout: 10_000 });

  const reference = await page.textContent('.cofund-pay-reference');
  assert.match(reference, /^S4C-UTR-[A-Z0-9]+/);
  assert.equal(text(await page.textContent('.cofund-pay-amount')), text(await money(page, 2550)));
  assert.match(await page.textContent('.cofund-pay-iban'), /^NL\d{2} [A-Z]{4} \d{4} \d{4} \d{2}$/, 'the IBAN in groups of four');
  assert.equal(await page.textContent('.cofund-thanks h3'), 'Dank je wel, Sanne!');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H3', 'focus moves to the thank-you');
  assert.match(await page.textContent('[role="status"][aria-live="polite"]'), /toezegging is ontvangen/);

  // The bar took the returned totals at once.
  const expected = text(await money(page, before.crowd.pledged_cents + 2550));
  assert.equal(text(await page.textContent('.cofund-pledged')), expected);
  assert.match(text(await page.getAttribute('.cofund-bar-crowd', 'aria-valuetext')), new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} van`));

  // The widget then refreshes the document: the new pledge heads the recent ones.
  await page.waitForFunction(() => document.querySelector('.cofund-pledge')?.textContent.includes('Sanne'));
  const first = text(await page.textContent('.cofund-pledge'));
  assert.ok(first.startsWith(`Sanne${text(await money(page, 2550))}`) && first.includes('Succes met de moestuin!'), first);

  // And the document says the same: one more backer, the new total, the name shown.
  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.pledged_cents, before.crowd.pledged_cents + 2550);
  assert.equal(after.crowd.backers, before.crowd.backers + 1);
  assert.equal(after.recent_pledges[0].name, 'Sanne');
  assert.equal(after.recent_pledges[0].amount_cents, 2550);
  assert.ok(!JSON.stringify(after).includes('sanne.de.vries@example.nl'), 'no e-mail in the public document');

  assert.deepEqual(await axe(page), []);
  await screenshot(page, '03-success-nl');
  await page.context().close();
});

test('invalid and ambiguous amounts are refused beside their field, and nothing is pledged', async () => {
  const before = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  const amount = page.locator('input[name="amount"]');
  const error = page.locator('p[id$="-amount_cents-error"]');
  for (const [input, message] of [
    ['1,000', /dubbelzinnig/],
    ['25,505', /dubbelzinnig/],
    ['twintig', /Typ alleen een bedrag/],
    ['-25', /Typ alleen een bedrag/],
    ['25.5050', /twee cijfers achter de komma/],
    ['1', /Kies een bedrag van € 5 tot en met € 5\.000/],
  ]) {
    await fillDonor(page, { amount: input });
    await page.click('button.cofund-submit');
    await page.waitForFunction(() => document.querySelector('input[name="amount"]').getAttribute('aria-invalid') === 'true');
    assert.match(text(await error.textContent()), message, input);
    assert.equal(await error.isVisible(), true);
    // The error is linked to the field and focus is moved to it.
    const describedBy = await amount.getAttribute('aria-describedby');
    assert.ok(describedBy.split(' ').includes(await error.getAttribute('id')));
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'amount');
  }
  // Several errors at once: the first field gets focus.
  await page.fill('input[name="amount"]', '');
  await page.fill('input[name="email"]', 'not-an-address');
  await page.uncheck('input[id$="-consent"]');
  await page.click('.cofund-amounts button >> nth=0');
  await page.click('button.cofund-submit');
  await page.waitForSelector('p[id$="-email-error"]:not([hidden])');
  assert.match(await page.textContent('p[id$="-email-error"]'), /geldig e-mailadres/);
  assert.match(await page.textContent('p[id$="-consent-error"]'), /toestemming/);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'email');
  assert.match(await page.textContent('[role="status"][aria-live="polite"]'), /Er staan 2 fouten in het formulier/);
  await screenshot(page, '02-errors-nl');
  assert.deepEqual(await axe(page), []);

  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.pledged_cents, before.crowd.pledged_cents, 'no pledge was made');
  await page.context().close();
});

test('a retry after a dropped response makes one pledge, with the same idempotency key', async () => {
  const before = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  const keys = [];
  let dropped = false;
  await page.route('**/pledges', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (!dropped) {
      dropped = true;
      await route.fetch(); // the server records the pledge …
      return route.abort('connectionreset'); // … but its answer never arrives
    }
    return route.continue();
  });
  await fillDonor(page, { amount: '40', email: 'retry@example.nl' });
  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-notice:not(.cofund-pot-empty)');
  assert.match(await page.textContent('.cofund-notice:not(.cofund-pot-empty)'), /geen verbinding met de server/);
  assert.equal(await page.inputValue('input[name="amount"]'), '40', 'what the donor typed is kept');
  assert.equal(await page.inputValue('input[name="email"]'), 'retry@example.nl');
  assert.equal(await page.textContent('button.cofund-submit'), 'Opnieuw versturen');
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '04-network-error-nl');
  const midway = await env.server.document(OPEN);
  assert.equal(midway.crowd.pledged_cents, before.crowd.pledged_cents + 4000, 'the first request reached the server');

  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-thanks');
  assert.equal(keys.length, 2);
  assert.ok(keys[0] && keys[0] === keys[1], `same key on the retry: ${keys}`);
  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.pledged_cents, before.crowd.pledged_cents + 4000, 'counted once');
  assert.equal(after.crowd.backers, before.crowd.backers + 1);
  await page.context().close();
});

test('a double click makes one pledge', async () => {
  const before = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  let posts = 0;
  page.on('request', (r) => { if (r.method() === 'POST') posts += 1; });
  await fillDonor(page, { amount: '10', email: 'double@example.nl' });
  await page.dblclick('button.cofund-submit');
  await page.waitForSelector('.cofund-thanks');
  assert.equal(posts, 1);
  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.pledged_cents, before.crowd.pledged_cents + 1000);
  await page.context().close();
});

test('the whole flow works with the keyboard alone, in English, choosing a suggested amount that was not preselected', async () => {
  const before = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}?locale=en-GB`, { locale: 'en-GB', reducedMotion: 'reduce' });
  assert.equal(await page.getAttribute('.cofund section', 'lang'), 'en-GB');
  const focusOn = async (selector) => {
    for (let i = 0; i < 60; i += 1) {
      if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${selector}`);
  };
  await focusOn('summary.cofund-pledge-toggle');
  assert.equal(await page.isVisible('form.cofund-form'), false);
  await page.keyboard.press('Enter'); // opens the form
  await focusOn('.cofund-amounts button');
  const pressed = () => page.$$eval('.cofund-amounts button', (bs) => bs.map((b) => b.getAttribute('aria-pressed')));
  // The second suggested amount is preselected; the donor takes the third.
  assert.deepEqual(await pressed(), ['false', 'true', 'false', 'false']);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement === document.querySelectorAll('.cofund-amounts button')[2]), true);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('.cofund-amounts button')[2].getAttribute('aria-pressed') === 'true');
  assert.deepEqual(await pressed(), ['false', 'false', 'true', 'false']);
  await focusOn('input[name="email"]');
  await page.keyboard.type('keys@example.org');
  await focusOn('input[id$="-consent"]');
  await page.keyboard.press('Space');
  await focusOn('button.cofund-submit');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.cofund-thanks');
  assert.match(await page.textContent('.cofund-thanks'), /Please transfer the amount/);
  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.pledged_cents, before.crowd.pledged_cents + before.crowd.suggested_cents[2]);
  // Reduced motion: the bar does not animate.
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.cofund-bar-fill')).transitionDuration), '0s');
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '05-success-en-keyboard');
  await page.context().close();
});

test('a closed campaign refuses pledges, in the widget and at the endpoint', async () => {
  const page = await openWidget(env.browser, `${env.server.base}/embed/den-haag-najaar-2026`);
  assert.match(await page.textContent('.cofund-readonly'), /De campagne is gesloten/);
  assert.equal(await page.locator('form').count(), 0);
  const status = await page.evaluate(async (url) => {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'closed-1' },
      body: JSON.stringify({ amount_cents: 2500, email: 'a@b.nl', consent: true }) });
    return [r.status, (await r.json()).error.code];
  }, `${env.server.base}/api/v1/cohorts/den-haag-najaar-2026/pledges`);
  assert.deepEqual(status, [409, 'campaign_not_open']);
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '06-closed-nl');
  await page.context().close();
});

test('a campaign that closes while the form is open says so plainly', async () => {
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  await page.route('**/pledges', (route) => route.fulfill({ status: 409, contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'campaign_not_open', message: 'The campaign is not open.' } }) }));
  await fillDonor(page, { amount: '15' });
  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-notice:not(.cofund-pot-empty)');
  assert.match(await page.textContent('.cofund-notice:not(.cofund-pot-empty)'), /De campagne is gesloten/);
  await page.context().close();
});

test('a server error keeps the form and retries with the same key', async () => {
  const before = await env.server.document(OPEN);
  const page = await openWidget(env.browser, `${env.server.base}/embed/${OPEN}`);
  const keys = [];
  await page.route('**/pledges', (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (keys.length === 1) {
      return route.fulfill({ status: 503, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'internal', message: 'Internal error.' } }) });
    }
    return route.continue();
  });
  await fillDonor(page, { amount: '12,50', email: 'server-error@example.nl' });
  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-notice:not(.cofund-pot-empty)');
  assert.match(await page.textContent('.cofund-notice:not(.cofund-pot-empty)'), /Er ging iets mis bij de server/);
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('cofund-notice')), true);
  await page.click('button.cofund-submit');
  await page.waitForSelector('.cofund-thanks');
  assert.ok(keys.length === 2 && keys[0] === keys[1], `same key: ${keys}`);
  const after = await env.server.document(OPEN);
  assert.equal(after.crowd.pledged_cents, before.crowd.pledged_cents + 1250);
  await page.context().close();
});

test('a read-only cohort links to the programme page instead of a form', async () => {
  const page = await openWidget(env.browser, `${env.server.base}/embed/zwolle-voorjaar-2027`);
  assert.equal(await page.locator('form').count(), 0);
  assert.match(await page.getAttribute('.cofund-readonly a', 'href'), /^https:\/\/starters4communities\.nl\/zwolle/);
  assert.deepEqual(await axe(page), []);
  await page.context().close();
});

test('the demo page embeds every cohort, each in its own widget', async () => {
  const context = await env.browser.newContext({ locale: 'nl-NL' });
  const page = await context.newPage();
  await page.goto(`${env.server.base}/`);
  // The demo page shows the one-tag snippet: each <cofund-widget> in its shadow root.
  await page.addInitScript(() => {
    window.__titles = () => [...document.querySelectorAll('cofund-widget')]
      .map((h) => h.shadowRoot?.querySelector('.cofund .cofund-updated') && h.shadowRoot.querySelector('.cofund section h2').textContent).filter(Boolean);
  });
  await page.reload();
  await page.waitForFunction(() => window.__titles().length >= 5, null, { timeout: 15_000 });
  const names = await page.evaluate(() => window.__titles());
  assert.equal(new Set(names).size, names.length);
  // Each widget's wasm takes over the server's first view once it is near the viewport.
  const count = await page.evaluate(() => document.querySelectorAll('cofund-widget').length);
  for (let i = 0; i < count; i += 1) {
    await page.evaluate((n) => document.querySelectorAll('cofund-widget')[n].scrollIntoView(), i);
    await page.waitForFunction((n) => !document.querySelectorAll('cofund-widget')[n].shadowRoot.querySelector('[data-cofund-ssr]'), i, { timeout: 15_000 });
  }
  // One stylesheet shared by every widget's shadow root, none injected into the page.
  assert.equal(await page.locator('#cofund-widget-style').count(), 0);
  assert.ok(await page.evaluate(() => {
    const sheets = [...document.querySelectorAll('cofund-widget')].map((h) => h.shadowRoot.adoptedStyleSheets);
    return sheets.every((s) => s.length === 1 && s[0] === sheets[0][0]);
  }), 'one shared constructable stylesheet');
  assert.deepEqual(await axe(page, 'html'), [], 'the whole demo page, host included');
  await context.close();
});

test('an unreachable document shows an error with a retry, without violations', async () => {
  const context = await env.browser.newContext({ locale: 'nl-NL' });
  const page = await context.newPage();
  await page.route('**/api/v1/cohorts/*', (route) => route.abort('connectionrefused'));
  await page.goto(`${env.server.base}/embed/${OPEN}`);
  await page.waitForSelector('.cofund-error');
  assert.match(await page.textContent('.cofund-error'), /Controleer je internetverbinding/);
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '07-load-error-nl');
  await page.unroute('**/api/v1/cohorts/*');
  await page.click('button.cofund-retry');
  await page.waitForSelector('.cofund-pledged');
  await context.close();
});
