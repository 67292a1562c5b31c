// Co-funding that computes (issue 14), end to end against the real server seeded by
// `cofund demo`: a stakeholder's trigger flips live in another open page, the pledge
// form's match preview follows the amount typed, the widget's programme mode, a 1.0
// document in the current widget, axe-core and no sideways scroll at 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openWidget, axe, money, text, until, takenOver } from './harness.mjs';

const UTRECHT = 'utrecht-voorjaar-2027'; // Gemeente Utrecht's trigger, Oranje Fonds' capped 1:1 match
const ROTTERDAM = 'rotterdam-zuid-najaar-2027'; // just opened, no rules of its own
const PROGRAMME = 'starters4communities';
const env = useServerAndBrowser();

function adminToken() {
  const m = env.server.output.match(/Admin token: (cfd_[0-9a-f]+)/);
  assert.ok(m, 'cofund demo prints an admin token');
  return m[1];
}

const POT = {
  name: 'Vermenigvuldigingspot Starters4Communities',
  funders: [{ name: 'Oranje Fonds', amount_cents: 5000000 }, { name: 'Fonds 1818', amount_cents: 5000000 }],
  pot_cents: 10000000, ratio_bps: 10000, cap_per_gift_cents: 2500, cap_per_cohort_cents: 2000000,
};
const IMPACT = [
  { kind: 'participants', value: 250, as_of: '2026-06-30', source: 'Jaarverslag 2025' },
  { kind: 'found_work_share_bps', value: 6230, as_of: '2026-06-30', source: 'Jaarverslag 2025' },
  { kind: 'custom', label: 'Buurtmaaltijden', value: 1200, as_of: '2026-05-31', source: 'Telling wijkteams' },
];

