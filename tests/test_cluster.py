"""Archives on a Ray cluster: one local cluster (2 CPUs) for the module, clips of 10 s or less."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.faults import dying_worker, hears_ctrl_c, pool_of
from support.files import encode
from support.media import audio_seconds, decode, frame_times, make_clip, streams

from colorization import Adjustments, ColorizationError, Colorizer, InputError, cluster
from colorization.model.settings import ModelSettings
from colorization.video import VideoOptions, colorize_video, pieces
from colorization.video.ffmpeg import count_frames, probe

ray = pytest.importorskip("ray", reason="the cluster extra: pip install 'colorization[cluster]'")
pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def address():
    cluster.start(None, num_cpus=2, object_store_memory=150 * 2**20)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "colorization", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=timeout)


def test_photos_on_the_cluster_are_the_one_machine_files_byte_for_byte(address, brightness_dir, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(18):
        size = (int(rng.integers(40, 200)), int(rng.integers(40, 200)))
        Image.fromarray(rng.integers(0, 255, size[::-1], dtype=np.uint8)).save(folder / f"scan{index:02d}.png")
    (folder / "broken.jpg").write_bytes(encode(Image.new("L", (50, 50), 90), "JPEG")[:300])
    (folder / "not-a-photo.png").write_text("hello")
    common = ["image", folder, "--model", brightness_dir, "--hue", "20", "-q"]
    alone = cli(*common, "-o", tmp_path / "alone")
    spread = cli(*common, "-o", tmp_path / "spread", "--ray-address", address)
    assert alone.returncode == spread.returncode == 1, spread.stderr
    for done in (alone, spread):
        assert "broken.jpg: The image file is damaged or truncated." in done.stderr
        assert "not-a-photo.png: This file is not an image" in done.stderr
    made = sorted(p.name for p in (tmp_path / "alone").iterdir())
    assert len(made) == 18 and made == sorted(p.name for p in (tmp_path / "spread").iterdir())
    for name in made:
        assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "spread" / name).read_bytes(), name
    again = cli(*common, "-o", tmp_path / "spread", "--ray-address", address)  # the same no-overwrite rules
    assert again.returncode == 1 and again.stderr.count("exists (use --overwrite") == 18


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """10 s at 25 fps: a 60-frame shot, a 150-frame shot (longer than a 60-frame piece), a 40-frame shot."""
    from support.media import photo

    from benchmarks import synthetic

    frames = []
    for name, count in (("astronaut", 60), ("coffee", 150), ("chelsea", 40)):
        frames += [synthetic.to_gray(f) for f in synthetic.camera_move(photo(name), count, (320, 240))]
    return synthetic.write_video(tmp_path_factory.mktemp("film") / "film.mp4", frames, 25, (320, 240),
                                 audio_seconds=10.0)


def test_a_film_in_pieces_matches_the_one_machine_run(address, brightness_dir, film, tmp_path):
    # Compared losslessly: at crf 18 two encodings of the same frames differ by 2 to 3 levels, and every keyframe,
    # a join's or x264's own (every 250 frames, and at cuts), steps the codec noise by as much (see docs/ray.md).
    options = VideoOptions(crf=0)
    info = probe(film)
    plan = pieces.plan(info.frame_count, pieces.find_cuts(film, info), piece_frames=60)
    assert [(p.start, p.end) for p in plan] == [(0, 60), (60, 110), (110, 160), (160, 210), (210, 250)]
    result = cluster.colorize_film(film, tmp_path / "spread.mp4", ModelSettings(str(brightness_dir)), options,
                                   piece_frames=60)
    alone = colorize_video(film, tmp_path / "alone.mp4", Colorizer.from_pretrained(brightness_dir), crf=0)
    spread_frames, alone_frames = decode(result.path), decode(alone.path)
    assert len(spread_frames) == len(alone_frames) == 250 == result.frames
    assert probe(result.path).fps == info.fps and frame_times(result.path)[-1] == pytest.approx(249 / 25, abs=1e-3)
    assert audio_seconds(result.path) == pytest.approx(audio_seconds(film), abs=0.03)
    differences = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(spread_frames, alone_frames)]
    print(f"\npieces against one machine: mean {np.mean(differences):.2f}, worst frame {max(differences):.2f} levels")
    assert max(differences) <= 2.0
    jumps = [np.abs(spread_frames[t].astype(int) - spread_frames[t - 1].astype(int)).mean() for t in range(1, 250)]
    for join in (110, 160):  # inside the long shot [60, 210)
        elsewhere = [jumps[t - 1] for t in range(61, 210) if t not in (110, 160)]
        assert jumps[join - 1] <= max(elsewhere), (join, jumps[join - 1], max(elsewhere))
    assert not list(tmp_path.glob(".*pieces*"))  # the pieces went once joined


def test_a_film_with_hints_in_lossless_pieces_matches_the_one_machine_master(address, brightness_dir, film, tmp_path):
    from colorization.video.film_hints import parse_film_hints

    hints = [{"time": 65 / 25, "points": [[0.3, 0.3], [0.7, 0.7]], "color": "#2b5fd9", "size": 0.3}]  # long shot
    options = VideoOptions(hints=parse_film_hints(hints), lossless=True)
    result = cluster.colorize_film(film, tmp_path / "spread.mkv", ModelSettings(str(brightness_dir)), options,
                                   piece_frames=60)
    model = Colorizer.from_pretrained(brightness_dir)
    alone = colorize_video(film, tmp_path / "alone.mkv", model, hints=hints, lossless=True)
    plain = colorize_video(film, tmp_path / "plain.mkv", model, lossless=True)
    spread_frames, alone_frames, plain_frames = decode(result.path), decode(alone.path), decode(plain.path)
    assert len(spread_frames) == len(alone_frames) == 250 and "Video: ffv1" in streams(result.path)
    assert audio_seconds(result.path) == pytest.approx(audio_seconds(film), abs=0.03)
    differences = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(spread_frames, alone_frames)]
    assert max(differences) <= 2.0
    changed = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in zip(spread_frames, plain_frames)]
    assert min(changed[60:210]) > 3.0  # every piece of the long shot got its hint, even those far from frame 65
    assert max(changed[:60] + changed[210:]) < 0.5  # the other shots did not


def test_a_worker_that_dies_is_replaced_and_its_piece_retried(address, brightness_dir, film, tmp_path, monkeypatch):
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setattr(cluster, "Pool", pool_of(dying_worker(2, markers)))  # piece 2's worker exits, once
    result = cluster.colorize_film(film, tmp_path / "out.mp4", ModelSettings(str(brightness_dir)), VideoOptions(),
                                   piece_frames=60)
    assert count_frames(result.path) == 250 and probe(result.path).has_audio
    assert [p.name for p in markers.iterdir()] == ["died-on-piece-2"]  # a worker did die
    reference = colorize_video(film, tmp_path / "ref.mp4", Colorizer.from_pretrained(brightness_dir))
    assert np.mean([np.abs(a.astype(int) - b.astype(int)).mean()
                    for a, b in zip(decode(result.path), decode(reference.path))]) < 3.0


def test_a_piece_that_always_fails_fails_the_job_and_a_rerun_reuses_what_finished(
        address, brightness_dir, film, tmp_path, monkeypatch, caplog):
    target = tmp_path / "out.mp4"
    markers = tmp_path / "markers"
    markers.mkdir()
    real_pool = cluster.Pool
    monkeypatch.setattr(cluster, "Pool", pool_of(dying_worker(3, markers, always=True)))  # piece 3's, every time
    with pytest.raises(ColorizationError, match=r"Piece 3 \(frames 160-209\) failed on every attempt \(3\)"):
        cluster.colorize_film(film, target, ModelSettings(str(brightness_dir)), VideoOptions(), piece_frames=60)
    assert not target.exists() and not list(tmp_path.glob("*.mp4"))  # no partial output
    workspace = tmp_path / ".out.mp4.pieces"
    kept = sorted(p.name for p in workspace.glob("piece-*.mp4"))
    assert "piece-00003.mp4" not in kept and len(kept) == 4 and not list(workspace.glob(".*partial*"))
    assert (markers / "died-on-piece-3").exists()
    monkeypatch.setattr(cluster, "Pool", real_pool)
    (workspace / kept[0]).write_bytes((workspace / kept[0]).read_bytes()[:2000])  # a damaged piece: not trusted
    caplog.set_level("WARNING", logger="colorization")
    result = cluster.colorize_film(film, target, ModelSettings(str(brightness_dir)), VideoOptions(), piece_frames=60)
    assert "Reusing 3 finished piece(s)" in caplog.text
    assert count_frames(result.path) == 250 and not workspace.exists()


def test_ctrl_c_stops_the_workers_and_removes_unfinished_pieces(address, brightness_dir, tmp_path):
    film = make_clip(tmp_path / "long.mp4", frames_per_shot=125, size=(640, 360))
    process = subprocess.Popen([sys.executable, "-m", "colorization", "video", str(film),
                                "-o", str(tmp_path / "out.mp4"), "--model", str(brightness_dir),
                                "--ray-address", address, "--piece-frames", "30"],
                               env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=hears_ctrl_c)
    workspace = tmp_path / ".out.mp4.pieces"
    deadline = time.monotonic() + 120
    while not list(workspace.glob("piece-*.mp4")) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 130 and "interrupted" in errors
    assert not (tmp_path / "out.mp4").exists() and not list(workspace.glob(".*partial*"))
    finished = sorted(workspace.glob("piece-*.mp4"))
    time.sleep(3)
    assert sorted(workspace.glob("piece-*.mp4")) == finished  # nothing still running writes more
    assert finished and all(count_frames(p) == 25 for p in finished)  # whole pieces only: two shots of 125 in fives


def test_a_bug_in_the_caller_s_callback_is_raised_not_reported_as_a_photo_that_failed(address, brightness_dir,
                                                                                      tmp_path):
    photo = tmp_path / "p.png"
    Image.new("L", (16, 16), 90).save(photo)

    def progress():
        raise RuntimeError("a bug in the progress bar")

    with pytest.raises(RuntimeError, match="a bug in the progress bar"):
        cluster.colorize_photos([photo], [tmp_path / "out.png"], ModelSettings(str(brightness_dir)), Adjustments(), 224,
                                [], False, progress=progress, workers=1)


def test_a_worker_that_cannot_see_an_input_says_so(brightness_dir, tmp_path):
    worker = cluster.Worker(ModelSettings(str(brightness_dir)), threads=1)
    reason = worker.photo(str(tmp_path / "only-on-another-node.png"), str(tmp_path / "out.png"),
                          Adjustments(), 224, [], False)
    assert "cannot see" in reason and "same path on every node" in reason


def test_without_ray_the_flag_says_how_to_install_it(tmp_path):
    code = ("import sys\nsys.modules['ray'] = None\nfrom colorization.cli import main\n"
            f"sys.exit(main(['image', {str(tmp_path)!r}, '-o', {str(tmp_path / 'out')!r}, '--ray']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert done.returncode == 2 and 'pip install "colorization[cluster]"' in done.stderr
    assert "error: --ray: " in done.stderr  # the CLI names its flag; the library does not:
    code = "import sys\nsys.modules['ray'] = None\nfrom colorization import cluster\ncluster.require_ray()\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith("colorization.errors.InputError: Running on a cluster needs Ray") and "--" not in said


def test_pieces_of_no_frames_are_refused_before_any_work(brightness_dir, film, tmp_path, monkeypatch):
    for count in ("0", "-5"):  # 0 once quietly meant the default
        done = cli("video", film, "-o", tmp_path / "out.mp4", "--ray", "--piece-frames", count,
                   "--model", brightness_dir)
        assert done.returncode == 2 and "A piece needs at least one frame" in done.stderr, done.stderr
        assert not (tmp_path / "out.mp4").exists()

    def no_cut_pass(*args, **kwargs):
        raise AssertionError("the film was decoded for a plan that cannot be made")

    monkeypatch.setattr(pieces, "find_cuts", no_cut_pass)
    with pytest.raises(InputError, match="at least one frame"):
        cluster.colorize_film(film, tmp_path / "out.mp4", ModelSettings(str(brightness_dir)), VideoOptions(),
                              piece_frames=0)


def test_a_wrong_cluster_address_is_said_in_seconds(tmp_path):
    photo = tmp_path / "p.png"
    Image.new("L", (8, 8), 90).save(photo)
    for address, said in (("ray://127.0.0.1:1", "Nothing answers at the Ray cluster address"),
                          ("127.0.0.1:1", "Nothing answers at the Ray cluster address"),
                          ("nonsense", "A Ray address looks like")):
        done = cli("image", photo, "-o", tmp_path / "out", "--ray-address", address, timeout=60)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, (address, done.stderr)
