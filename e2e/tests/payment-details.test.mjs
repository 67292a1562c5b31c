// Payment details that work on a phone: after a real pledge, at phone widths, the
// thank-you box fits, no value breaks inside a word group, each detail's label sits
// above its value, and each copy button puts the exact value on the clipboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, axe, screenshot, text } from './harness.mjs';

const OPEN = 'utrecht-voorjaar-2027';
const env = useServerAndBrowser();

/** Opens the one-widget page at a width, pledges `amount` and returns the page and the
 * server's answer (the payment details the widget was given). */
async function pledgeAt(width, { locale = 'nl-NL', amount = '25,50', permissions = ['clipboard-read', 'clipboard-write'], init } = {}) {
  const context = await env.browser.newContext({ locale, viewport: { width, height: 800 }, permissions });
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  const query = locale === 'en-GB' ? '?locale=en-GB' : '';
  await page.goto(`${env.server.base}/embed/${OPEN}${query}`);
  await page.waitForSelector('.cofund section h2', { timeout: 15_000 });
  await page.click('summary.cofund-pledge-toggle');
  await page.fill('input[name="amount"]', amount);
  await page.fill('input[name="email"]', `phone-${width}@example.nl`);
  await page.check('input[id$="-consent"]');
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/pledges'));
  await page.click('button.cofund-submit');
  const response = await (await answer).json();
  await page.waitForSelector('.cofund-thanks');
  return { page, context, payment: response.payment };
}

