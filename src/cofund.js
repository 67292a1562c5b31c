// Cofund widget loader: the one script a host page includes.
//
//   <cofund-widget src="https://…/api/v1/cohorts/SLUG" locale="nl-NL"></cofund-widget>
//   <script type="module" src="https://…/widget/cofund.js" async></script>
//
// Defines <cofund-widget>. Each element's document request starts as soon as the
// element is on the page, in parallel with the download and compilation of the widget's
// wasm module (the widget then reads that response instead of asking again). The module
// is loaded once for the page; every element gets its own widget in its own shadow root.
// Removing an element unmounts its widget (state, refresh timer, observers); changing
// its src, locale, refresh or now attribute mounts it afresh. The older
// <div data-cofund-src> form is mounted by the module itself.
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
      prefetch(this.getAttribute('src'));
      loadModule().then((glue) => {
        if (generation !== this.#generation || !this.isConnected) return;
        this.#unmount();
        this.#widget = glue.mount_element(this) ?? null;
      }, (error) => {
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
const legacy = document.querySelectorAll('[data-cofund-src]');
if (legacy.length) {
  legacy.forEach((el) => prefetch(el.getAttribute('data-cofund-src')));
  loadModule();
}
