// Benchmark of the widget on an emulated phone (not a test: it prints, it does not
// assert). Headless Chromium with the DevTools protocol's network emulation (slow 4G:
// 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) and 4x CPU slowdown, cold loads in
// fresh browser contexts, of:
//   embed    /embed/{slug} on the cofund server (the first view rendered by the server in
//            the page, the widget in the light DOM taking it over)
//   host     a page on another origin (another loopback port) with <cofund-widget> and
//            the loader: the one-tag embed (the loader fetches the server's first view)
//   hinted   the same page with the preload hint the README suggests (the server's first
//            view starts with the page instead of when the loader runs)
//   legacy   the same host page with the older snippet (<div data-cofund-src> and
//            `import init from ".../cofund-widget.js"; init()`): no loader, so the document
//            is requested only once the wasm runs (the lever the loader pulls)
//   static   the same figures as static HTML with the widget's CSS inline, served by the
//            host site: the floor, measured in the same run
// For each: navigation start → the crowd percent on screen (in the DOM, then the next
// frame), bytes received before that (CDP's encoded lengths: wasm, JS, CSS, document,
// HTML), and main-thread long tasks (over 50 ms) until then: all of them, and those that
// end after the wasm has arrived (compiling it, instantiating, mounting, rendering).
// Usage: node bench/phone.mjs [runs] [slug]   (scripts/bench-widget.sh sets the env)
import { startServer, launchBrowser } from '../tests/harness.mjs';
import { startHostSite } from '../tests/host-site.mjs';

const runs = Number(process.argv[2] ?? 10);
const slug = process.argv[3] ?? 'utrecht-voorjaar-2027';
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
const CPU_SLOWDOWN = 4;

// Marks the moment the crowd percent is in the DOM (light DOM or any open shadow root),
// then reports it after the next frame; collects long tasks.
const OBSERVE = () => {
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
  let done = false;
  const check = (root) => {
    if (done || !root.querySelector('.cofund-percent')?.textContent) return;
    done = true;
    requestAnimationFrame(() => { window.__figure = performance.now(); window.__figureSeen?.(); });
  };
  const watch = (root) => { new MutationObserver(() => check(root)).observe(root, { childList: true, subtree: true, characterData: true }); check(root); };
  watch(document);
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { const root = attach.call(this, init); watch(root); return root; };
};

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (p) => v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
  return { p50: at(50), p95: at(95), min: v[0], max: v[v.length - 1] };
}

const server = await startServer();
const site = await startHostSite();
const browser = await launchBrowser();

async function load(url, emulate = true) {
  const context = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 1, locale: 'nl-NL' });
  await context.addInitScript(OBSERVE);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (emulate) {
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  }
  // Bytes on the wire per request: the total once finished, else what has arrived.
  const received = new Map();
  const finished = new Map();
  cdp.on('Network.dataReceived', (e) => received.set(e.requestId, (received.get(e.requestId) ?? 0) + (e.encodedDataLength || e.dataLength)));
  cdp.on('Network.loadingFinished', (e) => finished.set(e.requestId, e.encodedDataLength));
  const bytesNow = () => [...new Set([...received.keys(), ...finished.keys()])]
    .reduce((sum, id) => sum + (finished.get(id) ?? received.get(id) ?? 0), 0);
  let bytesAtFigure = null;
  let seen;
  const figure = new Promise((resolve) => { seen = resolve; });
  await page.exposeFunction('__figureSeen', () => { bytesAtFigure = bytesNow(); seen(); });
  await page.goto(url, { waitUntil: 'commit' });
  await Promise.race([figure, new Promise((_, reject) => setTimeout(() => reject(new Error(`no figure on ${url}`)), 60_000))]);
  const r = await page.evaluate(() => {
    const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
    return { figure: window.__figure, wasmEnd: wasm ? wasm.responseEnd : Infinity,
      longTasks: window.__longTasks.filter(([start]) => start <= window.__figure) };
  });
  return { context, page, figure: r.figure, bytes: bytesAtFigure, longTasks: r.longTasks,
    afterWasm: r.longTasks.filter(([start, d]) => start + d > r.wasmEnd) };
}

