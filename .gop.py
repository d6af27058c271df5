import sys, numpy as np, tempfile, subprocess, re
sys.path.insert(0, "tests")
from pathlib import Path
from support.media import decode, photo
from support import models
from colorization import Colorizer
from colorization.video import colorize_video
from colorization.ffmpeg import ffmpeg_exe
from colorization.bench import synthetic
w = Path(tempfile.mkdtemp())
c = Colorizer.from_pretrained(models.brightness_model(w / "b"))
frames = [synthetic.to_gray(f) for f in synthetic.camera_move(photo("coffee"), 600, (320, 240))]
film = synthetic.write_video(w / "film.mp4", frames, 25, (320, 240))
out = colorize_video(film, w / "one.mp4", c).path
rep = subprocess.run([ffmpeg_exe(), "-i", str(out), "-vf", "showinfo", "-f", "null", "-"], capture_output=True, text=True).stderr
types = re.findall(r"iskey:(\d)", rep)
keys = [i for i, t in enumerate(types) if t == "1"]
print("x264 keyframes at", keys)
dec = decode(out)
j = [np.abs(dec[t].astype(int) - dec[t-1].astype(int)).mean() for t in range(1, len(dec))]
for k in keys[1:]:
    print("jump at own keyframe", k, "%.2f" % j[k-1], "median elsewhere %.2f max %.2f" % (np.median(j), max(j[i] for i in range(len(j)) if i + 1 not in keys)))
