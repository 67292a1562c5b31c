// Benchmark of live events at scale (not a test: it prints, it does not assert).
// Starts the real server (release build, SQLite, the demo cohorts) allowing N streams,
// opens N event streams to one cohort from this process over loopback, reads the
// server's resident memory before and after (/proc), then makes one pledge through the
// API and measures, for every stream, how long after the pledge was sent its event
// arrived. Target (issue 17): one instance holds 10 000 streams and the pledge reaches
// 99 % of them within 1 s. The reference beside it, measured in the same run: the same
// pledge's event reaching a single stream.
// Usage: node bench/streams.mjs [streams] [slug]   (scripts/bench-live.sh sets the env)
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startServer } from '../tests/harness.mjs';

const count = Number(process.argv[2] ?? 10_000);
const slug = process.argv[3] ?? 'utrecht-voorjaar-2027';

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const pct = (v, p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];

/** Opens one event stream; `latest` is the highest event id seen, `waiters` are told of each. */
function open(base) {
  return new Promise((resolve, reject) => {
    const s = { latest: 0, waiter: null, socket: null };
    const req = http.get(`${base}/api/v1/cohorts/${slug}/events`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`stream: ${res.statusCode}`)); res.resume(); return; }
      res.setEncoding('utf8');
      let buffered = '';
      res.on('data', (chunk) => {
        buffered += chunk;
        let at;
        while ((at = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, at);
          buffered = buffered.slice(at + 1);
          if (line.startsWith('id:')) {
            s.latest = Math.max(s.latest, Number(line.slice(3).trim()));
            if (s.waiter && s.latest > s.waiter.above) { s.waiter.resolve(performance.now()); s.waiter = null; }
          }
        }
      });
      res.on('error', () => {});
      s.socket = req;
      resolve(s);
    });
    req.on('error', reject);
  });
}

function next(stream, above, timeoutMs) {
  if (stream.latest > above) return Promise.resolve(performance.now());
  return new Promise((resolve) => {
    stream.waiter = { above, resolve };
    setTimeout(() => resolve(Infinity), timeoutMs);
  });
}

async function pledge(base, i) {
  const sent = performance.now();
  const r = await fetch(`${base}/api/v1/cohorts/${slug}/pledges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `bench-streams-${Date.now()}-${i}` },
    body: JSON.stringify({ amount_cents: 1000 + i, email: 'bench@example.nl', consent: true }),
  });
  if (r.status !== 201) throw new Error(`pledge: ${r.status} ${await r.text()}`);
  return sent;
}

const server = await startServer({ args: ['--max-subscribers', String(count + 10)] });
try {
  // The reference: one stream alone.
  const single = await open(server.base);
  await new Promise((r) => setTimeout(r, 300));
  let sent = await pledge(server.base, 0);
  const alone = (await next(single, single.latest, 5_000)) - sent;
  single.socket.destroy();
  await new Promise((r) => setTimeout(r, 300));

  const idle = rssKb(server.pid);
  const streams = [];
  const opening = performance.now();
  for (let i = 0; i < count; i += 500) {
    const batch = await Promise.all(Array.from({ length: Math.min(500, count - i) }, () => open(server.base)));
    streams.push(...batch);
  }
  const openedIn = performance.now() - opening;
  await new Promise((r) => setTimeout(r, 1_000));
  const held = rssKb(server.pid);
  const above = Math.max(...streams.map((s) => s.latest));
  sent = await pledge(server.base, 1);
  const arrivals = await Promise.all(streams.map((s) => next(s, above, 10_000)));
  const ms = arrivals.map((t) => t - sent).sort((a, b) => a - b);
  const within = ms.filter((v) => v <= 1_000).length;
  for (const s of streams) s.socket.destroy();
  await new Promise((r) => setTimeout(r, 2_000));
  const after = rssKb(server.pid);
  const missed = ms.filter((v) => v === Infinity).length;
  console.log(`live events at scale: ${count} streams to ${slug} on one instance (SQLite, release), loopback`);
  console.log(`  opened in ${(openedIn / 1000).toFixed(1)} s; server memory idle ${(idle / 1024).toFixed(1)} MiB, holding ${(held / 1024).toFixed(1)} MiB, after closing ${(after / 1024).toFixed(1)} MiB`);
  console.log(`  memory per stream ${(((held - idle) * 1024) / count / 1024).toFixed(1)} KiB`);
  console.log(`  one pledge → event: reached ${within}/${count} (${((100 * within) / count).toFixed(2)} %) within 1 s; p50 ${pct(ms, 50).toFixed(0)} ms, p99 ${pct(ms, 99).toFixed(0)} ms, max ${ms[ms.length - 1].toFixed(0)} ms${missed ? `, ${missed} never (10 s)` : ''}`);
  console.log(`  reference, the same pledge's event to a single stream: ${alone.toFixed(0)} ms`);
} finally {
  await server.stop();
}
