"""ModelFiles as data that crosses a process boundary: written once, read back the same."""

import json
from pathlib import Path

from colorization.model.fetch import resolve_model_files
from colorization.model.files import ModelFiles


def test_model_files_survive_the_json_round_trip(tmp_path):
    odd = tmp_path / 'a "quoted" folder, ünïcode & spaces'
    files = ModelFiles(odd / "deploy.prototxt", odd / "w.caffemodel", odd / "pts.npy", "model team/x@main", True,
                       "ab" * 32)
    text = files.to_json()
    assert "\n" not in text and json.loads(text)["weights"] == str(odd / "w.caffemodel")  # one argv item
    back = ModelFiles.from_json(text)
    assert back == files and isinstance(back.prototxt, Path)


def test_resolved_files_round_trip(fixed_dir):
    files = resolve_model_files(fixed_dir)
    assert ModelFiles.from_json(files.to_json()) == files
