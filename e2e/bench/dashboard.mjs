// Benchmark of the dashboard in a real browser (not a test: it prints, it does not
// assert). Starts the real server with the demo cohorts, the release widget and the
// release dashboard, signs in once, then loads views N times in fresh pages with the
// session cookie but a cold HTTP cache, and reports from the page's own clock
// (performance.now(), set by a MutationObserver):
//   overview      navigation start → every cohort card on screen
//   cohort page   navigation start → the pledges of one cohort on screen
//   widget        navigation start → the widget's figures on /embed/{slug}: the
//                 reference, measured in the same run on the same machine
// Usage: node bench/dashboard.mjs [runs] [slug]   (scripts/bench-dashboard.sh sets the env)

import { startServer, launchBrowser } from '../tests/harness.mjs';

const runs = Number(process.argv[2] ?? 10);
const slug = process.argv[3] ?? 'utrecht-voorjaar-2027';

const OBSERVE = () => {
  window.__marks = {};
  new MutationObserver(() => {
    const m = window.__marks;
    if (!m.overview && document.querySelectorAll('.cohort-list li').length >= 5) m.overview = performance.now();
    if (!m.cohort && document.querySelector('.pledge-list li')) m.cohort = performance.now();
    if (!m.widget && document.querySelector('.cofund section h2')) m.widget = performance.now();
  }).observe(document, { childList: true, subtree: true });
};

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
  return { p50: at(50), p95: at(95), min: v[0], max: v[v.length - 1] };
}

const server = await startServer();
const browser = await launchBrowser();
const samples = { overview: [], cohort: [], widget: [], wasmBytes: [] };
try {
  const link = server.cli('login-link', '--programme', 'Starters4Communities', '--public-url', server.base);
  const signIn = await browser.newContext();
  const page = await signIn.newPage();
  await page.goto(link);
  await Promise.all([page.waitForURL('**/manage/'), page.click('button[type=submit]')]);
  const cookies = await signIn.cookies();
  await signIn.close();
  const load = async (url, mark) => {
    const context = await browser.newContext();
    await context.addCookies(cookies);
    await context.addInitScript(OBSERVE);
    const p = await context.newPage();
    await p.goto(url);
    await p.waitForFunction((m) => window.__marks?.[m], mark, { timeout: 30_000 });
    const r = await p.evaluate((m) => ({ t: window.__marks[m],
      wasm: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).reduce((a, e) => a + e.transferSize, 0) }), mark);
    await context.close();
    return r;
  };
  for (let i = 0; i < runs; i += 1) {
    const o = await load(`${server.base}/manage/`, 'overview');
    samples.overview.push(o.t);
    samples.wasmBytes.push(o.wasm);
    samples.cohort.push((await load(`${server.base}/manage/#/cohort/${slug}`, 'cohort')).t);
    samples.widget.push((await load(`${server.base}/embed/${slug}`, 'widget')).t);
  }
} finally {
  await browser.close();
  await server.stop();
}

const ms = (x) => `${x.toFixed(1).padStart(7)} ms`;
console.log(`dashboard, ${runs} cold loads each (headless Chromium, loopback, signed in)`);
for (const [name, key] of [['overview on screen', 'overview'], ['cohort page on screen', 'cohort'], ['widget (reference)', 'widget']]) {
  const s = stats(samples[key]);
  console.log(`  ${name.padEnd(22)} p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  min ${ms(s.min)}  max ${ms(s.max)}`);
}
console.log(`  ${'dashboard wasm'.padEnd(22)} ${stats(samples.wasmBytes).p50} bytes transferred (with headers)`);
