"""The app under load and across restarts: waiting rooms, memory within budget, no leftover files, jobs whose
visitor left stop, what a killed server left is swept, and the Space builds from verified files only."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from support import raw
from support.files import gray_png
from support.media import damaged_in_the_middle, make_clip
from support.server import assert_normal_photo_works, running_app, start_app_process, stop_app_process

from colorization import Colorizer
from colorization.video.ffmpeg import probe

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


class Gate:
    """A colorizer whose photo predictions wait until the test opens the gate."""

    def __init__(self, inner: Colorizer) -> None:
        self.inner, self.opened = inner, threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, *args, **kwargs):
        assert self.opened.wait(120)
        return self.inner.predict(*args, **kwargs)


def test_photos_and_films_wait_in_separate_rooms(fixed_colorizer, tmp_path):
    """A burst of photos fills the photo room; the next photo hears why; a film still gets through."""
    from support.server import serving

    from webapp.limits import AppLimits
    from webapp.state import AppState

    gate = Gate(fixed_colorizer)
    state = AppState(gate, limits=AppLimits(image_workers=1, image_waiting=2, video_workers=1, video_waiting=1))
    photo, clip = gray_png(tmp_path / "p.png"), make_clip(tmp_path / "f.mp4", frames_per_shot=4)
    results: dict[int, object] = {}

    def call(number: int, url: str, path: Path, api_name: str) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / f"d{number}"))
        try:
            results[number] = client.predict(handle_file(path), api_name=api_name)
        except Exception as exc:  # checked below
            results[number] = exc

    with serving(state) as (url, _):
        callers = [threading.Thread(target=call, args=(n, url, photo, "/colorize_image")) for n in range(3)]
        for caller in callers:
            caller.start()
        deadline = time.monotonic() + 60
        while state.image_room.occupancy != (1, 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.image_room.occupancy == (1, 2)
        call(3, url, photo, "/colorize_image")
        assert isinstance(results[3], AppError) and "The photo queue is full (1 running, 2 waiting)" in str(results[3])
        call(4, url, clip, "/colorize_video")  # the films' room is free: it runs while photos wait
        assert probe(Path(results[4]["video"] if isinstance(results[4], dict) else results[4])).frame_count == 8
        gate.opened.set()
        for caller in callers:
            caller.join(timeout=120)
        assert all(np.asarray(Image.open(results[n][1])).shape == (20, 30, 3) for n in range(3))
        assert state.image_room.occupancy == (0, 0)
        assert_normal_photo_works(url)


def test_a_film_damaged_inside_is_delivered_with_a_warning_on_the_page(fixed_colorizer, tmp_path):
    from webapp.uploads import upload_folder

    whole = make_clip(tmp_path / "whole.mp4", frames_per_shot=40)
    with running_app(fixed_colorizer) as (url, demo):
        uploaded = damaged_in_the_middle(whole, upload_folder() / "test-uploads" / "damaged.mp4")
        answer = raw.call(url, raw.fn_index(demo, "on_video_run"),
                          [{"path": str(uploaded), "meta": {"_type": "gradio.FileData"}},
                           1.0, 1.0, 0.0, 0.85, 2, 224, None])
        assert not answer.refused, answer
        assert "damaged in places" in answer.data[1]
        assert_normal_photo_works(url)


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_load_rooms_memory_and_no_leftover_files(fixed_colorizer, tmp_path, monkeypatch, work_folders):
    """16 photo and 2 film callers at once against rooms of 2+3 photos and 1+1 films: every accepted
    job is right, the rest hear why, memory stays bounded, and no upload or result outlives its time."""
    from support.server import serving

    from webapp.limits import AppLimits
    from webapp.state import AppState

    clip = make_clip(tmp_path / "film.mp4", frames_per_shot=10)
    photo = gray_png(tmp_path / "photo.png", level=118, size=(1500, 1000))
    server_cache = tmp_path / "server-cache"  # the server's uploads and results, apart from the callers' downloads
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(server_cache))
    process = psutil.Process()
    peak = [process.memory_info().rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], process.memory_info().rss)
            time.sleep(0.05)

    results: list[tuple[str, object]] = []

    def call(url: str, endpoint: str, path: Path) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        try:
            results.append((endpoint, client.predict(handle_file(path), api_name=endpoint)))
        except Exception as exc:  # collected and checked below
            results.append((endpoint, exc))

    gate = Gate(fixed_colorizer)
    limits = AppLimits(image_workers=2, image_waiting=3, video_workers=1, video_waiting=1, keep_results_seconds=15,
                       photo_jobs_per_client=100, video_jobs_per_client=100)  # every caller here is 127.0.0.1
    with serving(AppState(gate, limits=limits)) as (url, _):
        own = _files_under(server_cache)  # the page's own files (examples and their copies), kept on purpose
        sampler = threading.Thread(target=sample)
        sampler.start()
        callers = [threading.Thread(target=call, args=(url, "/colorize_image", photo)) for _ in range(16)]
        callers += [threading.Thread(target=call, args=(url, "/colorize_video", clip)) for _ in range(2)]
        for caller in callers:
            caller.start()
        deadline = time.monotonic() + 120
        while len(results) < 11 and time.monotonic() < deadline:  # 16 photos - 5 places: 11 are told at once
            time.sleep(0.05)
        gate.opened.set()
        for caller in callers:
            caller.join(timeout=300)
        stop.set()
        sampler.join()
        assert_normal_photo_works(url)
        assert _files_under(server_cache), "uploads and results should be in the server's cache while fresh"
        deadline = time.monotonic() + 60  # Gradio's delete_cache runs every 15 s for files older than 15 s
        while True:
            leftovers = sorted(_files_under(server_cache) - own)
            if not leftovers or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert work_folders() == []  # intermediates went at once
    accepted = [(e, r) for e, r in results if not isinstance(r, Exception)]
    refused = [r for _, r in results if isinstance(r, Exception)]
    told = "\n".join(f"{e}: {type(r).__name__}: {r}" for e, r in results if isinstance(r, Exception))
    assert len(results) == 18 and len(accepted) == 7 and len(refused) == 11, told
    assert all("The photo queue is full (2 running, 3 waiting)" in str(r) for r in refused)
    for endpoint, result in accepted:
        if endpoint == "/colorize_image":
            out = np.asarray(Image.open(result[1]))
            assert out.shape == (1000, 1500, 3) and len(np.unique(out.reshape(-1, 3), axis=0)) == 1
        else:
            assert probe(Path(result["video"] if isinstance(result, dict) else result)).frame_count == 20
    assert leftovers == [], leftovers[:10]
    print(f"\nload: {len(accepted)} accepted, {len(refused)} told the queue is full; peak RSS {peak[0] / 2**20:.0f} MB")
    assert peak[0] < 3 * 2**30


def test_two_50_megapixel_photos_and_a_1080p_film_at_once_stay_within_the_memory_budget(real_arch_dir, tmp_path):
    """`python app.py` with the released architecture: the whole process tree's peak RSS, sampled,
    stays within AppLimits.peak_memory_gb, and the large buffers are given back after the jobs."""
    from webapp.limits import AppLimits

    budget = AppLimits().peak_memory_gb
    ramp = np.add.outer(np.arange(6250, dtype=np.uint16) // 25, np.arange(8000, dtype=np.uint16) // 32)
    photos = []
    for index in range(2):  # 8000 x 6250 = 50.0 megapixels, the app's limit
        photos.append(tmp_path / f"big{index}.png")
        Image.fromarray((ramp * (index + 1) % 256).astype(np.uint8)).save(photos[-1], compress_level=1)
    film = make_clip(tmp_path / "film.mp4", frames_per_shot=60, size=(1920, 1080))
    process, url = start_app_process(tmp_path, "--no-mcp", COLORIZATION_MODEL=str(real_arch_dir))
    tree = psutil.Process(process.pid)
    peak, stop = [0], threading.Event()

    def rss() -> int:
        total = 0
        for member in [tree, *tree.children(recursive=True)]:
            try:
                total += member.memory_info().rss
            except psutil.Error:
                continue
        return total

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.05)

    results = []

    def call(path: Path, api_name: str, *args) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        try:
            results.append(client.predict(handle_file(path), *args, api_name=api_name))
        except Exception as exc:  # checked below
            results.append(exc)

    try:
        idle = rss()
        sampler = threading.Thread(target=sample)
        sampler.start()
        callers = [threading.Thread(target=call, args=(p, "/colorize_image", 1.0, 1.0, 0.0, 1024)) for p in photos]
        callers.append(threading.Thread(target=call, args=(film, "/colorize_video")))
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=600)
        time.sleep(2)
        after = rss()
        stop.set()
        sampler.join()
    finally:
        stop_app_process(process)
    assert not [r for r in results if isinstance(r, Exception)], results
    print(f"\nmemory: idle {idle / 2**30:.2f} GB, peak {peak[0] / 2**30:.2f} GB (budget {budget:g} GB), "
          f"after {after / 2**30:.2f} GB")
    assert peak[0] <= budget * 2**30
    assert after < idle + 0.5 * 2**30  # no photo kept: the API's results are files, not sessions


def test_a_client_that_disconnects_mid_video_stops_the_job(real_arch_dir, tmp_path, monkeypatch, work_folders):
    colorizer = Colorizer.from_pretrained(real_arch_dir)
    clip = make_clip(tmp_path / "long.mp4", frames_per_shot=120, size=(320, 240))
    script = (
        "import sys\n"
        "from gradio_client import Client, handle_file\n"
        "Client(sys.argv[1], verbose=False).predict(handle_file(sys.argv[2]), 1, 1, 0, 0.85, 1, 224,\n"
        "                                            api_name='/colorize_video')\n"
    )
    with running_app(colorizer) as (url, _):
        client = subprocess.Popen([sys.executable, "-c", script, url, str(clip)],
                                  env=dict(os.environ, PYTHONPATH=str(ROOT)))
        deadline = time.monotonic() + 120
        while colorizer.network_calls < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert colorizer.network_calls >= 3 and work_folders(), "the job never started"
        client.send_signal(signal.SIGKILL)
        client.wait()
        deadline = time.monotonic() + 45
        while work_folders() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not work_folders(), "the job kept running after its client vanished"
        calls = colorizer.network_calls
        time.sleep(2)
        assert colorizer.network_calls == calls < 240 // 4  # stopped well before the end (60 batches of 4)


def test_files_left_by_a_killed_server_are_swept_at_the_next_start(fixed_dir, tmp_path):
    cache = tmp_path / "server-cache"
    old_upload = cache / "a1b2c3" / "photo.png"
    old_result = cache / "colorize-old" / "photo-colorized.png"
    fresh = cache / "d4e5f6" / "fresh.png"
    for path in (old_upload, old_result, fresh):
        gray_png(path)
    two_hours_ago = time.time() - 7200
    for path in (old_upload, old_result, old_upload.parent, old_result.parent):
        os.utime(path, (two_hours_ago, two_hours_ago))
    empty = cache / "colorize-empty"
    empty.mkdir()
    os.utime(empty, (two_hours_ago, two_hours_ago))
    process, url = start_app_process(tmp_path, COLORIZATION_MODEL=str(fixed_dir))
    try:
        deadline = time.monotonic() + 20
        while (old_upload.exists() or old_result.exists() or empty.exists()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not old_upload.exists() and not old_result.exists() and not empty.exists()
        assert not old_upload.parent.exists() and fresh.exists()  # an hour's grace for what is recent
        assert_normal_photo_works(url)
    finally:
        log = stop_app_process(process)
    assert "Swept 2 old upload(s) and result(s)" in log


def test_the_space_build_does_not_depend_on_an_unverified_file_listing():
    front_matter = (ROOT / "README.md").read_text().split("---")[1]
    assert "preload_from_hub" not in front_matter

