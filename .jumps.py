import sys, numpy as np, tempfile, cv2
sys.path.insert(0, "tests")
from pathlib import Path
from support.media import decode, photo
from support import models
from colorization import Colorizer, cluster
from colorization.cluster import ModelChoice
from colorization.video import VideoOptions
from colorization.bench import synthetic
w = Path(tempfile.mkdtemp())
b = models.brightness_model(w / "b")
frames = []
for name, count in (("astronaut", 60), ("coffee", 150), ("chelsea", 40)):
    frames += [synthetic.to_gray(f) for f in synthetic.camera_move(photo(name), count, (320, 240))]
film = synthetic.write_video(w / "film.mp4", frames, 25, (320, 240), audio_seconds=10.0)
cluster.start(None, num_cpus=2, object_store_memory=150 * 2**20)
for crf in (0, 18):
    r = cluster.colorize_film(film, w / f"s{crf}.mp4", ModelChoice(str(b)), VideoOptions(crf=crf), piece_frames=60)
    out = decode(r.path)
    ab = [cv2.cvtColor(f.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 1:] for f in out]
    rgbj = [np.abs(out[t].astype(int) - out[t-1].astype(int)).mean() for t in range(1, 250)]
    abj = [np.abs(ab[t] - ab[t-1]).mean() for t in range(1, 250)]
    for name, j in (("rgb", rgbj), ("ab", abj)):
        else_ = [j[t-1] for t in range(61, 210) if t not in (110, 160)]
        print(crf, name, "join110 %.3f join160 %.3f | elsewhere max %.3f p90 %.3f median %.3f" % (j[109], j[159], max(else_), np.percentile(else_, 90), np.median(else_)))
