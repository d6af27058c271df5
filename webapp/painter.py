"""The hint painter: a small canvas over the current result where a visitor paints color strokes.

Gradio's ImageEditor re-uploads its background, layers and composite on every input, keeps an undo
history that reaches into the previous photo, removes the photo with its trash button, traps a
phone's scroll and has unnamed color swatches. This painter sends only what the API takes: the
strokes as `colorization.hints` reads them (fractions of the photo, a color, a size), once per
stroke at pointer-up. It shows the result itself, so a stroke's effect appears where it was painted.

Its value is `{"photo": <the PhotoRef key>, "strokes": [...]}`; strokes for another photo are ignored.
The server sets the picture with `gr.update(background=<data URL>, rendered=<n>)`.
"""

from __future__ import annotations

import base64
import html
import itertools
from typing import Any

import cv2
import gradio as gr
import numpy as np

from colorization.hints import DEFAULT_SIZE, MAX_POINTS, MAX_STROKES, Stroke, parse_hints

# (color, name) of each swatch: the name is what a screen reader says and what a tooltip shows
COLORS = [("#2b5fd9", "sky blue"), ("#3f9b4a", "leaf green"), ("#c8382e", "red"), ("#e3c04a", "gold"),
          ("#8a5a3c", "brown"), ("#e8b596", "skin"), ("#7a7f87", "slate gray")]
SIZES = [("small", DEFAULT_SIZE), ("large", DEFAULT_SIZE * 3)]
SIDE = 1024  # long side of the painter's picture
EMPTY_TEXT = "Upload a photo first (or pick an example); then paint here."
_rendered = itertools.count(1)

_TEMPLATE = """
<div class="hp">
  <div class="hp-bar" role="toolbar" aria-label="Hint color and brush">
    <span class="hp-part"><span class="hp-label" id="{id}-colors">Color:</span>
      <span role="group" aria-labelledby="{id}-colors" class="hp-swatches">{swatches}</span></span>
    <span class="hp-part hp-whole"><span class="hp-label" id="{id}-sizes">Brush:</span>
      <span role="group" aria-labelledby="{id}-sizes" class="hp-sizes">{sizes}</span></span>
    <button type="button" class="hp-undo" disabled>Undo stroke</button>
    <button type="button" class="hp-clear" disabled>Clear all hints</button>
  </div>
  <div class="hp-stage">
    <img class="hp-photo" alt="The colorized photo with your hints; paint on it" hidden>
    <canvas class="hp-strokes" aria-hidden="true"></canvas>
    <p class="hp-empty">{empty}</p>
    <span class="hp-busy" role="status" aria-live="polite"></span>
  </div>
</div>
"""

_CSS = """
.hp-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 8px; }
.hp-label { font-size: 0.9em; }
.hp-part { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; }
.hp-whole { flex-wrap: nowrap; }  /* a narrow screen moves "Brush:" and its buttons to the next line together */
.hp-sizes { display: inline-flex; gap: 4px; }
.hp-swatches { display: inline-flex; flex-wrap: wrap; gap: 4px; }
.hp-swatch { width: 32px; height: 32px; border-radius: 50%; border: 2px solid #fff; outline: 1px solid #555;
  cursor: pointer; padding: 0; }
.hp-swatch[aria-pressed="true"] { outline: 3px solid #111; outline-offset: 1px; }
.hp-swatch:focus-visible, .hp-bar button:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
.hp-size, .hp-undo, .hp-clear { min-height: 32px; padding: 2px 10px; border: 1px solid #555; border-radius: 6px;
  background: #fff; color: #111; cursor: pointer; }
.hp-size[aria-pressed="true"] { background: #111; color: #fff; }
.hp-bar button:disabled { color: #555; border-color: #999; background: #eee; cursor: not-allowed; }
.hp-stage { position: relative; min-height: 120px; }
.hp-photo { display: block; max-width: 100%; max-height: min(520px, 70vh); margin: 0 auto; user-select: none;
  -webkit-user-drag: none; }
.hp-strokes { position: absolute; left: 0; top: 0; touch-action: pan-y pinch-zoom; cursor: crosshair; }
.hp-photo[hidden] { display: none; }
.hp-empty { color: #444; margin: 8px 0; padding: 40px 8px; text-align: center; border: 2px dashed #999;
  border-radius: 8px; }
.hp-empty[hidden] { display: none; }
.hp-busy { position: absolute; right: 8px; top: 8px; background: rgba(0,0,0,0.75); color: #fff; padding: 2px 8px;
  border-radius: 4px; font-size: 0.9em; }
.hp-busy:empty { display: none; }
"""

