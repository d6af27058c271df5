"""Films: decoding and encoding, keyframes and optical flow, steady colors, film hints, pieces for a cluster.

`colorize_video` is the entry point; the names below are the package's public ones for films.
"""

from .estimate import sample_motion
from .job import WORK_PREFIX, colorize_span, colorize_video
from .limits import VIDEO_SUFFIXES, VideoLimits, check_output, check_video
from .options import Span, VideoOptions, VideoResult
from .progress import JobProgress, ProgressCallback

__all__ = ["VIDEO_SUFFIXES", "WORK_PREFIX", "JobProgress", "ProgressCallback", "Span", "VideoLimits", "VideoOptions",
           "VideoResult", "check_output", "check_video", "colorize_span", "colorize_video", "sample_motion"]
