// The dashboard, end to end: the real server (`cofund demo` on a fresh SQLite file),
// the release dashboard at /manage/, sign-in by single-use links, headless Chromium,
// axe-core in every view, a keyboard-only pass and screenshots at 1280 and 360 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useServerAndBrowser, axe, money, text, ARTIFACTS } from './harness.mjs';

const COHORT = 'utrecht-voorjaar-2027';
const PROGRAMME = 'Starters4Communities';
const env = useServerAndBrowser();
const here = dirname(fileURLToPath(import.meta.url));

function link(...args) {
  return env.server.cli('login-link', ...args, '--public-url', env.server.base);
}

function adminToken() {
  const m = env.server.output.match(/Admin token: (cfd_[0-9a-f]+)/);
  assert.ok(m, 'cofund demo prints an admin token');
  return m[1];
}

async function api(path, options = {}) {
  const r = await fetch(`${env.server.base}${path}`, {
    ...options,
    headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json', ...(options.headers ?? {}) },
  });
  return r;
}

async function adminPledges() {
  return (await (await api(`/api/v1/admin/cohorts/${COHORT}/pledges`)).json()).pledges;
}

/** Opens a sign-in link in a fresh browser context and presses its button. */
async function signIn(url, { width = 1280, height = 900 } = {}) {
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width, height } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(url);
  await Promise.all([page.waitForURL('**/manage/'), page.click('button[type=submit]')]);
  await page.waitForSelector('main h1');
  return page;
}

async function openCohort(page) {
  await page.goto(`${env.server.base}/manage/#/cohort/${COHORT}`);
  await page.waitForSelector('.pledge-list li');
}

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