# Runs once per page with `element`, `props`, `trigger` and `watch` from gr.HTML.
_JS = r"""
const q = (s) => element.querySelector(s);
const img = q('.hp-photo'), canvas = q('.hp-strokes'), busy = q('.hp-busy'), empty = q('.hp-empty');
const undo = q('.hp-undo'), clear = q('.hp-clear');
const MAX_STROKES = __MAX_STROKES__, MAX_POINTS = __MAX_POINTS__;  // per stroke: all strokes stay within the API's limit
let color = element.querySelector('.hp-swatch').dataset.color, size = __SIZE__, current = null, waiting = null;

function value() { const v = props.value; return (v && typeof v === 'object') ? v : {photo: null, strokes: []}; }
function strokes() { return Array.isArray(value().strokes) ? value().strokes : []; }
function ready() { return !!value().photo && !img.hidden; }

function place() {
  canvas.style.left = img.offsetLeft + 'px'; canvas.style.top = img.offsetTop + 'px';
  canvas.style.width = img.clientWidth + 'px'; canvas.style.height = img.clientHeight + 'px';
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(img.clientWidth * ratio));
  canvas.height = Math.max(1, Math.round(img.clientHeight * ratio));
  draw();
}
function draw() {
  const ctx = canvas.getContext('2d'), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (img.hidden) return;
  for (const s of strokes().concat(current ? [current] : [])) {
    ctx.strokeStyle = ctx.fillStyle = s.color; ctx.globalAlpha = 0.8;
    ctx.lineWidth = Math.max(2, s.size * Math.min(w, h)); ctx.lineCap = ctx.lineJoin = 'round';
    const p = s.points;
    if (p.length === 1) { ctx.beginPath(); ctx.arc(p[0][0] * w, p[0][1] * h, ctx.lineWidth / 2, 0, 7); ctx.fill(); continue; }
    ctx.beginPath(); ctx.moveTo(p[0][0] * w, p[0][1] * h);
    for (const [x, y] of p.slice(1)) ctx.lineTo(x * w, y * h);
    ctx.stroke();
  }
}
function buttons() {
  const n = strokes().length;
  undo.disabled = !ready() || n === 0; clear.disabled = !ready() || n === 0;
  canvas.style.pointerEvents = ready() ? 'auto' : 'none';
}
function send(list) {
  props.value = {photo: value().photo, strokes: list};
  busy.textContent = 'updating…';
  clearTimeout(waiting);
  waiting = setTimeout(() => { busy.textContent = ''; }, 60000);
  draw(); buttons();
  trigger('input');
}
function at(e) {
  const r = canvas.getBoundingClientRect();
  const f = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
  return [f((e.clientX - r.left) / r.width), f((e.clientY - r.top) / r.height)];
}
canvas.addEventListener('pointerdown', (e) => {
  if (!ready() || e.button > 0) return;
  if (strokes().length >= MAX_STROKES) { busy.textContent = 'At most ' + MAX_STROKES + ' strokes: undo one first.'; return; }
  current = {points: [at(e)], color: color, size: size};
  try { canvas.setPointerCapture(e.pointerId); } catch (err) {}
  draw();
});
canvas.addEventListener('pointermove', (e) => {
  if (!current) return;
  const p = at(e), last = current.points[current.points.length - 1];
  if (Math.hypot((p[0] - last[0]) * canvas.clientWidth, (p[1] - last[1]) * canvas.clientHeight) < 3) return;
  current.points.push(p);
  if (current.points.length > MAX_POINTS) current.points = current.points.filter((_, i, all) => i % 2 === 0 || i === all.length - 1);
  draw();
});
canvas.addEventListener('pointerup', () => {
  if (!current) return;
  const done = current; current = null;
  send(strokes().concat([done]));
});
canvas.addEventListener('pointercancel', () => { current = null; draw(); });  // a swipe that scrolls the page
undo.addEventListener('click', () => { if (strokes().length) send(strokes().slice(0, -1)); });
clear.addEventListener('click', () => { if (strokes().length) send([]); });
element.querySelectorAll('.hp-swatch').forEach((b) => b.addEventListener('click', () => {
  color = b.dataset.color;
  element.querySelectorAll('.hp-swatch').forEach((o) => o.setAttribute('aria-pressed', String(o === b)));
}));
element.querySelectorAll('.hp-size').forEach((b) => b.addEventListener('click', () => {
  size = Number(b.dataset.size);
  element.querySelectorAll('.hp-size').forEach((o) => o.setAttribute('aria-pressed', String(o === b)));
}));
function show() {
  const src = props.background || '';
  if (src) { if (img.getAttribute('src') !== src) img.src = src; img.hidden = false; empty.hidden = true; }
  else { img.removeAttribute('src'); img.hidden = true; empty.hidden = false; }
  clearTimeout(waiting); busy.textContent = '';
  place(); buttons();
}
img.addEventListener('load', place);
new ResizeObserver(place).observe(img);
watch(['background', 'rendered'], show);
watch('value', () => { current = null; draw(); buttons(); });
show();
"""


