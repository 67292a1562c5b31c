// Benchmark of the widget in a real browser (not a test: it prints, it does not assert).
// Starts the real server with the demo cohorts and the release widget, then loads the
// embed page N times in fresh browser contexts (cold HTTP cache) and reports, from the
// page's own clock (performance.now(), set by a MutationObserver at the moment the
// element appears):
//   skeleton   navigation start → the loading state is on screen (wasm fetched,
//              compiled and instantiated, widget mounted)
//   cohort     navigation start → the cohort's figures are on screen
//   document   when the document was requested and answered, relative to the skeleton
//   render     the document's answer → the figures on screen (parse, validate, Intl, DOM)
//   wasm       bytes over the wire and the fetch's duration
//   heap       JS heap after load (wasm memory is counted by the browser separately)
// Usage: node bench/render.mjs [runs] [slug]   (scripts/bench-widget.sh sets the env)
import { startServer, launchBrowser } from '../tests/harness.mjs';

const runs = Number(process.argv[2] ?? 20);
const slug = process.argv[3] ?? 'utrecht-voorjaar-2027';

const OBSERVE = () => {
  window.__marks = {};
  new MutationObserver(() => {
    const m = window.__marks;
    if (!m.skeleton && document.querySelector('.cofund-skeleton')) m.skeleton = performance.now();
    if (!m.cohort && document.querySelector('.cofund section h2')) m.cohort = performance.now();
  }).observe(document, { childList: true, subtree: true });
};

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
  return { p50: at(50), p95: at(95), min: v[0], max: v[v.length - 1] };
}

const server = await startServer();
const browser = await launchBrowser();
const samples = { skeleton: [], cohort: [], wasmMs: [], wasmBytes: [], heap: [], docStart: [], docEnd: [], render: [] };
try {
  for (let i = 0; i < runs; i += 1) {
    const context = await browser.newContext();
    await context.addInitScript(OBSERVE);
    const page = await context.newPage();
    await page.goto(`${server.base}/embed/${slug}`);
    await page.waitForFunction(() => window.__marks?.cohort, null, { timeout: 15_000 });
    const r = await page.evaluate(() => {
      const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
      const doc = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/cohorts/'));
      return { ...window.__marks, wasmMs: wasm.duration, wasmBytes: wasm.transferSize, heap: performance.memory?.usedJSHeapSize ?? 0,
        docStart: doc.startTime - window.__marks.skeleton, docEnd: doc.responseEnd - window.__marks.skeleton,
        render: window.__marks.cohort - doc.responseEnd };
    });
    for (const k of Object.keys(samples)) samples[k].push(r[k]);
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}

const ms = (x) => `${x.toFixed(1).padStart(7)} ms`;
console.log(`widget render, ${runs} cold loads of /embed/${slug} (headless Chromium, loopback)`);
for (const [name, key] of [['skeleton on screen', 'skeleton'], ['cohort on screen', 'cohort'], ['wasm fetch', 'wasmMs'],
  ['doc request−skeleton', 'docStart'], ['doc response−skeleton', 'docEnd'], ['render after response', 'render']]) {
  const s = stats(samples[key]);
  console.log(`  ${name.padEnd(22)} p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  min ${ms(s.min)}  max ${ms(s.max)}`);
}
console.log(`  ${'wasm transferred'.padEnd(22)} ${stats(samples.wasmBytes).p50} bytes (with headers)`);
console.log(`  ${'JS heap after load'.padEnd(22)} ${(stats(samples.heap).p50 / 1024).toFixed(0)} KB`);
