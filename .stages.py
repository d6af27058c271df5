import sys, time
from pathlib import Path
from colorization import Colorizer
from colorization.video import colorize_video
c = Colorizer.from_pretrained("/tmp/arena-model", precision=sys.argv[1])
clip = Path("/tmp/prof2/720.mp4")
marks = {}
def cb(u):
    marks.setdefault(u.stage, time.time())
for f in Path("/tmp/prof2").glob("st*"): f.unlink()
t0 = time.time(); colorize_video(clip, "/tmp/prof2/st.mp4", c, progress=cb); t1 = time.time()
print(sys.argv[1], "colorizing %.2f smoothing %.2f writing %.2f total %.2f" % (marks["smoothing"] - marks["colorizing"], marks["writing"] - marks["smoothing"], t1 - marks["writing"], t1 - t0))
