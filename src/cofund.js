// Cofund widget loader: the one script a host page includes.
//
//   <cofund-widget src="https://…/api/v1/cohorts/SLUG" locale="nl-NL"></cofund-widget>
//   <script type="module" src="https://…/widget/cofund.js" async></script>
//
// Defines <cofund-widget>. Where src is a Cofund server's cohort document
// (…/api/v1/cohorts/SLUG), the element first shows the view that server renders for it
// (…/view, the widget's own components; one cacheable request), and the widget's wasm
// module is fetched after that: when the browser is idle, and for an element below the
// fold only once it comes within 200px of the viewport (or at once when the visitor
// touches, clicks or types in it). The widget then takes the view over without moving
// it. For documents from other servers (static mode) the document request starts as
// soon as the element is on the page, in parallel with the download and compilation of
// the module (the widget then reads that response instead of asking again). The module
// is loaded once for the page; every element gets its own widget in its own shadow root.
// Removing an element unmounts its widget (state, refresh timer, observers); changing
// its src, locale, refresh or now attribute mounts it afresh. The older
// <div data-cofund-src> form is mounted by the module itself (its server's page,
// /embed/SLUG, has the first view in the host already).
const base = new URL('.', import.meta.url);
// The module and its wasm, named by their content: scripts/hash-widget.sh writes this
// build's names on the next line. This file, the one URL host pages use, is revalidated
// after a few minutes; the files it names never change and are cached for a year.
const FILES = {"glue":"cofund-widget.js","wasm":"cofund-widget_bg.wasm"};
// Responses already requested, by document URL; the widget takes each once.
const documents = (globalThis[Symbol.for('cofund.documents')] ??= new Map());
let module;

function loadModule() {
  module ??= (async () => {
    // Both requests start now; instantiateStreaming compiles the wasm while it arrives.
    const wasm = fetch(new URL(FILES.wasm, base));
    const glue = await import(new URL(FILES.glue, base).href);
    await glue.default({ module_or_path: wasm });
    return glue;
  })();
  return module;
}

function prefetch(src) {
  if (!src || !src.trim() || documents.has(src)) return;
  // No extra headers, so that a page's <link rel="preload" as="fetch" crossorigin> for
  // the same URL serves this request.
  const response = fetch(src, { signal: AbortSignal.timeout?.(15000) });
  // `settled` tells the widget whether the response is already in (then it has nothing
  // to do while waiting). A failure is the widget's to report, not the console's.
  response.then(() => { response.settled = true; }, () => { response.settled = true; });
  documents.set(src, response);
}

// The URL of the server's first view for this element, or null in static mode.
function viewUrl(el) {
  let url;
  try { url = new URL(el.getAttribute('src') ?? '', location.href); } catch { return null; }
  if (url.search || url.hash || !/\/api\/v1\/cohorts\/[a-z0-9-]+$/.test(url.pathname)) return null;
  url.pathname += '/view';
  const params = { locale: el.getAttribute('locale'), lang: document.documentElement.lang, now: el.getAttribute('now') };
  for (const [name, value] of Object.entries(params)) if (value) url.searchParams.set(name, value);
  return url.href;
}

// Resolves once the page's own work is done (idle), and `el` is near the viewport, or the
// visitor reaches for it, whichever comes first. Until the widget takes the server's view
// over, its form does not submit (the widget sends pledges itself).
function whenWanted(el, root) {
  root.addEventListener('submit', (e) => { if (e.target.closest?.('[data-cofund-ssr]')) e.preventDefault(); }, true);
  return new Promise((resolve) => {
    const wanted = ['pointerdown', 'focusin', 'keydown', 'input'];
    const go = () => { wanted.forEach((t) => root.removeEventListener(t, go, true)); observer?.disconnect(); resolve(); };
    wanted.forEach((t) => root.addEventListener(t, go, true));
    const idle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 1));
    const observer = globalThis.IntersectionObserver && new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) idle(go, { timeout: 1000 });
    }, { rootMargin: '200px' });
    if (observer) observer.observe(el); else idle(go, { timeout: 1000 });
  });
}

// Shows the server's first view in the element's shadow root; false when there is none.
async function showFirstView(el, url, current) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout?.(15000) });
    if (!response.ok) return false;
    const html = await response.text();
    if (!current()) return false;
    // Parsed inert, then styled through the CSSOM: a page whose Content-Security-Policy
    // has no 'unsafe-inline' for styles shows it as it shows the widget (no inline
    // <style> or style attribute is applied from markup).
    const template = document.createElement('template');
    // Style attributes as data first: markup's style attributes would be refused.
    template.innerHTML = html.replace(/(<[a-zA-Z][^<>]*?)\sstyle="/g, '$1 data-cofund-style="');
    const root = el.shadowRoot ?? el.attachShadow({ mode: 'open' });
    const style = template.content.querySelector('style[data-cofund-ssr]');
    if (style && root.adoptedStyleSheets && globalThis.CSSStyleSheet?.prototype.replaceSync) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(style.textContent);
      style.remove();
      root.adoptedStyleSheets = [sheet];
    }
    const styled = [...template.content.querySelectorAll('[data-cofund-style]')].map((e) => [e, e.getAttribute('data-cofund-style')]);
    styled.forEach(([e]) => e.removeAttribute('data-cofund-style'));
    root.replaceChildren(template.content);
    styled.forEach(([e, css]) => { e.style.cssText = css; });
    return true;
  } catch {
    return false;
  }
}

class CofundWidgetElement extends HTMLElement {
  static observedAttributes = ['src', 'locale', 'refresh', 'now'];
  #widget = null;
  #generation = 0;
  #scheduled = false;

  connectedCallback() { this.#schedule(); }
  disconnectedCallback() { this.#generation += 1; this.#unmount(); }
  attributeChangedCallback(_name, before, after) {
    if (before !== after && this.isConnected && (this.#widget || this.#scheduled)) this.#schedule();
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // One remount for several attributes changed together.
    queueMicrotask(() => {
      this.#scheduled = false;
      if (!this.isConnected) return;
      const generation = ++this.#generation;
      const current = () => generation === this.#generation && this.isConnected;
      const view = !this.#widget && viewUrl(this);
      const shown = view ? showFirstView(this, view, current) : Promise.resolve(false);
      shown.then((first) => (first ? whenWanted(this, this.shadowRoot) : null)).then(() => {
        if (!current()) return null;
        prefetch(this.getAttribute('src'));
        return loadModule().then((glue) => {
          if (!current()) return;
          this.#unmount();
          this.#widget = glue.mount_element(this) ?? null;
        });
      }).catch((error) => {
        this.dispatchEvent(new CustomEvent('cofund:error', { bubbles: true, composed: true,
          detail: { kind: 'module', message: String(error?.message ?? error) } }));
      });
    });
  }

  #unmount() {
    this.#widget?.free();
    this.#widget = null;
  }
}

if (!customElements.get('cofund-widget')) customElements.define('cofund-widget', CofundWidgetElement);
const legacy = [...document.querySelectorAll('[data-cofund-src]')];
if (legacy.length) {
  // A host with the server's first view in it (/embed/SLUG) loads the module when wanted.
  const rendered = legacy.filter((el) => el.querySelector(':scope > [data-cofund-ssr]'));
  const start = () => { legacy.forEach((el) => prefetch(el.getAttribute('data-cofund-src'))); loadModule(); };
  if (rendered.length === legacy.length) Promise.race(rendered.map((el) => whenWanted(el, el))).then(start);
  else start();
}
