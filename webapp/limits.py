"""What one visitor may ask of the shared machine: every limit of the public app, with its number.

docs/limits-and-safety.md lists these; the page shows them; the handlers enforce them before
any work. The command line and the library have none of these unless their user sets them.
"""

from __future__ import annotations

from dataclasses import dataclass

from colorization.images import MAX_PIXELS
from colorization.video import VideoLimits


@dataclass(frozen=True)
class AppLimits:
    """The public app's limits; tests build smaller ones."""

    max_file_size: str = "200mb"  # enforced by Gradio while the upload streams in
    max_mcp_request_mb: int = 4  # the mcp package (1.30, pinned) refuses larger bodies: a file of about 3 MB as base64
    max_image_megapixels: float = MAX_PIXELS / 1e6  # the library's own limit, read from the file header
    max_batch_files: int = 20
    max_batch_megapixels: float = 100.0  # all photos of one batch call together, from their headers
    max_video_seconds: float = 60.0
    max_video_width: int = 1920
    max_video_height: int = 1080
    max_video_fps: float = 60.0
    max_video_frames: int = 3600  # 60 s at 60 fps; decoding stops here whatever the header says
    image_workers: int = 2  # photo jobs running at once
    image_waiting: int = 12  # photo jobs waiting; one more is refused with a message
    video_workers: int = 1
    video_waiting: int = 4
    preview_workers: int = 1  # the film tab's preview frame and motion sample, apart from photos
    preview_waiting: int = 8
    photo_jobs_per_client: int = 4  # places one address may hold in the photo room, running or waiting
    video_jobs_per_client: int = 2
    preview_jobs_per_client: int = 2
    disk_per_client_mb: int = 1024  # uploads and results one address may have stored at once (each kept an hour)
    disk_total_mb: int = 10240  # all visitors' uploads and results together
    unread_seconds: float = 10.0  # a waiting job whose result stream nobody has open this long leaves the line
    photo_memory_mb: int = 2048  # visitors' cached predictions (for the sliders) together, least recent dropped first
    photo_memory_seconds: int = 900  # a cached prediction unused this long leaves memory (remade from the upload)
    quick_try_seconds: float = 3.0  # the video tab's test run
    keep_results_seconds: int = 3600  # uploads and results are deleted after this
    peak_memory_gb: float = 8.0  # budget for the whole server, measured by the load test

    @property
    def max_image_pixels(self) -> int:
        return int(self.max_image_megapixels * 1e6)

    @property
    def video(self) -> VideoLimits:
        return VideoLimits(self.max_video_seconds, self.max_video_width * self.max_video_height,
                           self.max_video_fps, self.max_video_frames)
