import sys, numpy as np, tempfile, cv2
sys.path.insert(0, "tests")
from pathlib import Path
from support.media import decode, photo
from support import models
from colorization import Colorizer, pieces
from colorization.video import VideoOptions, colorize_span
from colorization.ffmpeg import probe
from colorization.bench import synthetic
from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter
w = Path(tempfile.mkdtemp())
c = Colorizer.from_pretrained(models.brightness_model(w / "b"))
frames = []
for name, count in (("astronaut", 60), ("coffee", 150), ("chelsea", 40)):
    frames += [synthetic.to_gray(f) for f in synthetic.camera_move(photo(name), count, (320, 240))]
film = synthetic.write_video(w / "film.mp4", frames, 25, (320, 240), audio_seconds=10.0)
info = probe(film)
cap = []
orig = FFMPEG_VideoWriter.write_frame
FFMPEG_VideoWriter.write_frame = lambda self, f: cap.append(f.copy()) or orig(self, f)
plan = pieces.plan(250, pieces.find_cuts(film, info), piece_frames=60)
for p in plan:
    colorize_span(film, w / f"p{p.index}.mp4", c, p.span, VideoOptions())
j = [np.abs(cap[t].astype(int) - cap[t-1].astype(int)).mean() for t in range(1, 250)]
else_ = [j[t-1] for t in range(61, 210) if t not in (110, 160)]
print("pre-encoding: join110 %.3f join160 %.3f | elsewhere max %.3f median %.3f" % (j[109], j[159], max(else_), np.median(else_)))
pieces.join([w / f"p{p.index}.mp4" for p in plan], film, info, w / "joined.mp4")
out = decode(w / "joined.mp4")
print(len(out), len(cap))
for t in (107, 108, 109, 110, 111, 112, 158, 159, 160, 161):
    dists = {k: np.abs(out[t].astype(int) - cap[k].astype(int)).mean() for k in range(t - 3, t + 4)}
    best = min(dists, key=dists.get)
    print(t, "best match", best, "dist %.2f" % dists[best], "self %.2f" % dists[t])
