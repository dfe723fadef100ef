"""Second processes for bulk work: on a machine with two or more cores, a helper process computes part
of a job while this process computes (and writes) the rest.

Helpers are plain `python -c` processes that import this same qunops, not multiprocessing's `spawn`
(which re-runs the caller's main script, and a script without a main guard would run twice) nor `fork`
(a copy of a process holding database connections and threads is not safe to use). Each runs in a
session of its own, so Ctrl-C reaches only this process, which then ends it; if this process dies, the
helper's pipe ends and it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# The child's first lines: in a session of its own, it would outlive a parent that is killed (SIGTERM,
# SIGKILL) until its next write to it, which a long parse may not make for minutes. On Linux the kernel
# kills it when the parent thread that started it ends (prctl PR_SET_PDEATHSIG); a parent gone before
# that was set is seen by its changed parent id.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal\n"
    "try:\n"
    "    ctypes.CDLL(None).prctl(1, signal.SIGKILL)\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != {parent}:\n"
    "    os._exit(1)\n"
)


def python_child(code: str, argument: str, pass_fds: tuple[int, ...]) -> subprocess.Popen[bytes]:
    """Start `python -c code argument`, importing the same qunops as this process, with the given file
    descriptors inherited. Raises OSError when no process can be started."""
    if not sys.executable:
        raise OSError("no Python executable to start a helper process with")
    # Wherever this qunops comes from (no empty entry: it would put the working directory on the path).
    paths = [str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
    return subprocess.Popen(
        [sys.executable, "-c", _DIE_WITH_PARENT.format(parent=os.getpid()) + code, argument],
        stdin=subprocess.DEVNULL,
        pass_fds=pass_fds,
        start_new_session=True,
        env=environment,
    )


class HelperError(Exception):
    """The helper process failed for a reason it could not send back as the exception itself."""


class SecondProcess:
    """One helper process: `start` a module-level function with picklable arguments there, go on here,
    then take its `result` (or the exception it raised). Calls run one after the other, in the order
    started, and their results come back in that order; keep the calls waiting there few (their
    arguments wait in a pipe, which holds about 64 KiB)."""

    def __init__(self) -> None:
        to_child, child_reads = os.pipe()[::-1]
        child_writes, from_child = os.pipe()[::-1]
        try:
            self._process = python_child(
                _SERVE, json.dumps([child_reads, child_writes]), (child_reads, child_writes)
            )
        except OSError:
            for fd in (to_child, child_reads, child_writes, from_child):
                os.close(fd)
            raise
        os.close(child_reads)
        os.close(child_writes)
        self._sender = Connection(to_child, readable=False)
        self._receiver = Connection(from_child, writable=False)
        self.failed = False  # the process is gone or a result could not come back: use it no more

    def start(self, function: Callable[..., Any], *arguments: Any) -> None:
        try:
            self._sender.send((function, arguments))
        except OSError:
            self.failed = True
            raise HelperError("the helper process is gone") from None

    def ready(self) -> bool:
        """Whether the next result has arrived."""
        return self._receiver.poll()

    def result(self) -> Any:
        """The next call's return value, waiting for it; raises what the call raised."""
        try:
            outcome, value = self._receiver.recv()
        except (EOFError, OSError):
            self.failed = True
            code = self._process.wait()
            raise HelperError(f"the helper process ended unexpectedly (exit code {code})") from None
        if outcome == "error":
            if isinstance(value, HelperError):
                self.failed = True
            raise value
        return value

    def close(self) -> None:
        """End the helper, whatever it is doing (the caller is done, or has failed)."""
        self._sender.close()
        self._receiver.close()
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()


_SERVE = "import sys; from qunops.core.parallel import serve; serve(sys.argv[1])"


def serve(fds: str) -> None:
    """The helper's side of `SecondProcess`: run each call it receives, send back its outcome."""
    reads, writes = json.loads(fds)
    receiver, sender = Connection(reads, writable=False), Connection(writes, readable=False)
    while True:
        try:
            function, arguments = receiver.recv()
        except EOFError:
            return  # the caller is done, or gone
        try:
            outcome: tuple[str, Any] = ("ok", function(*arguments))
        except Exception as exc:
            outcome = ("error", exc)
        try:
            sender.send(outcome)
        except OSError:
            return
        except Exception:  # the result or the exception would not pickle
            sender.send(("error", HelperError(traceback.format_exc().strip().splitlines()[-1])))
