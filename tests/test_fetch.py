"""Model files from the Hub, verified: the real hf_hub_download against a local stand-in server."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import models
from support.hub import FakeHub

from benchmarks import architecture as arch
from colorization import Colorizer, HubSource, ModelFile, ModelInvalidError, ModelUnavailableError
from colorization.model.caffe import write_caffemodel
from colorization.model.fetch import resolve_model_files
from colorization.model.files import PROTOTXT

ROOT = Path(__file__).resolve().parent.parent


def spec_of(path: Path, names: tuple[str, ...]) -> ModelFile:
    data = path.read_bytes()
    return ModelFile(names, len(data), hashlib.sha256(data).hexdigest())


def specs(folder: Path) -> tuple[ModelFile, ModelFile, ModelFile]:
    return (
        spec_of(folder / arch.PROTOTXT_NAME, PROTOTXT.names),
        spec_of(folder / arch.WEIGHTS_NAME, (arch.WEIGHTS_NAME,)),
        spec_of(folder / arch.POINTS_NAME, (arch.POINTS_NAME,)),
    )


@pytest.fixture
def hub(monkeypatch):
    with FakeHub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        yield server


def test_good_download_is_verified_cached_and_works(hub, fixed_dir, tmp_path):
    hub.add_folder("model", "team/colorization", fixed_dir)
    source = HubSource("team/colorization", files=specs(fixed_dir))
    colorizer = Colorizer.from_pretrained(hub_sources=[source], cache_dir=tmp_path, backend="opencv")
    assert colorizer.files.origin == str(source)
    assert str(colorizer.files.weights).startswith(str(tmp_path))
    out = colorizer.colorize(np.full((8, 8), 118, np.uint8))
    assert (out == models.lab_to_rgb8(models.lightness_of_gray(118), *models.FIXED_AB)).all()
    downloads = sum(hub.gets.values())
    assert downloads == 3
    resolve_model_files(hub_sources=[source], cache_dir=tmp_path)
    assert sum(hub.gets.values()) == downloads  # the second start downloads nothing


def test_space_with_subfolder_and_the_other_prototxt_name(hub, fixed_dir, tmp_path):
    hub.add_folder("space", "someone/demo", fixed_dir, subfolder="modules")
    data = hub.files.pop(("space", "someone/demo", "modules/" + arch.PROTOTXT_NAME))
    hub.files[("space", "someone/demo", "modules/models_colorization_deploy_v2.prototxt")] = data
    source = HubSource("someone/demo", "space", "modules", files=specs(fixed_dir))
    files = resolve_model_files(hub_sources=[source], cache_dir=tmp_path)
    assert files.prototxt.name == "models_colorization_deploy_v2.prototxt"


def test_corrupted_file_is_never_used_and_the_next_source_is(hub, fixed_dir, tmp_path):
    expected = specs(fixed_dir)
    hub.add_folder("model", "bad/copy", fixed_dir)
    hub.add_folder("model", "good/copy", fixed_dir)
    weights = bytearray(hub.files[("model", "bad/copy", arch.WEIGHTS_NAME)])
    weights[-5] ^= 0xFF  # same size, one byte flipped
    hub.files[("model", "bad/copy", arch.WEIGHTS_NAME)] = bytes(weights)
    sources = [HubSource("bad/copy", files=expected), HubSource("good/copy", files=expected)]
    files = resolve_model_files(hub_sources=sources, cache_dir=tmp_path)
    assert files.origin == str(sources[1])
    assert hashlib.sha256(files.weights.read_bytes()).hexdigest() == expected[1].sha256
    cached = [p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes() == bytes(weights)]
    assert cached == []  # the corrupted download was removed, not kept in the cache
    assert hub.gets[arch.WEIGHTS_NAME] == 3  # bad, bad again (fetched once more), then good


def test_dead_first_source_then_a_good_one(hub, fixed_dir, tmp_path):
    hub.add_folder("model", "good/copy", fixed_dir)
    sources = [HubSource("gone/away", files=specs(fixed_dir)), HubSource("good/copy", files=specs(fixed_dir))]
    assert resolve_model_files(hub_sources=sources, cache_dir=tmp_path).origin == str(sources[1])


def test_all_failed_gives_one_clear_message(hub, fixed_dir, tmp_path):
    hub.add_folder("model", "bad/copy", fixed_dir)
    wrong = specs(fixed_dir)
    wrong = (wrong[0], ModelFile(wrong[1].names, wrong[1].size, "0" * 64), wrong[2])
    sources = [HubSource("gone/away", files=wrong), HubSource("bad/copy", files=wrong)]
    with pytest.raises(ModelUnavailableError) as info:
        Colorizer.from_pretrained(hub_sources=sources, cache_dir=tmp_path)
    message = str(info.value)
    assert "model gone/away@main:" in message and "model bad/copy@main:" in message
    assert "does not match" in message
    assert "COLORIZATION_MODEL" in message and "reach the Hugging Face Hub" in message
    assert "Traceback" not in message


def test_unreachable_hub_says_so(monkeypatch, fixed_dir, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(ModelUnavailableError,
                       match=r"Tried:\n  - model team/x@main: .*Hub unreachable and not in the local cache"):
        resolve_model_files(hub_sources=[HubSource("team/x", files=specs(fixed_dir))], cache_dir=tmp_path)


def test_offline_start_from_the_cache(hub, fixed_dir, tmp_path):
    hub.add_folder("model", "team/colorization", fixed_dir)
    files = specs(fixed_dir)
    resolve_model_files(hub_sources=[HubSource("team/colorization", files=files)], cache_dir=tmp_path)
    script = (
        "import json, sys\n"
        "from colorization import Colorizer, HubSource, ModelFile\n"
        "files = tuple(ModelFile(tuple(n), s, h) for n, s, h in json.loads(sys.argv[1]))\n"
        "c = Colorizer.from_pretrained(hub_sources=[HubSource('team/colorization', files=files)], "
        "cache_dir=sys.argv[2], backend='opencv')\n"
        "print('OK', c.files.origin)\n"
    )
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9", PYTHONPATH=str(ROOT))
    argv = json.dumps([[list(f.names), f.size, f.sha256] for f in files])
    done = subprocess.run([sys.executable, "-c", script, argv, str(tmp_path)], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "OK model team/colorization@main" in done.stdout


def test_local_folder_with_custom_weights(real_arch_dir, caplog):
    caplog.set_level("INFO", logger="colorization")
    files = resolve_model_files(real_arch_dir)
    assert not files.released
    assert "custom, not the released" in caplog.text


def test_env_var_names_the_source(monkeypatch, fixed_dir):
    monkeypatch.setenv("COLORIZATION_MODEL", str(fixed_dir))
    assert resolve_model_files().origin == str(fixed_dir)


def test_missing_files_in_a_folder(tmp_path):
    (tmp_path / "pts_in_hull.npy").write_bytes(b"x")
    with pytest.raises(ModelUnavailableError, match=r"lacks: colorization_deploy_v2\.prototxt or models_"):
        resolve_model_files(tmp_path)


def test_weights_of_the_wrong_shape_are_named(fixed_dir, tmp_path):
    for item in fixed_dir.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    wrong = [("conv8_313", "Convolution", [np.zeros((313, 1, 3, 3), np.float32), np.zeros(313, np.float32)])]
    (tmp_path / arch.WEIGHTS_NAME).write_bytes(write_caffemodel(wrong))
    with pytest.raises(ModelInvalidError,
                       match=r"layer 'conv8_313' has weights of shape \[\(313, 1, 3, 3\), \(313,\)\]"):
        Colorizer.from_pretrained(tmp_path)


def test_broken_weights_fail_the_self_test(fixed_dir, tmp_path):
    for item in fixed_dir.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    nan = [("conv8_313", "Convolution", [np.full((313, 1, 4, 4), np.nan, np.float32), np.zeros(313, np.float32)]),
           ("class8_ab", "Convolution", [np.zeros((2, 313, 1, 1), np.float32), np.zeros(2, np.float32)])]
    (tmp_path / arch.WEIGHTS_NAME).write_bytes(write_caffemodel(nan))
    with pytest.raises(ModelInvalidError, match="self-test"):
        Colorizer.from_pretrained(tmp_path, backend="opencv")


def test_not_a_folder_nor_a_repo_id():
    with pytest.raises(ModelUnavailableError, match="neither an existing folder nor a Hub repo id"):
        resolve_model_files("justonename")


def test_hub_unreachable_at_startup_with_a_cached_model_still_starts(hub, fixed_dir, tmp_path, monkeypatch):
    hub.add_folder("model", "team/colorization", fixed_dir)
    source = HubSource("team/colorization", files=specs(fixed_dir))
    resolve_model_files(hub_sources=[source], cache_dir=tmp_path)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the Hub goes away
    colorizer = Colorizer.from_pretrained(hub_sources=[source], cache_dir=tmp_path, backend="opencv")
    assert colorizer.files.origin == str(source)


def test_a_download_cut_off_halfway_is_never_loaded_and_a_retry_completes(hub, fixed_dir, tmp_path):
    hub.add_folder("model", "team/colorization", fixed_dir)
    source = HubSource("team/colorization", files=specs(fixed_dir))
    size = len(hub.files[("model", "team/colorization", arch.WEIGHTS_NAME)])
    hub.cut[arch.WEIGHTS_NAME] = size // 2  # the connection drops halfway through the weights
    try:
        files = resolve_model_files(hub_sources=[source], cache_dir=tmp_path)
    except ModelUnavailableError as exc:  # this attempt failed cleanly...
        assert "team/colorization" in str(exc)
        files = resolve_model_files(hub_sources=[source], cache_dir=tmp_path)  # ...and the next start completes
    assert hashlib.sha256(files.weights.read_bytes()).hexdigest() == source.files[1].sha256
    assert not [p for p in tmp_path.rglob("*.incomplete") if p.stat().st_size]


def test_a_corrupted_cached_file_is_detected_and_fetched_again(hub, fixed_dir, tmp_path):
    hub.add_folder("model", "team/colorization", fixed_dir)
    source = HubSource("team/colorization", files=specs(fixed_dir))
    files = resolve_model_files(hub_sources=[source], cache_dir=tmp_path)
    blob = files.weights.resolve()
    data = bytearray(blob.read_bytes())
    data[100] ^= 0xFF  # bit rot in the cache
    blob.write_bytes(bytes(data))
    gets = hub.gets[arch.WEIGHTS_NAME]
    again = resolve_model_files(hub_sources=[source], cache_dir=tmp_path)
    assert hashlib.sha256(again.weights.read_bytes()).hexdigest() == source.files[1].sha256
    assert hub.gets[arch.WEIGHTS_NAME] == gets + 1


def a_package_beside_a_models_folder(root: Path, source: Path) -> Path:
    """root/colorization (the package) and root/models holding working model files; returns the package."""
    (root / "colorization").mkdir(parents=True)
    (root / "models").mkdir()
    for path in source.iterdir():
        (root / "models" / path.name).write_bytes(path.read_bytes())
    return root / "colorization"


def test_a_checkout_s_models_folder_is_the_default_source(monkeypatch, fixed_dir, tmp_path):
    from colorization.model import fetch

    package = a_package_beside_a_models_folder(tmp_path / "checkout", fixed_dir)
    (package.parent / "app.py").write_text("")
    monkeypatch.setattr(fetch, "PACKAGE_DIR", package)
    assert fetch.checkout_models_dir() == package.parent / "models"
    assert resolve_model_files(hub_sources=[]).origin == str(package.parent / "models")


@pytest.mark.parametrize("where", ["site-packages", "dist-packages", "no-project"])
def test_an_installed_package_never_takes_models_from_its_parent_folder(monkeypatch, fixed_dir, tmp_path, where):
    from colorization.model import fetch

    package = a_package_beside_a_models_folder(tmp_path / "lib" / where, fixed_dir)
    if where != "no-project":
        (package.parent / "pyproject.toml").write_text("")  # even beside another project's file
    monkeypatch.setattr(fetch, "PACKAGE_DIR", package)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no probe of the Hub
    assert fetch.checkout_models_dir() is None
    with pytest.raises(ModelUnavailableError, match="no sources were given"):
        resolve_model_files(hub_sources=[])


def test_an_unexpected_hub_error_fails_that_source_in_one_line_and_logs_its_traceback(monkeypatch, fixed_dir,
                                                                                        tmp_path, caplog):
    import huggingface_hub

    def server_trouble(*args, **kwargs):
        raise RuntimeError("the mirror answered nonsense\nwith details on the second line")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", server_trouble)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    caplog.set_level("DEBUG", logger="colorization")
    with pytest.raises(ModelUnavailableError) as info:
        resolve_model_files(hub_sources=[HubSource("team/x", files=specs(fixed_dir))], cache_dir=tmp_path)
    said = "model team/x@main: colorization_deploy_v2.prototxt: RuntimeError the mirror answered nonsense\n"
    assert said in str(info.value)
    assert "second line" not in str(info.value)
    assert [r for r in caplog.records if r.levelname == "DEBUG" and r.exc_info and "team/x" in r.getMessage()]
