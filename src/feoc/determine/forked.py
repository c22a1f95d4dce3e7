"""Work done in one forked process while this one does its own: `feoc screen` judges its readings on two cores.

Issue 17, time: after the work every reading shares (the columns, indexes, direct prongs and stake graphs) the
readings are independent, each its own chaining rounds and worst case, and a 1M-entity screen spends most of its
time there. A forked child inherits that shared work (copy on write: nothing is pickled to it), judges some of the
readings, and sends back only their results; the parent judges the rest meanwhile.

A child is forked only where it is safe and pays (`can_fork`): a large table, a second core this process may run
on, memory for a second process's own arrays, and no other thread in this process (a fork copies only the
calling thread: a lock another thread held, e.g. in `feoc serve`, would never be released in the child). The
child ignores Ctrl-C (the parent decides), dies with its parent (Linux PR_SET_PDEATHSIG), and leaves by
`os._exit`, running none of the parent's clean-up. A child that ends without a result (killed, out of memory) is
`Lost`: the caller does the work itself, so the answer never depends on whether a fork happened."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
FORK_FROM = 50_000  # entities: below this the readings take about a second and a fork is not worth its cost
_TRIES = 3  # a wait for the child cut short by Ctrl-C is tried again, a few times
FORK_ENV = "FEOC_SCREEN_FORK"  # "0": never fork; "1": fork whatever the size (the tests of the forked path)


class Lost(RuntimeError):
    """The child ended without sending a result."""


def can_fork(entities: int) -> bool:
    """Whether a child may judge some readings of a table of `entities` (module docstring)."""
    setting = os.environ.get(FORK_ENV, "")
    if setting == "0" or not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    if setting != "1" and entities < FORK_FROM:
        return False
    with contextlib.suppress(AttributeError, OSError):
        if len(os.sched_getaffinity(0)) < 2:
            return False
    return _room_for_a_child()


def _room_for_a_child() -> bool:
    """At least this process's resident size again is available (Linux, the cgroup's limit included; elsewhere
    assumed): the child's own arrays, at worst, are as large as this process's."""
    from feoc.data.heap import available_memory, resident_memory

    available, resident = available_memory(), resident_memory()
    return available is None or resident is None or available >= 2 * resident


class Forked:
    """`work()` run in a forked child; `result()` waits for its value (or raises what it raised)."""

    def __init__(self, work: Callable[[], Any]):
        read, write = os.pipe()
        frozen = gc.get_freeze_count()  # a caller's own freeze (the command's, after its load) is kept
        gc.freeze()  # the objects alive now are never collected in the child: its collector does not touch their pages
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        pid = -1  # no child yet
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: no child, the pipe closed, the caller judges every reading
            os.close(read)
            os.close(write)
            raise
        finally:
            if pid != 0:  # the parent, or no fork: its Ctrl-C and collector back (the child unblocks in `_child`)
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                if not frozen:
                    gc.unfreeze()
        if pid == 0:
            os.close(read)
            _child(work, write)  # never returns
        os.close(write)
        self.pid, self._read, self._done = pid, read, False

    def result(self) -> Any:
        """The child's value, once it has sent it; its exception raised here; `Lost` if it sent nothing. Asked
        again, `Lost`: the pipe was read and closed (its descriptor number may name another file by now)."""
        if self._done:
            raise Lost("the result of this process was taken already")
        chunks = []
        with os.fdopen(self._read, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        self._done = True
        _reap(self.pid)
        try:
            status, value = pickle.loads(b"".join(chunks))
        except (EOFError, pickle.UnpicklingError, ValueError, IndexError):  # nothing, or half a reply: it was killed
            raise Lost("the process judging the other readings ended without a result") from None
        if status == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if its result was not taken (an error or Ctrl-C in the parent)."""
        if self._done:
            return
        try:
            self._done = True  # inside the `try`: a Ctrl-C from here on still kills and reaps the child
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(self._read)
        except KeyboardInterrupt:  # the child is killed and reaped all the same, then the interrupt goes on
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            _reap(self.pid)
            raise
        _reap(self.pid)


class Claims:
    """Items (`count` of them, numbered in the order they should go) each taken by whichever process asks first:
    a pipe holding one byte per item, its writing end closed, shared by the parent and its forked child. A
    read of one byte from a pipe is atomic, so no item is taken twice; once the bytes are gone a read answers
    the end of the file at once. The processes split the work as they come free, whatever each item costs."""

    def __init__(self, count: int):
        if count > 255:  # one byte an item
            raise ValueError(f"{count} items: at most 255 are claimed")
        read, write = os.pipe()
        try:
            os.write(write, bytes(range(count)))  # far below a pipe's buffer: never blocks
        except OSError:
            os.close(read)
            raise
        finally:
            os.close(write)
        self._read = read

    def next(self) -> int | None:
        """The next item no process has taken, now taken by this one; None once every item is taken."""
        if self._read < 0:
            return None
        got = os.read(self._read, 1)
        return got[0] if got else None

    def close(self) -> None:
        if self._read >= 0:
            with contextlib.suppress(OSError):
                os.close(self._read)
            self._read = -1


def _child(work: Callable[[], Any], write: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent's `cancel` still ends the child
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    code = 0
    try:
        try:
            reply = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # sent to the parent, which raises it there
            try:
                reply = pickle.dumps(("error", exc), protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError):  # an exception that cannot be pickled: its words
                reply = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(reply)
    except OSError:  # the parent closed the pipe (it stopped waiting): nothing to tell it
        code = 1
    finally:
        os._exit(code)


def _reap(pid: int) -> None:
    """Wait for the child to end. A Ctrl-C meanwhile is raised once it is reaped: raised midway, it would
    leave a zombie of the run that the system's init reaps only some time after `feoc` has exited."""
    interrupted: KeyboardInterrupt | None = None
    for _ in range(_TRIES):
        try:
            os.waitpid(pid, 0)
            break
        except KeyboardInterrupt as exc:  # waited for again; the interrupt afterwards
            interrupted = interrupted or exc
        except (ChildProcessError, OSError):  # reaped already
            break
    if interrupted is not None:
        raise interrupted


__all__ = ["FORK_ENV", "FORK_FROM", "Claims", "Forked", "Lost", "can_fork"]
