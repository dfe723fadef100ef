"""Bulk work that makes many small objects: the cyclic garbage collector is paused while it runs."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a bulk load or computation.

    Loading a few hundred thousand rows makes as many long-lived objects, and every few hundred
    allocations the collector walks young objects and, ever more often, all of them, looking for cycles
    that rows and rollups do not have: in the daily update this was a third of the time. Reference
    counting still frees everything at once. The collector is switched back on when the outermost paused
    block (of any thread) ends, and left off if it was off before.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
