import sys, time, cProfile, pstats
from fractions import Fraction
from pathlib import Path
from colorization.bench import architecture, synthetic
from colorization import Colorizer
from colorization.video import colorize_video
from colorization.images import load_image
work = Path("/tmp/prof2"); work.mkdir(exist_ok=True)
c = Colorizer.from_pretrained("/tmp/arena-model", precision=sys.argv[1])
ex = Path("examples/images/originals")
photos = [load_image(ex / f"{p}.jpg").pixels for p in ("coffee", "chelsea")]
clip = work / "720.mp4"
if not clip.exists():
    synthetic.write_video(clip, (synthetic.to_gray(f) for f in synthetic.shots(photos, 48, (1280, 720))), Fraction(24), (1280, 720), audio_seconds=4)
for f in work.glob("out*"): f.unlink()
t = time.time(); r = colorize_video(clip, work / "out.mp4", c); print(sys.argv[1], "default", round(time.time() - t, 2), "s", r.network_frames, "of", r.frames)
cProfile.run("colorize_video(clip, work / 'out2.mp4', c)", "/tmp/prof2.out")
pstats.Stats("/tmp/prof2.out").sort_stats("tottime").print_stats(10)