async function noHorizontalScroll(page) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px window`);
}

/** cofund-core's attention order (core/src/pace.rs, `Pace::of` and `Pace::attention`),
 * computed here from a cohort's public document at `now` (seconds): the verdict and the
 * sort key, smaller first. */
function attention(doc, now) {
  const DAY = 86_400;
  const secs = (s) => Math.floor(Date.parse(s) / 1000);
  const [opens, closes] = [secs(doc.campaign.opens_at), secs(doc.campaign.closes_at)];
  const target = Math.ceil((doc.budget_cents * doc.crowd.target_share_bps) / 10_000);
  const pledged = doc.crowd.pledged_cents;
  const percent = (cents) => (target > 0 ? Math.floor((cents * 100) / target) : 0);
  const met = target > 0 && pledged >= target;
  const daysUntil = (t) => Math.max(Math.ceil((t - now) / DAY), 0);
  if (now < opens) return { verdict: 'Nog niet open', key: [2, daysUntil(opens), 0] };
  if (now >= closes) return met ? { verdict: 'Doel gehaald', key: [4, 0, 0] } : { verdict: 'Doel niet gehaald', key: [3, percent(pledged), 0] };
  // Open: the rate of the last 14 days (or since opening) carried on to the close.
  const windowDay = Math.floor((now - 14 * DAY) / DAY);
  const windowStart = Math.max(windowDay * DAY, opens);
  const before = doc.history.filter((h) => Math.floor(Date.parse(h.date) / 1000 / DAY) < windowDay);
  const baseline = windowStart === opens || before.length === 0 ? 0 : before[before.length - 1].pledged_cents;
  const raised = Math.max(pledged - baseline, 0);
  const elapsed = now - windowStart;
  const projected = pledged + (elapsed > 0 ? Math.floor((raised * (closes - now)) / elapsed) : 0);
  if (met || projected >= target) return { verdict: 'Op koers', key: [1, daysUntil(closes), 0] };
  return { verdict: 'Achter op schema', key: [0, percent(projected), daysUntil(closes)] };
}

function cookieHeader(cookies) {
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

test('a sign-in link works once; a used or wrong link gets a clear page; sign-out ends the session', async () => {
  const url = link('--programme', PROGRAMME);
  assert.match(url, /\/sign-in\?link=cfl_[0-9a-f]{64}$/);
  const page = await signIn(url);
  assert.equal(await page.textContent('main h1'), 'Overzicht van het programma');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'cofund_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Strict', JSON.stringify(session));

  const again = await env.browser.newPage();
  await again.goto(url);
  const [used] = await Promise.all([again.waitForNavigation(), again.click('button[type=submit]')]);
  assert.equal(used.status(), 410);
  assert.match(await again.textContent('h1'), /al gebruikt/);
  assert.deepEqual(await axe(again, 'html'), []);
  await again.goto(`${env.server.base}/sign-in?link=cfl_${'0'.repeat(64)}`);
  const [wrong] = await Promise.all([again.waitForNavigation(), again.click('button[type=submit]')]);
  assert.equal(wrong.status(), 404);
  assert.match(await again.textContent('h1'), /klopt niet/);
  await again.goto(`${env.server.base}/sign-in`);
  assert.match(await again.textContent('h1'), /klopt niet/);
  await again.close();

  await page.click('button:has-text("Uitloggen")');
  await page.waitForSelector('#token');
  assert.match(await page.textContent('main'), /Je bent uitgelogd/);
  const r = await fetch(`${env.server.base}/api/v1/session`, { headers: { cookie: cookieHeader(cookies) } });
  assert.equal(r.status, 401, 'the old cookie no longer works');
  const r2 = await fetch(`${env.server.base}/api/v1/admin/cohorts`, { headers: { cookie: cookieHeader(cookies) } });
  assert.equal(r2.status, 401);
  await page.context().close();
});

test('a coordinator signs in with an admin token once; the overview orders the cohorts by cofund-core\'s attention rule', async () => {
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${env.server.base}/manage/`);
  await page.waitForSelector('#token');
  assert.deepEqual(await axe(page, 'html'), []);
  await shot(page, 'sign-in-1280');
  await page.fill('#token', 'cfd_wrong');
  await page.click('button[type=submit]');
  await page.waitForSelector('#token-error');
  assert.equal(await page.getAttribute('#token', 'aria-invalid'), 'true');
  await page.fill('#token', adminToken());
  await page.click('button[type=submit]');
  await page.waitForSelector('.cohort-list li');
  const token = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  assert.ok(!token.includes('cfd_'), 'the token is not kept in the browser');
  const now = Math.floor(Date.now() / 1000);
  const shown = await page.$$eval('.cohort-list li', (lis) => lis.map((li) => ({ slug: li.dataset.slug, badge: li.querySelector('.badge').textContent })));
  assert.equal(shown.length, 5);
  // The order cofund-core's rule gives for the documents the dashboard shows: behind
  // (furthest behind first), on pace, upcoming, missed, reached; then by name.
  const expected = await Promise.all(shown.map(async ({ slug }) => {
    const doc = await env.server.document(slug);
    return { slug, name: doc.name, ...attention(doc, now) };
  }));
  const byKey = (a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  expected.sort(byKey);
  assert.deepEqual(shown, expected.map((e) => ({ slug: e.slug, badge: e.verdict })));
  // The demo's cohorts make the order mean something: a cohort behind, and several verdicts.
  const verdicts = new Set(expected.map((e) => e.verdict));
  assert.ok(verdicts.has('Achter op schema') && verdicts.size >= 3, [...verdicts].join(', '));
  assert.deepEqual(await axe(page, 'html'), []);
  await shot(page, 'overview-1280');
  await page.setViewportSize({ width: 360, height: 800 });
  await noHorizontalScroll(page);
  await shot(page, 'overview-360');
  await context.close();
});

