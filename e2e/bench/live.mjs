// Benchmark of live progress (not a test: it prints, it does not assert). Starts the real
// server with the demo cohorts, opens the embed page in one browser context (the viewer,
// its event stream connected), then N times makes a pledge through the API and measures
// how long after the server's 201 the viewer shows the new total: the event stream, the
// widget's update and the paint. The widget's polling interval (60 s) is far longer, so
// only the stream can explain each update.
// Usage: node bench/live.mjs [runs] [slug]   (scripts/bench-widget.sh sets the env)
import { startServer, launchBrowser } from '../tests/harness.mjs';

const runs = Number(process.argv[2] ?? 20);
const slug = process.argv[3] ?? 'utrecht-voorjaar-2027';

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
  return { p50: at(50), p95: at(95), min: v[0], max: v[v.length - 1] };
}

const server = await startServer();
const browser = await launchBrowser();
const samples = [];
try {
  const context = await browser.newContext({ locale: 'nl-NL' });
  const viewer = await context.newPage();
  const stream = viewer.waitForResponse((r) => r.url().endsWith('/events') && r.status() === 200, { timeout: 15_000 });
  await viewer.goto(`${server.base}/embed/${slug}`);
  await viewer.waitForSelector('.cofund .cofund-updated', { timeout: 15_000 });
  await stream;
  for (let i = 0; i < runs; i += 1) {
    const before = await viewer.textContent('.cofund-pledged');
    const r = await fetch(`${server.base}/api/v1/cohorts/${slug}/pledges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-live-${Date.now()}-${i}` },
      body: JSON.stringify({ amount_cents: 1000 + i, email: 'bench@example.nl', consent: true }),
    });
    const acknowledged = performance.now();
    if (r.status !== 201) throw new Error(`pledge: ${r.status}`);
    await viewer.waitForFunction((old) => document.querySelector('.cofund-pledged')?.textContent !== old, before, { timeout: 15_000, polling: 'raf' });
    samples.push(performance.now() - acknowledged);
  }
} finally {
  await browser.close();
  await server.stop();
}
const s = stats(samples);
console.log(`live update, pledge acknowledged → viewer shows the new total (${runs} runs, ${slug}), ms:`);
console.log(`  p50 ${s.p50.toFixed(0)}  p95 ${s.p95.toFixed(0)}  min ${s.min.toFixed(0)}  max ${s.max.toFixed(0)}`);
