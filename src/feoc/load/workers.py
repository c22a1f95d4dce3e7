"""A small pool of forked worker processes that ends at once when the caller is interrupted.

Issue 15, class 3: Ctrl-C during `feoc screen` hung 3 times in 20 with `multiprocessing.Pool`. The terminal's
SIGINT reaches every process of the group; a Pool worker interrupted while holding the task queue's shared
lock leaves `Pool.terminate()` (and the pool's exit-time finaliser) waiting for that lock forever.
Here no lock is shared: each worker has its own pipe, is handed one task at a time (largest first, so
the load stays balanced), ignores SIGINT (only the parent decides to stop) and dies with its parent
(Linux PR_SET_PDEATHSIG). Whatever ends the parent's iteration — the last result, an exception, Ctrl-C,
the generator being closed — every worker is killed (SIGKILL) and reaped before control returns.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)
_REAP_SECONDS = 1.0  # a SIGKILLed worker is gone within milliseconds; never wait longer than this per worker
_TRIES = 3  # a step of `_stop` cut short by Ctrl-C is tried again, a few times (a held-down Ctrl-C still ends it)


def _die_with_parent() -> None:
    """A worker must not outlive a killed `feoc` (Linux: PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent's own clean-up still ends the workers
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _serve(conn: Any, work: Callable[[Any], Any], parent: int) -> None:
    """A worker's loop: receive a task, send back ("ok", result) or ("error", exception); None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent()
    if os.getppid() != parent:  # the parent died between the fork and the line above: the signal will never come
        os._exit(0)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if task is None:
            return
        try:
            reply: tuple[str, Any] = ("ok", work(task))
        except Exception as exc:  # sent to the parent, which raises it there
            reply = ("error", exc)
        conn.send(reply)


def ordered_map(work: Callable[[Any], Any], tasks: Sequence[Any], workers: int,
                cost: Callable[[Any], int], meanwhile: Callable[[], None] | None = None) -> Generator[Any, None, None]:
    """`work(task)` for every task in `workers` forked processes, yielded in the order of `tasks`.

    Tasks are handed out by decreasing `cost`; `meanwhile` runs in a daemon thread of this process after the
    workers are forked (so nothing it imports is half-held in a worker)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    procs: list[Any] = []
    conns: list[Any] = []
    try:
        # SIGINT stays blocked while forking: a worker never runs Python's default handler, and a Ctrl-C meanwhile
        # is delivered to this process as soon as the workers exist (inside this `try`, so they are killed)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(workers):
                mine, theirs = context.Pipe()
                proc = context.Process(target=_serve, args=(theirs, work, os.getpid()), daemon=True)
                proc.start()
                theirs.close()
                procs.append(proc)
                conns.append(mine)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        side = Beside(meanwhile) if meanwhile is not None else None
        yield from _results(conns, tasks, cost)
        if side is not None:  # on the normal path only: an interrupted run does not wait for its imports
            side.join()
    finally:
        _stop(procs, conns)


class Beside:
    """`work()` in a daemon thread of this process, started now; `join()` waits for it and raises here what it
    raised there (a thread's exception would otherwise be printed as a traceback and lost)."""

    def __init__(self, work: Callable[[], None]):
        import threading

        self._error: BaseException | None = None

        def run() -> None:
            try:
                work()
            except Exception as exc:  # raised by `join`, in the caller's thread
                self._error = exc
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def _results(conns: list[Any], tasks: Sequence[Any], cost: Callable[[Any], int]) -> Iterator[Any]:
    from multiprocessing.connection import wait

    order = sorted(range(len(tasks)), key=lambda i: -cost(tasks[i]))
    busy: dict[Any, int] = {}
    for first in conns:
        if order:
            busy[first] = order.pop(0)
            first.send(tasks[busy[first]])
    done: dict[int, Any] = {}
    next_index = 0
    while busy:
        for ready in wait(list(busy)):
            conn: Any = ready
            task = busy.pop(conn)
            try:
                if order:  # the next task sent first: the worker starts it once its result is read, not unpickled
                    busy[conn] = order.pop(0)
                    conn.send(tasks[busy[conn]])
                status, value = conn.recv()
            except (EOFError, OSError):  # a broken pipe too: the worker died (killed, out of memory)
                raise RuntimeError("a worker process of the loader ended without a result") from None
            if status == "error":
                raise value if isinstance(value, BaseException) else RuntimeError(str(value))
            done[task] = value
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1


def _stop(procs: list[Any], conns: list[Any]) -> None:
    """Kill and reap every worker (they hold nothing the parent needs once it stops asking).

    A Ctrl-C that lands meanwhile is raised once every worker is reaped: raised midway (it passes any
    `except Exception`), it left a killed worker unreaped, a zombie of the run that the system's init reaped
    only some time after `feoc` had exited (a CI run listed two 50 ms after the exit)."""
    steps: list[Callable[[], Any]] = [proc.kill for proc in procs] + [conn.close for conn in conns]
    steps += [functools.partial(proc.join, _REAP_SECONDS) for proc in procs]
    interrupted: KeyboardInterrupt | None = None
    for step in steps:
        for _ in range(_TRIES):
            try:
                step()
                break
            except KeyboardInterrupt as exc:  # this step again; the interrupt afterwards
                interrupted = interrupted or exc
            except Exception:  # a worker already gone, a pipe already closed
                break
    if interrupted is not None:
        raise interrupted


__all__ = ["ordered_map"]