test('a member sees no e-mail address or hidden name, has no controls, and every change by hand is 403', async () => {
  const page = await signIn(link('--cohort', COHORT, '--role', 'member'));
  await openCohort(page);
  const all = await adminPledges();
  const shown = new Set(all.filter((p) => p.show_name).map((p) => p.name));
  // Names some donor hid and no donor showed (the demo's names can repeat).
  const hiddenNames = all.filter((p) => p.name && !p.show_name && !shown.has(p.name)).map((p) => p.name);
  assert.ok(hiddenNames.length > 0, 'the demo has donors who hid their name');
  const html = await page.content();
  assert.doesNotMatch(html, /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}/, 'no e-mail address in the DOM');
  for (const name of hiddenNames) assert.ok(!html.includes(name), `hidden name ${name} in the DOM`);
  assert.equal(await page.locator('button:has-text("Markeer als ontvangen")').count(), 0);
  assert.equal(await page.locator('.stakeholder-form, .reconcile, #own-plus').count(), 0);

  const cookie = cookieHeader(await page.context().cookies());
  const listed = await (await fetch(`${env.server.base}/api/v1/admin/cohorts/${COHORT}/pledges`, { headers: { cookie } })).text();
  assert.doesNotMatch(listed, /@/);
  for (const name of hiddenNames) assert.ok(!listed.includes(name));
  const me = await (await fetch(`${env.server.base}/api/v1/session`, { headers: { cookie } })).json();
  assert.equal(me.role, 'member');
  const id = (await adminPledges()).find((p) => p.status === 'pledged').id;
  const headers = { cookie, origin: env.server.base, 'x-csrf-token': me.csrf_token, 'content-type': 'application/json' };
  const changes = [
    ['POST', `/api/v1/admin/pledges/${id}/confirm`], ['POST', `/api/v1/admin/pledges/${id}/cancel`],
    ['POST', `/api/v1/admin/pledges/${id}/hide-message`],
    ['POST', `/api/v1/admin/cohorts/${COHORT}/own-contributions`, { add: 1 }],
    ['PUT', `/api/v1/admin/cohorts/${COHORT}/stakeholders/Nep`, { kind: 'fund', status: 'paid', amount_cents: 100 }],
    ['POST', `/api/v1/admin/cohorts/${COHORT}/pledges/confirm`, { pledges: [id] }],
    ['GET', `/api/v1/admin/cohorts/${COHORT}/pledges.csv`],
  ];
  const before = await env.server.document(COHORT);
  for (const [method, path, body] of changes) {
    const r = await fetch(`${env.server.base}${path}`, { method, headers, body: body && JSON.stringify(body) });
    assert.equal(r.status, 403, `${method} ${path}`);
  }
  const after = await env.server.document(COHORT);
  assert.deepEqual(after.crowd, before.crowd);
  assert.deepEqual(after.own_contributions, before.own_contributions);
  assert.equal(after.stakeholders.length, before.stakeholders.length);

  assert.deepEqual(await axe(page, 'html'), []);
  await shot(page, 'member-1280');
  await page.setViewportSize({ width: 360, height: 800 });
  await noHorizontalScroll(page);
  await shot(page, 'member-360');
  await page.context().close();
});

test('a POST with the session cookie but without the CSRF header, or from another origin, is 403 and changes nothing', async () => {
  const page = await signIn(link('--programme', PROGRAMME));
  const cookie = cookieHeader(await page.context().cookies());
  const me = await (await fetch(`${env.server.base}/api/v1/session`, { headers: { cookie } })).json();
  const id = (await adminPledges()).find((p) => p.status === 'pledged').id;
  const before = await env.server.document(COHORT);
  for (const headers of [{ cookie, origin: 'http://evil.example' }, { cookie, origin: 'http://evil.example', 'x-csrf-token': me.csrf_token },
    { cookie, origin: env.server.base }, { cookie }]) {
    const r = await fetch(`${env.server.base}/api/v1/admin/pledges/${id}/confirm`, { method: 'POST', headers });
    assert.equal(r.status, 403, JSON.stringify(Object.keys(headers)));
  }
  const pledge = await (await api(`/api/v1/admin/pledges/${id}`)).json();
  assert.equal(pledge.status, 'pledged');
  assert.deepEqual((await env.server.document(COHORT)).crowd, before.crowd);
  await page.context().close();
});

test('marking a pledge received (keyboard only) shows in the public document and the embedded widget', async () => {
  const page = await signIn(link('--programme', PROGRAMME));
  // Keyboard only: from the overview to the cohort, to the first pledge's button, confirmed.
  await page.waitForSelector('.cohort-list li');
  const name = (await env.server.document(COHORT)).name;
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.textContent)) === name) break;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), name);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.pledge-list li');
  const target = page.locator('.pledge-list li[data-status=pledged]').first();
  const reference = await target.getAttribute('data-reference');
  const pledge = (await adminPledges()).find((p) => p.reference === reference);
  const before = await env.server.document(COHORT);
  for (let i = 0; i < 200; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => [document.activeElement?.textContent, document.activeElement?.closest('li')?.dataset.reference]);
    if (focused[0] === 'Markeer als ontvangen' && focused[1] === reference) break;
  }
  await page.keyboard.press('Enter');
  // Focus moves to the confirmation (after the next paint).
  await page.waitForFunction(() => document.activeElement?.id === 'confirm-yes', null, { timeout: 5_000 });
  assert.deepEqual(await axe(page, 'html'), []);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`.pledge-list li[data-reference="${reference}"][data-status=received]`);
  const after = await env.server.document(COHORT);
  assert.equal(after.crowd.received_cents, before.crowd.received_cents + pledge.amount_cents);
  assert.equal(text(await page.textContent('[data-figure=received]')), text(await money(page, after.crowd.received_cents)));

  const widget = await env.browser.newPage();
  await widget.goto(`${env.server.base}/embed/${COHORT}`);
  await widget.waitForSelector('.cofund .cofund-received');
  assert.equal(text(await widget.textContent('.cofund-received')), `waarvan ${text(await money(widget, after.crowd.received_cents))} ontvangen`);
  await widget.close();
  await page.context().close();
});

