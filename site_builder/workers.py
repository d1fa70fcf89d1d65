"""Forked worker processes, started one way for every stage that uses them.

Ctrl-C in a terminal sends SIGINT to the whole process group: workers that
took it too died mid-task with tracebacks of their own, and could leave the
pool waiting forever for a result. So workers ignore SIGINT and only the
building process stops (its ``with`` blocks end the pool); SIGTERM keeps its
default, since that is how a pool ends its workers.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from multiprocessing.pool import Pool
from typing import Callable


def _start(initializer: Callable[[], None] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if initializer is not None:
        initializer()


def fork_pool(processes: int, initializer: Callable[[], None] | None = None) -> Pool:
    """A pool of ``processes`` forked workers (they share the parent's memory)."""
    return mp.get_context("fork").Pool(processes, initializer=_start, initargs=(initializer,))