/** Everything in the thank-you box that sticks out of it, and the widget's own overflow. */
function overflow(page) {
  return page.evaluate(() => {
    const box = document.querySelector('.cofund-thanks');
    const outer = box.getBoundingClientRect();
    const out = [...box.querySelectorAll('*')]
      .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > outer.right + 0.5 || r.left < outer.left - 0.5); })
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.slice(0, 30)}`);
    if (box.scrollWidth > box.clientWidth) out.push(`box scrolls: ${box.scrollWidth} > ${box.clientWidth}`);
    // The widget as a whole too (the demo host page's own heading is the host's affair).
    const widget = document.querySelector('.cofund');
    if (widget.scrollWidth > widget.clientWidth) out.push(`widget scrolls: ${widget.scrollWidth} > ${widget.clientWidth}`);
    return out;
  });
}

/** Each value's word groups (split at spaces) that the browser laid out over more than
 * one line. */
function brokenGroups(page) {
  return page.evaluate(() => {
    const broken = [];
    for (const value of document.querySelectorAll('.cofund-thanks .cofund-value')) {
      const node = value.firstChild;
      const s = node.textContent;
      for (const m of s.matchAll(/[^ ]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(`${value.className}: "${m[0]}" over ${lines.size} lines`);
      }
    }
    return broken;
  });
}

/** For each detail, whether its label sits above its value (stacked). */
function stacking(page) {
  return page.$$eval('.cofund-thanks .cofund-detail', (rows) => rows.map((row) => {
    const dt = row.querySelector('dt').getBoundingClientRect();
    const dd = row.querySelector('dd').getBoundingClientRect();
    return dt.bottom <= dd.top + 0.5;
  }));
}

const liveRegion = (page) => page.textContent('.cofund-pledge-section [role="status"][aria-live="polite"]');
const readClipboard = (page) => page.evaluate(() => navigator.clipboard.readText());

for (const width of [320, 360, 412]) {
  test(`at ${width} px the payment details fit, stack and copy exactly`, async () => {
    const { page, context, payment } = await pledgeAt(width);
    assert.deepEqual(await overflow(page), [], 'nothing sticks out');
    assert.deepEqual(await brokenGroups(page), [], 'no word group is broken');
    assert.deepEqual(await stacking(page), [true, true, true, true], 'each label above its value');

    // Shown as people read it: the IBAN in groups of four.
    const iban = payment.iban.replace(/\s/g, '');
    assert.equal(await page.textContent('.cofund-pay-iban'), iban.replace(/(.{4})(?=.)/g, '$1 '));
    assert.equal(await page.textContent('.cofund-pay-holder'), payment.account_holder);

    // Copied as a banking app takes it.
    const exact = {
      iban,
      amount: `${Math.trunc(payment.amount_cents / 100)},${String(payment.amount_cents % 100).padStart(2, '0')}`,
      reference: payment.reference,
    };
    assert.equal(exact.amount, '25,50');
    const buttons = page.locator('.cofund-thanks button.cofund-copy');
    assert.equal(await buttons.count(), 3, 'amount, IBAN and reference');
    for (const [i, [what, name, announced]] of [
      ['amount', 'Kopieer bedrag', 'Bedrag gekopieerd'],
      ['iban', 'Kopieer IBAN', 'IBAN gekopieerd'],
      ['reference', 'Kopieer kenmerk', 'Kenmerk gekopieerd'],
    ].entries()) {
      const button = buttons.nth(i);
      assert.equal(await button.getAttribute('aria-label'), name);
      await page.evaluate(() => navigator.clipboard.writeText('something else'));
      await button.click();
      await page.waitForFunction(([n]) => document.querySelectorAll('.cofund-thanks button.cofund-copy')[n].textContent === 'Gekopieerd', [i]);
      assert.equal(await readClipboard(page), exact[what], what);
      assert.equal(text(await liveRegion(page)), announced);
      assert.equal(await button.getAttribute('aria-label'), announced);
      // Only the last copied detail says so.
      assert.equal(await page.locator('.cofund-thanks button.cofund-copy', { hasText: 'Gekopieerd' }).count(), 1);
    }
    // The copied state is no layout change that breaks the box either.
    assert.deepEqual(await overflow(page), []);
    assert.deepEqual(await axe(page), []);
    await screenshot(page, `10-payment-details-${width}`);
    await context.close();
  });
}

test('with room to spare each label sits beside its value; English copies a decimal point', async () => {
  const { page, context, payment } = await pledgeAt(1024, { locale: 'en-GB', amount: '1,234.50' });
  assert.deepEqual(await stacking(page), [false, false, false, false]);
  assert.deepEqual(await overflow(page), []);
  assert.equal(payment.amount_cents, 123_450);
  await page.click('button[aria-label="Copy amount"]');
  await page.waitForFunction(() => document.querySelector('button.cofund-copy').textContent === 'Copied');
  assert.equal(await readClipboard(page), '1234.50', 'no thousands separator, no currency sign');
  assert.equal(text(await liveRegion(page)), 'Amount copied');
  assert.deepEqual(await axe(page), []);
  await screenshot(page, '10-payment-details-1024-en');
  await context.close();
});

test('where the Clipboard API refuses, the value is selected and the browser copies the selection', async () => {
  const { page, context } = await pledgeAt(360, {
    init: () => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused', 'NotAllowedError')); },
  });
  await page.click('button[aria-label="Kopieer IBAN"]');
  await page.waitForFunction(() => document.querySelector('.cofund-pledge-section [role="status"]').textContent !== ''
    && !/ontvangen/.test(document.querySelector('.cofund-pledge-section [role="status"]').textContent));
  const shown = await page.textContent('.cofund-pay-iban');
  assert.equal(await page.evaluate(() => window.getSelection().toString()), shown, 'the IBAN is selected');
  assert.equal(text(await liveRegion(page)), 'IBAN gekopieerd');
  assert.equal((await readClipboard(page)).replace(/\s/g, ''), shown.replace(/\s/g, ''), 'the selection was copied');

  // Where the browser cannot copy the selection either, the donor is told to copy it.
  await page.evaluate(() => { document.execCommand = () => false; window.getSelection().removeAllRanges(); });
  await page.click('button[aria-label="Kopieer kenmerk"]');
  await page.waitForFunction(() => /lukte niet/.test(document.querySelector('.cofund-pledge-section [role="status"]').textContent));
  assert.equal(text(await liveRegion(page)), 'Kopiëren lukte niet: kenmerk is geselecteerd, kopieer het zelf.');
  assert.equal(await page.evaluate(() => window.getSelection().toString()), await page.textContent('.cofund-pay-reference'));
  assert.equal(await page.textContent('button[aria-label="Kopieer kenmerk"]'), 'Kopieer', 'not claimed as copied');
  assert.deepEqual(await axe(page), []);
  await context.close();
});