def painter(elem_id: str, empty: str = EMPTY_TEXT) -> gr.HTML:
    """The painter component (showing `empty` until a picture arrives); `elem_id` also names its labels,
    so that two painters on one page keep their ids unique."""
    swatches = "".join(f'<button type="button" class="hp-swatch" data-color="{c}" style="background:{c}" '
                       f'aria-label="{html.escape(name)}" title="{html.escape(name)}" '
                       f'aria-pressed="{"true" if i == 0 else "false"}"></button>'
                       for i, (c, name) in enumerate(COLORS))
    sizes = "".join(f'<button type="button" class="hp-size" data-size="{s:g}" '
                    f'aria-pressed="{"true" if i == 0 else "false"}">{name}</button>'
                    for i, (name, s) in enumerate(SIZES))
    js = (_JS.replace("__MAX_STROKES__", str(MAX_STROKES)).replace("__MAX_POINTS__", str(MAX_POINTS // MAX_STROKES))
          .replace("__SIZE__", f"{SIZES[0][1]:g}"))
    return gr.HTML({"photo": None, "strokes": []}, html_template=_TEMPLATE.format(
        id=html.escape(elem_id), swatches=swatches, sizes=sizes, empty=html.escape(empty)),
        css_template=_CSS, js_on_load=js,
        elem_id=elem_id, apply_default_css=False, background="", rendered=0)


def data_url(rgb: np.ndarray, long_side: int = SIDE) -> str:
    """A JPEG data URL of an RGB image fitted within `long_side` pixels: the painter's picture."""
    height, width = rgb.shape[:2]
    scale = min(1.0, long_side / max(height, width))
    if scale < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise ValueError("could not encode the painter's picture")
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode("ascii")


def show(rgb: np.ndarray, key: str | None = None, strokes: list[Stroke] = ()) -> dict:
    """An update that shows `rgb` in the painter; with `key`, the strokes now belong to that photo
    (a new photo starts with none, so Undo never reaches into the previous one)."""
    update: dict[str, Any] = {"background": data_url(rgb), "rendered": next(_rendered)}
    if key is not None:
        update["value"] = {"photo": key, "strokes": [{"points": [list(p) for p in s.points], "color": s.color,
                                                      "size": s.size} for s in strokes]}
    return gr.update(**update)


def cleared() -> dict:
    return gr.update(value={"photo": None, "strokes": []}, background="", rendered=next(_rendered))


def unchanged() -> dict:
    """Ends the painter's 'updating…' without changing what it shows (after a refusal)."""
    return gr.update(rendered=next(_rendered))


def strokes_for(value: Any, key: str) -> list[Stroke]:
    """The painted strokes, checked as the API checks hints; none when they were painted on another photo."""
    if not isinstance(value, dict) or value.get("photo") != key:
        return []
    return parse_hints(value.get("strokes"))
