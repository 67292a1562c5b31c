// Co-funding that computes (issue 14), end to end against the real server seeded by
// `cofund demo`: a stakeholder's trigger flips live in another open page, the pledge
// form's match preview follows the amount typed, the widget's programme mode, a 1.0
// document in the current widget, axe-core and no sideways scroll at 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openWidget, axe, money, text, until } from './harness.mjs';

const UTRECHT = 'utrecht-voorjaar-2027'; // Gemeente Utrecht's trigger, Oranje Fonds' capped 1:1 match
const ROTTERDAM = 'rotterdam-zuid-najaar-2027'; // just opened, no rules: a 1.0 document
const PROGRAMME = 'starters4communities';
const env = useServerAndBrowser();

function adminToken() {
  const m = env.server.output.match(/Admin token: (cfd_[0-9a-f]+)/);
  assert.ok(m, 'cofund demo prints an admin token');
  return m[1];
}

async function pledge(slug, amountCents, email) {
  const r = await fetch(`${env.server.base}/api/v1/cohorts/${slug}/pledges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `${email}-${Date.now()}` },
    body: JSON.stringify({ amount_cents: amountCents, email, consent: true }),
  });
  assert.equal(r.status, 201, `pledge of ${amountCents} to ${slug}`);
}

/** A page with the one-tag embed of `src` (a cohort or programme document) at `width` px. */
async function hostPage(src, { width = 600, locale = 'nl-NL' } = {}) {
  const context = await env.browser.newContext({ viewport: { width, height: 900 }, locale });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.route(`${env.server.base}/host`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Programma</title></head>
<body><main><h1>Doe mee</h1><cofund-widget src="${src}" locale="${locale}"></cofund-widget></main>
<script type="module" src="${env.server.base}/widget/cofund.js" async></script></body></html>`,
  }));
  await page.goto(`${env.server.base}/host`);
  return page;
}

const noSidewaysScroll = (page) =>
  page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);

