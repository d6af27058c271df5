"""Where results go: names that never clash, refusals before any work, writes that never truncate.

The rules users know from ffmpeg (no -y), rembg and ImageMagick:
- a result is `<input stem>.<format>` in the output folder; inputs with the same stem get `-2`, `-3`, ...
  in input order;
- a result never replaces one of the inputs; it replaces an existing file only when asked (`overwrite`);
- every file is written under a temporary name in its own folder and renamed when complete, so an
  interrupted run leaves the old file or nothing, never half a file. New files get the usual
  permissions (0666 less the umask).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

# How a refusal says that replacing was not asked for, in the library's words; a shell words it as its
# own option (the CLI: "use --overwrite to replace it").
ASK_TO_REPLACE = "pass overwrite=True to replace it"


def plan_names(inputs: Sequence[Path], folder: Path, suffix: str) -> list[Path]:
    """One output path per input: `<stem>.<suffix>` in `folder`, clashes numbered in input order."""
    taken: set[str] = set()
    names = []
    for path in inputs:
        stem = path.stem or "image"
        name, number = f"{stem}.{suffix}", 1
        while name.lower() in taken:
            number += 1
            name = f"{stem}-{number}.{suffix}"
        taken.add(name.lower())
        names.append(folder / name)
    return names


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:
        return False


def refusal(target: Path, inputs: Sequence[Path] = (), overwrite: bool = False) -> str | None:
    """Why `target` must not be written (None when it may): it is an input, exists, or is a folder."""
    if any(_same_file(target, source) for source in inputs):
        return f"{target} is one of the inputs; it is never overwritten"
    if target.is_dir():
        return f"{target} is a folder"
    if target.exists() and not overwrite:
        return f"{target} exists ({ASK_TO_REPLACE})"
    return None


def check_folder(folder: Path, create: bool = True) -> None:
    """Make sure results can be written into `folder` (creating it when asked), before any work."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder.")
    if not folder.exists():
        if not create:
            raise OutputError(f"The folder {folder} does not exist.")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot write into {folder}: permission denied.")


def _os_message(exc: OSError, target: Path) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    return f"Cannot write {target}: {reason}."


def publish(partial: Path, target: Path, overwrite: bool = False) -> None:
    """Give the complete file `partial` its final name; never replace an existing file unless asked."""
    try:
        if overwrite:
            try:  # the replaced file's permissions stay (a 0600 result stays private)
                os.chmod(partial, stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            os.replace(partial, target)
            return
        try:
            os.link(partial, target)  # fails if the target exists, even if it appeared a moment ago
        except FileExistsError:
            raise OutputError(f"{target} exists; it was not replaced.") from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if target.exists():  # a filesystem without hard links: check, then rename
                raise OutputError(f"{target} exists; it was not replaced.") from None
            os.replace(partial, target)
            return
        partial.unlink()
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(_os_message(exc, target)) from None


def partial_path(target: Path) -> Path:
    """A new, empty, hidden file beside `target` for writing it; created with 0666 less the umask."""
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial{target.suffix}")
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(_os_message(exc, target)) from None
        return candidate
    raise OutputError(f"Cannot create a temporary file beside {target}.")


@contextmanager
def atomic_write(target: str | os.PathLike, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside `target`; when the block ends without error it becomes `target`.

    On any error or interruption (Ctrl-C included) the temporary file is removed and `target` is
    left as it was. OS errors become `OutputError` with one sentence.
    """
    target = Path(target)
    partial = partial_path(target)
    try:
        try:
            yield partial
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise OutputError(_os_message(exc, target)) from None
        publish(partial, target, overwrite)
    finally:
        partial.unlink(missing_ok=True)