test('bulk reconciliation of a pasted statement marks exactly the listed pledges', async () => {
  const page = await signIn(link('--programme', PROGRAMME));
  await openCohort(page);
  const pledged = (await adminPledges()).filter((p) => p.status === 'pledged');
  const [a, b, c] = pledged;
  const eur = (cents) => `${Math.trunc(cents / 100)},${String(cents % 100).padStart(2, '0')}`;
  const statement = [
    `12-03-2027  NL91ABNA0417164300  J. de Vries  ${eur(a.amount_cents)}  ${a.reference}`,
    `13-03-2027;Stichting Buurt;€ ${eur(b.amount_cents)};Omschrijving: ${b.reference.toLowerCase()}`,
    `14-03-2027 ${c.reference} ${eur(c.amount_cents + 100)}`,
    'salaris maart 2.500,00',
  ].join('\n');
  const receivedBefore = (await adminPledges()).filter((p) => p.status === 'received').length;
  await page.click('.reconcile summary');
  await page.fill('#statement', statement);
  await page.click('button:has-text("Zoek betalingen")');
  await page.waitForSelector('.reconcile-list li');
  assert.equal(await page.textContent('#reconcile-results > p'), '3 betalingskenmerken gevonden, waarvan 2 kloppen.');
  assert.match(await page.textContent(`.reconcile-list li[data-reference="${c.reference}"]`), /Ander bedrag/);
  assert.deepEqual(await axe(page, 'html'), []);
  await page.locator('#reconcile-results').screenshot({ path: join(ARTIFACTS, 'dashboard-reconcile-1280.png') });
  await page.click('button:has-text("Markeer 2 als ontvangen")');
  await page.waitForSelector('#reconcile-yes', { timeout: 5_000 });
  await page.click('#reconcile-yes');
  await page.waitForSelector('#reconcile-outcome');
  assert.equal(await page.textContent('#reconcile-outcome'), '2 toezeggingen gemarkeerd als ontvangen.');
  const after = await adminPledges();
  const status = (p) => after.find((x) => x.id === p.id).status;
  assert.deepEqual([status(a), status(b), status(c)], ['received', 'received', 'pledged']);
  assert.equal(after.filter((p) => p.status === 'received').length, receivedBefore + 2);
  await page.context().close();
});

