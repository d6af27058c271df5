"""Peak memory of a whole video job, measured in a child process (used by the benchmark and a test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# VmHWM, not ru_maxrss: Linux carries the parent's peak into ru_maxrss across fork and exec.
_CHILD = (
    "import re, sys\n"
    "from colorization import Colorizer\n"
    "from colorization.video import colorize_video\n"
    "colorize_video(sys.argv[2], sys.argv[3], Colorizer.from_pretrained(sys.argv[1]))\n"
    "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
)


def video_job_peak_mb(model: Path, clip: Path, out: Path) -> float:
    """Peak resident memory (MB) of a fresh process that loads `model` and colorizes `clip` into `out`."""
    done = subprocess.run([sys.executable, "-c", _CHILD, str(model), str(clip), str(out)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    return int(done.stdout.strip().splitlines()[-1]) / 1024
