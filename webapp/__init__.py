"""The public demo's server side: one module per tab, the public API, shared state, upload safety, rooms, sweeping.

`app.py` (the Spaces entry point) holds the header, the footer and `main`, and calls each tab's `build`;
the library it serves is the `colorization` package, which knows nothing of Gradio.
"""
