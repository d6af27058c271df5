import sys, numpy as np
sys.path.insert(0, "tests")
from pathlib import Path
import tempfile
from support.media import make_clip
from support import models
from colorization import Colorizer, pieces
from colorization.video import colorize_video, colorize_span, VideoOptions
from colorization.ffmpeg import probe
from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter
w = Path(tempfile.mkdtemp())
model = sys.argv[1]
c = Colorizer.from_pretrained(models.brightness_model(w / "b") if model == "brightness" else "/tmp/arena-model", precision="fp32")
clip = make_clip(w / "film.mp4", frames_per_shot=180, size=(320, 240), photos=("astronaut", "coffee", "chelsea"))
info = probe(clip)
captured = []
orig = FFMPEG_VideoWriter.write_frame
FFMPEG_VideoWriter.write_frame = lambda self, f: captured.append(f.copy()) or orig(self, f)
plan = pieces.plan(info.frame_count, pieces.find_cuts(clip, info), piece_frames=45, warmup=int(sys.argv[2]))
for p in plan:
    colorize_span(clip, w / f"p{p.index}.mp4", c, p.span, VideoOptions(crf=int(sys.argv[3])))
piece_frames = list(captured); captured.clear()
colorize_video(clip, w / "one.mp4", c, crf=int(sys.argv[3]))
d = np.array([np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(piece_frames, captured)])
print(model, "warmup", sys.argv[2], "pre-encoding diff: mean %.2f max %.2f" % (d.mean(), d.max()), "per piece", [round(float(d[p.start:p.end].mean()), 2) for p in plan])
from support.media import decode
one = decode(w / "one.mp4")
e = np.array([np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(one, captured)])
print("codec error of the one-machine output: mean %.2f max %.2f" % (e.mean(), e.max()))
pp = [f for p in plan for f in decode(w / f"p{p.index}.mp4")]
e = np.array([np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(one, pp)])
print("decoded pieces vs decoded one-machine: mean %.2f max %.2f" % (e.mean(), e.max()))
print("pre-encoding diff by frame:", " ".join(f"{i}:{v:.1f}" for i, v in enumerate(d) if v > 0.8))
