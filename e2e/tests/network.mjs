// What a page fetched, as Chromium's network layer saw it (DevTools protocol): for each
// request its URL, the status the page saw, the status that crossed the wire (a
// revalidated file is a 304 on the wire and the cached 200 to the page), whether the
// HTTP cache answered it without asking the server, and the bytes that crossed the wire
// (headers and body, compressed as sent).
export async function recordNetwork(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  const at = (id) => requests.get(id) ?? requests.set(id, { url: '', status: null, wire: null, cached: false, bytes: 0, done: false }).get(id);
  cdp.on('Network.requestWillBeSent', (e) => { at(e.requestId).url = e.request.url; });
  cdp.on('Network.requestServedFromCache', (e) => { at(e.requestId).cached = true; });
  cdp.on('Network.responseReceived', (e) => {
    const r = at(e.requestId);
    r.status = e.response.status;
    if (e.response.fromDiskCache || e.response.fromPrefetchCache) r.cached = true;
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => { at(e.requestId).wire = e.statusCode; });
  cdp.on('Network.loadingFinished', (e) => { const r = at(e.requestId); r.bytes = e.encodedDataLength; r.done = true; });
  cdp.on('Network.loadingFailed', (e) => { at(e.requestId).done = true; });
  return {
    /** Every request so far, in the order they were made. */
    all: () => [...requests.values()].filter((r) => r.url),
    /** The requests for the widget's own files (`/widget/…`). */
    widget: () => [...requests.values()].filter((r) => r.url.includes('/widget/')),
    /** Bytes that crossed the wire for the requests `filter` keeps. */
    bytes: (filter = () => true) => [...requests.values()].filter((r) => r.url && filter(r)).reduce((n, r) => n + (r.cached ? 0 : r.bytes), 0),
  };
}

/** The file name of a URL's path. */
export const fileName = (url) => new URL(url).pathname.split('/').pop();
/** A module or wasm named by its content (scripts/hash-widget.sh). */
export const CONTENT_NAMED = /^cofund-widget-[0-9a-f]{16}(_bg\.wasm|\.js)$/;
