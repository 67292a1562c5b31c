// Bytes of a first view and of repeat views of a host page with <cofund-widget> (not a
// test: it prints). One browser context, like a visitor coming back:
//   first view               empty cache
//   repeat, within cache     the loader still fresh: nothing of the widget is asked for
//   repeat, loader expired   the loader revalidated (304), the content-named module and
//                            wasm still from the cache
// Beside them, the reference in the same run: the host page itself (served no-store,
// so it crosses the wire on every view) and the cohort document (revalidated with its ETag).
// Usage: node bench/repeat.mjs [slug]   (scripts/bench-widget.sh sets the env)
import { startServer, launchBrowser } from '../tests/harness.mjs';
import { startHostSite } from '../tests/host-site.mjs';
import { recordNetwork } from '../tests/network.mjs';

const slug = process.argv[2] ?? 'utrecht-voorjaar-2027';
// Short, so the run can outlast it; servers default to 300 s.
const LOADER_MAX_AGE_S = 4;

const server = await startServer({ args: ['--loader-max-age', String(LOADER_MAX_AGE_S)] });
const site = await startHostSite();
const browser = await launchBrowser();
const rows = [];
try {
  const url = site.page('/page.html', `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Gemeente</title></head>
<body><h1>Doe mee</h1><cofund-widget src="${server.base}/api/v1/cohorts/${slug}" locale="nl-NL"></cofund-widget>
<script type="module" src="${server.base}/widget/cofund.js" async></script></body></html>`);
  const context = await browser.newContext();
  let loaderAt = 0;
  for (const view of ['first view', 'repeat, within cache', 'repeat, loader expired']) {
    if (view === 'repeat, loader expired') await new Promise((r) => setTimeout(r, Math.max(0, loaderAt + LOADER_MAX_AGE_S * 1000 + 500 - Date.now())));
    const page = await context.newPage();
    const network = await recordNetwork(page);
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('cofund-widget')?.shadowRoot?.querySelector('.cofund .cofund-updated'), null, { timeout: 20_000 });
    if (view === 'first view') loaderAt = Date.now();
    const widget = network.widget();
    rows.push({
      view,
      widget: network.bytes((r) => r.url.includes('/widget/')),
      asked: widget.filter((r) => !r.cached).length,
      revalidated: widget.filter((r) => r.wire === 304).length,
      cached: widget.filter((r) => r.cached).length,
      document: network.bytes((r) => r.url.includes('/api/v1/cohorts/')),
      host: network.bytes((r) => r.url.startsWith(site.base)),
    });
    await page.close();
  }
} finally {
  await browser.close();
  await site.stop();
  await server.stop();
}

console.log(`bytes on the wire per view of a host page with <cofund-widget> (headless Chromium, one context, loader max-age ${LOADER_MAX_AGE_S} s for the run)`);
for (const r of rows) {
  console.log(`  ${r.view.padEnd(24)} widget files ${String(r.widget).padStart(7)} B (${r.asked} asked of the server, ${r.revalidated} of them 304, ${r.cached} from the cache)`
    + `   reference: host page ${String(r.host).padStart(5)} B, cohort document ${String(r.document).padStart(5)} B`);
}
