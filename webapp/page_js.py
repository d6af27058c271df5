"""Script run once when the page loads: what Gradio's own components lack for keyboards, screen readers and phones.

Gradio 6's ImageSlider divider cannot be focused or moved by keys, and both its images have alt="". A link to
"/?view=api" does not open the API page either. This gives each divider a slider role, focus and arrow keys (it
moves by synthesized mouse drags, the only input Gradio's d3-drag handler takes), names the two images after the
slider's label ("Before / after"), and opens the API page for such a link. Sliders' number boxes and reset buttons
are made to act as moving the slider does (see below), and the API page's controls get names.
"""

PAGE_JS = r"""
() => {
  const ALT = ['left', 'right'];
  const position = (handle) => {
    const wrap = handle.parentElement.getBoundingClientRect(), r = handle.getBoundingClientRect();
    return wrap.width ? Math.round((r.left + r.width / 2 - wrap.left) / wrap.width * 100) : 50;
  };
  const fix = () => {
    document.querySelectorAll('[data-testid="slider"]').forEach((handle) => {
      if (handle.dataset.keys) return;
      handle.dataset.keys = '1';
      handle.tabIndex = 0;
      handle.setAttribute('role', 'slider');
      handle.setAttribute('aria-label', 'Before/after divider (arrow keys move it)');
      handle.setAttribute('aria-valuemin', '0');
      handle.setAttribute('aria-valuemax', '100');
      handle.setAttribute('aria-valuenow', '50');
      handle.addEventListener('keydown', (event) => {
        const step = {ArrowLeft: -0.05, ArrowDown: -0.05, ArrowRight: 0.05, ArrowUp: 0.05, Home: -1, End: 1}[event.key];
        if (step === undefined) return;
        event.preventDefault();
        const wrap = handle.parentElement.getBoundingClientRect(), r = handle.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const to = Math.min(wrap.right - 1, Math.max(wrap.left + 1, x + step * wrap.width));
        const at = (clientX) => ({bubbles: true, cancelable: true, view: window, clientX, clientY: y, button: 0});
        handle.dispatchEvent(new MouseEvent('mousedown', at(x)));
        window.dispatchEvent(new MouseEvent('mousemove', at(to)));
        window.dispatchEvent(new MouseEvent('mouseup', at(to)));
        requestAnimationFrame(() => handle.setAttribute('aria-valuenow', String(position(handle))));
      });
    });
    document.querySelectorAll('img[data-testid="imageslider-image"]').forEach((img) => {
      if (img.getAttribute('alt')) return;
      const block = img.closest('.block'), images = [...img.parentElement.querySelectorAll('img[data-testid="imageslider-image"]')];
      const label = (block?.querySelector('[data-testid="block-label"]')?.textContent || 'Before / after').trim();
      const parts = label.split('/').map((part) => part.trim());
      const i = images.indexOf(img);
      img.setAttribute('alt', parts.length === 2 ? parts[i] || ALT[i] : `${label}, ${ALT[i] || 'image'}`);
    });
    const docs = document.querySelector('.api-docs');
    if (docs) {  // Gradio's API page: unnamed buttons, list items outside a list, code boxes that scroll
      docs.querySelectorAll('.banner-wrap button:not([aria-label])').forEach((b) => {  // the close button: an icon
        if (!b.textContent.trim()) b.setAttribute('aria-label', 'Close the API page'); });
      docs.querySelectorAll('button.copy-button:not([aria-label])').forEach((b) => b.setAttribute('aria-label', 'Copy the code'));
      docs.querySelectorAll('li.snippet').forEach((li) => { const p = li.parentElement;
        if (!['UL', 'OL'].includes(p.tagName) && !p.getAttribute('role')) p.setAttribute('role', 'list'); });
      docs.querySelectorAll('pre:not([tabindex]), p[style*="overflow-x"]:not([tabindex])').forEach((e) => e.tabIndex = 0);
      docs.querySelectorAll('input.tool-checkbox:not([aria-label])').forEach((box) => {  // the MCP view's tool list
        let up = box.parentElement;
        while (up && up !== docs && !up.querySelector('.tool-name')) up = up.parentElement;
        const name = up?.querySelector('.tool-name')?.textContent.trim();
        box.setAttribute('aria-label', name ? `Offer ${name} to MCP clients` : 'Offer this tool to MCP clients'); });
    }
  };
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
  fix();
  // A slider's number box, committed (Enter, or leaving it) as the mouse commits: an emptied or unreadable box goes
  // back to the value in use, a typed value out of range is clamped, and either reaches the server as an input
  // (Gradio clamps on blur without one, and shows 0 for an emptied box while the picture keeps the old value).
  const BOX = 'input[type=number][data-testid="number-input"]';
  const inUse = new WeakMap();
  const readable = (box) => box.value !== '' && Number.isFinite(box.valueAsNumber);
  const inRange = (box) => readable(box) && box.valueAsNumber >= Number(box.min) && box.valueAsNumber <= Number(box.max);
  document.addEventListener('focusin', (e) => { if (e.target.matches?.(BOX) && inRange(e.target)) inUse.set(e.target, e.target.value); });
  document.addEventListener('input', (e) => { if (e.target.matches?.(BOX) && inRange(e.target)) inUse.set(e.target, e.target.value); }, true);
  const commit = (box) => {
    const wanted = !readable(box) ? inUse.get(box)
      : String(Math.min(Number(box.max), Math.max(Number(box.min), box.valueAsNumber)));
    if (wanted === undefined || wanted === box.value) return;
    box.value = wanted;
    inUse.set(box, wanted);
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && e.target.matches?.(BOX)) commit(e.target); }, true);
  document.addEventListener('blur', (e) => { if (e.target.matches?.(BOX)) commit(e.target); }, true);
  // Gradio's video input says "Video not playable" when Chromium cannot play a file, beside the server's own
  // sentence for a film it refuses (and for one it reads, such as AVI, the page needs no such toast at all).
  window.addEventListener('error', (e) => { if (e.target.closest?.('#video-in')) e.stopImmediatePropagation(); }, true);
  // Gradio's reset button (↺) sets the default and sends `change` and `release`, never the `input` that moving the
  // slider sends and that the page's handlers follow: after it, the slider says `input` too.
  document.addEventListener('click', (e) => {
    const reset = e.target.closest?.('[data-testid="reset-button"]');
    const range = reset?.closest('.block')?.querySelector('input[type=range]');
    if (range) setTimeout(() => range.dispatchEvent(new Event('input', {bubbles: true})), 0);
  });
  if (window.colorizeOpenApi) {  // a shared link to the API page (noted by PAGE_HEAD: Gradio drops it from the URL)
    const poll = setInterval(() => {  // a click before Gradio is ready is lost: until the panel is there
      if (document.querySelector('.api-docs')) return clearInterval(poll);
      document.querySelector('button.show-api')?.click();
    }, 500);
    setTimeout(() => clearInterval(poll), 20000);
  }
}
"""

