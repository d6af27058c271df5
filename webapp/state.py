"""What every tab and endpoint shares: the model, the limits, the speeds, the photo store, the waiting rooms,
the disk quota, job folders, cancel flags, and the demo (its queue tells when a visitor has gone).

One `AppState` is made at startup (`app.main`) and handed to each tab's `build` and to `api.PublicApi`.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import gradio as gr

from colorization import Colorizer
from colorization.video.estimate import Speeds

from . import texts
from .failures import visitor_error
from .gradio_internals import current_caller
from .limits import AppLimits
from .presence import abandoned
from .quota import DiskQuota
from .rooms import WaitingRoom
from .store import PhotoStore
from .uploads import upload_folder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class AppState:
    """The shared parts around one loaded colorizer (or the reason it could not load)."""

    def __init__(self, colorizer: Colorizer | None, load_error: str | None = None,
                 limits: AppLimits = AppLimits(), speeds: Speeds | None = None) -> None:
        self.colorizer, self.load_error, self.limits = colorizer, load_error, limits
        self.speeds = speeds or (Speeds.measure(colorizer) if colorizer else Speeds.typical())
        self.photos = PhotoStore(limits.photo_memory_mb * 2**20, limits.photo_memory_seconds)
        self.image_room = WaitingRoom("photo", limits.image_workers, limits.image_waiting, limits.photo_jobs_per_client)
        self.video_room = WaitingRoom("video", limits.video_workers, limits.video_waiting, limits.video_jobs_per_client)
        self.preview_room = WaitingRoom("film preview", limits.preview_workers, limits.preview_waiting,
                                        limits.preview_jobs_per_client)
        self.quota = DiskQuota(limits.disk_per_client_mb << 20, limits.disk_total_mb << 20, limits.keep_results_seconds)
        self.demo: gr.Blocks | None = None  # set by app.build_app: disconnect detection reads its queue
        self.cancel_flags: dict[str, threading.Event] = {}  # session -> its video job's flag (the Cancel button)

    def model(self) -> Colorizer:
        if self.colorizer is None:
            raise visitor_error(texts.NO_MODEL)
        return self.colorizer

    def roots(self) -> list[Path]:
        """The folders a request may name files in (`uploads.upload_path`)."""
        return [upload_folder(), EXAMPLES]

    def job_folder(self) -> Path:
        """A fresh folder for one job's results inside Gradio's cache: served in place, swept with uploads."""
        cache = upload_folder()
        cache.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="colorize-", dir=cache))

    def in_room(self, room: WaitingRoom, progress: gr.Progress | None, cancelled=None):
        """Enter `room` as the current caller: counted against their address, and out of the line
        once nobody reads their result (`presence.abandoned`)."""
        def told(ahead: int) -> None:
            if progress is not None:
                where = "you are next" if ahead == 0 else f"{ahead} waiting ahead of you"
                progress(0.0, desc=f"Waiting for a free worker: {where}")

        caller = current_caller()
        self.quota.check(caller.client)  # no new result for a client, or a server, whose disk share is used up
        unread = abandoned(caller.session, caller.event_id, self.limits.unread_seconds)

        def gone() -> bool:
            return unread() or (cancelled is not None and cancelled())

        return room.enter(told, gone, client=caller.client)

    def charged(self, result: Path) -> str:
        """`result`, charged to the current caller's disk share (once per path, at its latest size)."""
        self.quota.charge(current_caller().client, str(result), result.stat().st_size)
        return str(result)
