"""The public demo (the Space's entry point): colorize grayscale photos and films in the browser or by API.

Read it as Gradio's own demos read: each tab is one module with its handlers, layout and events
(`webapp.image_tab`, `webapp.video_tab`, `webapp.gallery_tab`), the public endpoints are in `webapp.api`, and
what they all share is one `webapp.state.AppState`. This file holds the header and the footer, calls each tab's
`build`, then `main`. The model loads once at startup.
"""

import argparse
import logging
import os
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr
from starlette.middleware import Middleware

from colorization import ColorizationError, Colorizer
from webapp import gallery_tab, image_tab, texts, video_tab
from webapp.api import PublicApi
from webapp.gradio_internals import write_pictures_whole
from webapp.guard import RefuseLinks
from webapp.int8_upgrade import check_int8_in_background
from webapp.limits import AppLimits
from webapp.memory import keep_memory
from webapp.page_js import PAGE_CSS, PAGE_HEAD, PAGE_JS
from webapp.state import EXAMPLES, AppState
from webapp.sweep import start_sweeper, sweep_leftovers
from webapp.uploads import upload_folder

log = logging.getLogger("colorization.app")
# Gradio's default theme, readable: its subdued gray (#bbbbc2) has a contrast of 1.9 on white, its orange accent
# on a selected tab 2.8, white on its primary (orange-500) and stop (red-500) buttons 2.8 and 3.8; neutral-600,
# primary-700 and red-700 reach 7.7, 5.2 and 6.5.
THEME = gr.themes.Default().set(body_text_color_subdued="*neutral_600", color_accent="*primary_700",
                                button_primary_background_fill="*primary_700",
                                button_primary_background_fill_hover="*primary_800",
                                button_cancel_background_fill="#b91c1c", button_cancel_background_fill_hover="#991b1b")


def load_colorizer() -> tuple[Colorizer | None, str | None]:
    """Load the model; on failure keep the page up and say why (the log gets every source tried)."""
    try:
        return Colorizer.from_pretrained(), None
    except ColorizationError as exc:
        log.error("%s", exc)
        return None, texts.NO_MODEL


def page_footer(state: AppState) -> str:
    """The model as it serves now (backend, precision) and the page's limits."""
    return f"{texts.model_status(state.colorizer)} {texts.page_limits(state.limits)}"


def build_app(state: AppState) -> gr.Blocks:
    """The page: a header, three tabs, the model and limits in a footer."""
    digest = state.colorizer.files.weights_sha256[:12] if state.colorizer and state.colorizer.files else "none"
    os.environ["GRADIO_EXAMPLES_CACHE"] = os.path.join(tempfile.gettempdir(), f"colorization-examples-{digest}")
    keep, api = state.limits.keep_results_seconds, PublicApi(state)
    with gr.Blocks(title="Colorize old photos and films", delete_cache=(min(600, keep), keep)) as demo:
        gr.Markdown("# Colorize old photos and films\nUpload a grayscale photo or film and see it in color, with the "
                    "network of *Colorful Image Colorization* (Zhang, Isola, Efros, ECCV 2016).")
        if state.load_error:
            gr.Markdown(f"**{state.load_error}**", elem_id="model-error")
        image_tab.build(state, api)
        video_tab.build(state, api)
        gallery_tab.build(state)
        footer = gr.Markdown(page_footer(state), elem_id="footer-info")

        def footer_now() -> str:  # read again as each page opens: int8 may take over after the page was built
            return page_footer(state)

        demo.load(footer_now, None, footer, api_visibility="private", show_progress="hidden")
    demo.queue(max_size=4 * (state.limits.image_waiting + state.limits.video_waiting), default_concurrency_limit=None)
    state.demo = demo
    demo.colorize_quota = state.quota  # the guard charges uploads to the same disk quota as results
    demo.colorize_photos = state.photos  # the memory keeper expires them
    return demo


def launch(demo: gr.Blocks, limits: AppLimits, **options) -> None:
    """Sweep old files and unused photos now and then, refuse links, bound MCP calls, write pictures whole, serve;
    `options` go to `Blocks.launch`."""
    write_pictures_whole()
    start_sweeper(upload_folder(), every=min(600, limits.keep_results_seconds), keep=limits.keep_results_seconds)
    if (photos := getattr(demo, "colorize_photos", None)) is not None:
        keep_memory(photos, every=min(30.0, limits.photo_memory_seconds / 4))
    guard = Middleware(RefuseLinks, max_mcp_body=limits.max_mcp_request_mb << 20,
                       roots=lambda: [upload_folder(), EXAMPLES], quota=getattr(demo, "colorize_quota", None))
    demo.launch(max_file_size=limits.max_file_size, show_error=True, footer_links=["api"], theme=THEME, js=PAGE_JS,
                css=PAGE_CSS, head=PAGE_HEAD,
                app_kwargs={"middleware": [guard]}, **options)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the colorization demo.")
    parser.add_argument("--share", action="store_true", help="also make a public gradio.live link (needs network)")
    parser.add_argument("--host", default=None, help="default: $GRADIO_SERVER_NAME or 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default: $GRADIO_SERVER_PORT or 7860")
    parser.add_argument("--no-mcp", action="store_true", help="do not serve the endpoints as MCP tools")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    limits = AppLimits()
    sweep_leftovers(upload_folder(), limits.keep_results_seconds)
    state = AppState(*load_colorizer(), limits)
    check_int8_in_background(state)  # fp32 serves at once; int8 takes over if it passes its self-check
    demo = build_app(state)
    launch(demo, limits, server_name=args.host, server_port=args.port, share=args.share, mcp_server=not args.no_mcp)


if __name__ == "__main__":
    main()
