// E-mail to donors, end to end: a pledge in the widget → the demo's SMTP server
// (scripts/lib/smtp_catcher.py) catches the confirmation and the server's demo mailbox
// (/dev/mailbox) shows it with the exact transfer details; the link in it opens the
// donor's own page (AVG) and the gift statement (ANBI), which pass axe-core and fit
// a 360 px phone without sideways scrolling; erasing works from that page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { startServer, launchBrowser, axe, until, text, ARTIFACTS } from './harness.mjs';

const OPEN = 'utrecht-voorjaar-2027';
const here = dirname(fileURLToPath(import.meta.url));
const env = {};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  const mailbox = mkdtempSync(join(tmpdir(), 'cofund-e2e-mailbox-'));
  const port = await freePort();
  env.catcher = spawn('python3', [join(here, '..', '..', 'scripts', 'lib', 'smtp_catcher.py'), '--dir', mailbox, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    env.catcher.stdout.once('data', (d) => (String(d).startsWith('listening') ? resolve() : reject(new Error(String(d)))));
    env.catcher.once('exit', (code) => reject(new Error(`smtp_catcher exited ${code}`)));
  });
  env.server = await startServer({ args: ['--smtp-host', '127.0.0.1', '--smtp-port', String(port), '--smtp-tls', 'none',
    '--mail-from', 'Starters4Communities demo <demo@starters4communities.example>', '--dev-mailbox', mailbox] });
  env.browser = await launchBrowser();
});

after(async () => {
  await env.browser?.close();
  await env.server?.stop();
  env.catcher?.kill('SIGTERM');
});

/** Whether the page scrolls sideways. */
const scrollsSideways = (page) => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

test('a pledge in the widget: the confirmation in the demo mailbox, the donor page and the statement', async () => {
  const email = `mail-e2e-${Date.now()}@example.nl`;
  const context = await env.browser.newContext({ locale: 'nl-NL', viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${env.server.base}/embed/${OPEN}`);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  await page.click('summary.cofund-pledge-toggle');
  await page.fill('input[name="amount"]', '25,50');
  await page.fill('input[name="email"]', email);
  // News by e-mail: off until the donor turns it on.
  assert.equal(await page.isChecked('input[id$="-news"]'), false);
  await page.check('input[id$="-news"]');
  await page.check('input[id$="-consent"]');
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/pledges'));
  await page.click('button.cofund-submit');
  const response = await (await answer).json();
  const { reference } = response.payment;

  // The demo mailbox lists the confirmation; its page shows the exact transfer details.
  const mailbox = await context.newPage();
  await until('the confirmation in the demo mailbox', async () => {
    await mailbox.goto(`${env.server.base}/dev/mailbox`);
    return (await mailbox.textContent('main')).includes(email);
  }, 30_000);
  await mailbox.click(`tr:has-text("${email}") a`);
  const message = text(await mailbox.textContent('main'));
  assert.match(message, /Bedankt voor je toezegging/);
  assert.ok(message.includes('25,50'), 'the amount as a banking app takes it');
  assert.ok(message.includes('NL91 ABNA 0417 1643 00'), 'the IBAN in groups of four');
  assert.ok(message.includes(reference), `the reference ${reference}`);
  const donorPath = message.match(/\/mail\/donor\?e=[0-9a-f]+&x=\d+&t=[0-9a-f]+/)[0];

  // The donor's own page (AVG): their pledge, at 360 px, accessible.
  await page.goto(`${env.server.base}${donorPath}`);
  assert.equal(await page.textContent('h1'), 'Je gegevens');
  const own = text(await page.textContent('main'));
  assert.ok(own.includes(reference) && own.includes(email) && own.includes('€ 25,50'), own);
  assert.deepEqual(await axe(page, 'html'), []);
  assert.equal(await scrollsSideways(page), false, 'no sideways scroll at 360 px');
  await page.screenshot({ path: join(ARTIFACTS, 'mail-donor-page-360.png'), fullPage: true });

  // Received (by hand, as a coordinator would), then the statement of this year.
  env.server.cli('pledge', 'confirm', response.pledge.id);
  const year = new Date().getUTCFullYear();
  await page.selectOption('#year', String(year));
  await page.click('form[action="/mail/donor/statement"] button');
  await page.waitForSelector('h1');
  assert.equal(await page.textContent('h1'), `Giftenoverzicht ${year}`);
  const statement = text(await page.textContent('main'));
  assert.ok(statement.includes('123456782') && statement.includes('Stichting Starters4Communities (demo)'), statement);
  assert.ok(statement.includes(reference) && statement.includes('€ 25,50'), statement);
  assert.deepEqual(await axe(page, 'html'), []);
  assert.equal(await scrollsSideways(page), false, 'no sideways scroll at 360 px');
  await page.screenshot({ path: join(ARTIFACTS, 'mail-statement-360.png'), fullPage: true });

  // Erasing from the donor page: their data is gone, amounts and references stay.
  await page.goto(`${env.server.base}${donorPath}`);
  await page.click('.danger button');
  await page.waitForSelector('h1');
  assert.equal(await page.textContent('h1'), 'Je gegevens zijn gewist');
  assert.deepEqual(await axe(page, 'html'), []);
  await page.goto(`${env.server.base}${donorPath}`);
  assert.ok(!text(await page.textContent('main')).includes(email));
  await context.close();
});

test('an English widget: the confirmation in English', async () => {
  const email = `mail-e2e-en-${Date.now()}@example.org`;
  const context = await env.browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${env.server.base}/embed/${OPEN}?locale=en-GB`);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  assert.equal(await page.getAttribute('.cofund section', 'lang'), 'en-GB');
  await page.click('summary.cofund-pledge-toggle');
  await page.fill('input[name="amount"]', '10');
  await page.fill('input[name="email"]', email);
  await page.check('input[id$="-consent"]');
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/pledges'));
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/pledges'));
  await page.click('button.cofund-submit');
  assert.equal(JSON.parse((await sent).postData()).locale, 'en-GB', 'the widget sends its language');
  assert.equal((await answer).status(), 201);

  const mailbox = await context.newPage();
  await until('the English confirmation in the demo mailbox', async () => {
    await mailbox.goto(`${env.server.base}/dev/mailbox`);
    return (await mailbox.textContent('main')).includes(email);
  }, 30_000);
  await mailbox.click(`tr:has-text("${email}") a`);
  const message = text(await mailbox.textContent('main'));
  assert.match(message, /Thank you for your pledge/);
  assert.ok(message.includes('10.00'), `the amount in English: ${message}`);
  assert.ok(message.includes('NL91 ABNA 0417 1643 00'), 'the IBAN in groups of four');
  await context.close();
});
