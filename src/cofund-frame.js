// Cofund iframe mode, for pages that only allow iframes:
//   <iframe data-cofund-frame src="https://…/embed/SLUG" title="…" style="width:100%;border:0"></iframe>
//   <script src="https://…/widget/cofund-frame.js" async></script>
// Sizes each such iframe to its content (the embed page posts its height) and re-dispatches
// the widget's events (cofund:load, cofund:pledge, cofund:error) on the iframe element.
addEventListener('message', (e) => {
  const d = e.data;
  if (!d || typeof d.type !== 'string' || !d.type.startsWith('cofund:')) return;
  for (const f of document.querySelectorAll('iframe[data-cofund-frame]')) {
    if (f.contentWindow !== e.source || new URL(f.src, location.href).origin !== e.origin) continue;
    if (d.type === 'cofund:height') {
      if (Number.isFinite(d.height) && d.height >= 0) f.style.height = `${Math.ceil(d.height)}px`;
    } else {
      f.dispatchEvent(new CustomEvent(d.type, { bubbles: true, detail: d.detail }));
    }
  }
});
