"""Memory given back after load: cached photos past their time leave, and freed heap returns to the system.

Large arrays (over 32 MB) are mapped and unmapped by themselves; everything smaller stays in glibc's heap
after it is freed and counts as the process's memory until `malloc_trim` hands it back. A 50-megapixel
photo leaves a few hundred MB that way. A keeper thread does both every few seconds; it stops when its
store is gone (tests build many apps in one process).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
import weakref

from webapp.store import PhotoStore

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
_trim = getattr(_libc, "malloc_trim", None)  # glibc only: elsewhere there is nothing to call


def give_back() -> None:
    """Return the heap's free pages to the system (no-op without glibc)."""
    if _trim is not None:
        _trim(0)


def keep_memory(photos: PhotoStore, every: float) -> threading.Thread:
    """Every `every` seconds, in a daemon thread: expire unused photos, then give freed memory back."""
    store = weakref.ref(photos)

    def loop() -> None:
        while (live := store()) is not None:
            live.expire()
            del live
            give_back()
            time.sleep(every)

    thread = threading.Thread(target=loop, name="memory-keeper", daemon=True)
    thread.start()
    return thread
