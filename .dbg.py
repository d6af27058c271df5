import sys, numpy as np, tempfile
sys.path.insert(0, "tests")
from pathlib import Path
from support.media import make_clip
from support import models
from colorization import Colorizer
from colorization.video import _VideoJob, _Tracker, VideoOptions, VideoLimits, Span
from colorization.ffmpeg import probe
w = Path(tempfile.mkdtemp())
c = Colorizer.from_pretrained(models.brightness_model(w / "b"), precision="fp32")
clip = make_clip(w / "film.mp4", frames_per_shot=90, size=(320, 240), photos=("astronaut", "coffee", "chelsea"))
info = probe(clip)
def run(span):
    job = _VideoJob(clip, info, c, VideoOptions(), VideoLimits(), _Tracker({"colorizing":1,"smoothing":1,"writing":1}, None, None), span)
    work = tempfile.mkdtemp()
    keys, final = job.analyse_and_smooth(work)
    return keys, [np.array(final[i]) for i in range(len(keys))]
gk, gf = run(None)
pk, pf = run(Span(216, 54, 24, 30))
print("keys global 216..270:", [i for i in range(216, 270) if gk[i]])
print("keys piece:          ", [216 + i for i in range(54) if pk[i]])
for i in (216, 220, 230, 240, 241, 250, 260, 269):
    print(i, "ab diff %.3f" % np.abs(gf[i] - pf[i - 216]).mean())