test('an invalid stakeholder amount shows the field error and stores nothing; a stale edit gets 409 and the page says so', async () => {
  const page = await signIn(link('--programme', PROGRAMME));
  await openCohort(page);
  const definition = async () => (await (await api(`/api/v1/admin/cohorts/${COHORT}`)).json());
  const before = await definition();
  await page.fill('#sh-name', 'Testfonds');
  await page.fill('#sh-amount', '1,000');
  await page.click('.stakeholder-form button[type=submit]');
  await page.waitForSelector('#sh-amount-error');
  assert.equal(await page.getAttribute('#sh-amount', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#sh-amount', 'aria-describedby'), /sh-amount-error/);
  assert.match(await page.textContent('#sh-amount-error'), /dubbelzinnig/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sh-amount', 'focus goes to the first error');
  assert.deepEqual(await axe(page, 'html'), []);
  await shot(page, 'stakeholder-error-1280');
  assert.deepEqual((await definition()).stakeholders, before.stakeholders, 'nothing stored');

  // Someone else changes the cohort meanwhile.
  assert.equal((await api(`/api/v1/admin/cohorts/${COHORT}/own-contributions`, { method: 'POST', body: JSON.stringify({ add: -1 }) })).status, 200);
  await page.fill('#sh-amount', '1.000');
  await page.click('.stakeholder-form button[type=submit]');
  await page.waitForSelector('#sh-notice');
  assert.match(await page.textContent('#sh-notice'), /Iemand anders heeft dit cohort intussen gewijzigd/);
  assert.equal((await definition()).stakeholders.length, before.stakeholders.length, 'the stale edit stored nothing');
  // What was typed is kept; saving again is based on the new state.
  assert.equal(await page.inputValue('#sh-amount'), '1.000');
  await page.click('.stakeholder-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#sh-notice')?.textContent.includes('opgeslagen'));
  const stored = (await definition()).stakeholders.find((s) => s.name === 'Testfonds');
  assert.equal(stored.amount_cents, 100000);
  await page.context().close();
});

test('the chart has the document history as its points, with a text alternative', async () => {
  const page = await signIn(link('--programme', PROGRAMME));
  await openCohort(page);
  // The README's screenshot is this view as it opens (copied to docs/ with COFUND_UPDATE_DOCS=1).
  const readme = join(ARTIFACTS, 'dashboard-readme.png');
  await page.screenshot({ path: readme });
  if (process.env.COFUND_UPDATE_DOCS === '1') copyFileSync(readme, join(here, '..', '..', 'docs', 'dashboard.png'));
  const doc = await env.server.document(COHORT);
  const points = await page.$$eval('.chart-point', (cs) => cs.map((c) => ({ date: c.dataset.date, pledged_cents: Number(c.dataset.cents) })));
  assert.ok(points.length > 5);
  assert.deepEqual(points, doc.history);
  assert.equal(await page.getAttribute('.chart-svg', 'role'), 'img');
  assert.match(await page.textContent('#chart-desc'), /toegezegd/);
  assert.equal(await page.locator('.chart-data tbody tr').count() >= doc.history.length, true);
  assert.deepEqual(await axe(page, 'html'), []);
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  assert.deepEqual(await axe(page, 'html'), []);
  await shot(page, 'cohort-1280');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-cohort-top-1280.png') });
  await page.setViewportSize({ width: 360, height: 800 });
  await noHorizontalScroll(page);
  await shot(page, 'cohort-360');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

/** #aa3300, the accent chosen in the embed form, as computed styles give it. */
const ACCENT_RGB = 'rgb(170, 51, 0)';

test('the embed snippet, pasted into a blank page on another origin, shows the widget in the chosen language and colours', async () => {
  const page = await signIn(link('--programme', PROGRAMME));
  await openCohort(page);
  await page.selectOption('#embed-lang', 'en-GB');
  await page.fill('#embed-accent', '#aa3300');
  const snippet = await page.inputValue('#embed-snippet');
  assert.match(snippet, /^<cofund-widget src="[^"]+\/api\/v1\/cohorts\/[a-z0-9-]+"/);
  assert.match(snippet, /locale="en-GB"/);
  assert.match(snippet, /--cofund-accent: #aa3300/);
  await page.waitForFunction(() => document.querySelector('iframe.preview')?.getAttribute('srcdoc')?.includes('#aa3300'));
  // The live preview is the real widget with those settings: English, and the bar in
  // the chosen accent (computed inside the widget's shadow root).
  const preview = page.frameLocator('iframe.preview');
  await preview.locator('.cofund section h2').first().waitFor({ timeout: 15_000 });
  assert.match(await preview.locator('.cofund-backers').textContent(), /backers$/);
  const previewFrame = await (await page.$('iframe.preview')).contentFrame();
  await previewFrame.waitForFunction((want) => {
    const fill = document.querySelector('cofund-widget')?.shadowRoot?.querySelector('.cofund-bar-fill');
    return fill && getComputedStyle(fill).backgroundColor === want;
  }, ACCENT_RGB, { timeout: 15_000 });
  const qr = await page.evaluate(async () => {
    const img = document.querySelector('img.qr');
    await img.decode();
    return img.naturalWidth;
  });
  assert.ok(qr > 0, 'the QR code image loads');
  await page.context().close();

  // Another origin: "localhost" instead of 127.0.0.1, another port.
  const host = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Blank</title></head><body>${snippet}</body></html>`);
  });
  await new Promise((r) => host.listen(0, '127.0.0.1', r));
  try {
    const other = await env.browser.newPage();
    await other.goto(`http://localhost:${host.address().port}/`);
    await other.waitForSelector('.cofund section h2', { timeout: 15_000 });
    assert.match(await other.textContent('.cofund-backers'), /backers$/);
    const fill = await other.evaluate(() => getComputedStyle(document.querySelector('cofund-widget').shadowRoot.querySelector('.cofund-bar-fill')).backgroundColor);
    assert.equal(fill, ACCENT_RGB, 'the bar in the chosen accent');
    await other.close();
  } finally {
    host.close();
  }
});
