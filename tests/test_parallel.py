"""The helper process of bulk work: results in order, errors sent back as raised, ended on demand."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
import time

import pytest

from qunops.core.parallel import HelperError, SecondProcess


def test_calls_run_in_order_and_errors_come_back_as_raised() -> None:
    helper = SecondProcess()
    try:
        helper.start(math.factorial, 20)
        helper.start(int, "not a number")
        helper.start(divmod, 7, 2)
        assert helper.result() == math.factorial(20)
        with pytest.raises(ValueError, match="not a number"):
            helper.result()
        assert helper.result() == (3, 1)  # the helper goes on after a failed call
    finally:
        helper.close()


def test_a_result_that_cannot_be_sent_is_a_clear_error() -> None:
    helper = SecondProcess()
    try:
        helper.start(threading.Lock)  # a lock does not pickle
        with pytest.raises(HelperError):
            helper.result()
    finally:
        helper.close()


def test_closing_ends_a_helper_in_the_middle_of_a_call() -> None:
    helper = SecondProcess()
    helper.start(time.sleep, 600)
    started = time.monotonic()
    helper.close()
    assert time.monotonic() - started < 30
    with pytest.raises((HelperError, OSError)):
        helper.result()


def test_a_child_ends_when_the_process_that_started_it_is_killed() -> None:
    # A parent killed outright (no chance to end its children) while its child computes without writing.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from qunops.core.parallel import python_child; "
            "child = python_child('import time; time.sleep(120)', 'x', ()); "
            "print(child.pid, flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    assert _alive(child_pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped by init, counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