try {
  // The floor: the widget's own markup and stylesheet as one static page.
  const host = site.page('/host', `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Gemeente</title></head>
<body><cofund-widget src="${server.base}/api/v1/cohorts/${slug}" locale="nl-NL"></cofund-widget>
<script type="module" src="${server.base}/widget/cofund.js" async></script></body></html>`);
  const warm = await load(host, false);
  await warm.page.waitForFunction(() => document.querySelector('cofund-widget').shadowRoot.querySelector('.cofund-updated'));
  const { markup, css } = await warm.page.evaluate(() => {
    const root = document.querySelector('cofund-widget').shadowRoot;
    const sheets = [...root.adoptedStyleSheets, ...root.styleSheets];
    return { markup: root.querySelector('.cofund').outerHTML,
      css: sheets.flatMap((s) => [...s.cssRules].map((r) => r.cssText)).join('\n').replace(/:host[^{]*\{[^}]*\}/g, '') };
  });
  await warm.context.close();
  const staticHtml = `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Gemeente</title><style>${css}</style></head><body>${markup}</body></html>`;
  const floor = site.page('/static', staticHtml);

  const legacy = site.page('/legacy', `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Gemeente</title></head>
<body><div data-cofund-src="${server.base}/api/v1/cohorts/${slug}" data-cofund-locale="nl-NL"></div>
<script type="module">import init from "${server.base}/widget/cofund-widget.js"; init();</script></body></html>`);
  const hinted = site.page('/hinted', `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Gemeente</title>
<link rel="preload" href="${server.base}/api/v1/cohorts/${slug}/view?locale=nl-NL&lang=nl" as="fetch" crossorigin></head>
<body><cofund-widget src="${server.base}/api/v1/cohorts/${slug}" locale="nl-NL"></cofund-widget>
<script type="module" src="${server.base}/widget/cofund.js" async></script></body></html>`);
  const pages = [['embed', `${server.base}/embed/${slug}`], ['host', host], ['hinted', hinted], ['legacy', legacy], ['static', floor]];
  const samples = Object.fromEntries(pages.map(([k]) => [k, { figure: [], bytes: [], long: [], longMax: [], after: [], afterMax: [] }]));
  for (let i = 0; i < runs; i += 1) {
    // Interleaved, so drift on the shared machine affects all three alike.
    for (const [key, url] of pages) {
      const r = await load(url);
      const s = samples[key];
      s.figure.push(r.figure);
      s.bytes.push(r.bytes);
      s.long.push(r.longTasks.length);
      s.longMax.push(Math.max(0, ...r.longTasks.map(([, d]) => d)));
      s.after.push(r.afterWasm.length);
      s.afterMax.push(Math.max(0, ...r.afterWasm.map(([, d]) => d)));
      await r.context.close();
    }
  }

  const ms = (x) => `${x.toFixed(0).padStart(6)} ms`;
  console.log(`\nfirst figure on an emulated phone: ${runs} cold loads each, slow 4G (150 ms RTT, 1.6 Mbit/s down, 750 kbit/s up), ${CPU_SLOWDOWN}x CPU slowdown, 360 px`);
  console.log(`  static HTML page: ${staticHtml.length} bytes (widget markup and CSS inline)`);
  const floorP50 = stats(samples.static.figure).p50;
  for (const [key, label] of [['embed', `/embed/${slug}`], ['host', '<cofund-widget>, other origin'], ['hinted', '… with preload hints'],
    ['legacy', 'older snippet, other origin'], ['static', 'static HTML (floor)']]) {
    const s = samples[key];
    const f = stats(s.figure);
    console.log(`  ${label.padEnd(34)} first figure p50 ${ms(f.p50)}  p95 ${ms(f.p95)}  ×floor ${(f.p50 / floorP50).toFixed(2)}` +
      `  bytes ${String(Math.round(stats(s.bytes).p50 / 1024)).padStart(4)} KB` +
      `  long tasks ${stats(s.long).p50} (max ${stats(s.longMax).max.toFixed(0)} ms)` +
      (key === 'static' ? '' : `, after the wasm arrived ${stats(s.after).p50} (p50 of max ${stats(s.afterMax).p50.toFixed(0)} ms)`));
  }
} finally {
  await browser.close();
  await site.stop();
  await server.stop();
}
