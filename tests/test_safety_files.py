"""Issue 17, the files: a film is read as its own media only, and the work it makes is bounded by what
is decoded. Each attack goes through the real route (the queue, the CLI) and gets one sentence back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from PIL import Image
from support import raw
from support.server import running_app

from colorization.video.ffmpeg import NOT_A_CONTAINER, ffmpeg_exe, probe

ROOT = Path(__file__).resolve().parent.parent
VIDEO_SETTINGS = [1.0, 1.0, 0.0, 0.85, 2, 224]


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def server(fixed_colorizer):
    with running_app(fixed_colorizer) as served:
        yield served


def upload(url: str, name: str, content: bytes) -> dict:
    with httpx.Client(timeout=60) as http:
        path = http.post(url + "gradio_api/upload", files={"files": (name, content)}).json()[0]
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    """A film on the server that nobody uploaded."""
    path = tmp_path_factory.mktemp("server-only") / "secret.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", "10", "-c:v", "mpeg4", str(path))
    return path


def hostile_films(secret: Path, tmp: Path) -> dict[str, tuple[str, bytes]]:
    ts = tmp / "secret.ts"
    ffmpeg("-i", str(secret), "-c", "copy", str(ts))
    up = "../" * 30 + str(secret).lstrip("/")
    playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:1.0,\n{}\n#EXT-X-ENDLIST\n"
    png = tmp / "frame.png"
    Image.new("L", (64, 48), 90).save(png)
    return {
        "HLS playlist naming a server file": ("film.m3u8", playlist.format(secret).encode()),
        "the same playlist named .mp4": ("film.mp4", playlist.format(secret).encode()),
        "playlist of a .ts by ../ path": ("film.mkv", playlist.format("../" * 30 + str(ts).lstrip("/")).encode()),
        "playlist naming a file: URL": ("film.mp4", playlist.format("file:" + up).encode()),
        "concat list": ("list.mp4", f"ffconcat version 1.0\nfile '{secret}'\n".encode()),
        "image sequence pattern": ("frame%03d.png", png.read_bytes()),
        "a PNG named .mp4": ("still.mp4", png.read_bytes()),
    }


@pytest.mark.parametrize("event", ["colorize_video", "on_video_upload"])
def test_a_playlist_or_list_of_files_is_refused_by_its_bytes_and_reads_nothing(server, secret, fixed_colorizer,
                                                                              tmp_path, event):
    url, demo = server
    calls = fixed_colorizer.network_calls
    for name, (filename, content) in hostile_films(secret, tmp_path).items():
        hints = [None] if event == "colorize_video" else []  # the endpoint's last parameter: no film hints
        answer = raw.call(url, raw.fn_index(demo, event), [upload(url, filename, content), *VIDEO_SETTINGS, *hints])
        assert answer.refused and answer.data is None and answer.error == NOT_A_CONTAINER, (name, answer)
    assert fixed_colorizer.network_calls == calls  # not one frame of the server's film was colorized


def test_the_cli_refuses_a_playlist_with_a_sentence_and_exit_2(brightness_dir, secret, tmp_path):
    for name, (filename, content) in hostile_films(secret, tmp_path).items():
        film = tmp_path / ("in-" + filename.replace("%", "_"))
        film.write_bytes(content)
        done = subprocess.run([sys.executable, "-m", "colorization", "video", str(film), "-o", str(tmp_path / "o.mp4")],
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, PYTHONPATH=str(ROOT), COLORIZATION_MODEL=str(brightness_dir)))
        said = [line for line in done.stderr.splitlines() if line.startswith("colorize:")]
        assert done.returncode == 2 and said == [f"colorize: error: {NOT_A_CONTAINER}"], (name, done.stderr)
        assert not (tmp_path / "o.mp4").exists()


@pytest.fixture(scope="module")
def lying_film(tmp_path_factory) -> Path:
    """A Matroska film whose header declares about 1.3 s at 25 fps (32 frames) but that holds 20,000
    frames, their timestamps packed 1/16 ms apart by the `setts` filter."""
    folder = tmp_path_factory.mktemp("lying")
    honest, lying = folder / "honest.mkv", folder / "lying.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-frames:v", "20000", "-c:v", "mpeg4", "-q:v", "10",
           str(honest))
    ffmpeg("-i", str(honest), "-c", "copy", "-bsf:v", "setts=time_base=1/1000:ts=N/16", str(lying))
    return lying


def test_a_film_holding_more_frames_than_its_header_is_refused_before_it_holds_the_worker(server, lying_film,
                                                                                        fixed_colorizer):
    url, demo = server
    info = probe(lying_film)
    assert info.frame_count < 40 and info.duration < 2  # what the header says
    calls = fixed_colorizer.network_calls
    answer = raw.call(url, raw.fn_index(demo, "colorize_video"),
                      [upload(url, "lying.mkv", lying_film.read_bytes()), *VIDEO_SETTINGS, None])
    assert answer.refused and answer.data is None
    assert answer.error == (f"The video holds more frames than its header declares ({info.frame_count} frames in "
                            f"{info.duration:.1f} s); it was refused."), answer
    assert fixed_colorizer.network_calls == calls


def test_decoding_stops_at_the_budget_counted_before_sampling(lying_film):
    from colorization.video.ffmpeg import read_frames

    info = probe(lying_film)
    errors: list[str] = []
    everything = sum(1 for _ in read_frames(lying_film, info, errors))
    bounded = sum(1 for _ in read_frames(lying_film, info, errors, max_decoded=50))
    assert everything >= info.frame_count - 2  # sampled at 25 fps, the 20,000 frames look like 32
    assert bounded <= 50 * 25 / 16000 + 2  # 50 decoded frames span 3 ms: one or two sampled frames
