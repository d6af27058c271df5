import sys, numpy as np
sys.path.insert(0, "tests")
from pathlib import Path
import tempfile
from support.media import make_clip
from support import models
from colorization import Colorizer
from colorization.video import colorize_video
from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter
w = Path(tempfile.mkdtemp())
c = Colorizer.from_pretrained(models.brightness_model(w / "b"), precision="fp32")
clip = make_clip(w / "film.mp4", frames_per_shot=90, size=(320, 240), photos=("astronaut", "coffee", "chelsea"))
cap = []
orig = FFMPEG_VideoWriter.write_frame
FFMPEG_VideoWriter.write_frame = lambda self, f: cap.append(f.copy()) or orig(self, f)
colorize_video(clip, w / "a.mp4", c); a = list(cap); cap.clear()
colorize_video(clip, w / "b.mp4", c); b = list(cap)
d = np.array([np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(a, b)])
print("two identical runs differ: mean %.3f max %.3f" % (d.mean(), d.max()))
