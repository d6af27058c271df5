"""The public demo's server side: handlers, upload safety, waiting rooms, per-photo state, sweeping.

`app.py` (the Spaces entry point) holds the page's layout and wiring and nothing else; the
library it serves is the `colorization` package, which knows nothing of Gradio.
"""
