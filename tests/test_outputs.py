"""outputs.publish: a result gets its name without ever replacing a file it was not asked to replace,
on filesystems with hard links and on those without (FAT, some network mounts answer EPERM)."""

from __future__ import annotations

import errno
import os

import pytest

from colorization import OutputError
from colorization.outputs import atomic_write, publish, refusal


@pytest.fixture
def no_hard_links(monkeypatch):
    def refuse(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted", str(dst))

    monkeypatch.setattr(os, "link", refuse)


def test_without_hard_links_a_new_result_is_renamed_into_place(tmp_path, no_hard_links):
    partial, target = tmp_path / ".result.partial", tmp_path / "result.png"
    partial.write_bytes(b"new")
    publish(partial, target)
    assert target.read_bytes() == b"new" and not partial.exists()


def test_without_hard_links_an_existing_file_is_kept(tmp_path, no_hard_links):
    target = tmp_path / "result.png"
    target.write_bytes(b"someone's file")
    with pytest.raises(OutputError, match="exists; it was not replaced"), atomic_write(target) as partial:
        partial.write_bytes(b"new")
    assert target.read_bytes() == b"someone's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.png"]  # no partial left behind


def test_without_hard_links_overwrite_replaces(tmp_path, no_hard_links):
    target = tmp_path / "result.png"
    target.write_bytes(b"old")
    with atomic_write(target, overwrite=True) as partial:
        partial.write_bytes(b"new")
    assert target.read_bytes() == b"new"


def test_another_link_error_is_said_as_a_sentence(tmp_path, monkeypatch):
    def full(src, dst, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(os, "link", full)
    target = tmp_path / "result.png"
    with pytest.raises(OutputError, match=r"Cannot write .*result\.png: the disk is full\."), \
            atomic_write(target) as partial:
        partial.write_bytes(b"new")
    assert not target.exists()


def test_a_refusal_is_said_in_the_library_words_not_a_cli_flag(tmp_path):
    existing = tmp_path / "a.png"
    existing.write_bytes(b"mine")
    said = refusal(existing)
    assert said == f"{existing} exists (pass overwrite=True to replace it)" and "--" not in said
    assert refusal(existing, overwrite=True) is None
    assert "never overwritten" in refusal(existing, [existing], overwrite=True)