# A progress line in a status box overflowed it (clipped on a phone, and axe's scrollable-region-focusable).
# On a phone Gradio's page, accordion and HTML paddings leave the hint painter 276 of 390 pixels. Gradio scopes
# the `css` it is given to its content (`.contain`); the page's own padding needs a style in the head.
PAGE_CSS = """
#gallery-film-status, #video-status { overflow: visible !important; min-height: 2.5em; }
#video-in video, #video-out video { max-height: min(480px, 60vh); }  /* a tall film leaves the controls in reach */
@media (max-width: 640px) {
  #hints-panel { padding: 6px; }
  #hint-painter .html-container { padding: 0; }
}
"""
# Outside Gradio's content, so in the head: the page's own padding on a phone; the footer's "Use via API" link,
# which Gradio hides below 641 pixels; the API page's header and its row of client tabs, which overflow a phone.
_HEAD_CSS = """
@media (max-width: 640px) {
  .main.app { padding-left: 8px; padding-right: 8px; }
  footer { flex-wrap: wrap; row-gap: 4px; }
  footer .show-api { display: flex !important; }
  footer .show-api-divider { display: inline !important; }
  .api-docs h2, .api-docs h2 .title { flex-wrap: wrap; }
  .api-docs h2 .url { overflow-wrap: anywhere; }
  .api-docs h2 .counts { margin: 0 !important; flex-wrap: wrap; }
  .api-docs .banner-wrap { padding-right: 40px; }
  .api-docs .snippets { flex-wrap: wrap; gap: 6px; }
  .api-docs .snippets > * + * { margin-left: 0 !important; }
}
"""
PAGE_HEAD = (f"<style>{_HEAD_CSS}</style>"
             "<script>window.colorizeOpenApi = new URLSearchParams(location.search).get('view') === 'api';</script>")
