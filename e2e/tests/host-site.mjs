// A host page's own site on another loopback port (another origin than the cofund
// server): the pages a programme would put the widget on. Pages are registered by path
// with their HTML and response headers (e.g. a Content-Security-Policy).
import { createServer } from 'node:http';

export async function startHostSite() {
  const pages = new Map();
  const server = createServer((req, res) => {
    const page = pages.get(new URL(req.url, 'http://x').pathname);
    if (!page) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...page.headers });
    res.end(page.html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    /** Serves `html` at `path`; returns the page's URL. */
    page(path, html, headers = {}) { pages.set(path, { html, headers }); return `${base}${path}`; },
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/** Counts layout shifts (without recent input) into window.__shift from the start. */
export const SHIFT_OBSERVER = `<script>window.__shift=0;new PerformanceObserver((l)=>{for(const e of l.getEntries())if(!e.hadRecentInput)window.__shift+=e.value}).observe({type:'layout-shift',buffered:true});</script>`;
