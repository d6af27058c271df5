import sys, time, numpy as np
sys.path.insert(0, "tests")
from pathlib import Path
import tempfile
from support.media import make_clip, frame_times, audio_seconds, decode, streams
from support import models
from colorization import Colorizer, pieces
from colorization.video import colorize_video, colorize_span, VideoOptions
from colorization.ffmpeg import probe
w = Path(tempfile.mkdtemp())
c = Colorizer.from_pretrained(models.brightness_model(w / "b") if len(sys.argv) > 1 else "/tmp/arena-model", precision="fp32")
clip = make_clip(w / "film.mp4", frames_per_shot=90, size=(320, 240), photos=("astronaut", "coffee", "chelsea"))
info = probe(clip)
t = time.time(); cuts = pieces.find_cuts(clip, info); print("cuts", cuts, "%.2fs" % (time.time()-t))
plan = pieces.plan(info.frame_count, cuts, piece_frames=40, warmup=12)
print([(p.start, p.end, p.before, p.after) for p in plan])
ws = pieces.Workspace(clip, w / "out.mp4", VideoOptions(), plan)
paths = []
for p in plan:
    colorize_span(clip, ws.path(p), c, p.span, VideoOptions(), overwrite=True)
    paths.append(ws.path(p))
pieces.join(paths, clip, info, w / "out.mp4")
one = colorize_video(clip, w / "one.mp4", c)
print("frames", len(frame_times(w / "out.mp4")), len(frame_times(w / "one.mp4")), info.frame_count)
print("audio", audio_seconds(w / "out.mp4"), audio_seconds(clip))
ft = frame_times(w / "out.mp4"); print("times ok", np.allclose(ft, np.arange(len(ft)) / 25, atol=1e-3))
a, b = decode(w / "out.mp4"), decode(w / "one.mp4")
d = [np.abs(x.astype(int) - y.astype(int)).mean() for x, y in zip(a, b)]
print("mean diff per frame: max %.2f mean %.2f" % (max(d), np.mean(d)))
print(streams(w / "out.mp4")[-400:])
from colorization.ffmpeg import read_frames
from colorization import color
full = [f.copy() for f in read_frames(clip, info)]
for start in (30, 102, 210):
    part = [f.copy() for f in read_frames(clip, info, start=start, count=3)]
    print(start, [int(np.argmin([np.abs(p.astype(int) - full[k].astype(int)).mean() for k in range(start-3, start+4)])) + start - 3 for p in part])
La = [color.lightness(x) for x in a]; Lb = [color.lightness(x) for x in b]
print("L diff mean", np.mean([np.abs(x - y).mean() for x, y in zip(La, Lb)]))
# chroma diff
print("per-piece diffs", [round(float(np.mean(d[p.start:p.end])), 2) for p in plan])