/** Sets the programme's pot and impact figures through the admin API. */
async function putProgramme(pot, impact = IMPACT) {
  const r = await fetch(`${env.server.base}/api/v1/admin/programmes/${PROGRAMME}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Starters4Communities', url: 'https://starters4communities.nl', pot, impact }),
  });
  assert.ok([200, 201].includes(r.status), `programme settings: ${r.status} ${await r.text()}`);
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

test('a 1.0 document (no rules, no pot) still renders in the current widget', async () => {
  // Every demo cohort is in a programme with a pot, so its document is 1.1: the 1.0
  // document is this server's own with what 1.1 added taken out, as an older server
  // would write it.
  const doc = await env.server.document(ROTTERDAM);
  const v1 = structuredClone(doc);
  v1.schema = 'cofund/cohort@1';
  delete v1.pot;
  for (const s of v1.stakeholders) { delete s.rules; delete s.evaluation; }
  const context = await env.browser.newContext({ locale: 'nl-NL' });
  await context.route((url) => url.pathname === `/api/v1/cohorts/${ROTTERDAM}`, (route) =>
    route.fulfill({ contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(v1) }));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  let served = null;
  page.on('response', (r) => { if (new URL(r.url()).pathname === `/api/v1/cohorts/${ROTTERDAM}`) served = r; });
  await page.goto(`${env.server.base}/embed/${ROTTERDAM}`);
  await page.waitForSelector('.cofund .cofund-updated', { timeout: 15_000 });
  await page.waitForFunction(takenOver, null, { timeout: 15_000 });
  assert.ok(served, 'the widget read the document');
  assert.equal((await served.json()).schema, 'cofund/cohort@1', 'the widget was given the 1.0 document');
  assert.equal(text(await page.textContent('.cofund-pledged')), text(await money(page, v1.crowd.pledged_cents)));
  assert.equal(text(await page.textContent('.cofund section h2')), v1.name);
  assert.equal(await page.locator('.cofund-pot').count(), 0, 'no pot section without a pot');
  assert.deepEqual(errors, []);
  await context.close();
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
  await amount.fill('3');
  await until('the preview for € 3', async () => (await preview()).some((l) => l.includes('Oranje Fonds') && l.includes('€ 3 ') && l.includes('€ 6')));
  assert.ok(!(await preview()).some((l) => l.includes('€ 65')), 'the € 40 preview is gone');
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

test('the pot in a cohort: what it added here and what is left, in the pledge form\'s preview; axe-core finds no A/AA violation, no sideways scroll at 360 px', async () => {
  await putProgramme(POT);
  const doc = await env.server.document(UTRECHT);
  assert.equal(doc.schema, 'cofund/cohort@1.1');
  assert.ok(doc.pot && doc.pot.added_cents > 0 && !doc.pot.exhausted, `the pot gave Utrecht something and has more: ${JSON.stringify(doc.pot)}`);
  const page = await hostPage(`${env.server.base}/api/v1/cohorts/${UTRECHT}`, { width: 360 });
  await page.waitForSelector('.cofund-updated', { timeout: 15_000 });
  assert.equal(text(await page.textContent('.cofund-pot h3')), POT.name);
  assert.equal(text(await page.textContent('.cofund-pot-added')),
    `De pot voegde ${text(await money(page, doc.pot.added_cents))} toe aan dit cohort`);
  assert.equal(text(await page.textContent('.cofund-pot-left')),
    `Nog ${text(await money(page, doc.pot.left_cents))} van ${text(await money(page, doc.pot.pot_cents))} in de pot`);
  await page.click('summary.cofund-pledge-toggle');
  await page.fill('input[name="amount"]', '40');
  // € 40 at 1:1, at most € 25 a gift from the pot.
  await until('the pot in the preview', async () => (await page.locator('.cofund-preview').allTextContents())
    .map(text).some((l) => l.startsWith('De pot van Starters4Communities voegt € 25 toe')));
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
  // The pot: what is left, and per cohort what it gave.
  assert.ok(doc.pot, 'the programme document carries the pot');
  assert.equal(text(await page.textContent('.cofund-programme-mode .cofund-pot-left')),
    `Nog ${text(await money(page, doc.pot.left_cents))} van ${text(await money(page, doc.pot.pot_cents))} in de pot`);
  const share = doc.pot.per_cohort.find((c) => c.added_cents > 0);
  const index = doc.cohorts.findIndex((c) => c.slug === share.slug);
  assert.match(text(await items.nth(index).textContent()), new RegExp(`${text(await money(page, share.added_cents)).replace(/[.$]/g, '\\$&')} uit de pot`));
  // Impact: known kinds translated, the custom one by its label, each with date and source.
  const impact = (await page.locator('.cofund-impact li').allTextContents()).map(text);
  assert.equal(impact.length, 3);
  assert.match(impact[0], /^Deelnemers\s*250\s*Peildatum 30 juni 2026 · bron: Jaarverslag 2025$/);
  assert.match(impact[1], /^Deelnemers die werk vonden\s*62,3\s?%/);
  assert.match(impact[2], /^Buurtmaaltijden\s*1\.200\s*Peildatum 31 mei 2026 · bron: Telling wijkteams$/);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();

  const en = await hostPage(`${env.server.base}/api/v1/programmes/${PROGRAMME}`, { locale: 'en-GB' });
  await en.waitForSelector('.cofund-programme-cohorts li', { timeout: 15_000 });
  assert.equal(text(await en.textContent('.cofund-programme-cohorts h3')), 'Cohorts');
  assert.match(text(await en.textContent('.cofund-programme-totals')), /Own contributions: .* of /);
  assert.match(text(await en.textContent('.cofund-impact')), /Participants who found work\s*62\.3\s?%/);
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

test('an exhausted pot: every widget says so, the programme and each cohort', async () => {
  // A pot smaller than what the cohorts' gifts already claim.
  await putProgramme({ ...POT, funders: [{ name: 'Oranje Fonds', amount_cents: 5000 }], pot_cents: 5000, cap_per_cohort_cents: null });
  const doc = await env.server.document(UTRECHT);
  assert.equal(doc.pot.exhausted, true);
  assert.equal(doc.pot.left_cents, 0);
  const programme = await hostPage(`${env.server.base}/api/v1/programmes/${PROGRAMME}`);
  await programme.waitForSelector('.cofund-programme-mode .cofund-pot-empty', { timeout: 15_000 });
  assert.match(text(await programme.textContent('.cofund-pot-empty')), /^De pot is leeg/);
  const cohort = await hostPage(`${env.server.base}/api/v1/cohorts/${ROTTERDAM}`, { locale: 'en-GB' });
  await cohort.waitForSelector('.cofund-pot-empty', { timeout: 15_000 });
  assert.match(text(await cohort.textContent('.cofund-pot-empty')), /^The pot is empty/);
  await cohort.click('summary.cofund-pledge-toggle');
  await cohort.fill('input[name="amount"]', '40');
  await cohort.waitForTimeout(300);
  assert.ok(!(await cohort.locator('.cofund-preview').allTextContents()).some((l) => l.includes('pot')), 'an empty pot adds nothing to the preview');
  assert.deepEqual(programme.pageErrors, []);
  assert.deepEqual(cohort.pageErrors, []);
  await programme.context().close();
  await cohort.context().close();
});

test('dashboard rule editor: core\'s errors at their fields, nothing stored; the preview equals what the server then evaluates', { skip: !process.env.COFUND_DASHBOARD_DIR && 'needs COFUND_DASHBOARD_DIR (the dashboard build)' }, async () => {
  const url = env.server.cli('login-link', '--programme', 'Starters4Communities', '--public-url', env.server.base);
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(url);
  await Promise.all([page.waitForURL('**/manage/'), page.click('button[type=submit]')]);
  await page.goto(`${env.server.base}/manage/#/cohort/${UTRECHT}`);
  await page.waitForSelector('.pledge-list li');
  const definition = async () => (await (await fetch(`${env.server.base}/api/v1/admin/cohorts/${UTRECHT}`, {
    headers: { authorization: `Bearer ${adminToken()}` } })).json());
  const before = await definition();

  await page.fill('#sh-name', 'Regelfonds');
  await page.fill('#sh-amount', '0');
  await page.click('button:has-text("Regel toevoegen")');
  await page.fill('#sh-rule-0-ratio_bps', '0');
  await page.fill('#sh-rule-0-cap_per_gift_cents', '100');
  await page.fill('#sh-rule-0-cap_cents', '50');
  await page.click('.stakeholder-form button[type=submit]');
  await page.waitForSelector('#sh-rule-0-ratio_bps-error');
  assert.equal(await page.getAttribute('#sh-rule-0-ratio_bps', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#sh-rule-0-ratio_bps', 'aria-describedby'), /sh-rule-0-ratio_bps-error/);
  await page.waitForSelector('#sh-rule-0-cap_per_gift_cents-error');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sh-rule-0-ratio_bps', 'focus goes to the first error');
  assert.deepEqual(await axe(page, 'html'), []);
  assert.deepEqual((await definition()).stakeholders, before.stakeholders, 'nothing stored');

  // A valid rule: 1:1 up to € 10 a gift, € 2.000 in all; the preview is core's evaluation of today's pledges.
  await page.fill('#sh-rule-0-ratio_bps', '1');
  await page.fill('#sh-rule-0-cap_per_gift_cents', '10');
  await page.fill('#sh-rule-0-cap_cents', '2.000');
  await page.waitForFunction(() => /Met de stand van vandaag maken deze regels .* vrij\./.test(document.querySelector('.rule-preview')?.textContent ?? ''));
  const previewText = text(await page.textContent('.rule-preview'));
  await page.click('.stakeholder-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#sh-notice')?.textContent.includes('opgeslagen'));
  const doc = await env.server.document(UTRECHT);
  const stored = doc.stakeholders.find((s) => s.name === 'Regelfonds');
  assert.deepEqual(stored.rules, [{ kind: 'match', ratio_bps: 10000, basis: 'pledged', cap_per_gift_cents: 1000, cap_cents: 200000 }]);
  assert.equal(previewText, `Met de stand van vandaag maken deze regels ${text(await money(page, stored.evaluation.unlocked_cents))} vrij.`);
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test('dashboard: notices on the overview, the programme page with the pot\'s use over time, the funders\' and the printable settlement statements and their CSV', { skip: !process.env.COFUND_DASHBOARD_DIR && 'needs COFUND_DASHBOARD_DIR (the dashboard build)' }, async () => {
  const url = env.server.cli('login-link', '--programme', 'Starters4Communities', '--public-url', env.server.base);
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(url);
  await Promise.all([page.waitForURL('**/manage/'), page.click('button[type=submit]')]);
  // The overview: Fonds Zuid's trigger was met minutes ago; the pot was emptied above.
  await page.waitForSelector('.notices li');
  const notices = (await page.locator('.notices li').allTextContents()).map(text);
  assert.ok(notices.some((n) => n.includes('de drempel van Fonds Zuid is gehaald')), notices.join(' | '));
  assert.ok(notices.some((n) => n.startsWith(`${POT.name} is leeg`)), notices.join(' | '));
  assert.deepEqual(await axe(page, 'html'), []);

  await page.goto(`${env.server.base}/manage/#/programme/${PROGRAMME}`);
  await page.waitForSelector('#programme-cohorts-title');
  const doc = await (await fetch(`${env.server.base}/api/v1/programmes/${PROGRAMME}`)).json();
  assert.equal(await page.locator('.cohort-list li').count(), doc.cohorts.length);
  assert.equal(text(await page.textContent('#pot-title')), POT.name);
  assert.match(text(await page.textContent('#impact-title + dl')), /Deelnemers die werk vonden\s*62,3\s?%/);
  // The pot's use per cohort over time: a chart (a line per cohort and the total, a
  // summary in words) and the same figures as a table, from the admin API.
  const history = await (await fetch(`${env.server.base}/api/v1/admin/programmes/${PROGRAMME}/pot-history`, {
    headers: { authorization: `Bearer ${adminToken()}` } })).json();
  assert.ok(history.points.length > 0, 'the demo pot has given something');
  await page.waitForSelector('#pot-history-title');
  assert.equal(await page.locator('.pot-chart svg[role=img] path.pot-line').count(), history.cohorts.length);
  assert.equal(await page.locator('.pot-chart svg[role=img] path.pot-total').count(), 1);
  assert.match(text(await page.textContent('#pot-chart-desc')), /^De pot gaf /);
  assert.ok(text(await page.textContent('#pot-chart-desc')).includes(text(await money(page, history.used_cents))));
  assert.ok(text(await page.textContent('.pot-history-table caption')).length > 0);
  assert.equal(await page.locator('.pot-history-table tbody tr').count(), history.points.length);
  const lastRow = page.locator('.pot-history-table tbody tr').last();
  assert.equal(text(await lastRow.locator('td').last().textContent()), text(await money(page, history.used_cents)));
  assert.deepEqual(await axe(page, 'html'), []);

  // The statement per funder: each funder's share per cohort and in total.
  await page.click('a[href$="/settlements"]');
  await page.waitForSelector('.settlement h2');
  const funders = await (await fetch(`${env.server.base}/api/v1/admin/programmes/${PROGRAMME}/settlements`, {
    headers: { authorization: `Bearer ${adminToken()}` } })).json();
  assert.deepEqual((await page.locator('.settlement h2').allTextContents()).map(text), funders.funders.map((f) => f.funder));
  assert.equal(funders.funders.reduce((a, f) => a + f.total_cents, 0), history.used_cents, 'the funders\' shares add up to what the pot gave');
  const totals = (await page.locator('.settlement tfoot td').allTextContents()).map(text);
  assert.deepEqual(totals, await Promise.all(funders.funders.map(async (f) => text(await money(page, f.total_cents)))));
  assert.deepEqual(await axe(page, 'html'), []);
  const funderCsv = await page.evaluate(async (h) => (await fetch(h)).text(), await page.getAttribute('a[download]', 'href'));
  assert.match(funderCsv, /^programme,pot,funder,funder_amount_cents,cohort,amount_cents,amount\r\n/);

  await page.goto(`${env.server.base}/manage/#/cohort/${UTRECHT}/settlements`);
  await page.waitForSelector('.settlement h2');
  const statements = await (await fetch(`${env.server.base}/api/v1/admin/cohorts/${UTRECHT}/settlements`, {
    headers: { authorization: `Bearer ${adminToken()}` } })).json();
  const names = (await page.locator('.settlement h2').allTextContents()).map(text);
  assert.deepEqual(names, statements.statements.map((s) => s.stakeholder));
  const fund = statements.statements.find((s) => s.stakeholder === 'Regelfonds');
  const section = page.locator('.settlement', { has: page.locator('h2', { hasText: 'Regelfonds' }) });
  assert.equal(await section.locator('tbody tr').count(), fund.lines.length);
  assert.equal(text(await section.locator('tfoot td').textContent()), text(await money(page, fund.total_cents)));
  assert.deepEqual(await axe(page, 'html'), []);
  const href = await page.getAttribute('a[download]', 'href');
  const csv = await page.evaluate(async (h) => (await fetch(h)).text(), href);
  assert.match(csv, /Regelfonds/);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.no-print').isVisible(), false, 'the controls are not printed');
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});

test('dashboard pages axe-clean at 360 px: the cohort page with the rule editor open', { skip: !process.env.COFUND_DASHBOARD_DIR && 'needs COFUND_DASHBOARD_DIR (the dashboard build)' }, async () => {
  const url = env.server.cli('login-link', '--programme', 'Starters4Communities', '--public-url', env.server.base);
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(url);
  await Promise.all([page.waitForURL('**/manage/'), page.click('button[type=submit]')]);
  await page.goto(`${env.server.base}/manage/#/cohort/${UTRECHT}`);
  await page.waitForSelector('.pledge-list li');
  await page.click('button:has-text("Regel toevoegen")');
  await page.selectOption('#sh-rule-0-kind', 'trigger');
  await page.waitForSelector('#sh-rule-0-share_of_target_bps');
  assert.deepEqual(await axe(page, 'html'), []);
  const [scroll, width] = await noSidewaysScroll(page);
  assert.ok(scroll <= width, `page scrolls sideways: ${scroll} > ${width}`);
  await context.close();
});

test('dashboard programme editor: a pot with one funder and one impact figure saved and shown; a ratio of 0 refused at its field, nothing stored; axe-clean', { skip: !process.env.COFUND_DASHBOARD_DIR && 'needs COFUND_DASHBOARD_DIR (the dashboard build)' }, async () => {
  const url = env.server.cli('login-link', '--programme', 'Starters4Communities', '--public-url', env.server.base);
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(url);
  await Promise.all([page.waitForURL('**/manage/'), page.click('button[type=submit]')]);
  await page.goto(`${env.server.base}/manage/#/programme/${PROGRAMME}`);
  await page.waitForSelector('#pg-edit-title');
  await page.waitForSelector('#programme-cohorts-title');
  assert.deepEqual(await axe(page, 'html'), []);
  const settings = async () => (await (await fetch(`${env.server.base}/api/v1/admin/programmes/${PROGRAMME}`, {
    headers: { authorization: `Bearer ${adminToken()}` } })).json());

  // Start from the figures set above: keep one impact figure and one funder.
  while (await page.locator('#pg-impact-1-kind').count() > 0) {
    const n = await page.locator('[id^="pg-impact-"][id$="-kind"]').count();
    await page.getByRole('button', { name: `Impactcijfer ${n} verwijderen` }).click();
  }
  while (await page.locator('#pg-funder-1-name').count() > 0) {
    const n = await page.locator('[id^="pg-funder-"][id$="-name"]').count();
    await page.getByRole('button', { name: `Financier ${n} verwijderen` }).click();
  }
  if (await page.locator('#pg-pot-name').count() === 0) await page.check('#pg-pot-on');
  if (await page.locator('#pg-funder-0-name').count() === 0) await page.click('#pg-funder-add');
  if (await page.locator('#pg-impact-0-kind').count() === 0) await page.click('#pg-impact-add');
  await page.fill('#pg-pot-name', 'Matchpot E2E');
  await page.fill('#pg-funder-0-name', 'Fonds E2E');
  await page.fill('#pg-funder-0-amount', '1.234,56');
  await page.fill('#pg-ratio', '0,50');
  await page.fill('#pg-cap-gift', '');
  await page.fill('#pg-cap-cohort', '');
  await page.selectOption('#pg-impact-0-kind', 'custom');
  await page.waitForSelector('#pg-impact-0-label');
  await page.fill('#pg-impact-0-label', 'Buurtmaaltijden E2E');
  await page.fill('#pg-impact-0-value', '1.500');
  await page.fill('#pg-impact-0-as_of', '2026-09-30');
  await page.fill('#pg-impact-0-source', 'Telling E2E');
  assert.deepEqual(await axe(page, 'html'), []);
  await page.click('.programme-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#pg-notice')?.textContent.includes('opgeslagen'));
  await page.waitForFunction(() => document.querySelector('#pot-title')?.textContent.includes('Matchpot E2E'));
  await page.waitForFunction(() => document.querySelector('#impact-title + dl')?.textContent.includes('Buurtmaaltijden E2E'));
  const doc = await (await fetch(`${env.server.base}/api/v1/programmes/${PROGRAMME}`)).json();
  assert.equal(doc.pot.name, 'Matchpot E2E');
  assert.deepEqual(doc.pot.funders, [{ name: 'Fonds E2E', amount_cents: 123456 }]);
  assert.equal(doc.pot.pot_cents, 123456);
  assert.equal(doc.pot.ratio_bps, 5000);
  assert.deepEqual(doc.impact, [{ kind: 'custom', label: 'Buurtmaaltijden E2E', value: 1500, as_of: '2026-09-30', source: 'Telling E2E' }]);
  const stored = await settings();

  // A ratio of 0: core's error at the ratio field, focus there, nothing stored.
  await page.fill('#pg-ratio', '0');
  await page.click('.programme-form button[type=submit]');
  await page.waitForSelector('#pg-ratio-error');
  assert.equal(await page.getAttribute('#pg-ratio', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#pg-ratio', 'aria-describedby'), /pg-ratio-error/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pg-ratio', 'focus goes to the first error');
  assert.deepEqual(await axe(page, 'html'), []);
  assert.deepEqual(await settings(), stored, 'nothing stored');

  // Someone else saves first (the editor still holds the revision it loaded): the save
  // is refused with a clear message and a button that loads their version; nothing of
  // this editor's is stored.
  await page.fill('#pg-ratio', '1');
  const theirs = { ...stored, impact: [] };
  const put = await fetch(`${env.server.base}/api/v1/admin/programmes/${PROGRAMME}`, {
    method: 'PUT', headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' }, body: JSON.stringify(theirs) });
  assert.equal(put.status, 200);
  await page.click('.programme-form button[type=submit]');
  await page.waitForFunction(() => /iemand anders heeft dit programma intussen gewijzigd/.test(document.querySelector('#pg-notice')?.textContent ?? ''));
  await page.waitForFunction(() => document.activeElement?.id === 'pg-notice'); // focus goes to the message
  assert.deepEqual(await settings(), theirs, 'their save stands');
  assert.deepEqual(await axe(page, 'html'), []);
  await page.click('#pg-reload');
  await page.waitForFunction(() => document.querySelector('#pg-impact-0-kind') === null && document.querySelector('#pg-notice') === null);
  assert.equal(await page.inputValue('#pg-ratio'), '0,50', 'their version is loaded');
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});