test('a 1.0 document (no rules) still renders in the current widget', async () => {
  const doc = await env.server.document(ROTTERDAM);
  assert.equal(doc.schema, 'cofund/cohort@1', 'a cohort without rules is served as contract 1.0');
  const page = await openWidget(env.browser, `${env.server.base}/embed/${ROTTERDAM}`);
  assert.equal(text(await page.textContent('.cofund-pledged')), text(await money(page, doc.crowd.pledged_cents)));
  assert.equal(text(await page.textContent('.cofund section h2')), doc.name);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('the match preview follows the amount typed, from cofund-core\'s gift preview', async () => {
  const page = await openWidget(env.browser, `${env.server.base}/embed/${UTRECHT}`);
  await page.click('summary.cofund-pledge-toggle');
  const amount = page.locator('input[name="amount"]');
  const preview = () => page.locator('.cofund-preview').allTextContents().then((l) => l.map(text));
  // Oranje Fonds doubles each crowd euro, at most € 25 a gift.
  await amount.fill('10');
  await until('the preview for € 10', async () => (await preview()).some((l) => l.includes('Oranje Fonds') && l.includes(text(`€ 10`)) && l.includes('€ 20')));
  await amount.fill('40');
  // € 40 is matched up to the € 25 cap: together € 65.
  await until('the preview for € 40', async () => (await preview()).some((l) => l.includes('Oranje Fonds') && l.includes('€ 40') && l.includes('€ 65')));
  assert.ok(!(await preview()).some((l) => l.includes('€ 20')), 'the € 10 preview is gone');
  await amount.fill('');
  await until('no preview without an amount', async () => (await preview()).length === 0);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('a pledge that crosses a trigger flips that stakeholder to met in another open page within 2 s', async () => {
  const before = await env.server.document(ROTTERDAM);
  const need = before.crowd.backers + 1;
  const r = await fetch(`${env.server.base}/api/v1/admin/cohorts/${ROTTERDAM}/stakeholders/Fonds%20Zuid`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'fund', status: 'committed', amount_cents: 0,
      rules: [{ kind: 'trigger', amount_cents: 250000, backers: need }] }),
  });
  assert.ok([200, 201].includes(r.status), `stakeholder with a trigger: ${r.status} ${await r.text()}`);
  const waiting = await env.server.document(ROTTERDAM);
  assert.equal(waiting.schema, 'cofund/cohort@1.1');
  const fund = waiting.stakeholders.find((s) => s.name === 'Fonds Zuid');
  assert.equal(fund.evaluation.rules[0].state, 'waiting');

  const viewer = await hostPage(`${env.server.base}/api/v1/cohorts/${ROTTERDAM}`);
  const stream = viewer.waitForResponse((res) => res.url().endsWith('/events') && res.status() === 200, { timeout: 15_000 });
  await viewer.waitForSelector('.cofund-stakeholder', { state: 'attached', timeout: 15_000 });
  await stream;
  const ruleText = () => viewer.evaluate(() => {
    const root = document.querySelector('cofund-widget').shadowRoot;
    const item = [...root.querySelectorAll('.cofund-stakeholder')].find((li) => li.textContent.includes('Fonds Zuid'));
    return item?.querySelector('.cofund-rule')?.textContent ?? '';
  });
  assert.match(text(await ruleText()), new RegExp(`Wacht: nu ${need - 1} van ${need} donateurs`));

  await pledge(ROTTERDAM, 2000, 'trigger@example.nl');
  const pledgedAt = Date.now();
  await viewer.waitForFunction(() => {
    const root = document.querySelector('cofund-widget').shadowRoot;
    const item = [...root.querySelectorAll('.cofund-stakeholder')].find((li) => li.textContent.includes('Fonds Zuid'));
    return item?.querySelector('.cofund-rule')?.textContent.includes('Gehaald op');
  }, null, { timeout: 2_000, polling: 50 });
  const took = Date.now() - pledgedAt;
  assert.ok(took <= 2_000, `flipped after ${took} ms`);
  const met = (await env.server.document(ROTTERDAM)).stakeholders.find((s) => s.name === 'Fonds Zuid');
  assert.equal(met.evaluation.rules[0].state, 'met');
  assert.equal(met.evaluation.unlocked_cents, 250000);
  assert.deepEqual(viewer.pageErrors, []);
  await viewer.context().close();
});

test('the cohort with rules: axe-core finds no A/AA violation, no sideways scroll at 360 px', async () => {
  const page = await hostPage(`${env.server.base}/api/v1/cohorts/${UTRECHT}`, { width: 360 });
  await page.waitForSelector('.cofund-updated', { timeout: 15_000 });
  await page.click('summary.cofund-pledge-toggle');
  await page.fill('input[name="amount"]', '25');
  await page.waitForSelector('.cofund-preview');
  for (const details of await page.locator('details.cofund-more').all()) await details.evaluate((d) => { d.open = true; });
  assert.deepEqual(await axe(page, { fromShadowDom: ['cofund-widget', '.cofund'] }), []);
  const [scroll, width] = await noSidewaysScroll(page);
  assert.ok(scroll <= width, `page scrolls sideways: ${scroll} > ${width}`);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('programme mode: totals, the cohorts with their bars linked to their pages, in Dutch and English', async () => {
  const r = await fetch(`${env.server.base}/api/v1/programmes/${PROGRAMME}`);
  assert.equal(r.status, 200);
  const doc = await r.json();
  assert.equal(doc.schema, 'cofund/programme@1');
  assert.ok(doc.cohorts.length >= 2, 'the demo programme has several cohorts');

  const page = await hostPage(`${env.server.base}/api/v1/programmes/${PROGRAMME}`);
  await page.waitForSelector('.cofund-programme-cohorts li', { timeout: 15_000 });
  assert.equal(text(await page.textContent('.cofund-programme-mode h2')), doc.name);
  assert.equal(text(await page.textContent('.cofund-programme-totals .cofund-pledged')),
    text(await money(page, doc.totals.pledged_cents)));
  const items = page.locator('.cofund-programme-cohorts li');
  assert.equal(await items.count(), doc.cohorts.length);
  for (let i = 0; i < doc.cohorts.length; i++) {
    const c = doc.cohorts[i];
    const link = items.nth(i).locator('a');
    assert.equal(text(await link.textContent()), c.name);
    assert.equal(await link.getAttribute('href'), c.page ?? c.document);
    const bar = items.nth(i).locator('[role="progressbar"]');
    assert.equal(await bar.getAttribute('aria-valuenow'), String(Math.min(Math.max(c.percent_of_target ?? 0, 0), 100)));
  }
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();

  const en = await hostPage(`${env.server.base}/api/v1/programmes/${PROGRAMME}`, { locale: 'en-GB' });
  await en.waitForSelector('.cofund-programme-cohorts li', { timeout: 15_000 });
  assert.equal(text(await en.textContent('.cofund-programme-cohorts h3')), 'Cohorts');
  assert.match(text(await en.textContent('.cofund-programme-totals')), /Own contributions: .* of /);
  await en.context().close();
});

test('programme mode follows a pledge in any of its cohorts live', async () => {
  const page = await hostPage(`${env.server.base}/api/v1/programmes/${PROGRAMME}`);
  const stream = page.waitForResponse((res) => res.url().endsWith(`/programmes/${PROGRAMME}/events`) && res.status() === 200, { timeout: 15_000 });
  await page.waitForSelector('.cofund-programme-cohorts li', { timeout: 15_000 });
  await stream;
  const before = await (await fetch(`${env.server.base}/api/v1/programmes/${PROGRAMME}`)).json();
  await pledge(UTRECHT, 3300, 'programme-live@example.nl');
  const expected = text(await money(page, before.totals.pledged_cents + 3300));
  await page.waitForFunction((want) => document.querySelector('cofund-widget').shadowRoot
    .querySelector('.cofund-programme-totals .cofund-pledged')?.textContent.replace(/[\u00a0\u202f]/g, ' ') === want,
  expected, { timeout: 5_000 });
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('programme mode: axe-core finds no A/AA violation, no sideways scroll at 360 px', async () => {
  const page = await hostPage(`${env.server.base}/api/v1/programmes/${PROGRAMME}`, { width: 360 });
  await page.waitForSelector('.cofund-programme-cohorts li', { timeout: 15_000 });
  assert.deepEqual(await axe(page, { fromShadowDom: ['cofund-widget', '.cofund'] }), []);
  const [scroll, width] = await noSidewaysScroll(page);
  assert.ok(scroll <= width, `page scrolls sideways: ${scroll} > ${width}`);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
