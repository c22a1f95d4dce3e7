"""The `feoc` command line: parse → the Law → load → a verdict → a renderer, one module per command group.

`app.py` holds the typer app and what the commands share; `check.py`, `rules.py` (validate, rules,
import), `report.py` and `screen.py` register their commands on it when imported here, in the order
`feoc --help` lists them (typer shows the commands first, then the groups). The console script is
`feoc.cli:main`; `python -m feoc` and `python -m feoc.cli` run the same.

`main` owns the exit codes no command chooses (issue 15, class 5: "every input and I/O fault ends with exit 2
and one clear line", "Ctrl-C ends any command with exit 130, no traceback"): it runs the click command itself
rather than through typer's standalone mode, which would turn Ctrl-C into a silent 130 and a closed pipe
into exit 1 (the code of a FEOC verdict), and would let any other exception out as a traceback. The codes:
0/1 the verdict, 2 input, usage or I/O error, 3 rule-engine disagreement, 4 cannot be determined (§45X),
70 internal error (a bug; `--debug` or FEOC_DEBUG=1 prints its traceback), 130 interrupted, 141 the
reader of the output went away (128 + SIGPIPE, as a shell reports a command a closed pipe ended).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, MutableMapping
from types import FrameType
from typing import Any

EXIT_INPUT = 2
EXIT_ENGINE = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h: never 0 or 1, which are verdicts
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C while the command modules are imported: nothing has been read or written yet, so the process
    ends at once with the line and code of any interruption (a KeyboardInterrupt here would be a traceback)."""
    os.write(2, b"feoc: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


# the guard covers the imports below only, and only where Ctrl-C has its default meaning (a process started
# with SIGINT ignored keeps ignoring it; a thread other than the main one cannot set handlers)
_GUARDED = signal.getsignal(signal.SIGINT) is signal.default_int_handler
if _GUARDED:
    try:
        signal.signal(signal.SIGINT, _interrupted_while_starting)
    except ValueError:
        _GUARDED = False
try:
    import typer

    # imported in registration order, not sorted: --help lists the commands (validate, report, screen) and
    # then the groups (check, rules, import), each in the order registered, as feoc always has
    # isort: off
    from feoc.cli import check as _check  # noqa: F401
    from feoc.cli import rules as _rules  # noqa: F401  (validate, rules, import)
    from feoc.cli import report as _report  # noqa: F401
    from feoc.cli import screen as _screen  # noqa: F401
    from feoc.cli import convert as _convert  # noqa: F401
    from feoc.cli import pins as _pins  # noqa: F401  (test)
    from feoc.cli import serve as _serve  # noqa: F401  (FastAPI imported only when it runs)
    from feoc.cli import schema as _schema  # noqa: F401
    # isort: on
    from feoc.cli.app import app, debugging, starting
    from feoc.data.problems import EngineError, InputError
    from feoc.render.sanitize import terminal
finally:
    # `python -m feoc.cli` imports this package while it is still locating `__main__` (sys.argv[0] is "-m" until
    # then, as Python documents): the guard stays until `main` sets its own handler, or a Ctrl-C while `__main__` is
    # read printed Python's traceback (a CI run, session 24)
    if _GUARDED and sys.argv[:1] != ["-m"]:
        signal.signal(signal.SIGINT, signal.default_int_handler)

__all__ = ["app", "main", "run"]


def main() -> None:
    """Entry point of the `feoc` console script."""
    _without_pydantic_plugins(os.environ)
    with _interrupts_outside_the_engine():
        code = run(sys.argv[1:])
    if code == EXIT_INTERRUPTED:
        # CPython ends a process by SIGINT at exit once a KeyboardInterrupt has passed through exec() of a string
        # (dataclasses and pydantic build methods that way), even when it was handled: exit with the code itself
        # (every `finally` and `with` has run on the way here)
        _drop_output()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _without_pydantic_plugins(environ: MutableMapping[str, str]) -> None:
    """Tell pydantic not to look for plugins (issue 17, faster single checks), unless the user chose otherwise.

    pydantic reads every installed distribution's entry points for plugins the first time it builds a
    validator (~2 ms here with 42 distributions, more in a large environment); feoc uses none. The documented
    switch is the environment variable PYDANTIC_DISABLE_PLUGINS ("Disabling Plugins",
    https://docs.pydantic.dev/latest/concepts/plugins/#disabling-plugins: `__all__` or `1` disables them all).
    Set here, in the console script only, before any model is built; worker processes inherit it. A value the
    user set is kept: PYDANTIC_DISABLE_PLUGINS= (empty) keeps every plugin."""
    environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


_ENGINE_RETRY_S = 0.02  # how soon an interrupt deferred inside durable-rules or a finalizer is tried again
_AGAIN_S = 1.0  # an interrupt swallowed on its way up (a finalizer printing "Exception ignored") is raised again


def _deferred_at(frame: FrameType | None) -> bool:
    """Whether `frame` runs where an exception must not be thrown: inside durable-rules (its own code, or feoc's
    batch around it, engine/durable.py) or a finalizer (`__del__`, which would print it and carry on)."""
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if (module.split(".")[0] == "durable" or frame.f_code.co_name == "__del__"
                or (module == "feoc.engine.durable" and frame.f_code.co_name == "_run_batch")):
            return True
        frame = frame.f_back
    return False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C raises KeyboardInterrupt, but never inside durable-rules: an exception thrown through its C
    callbacks was measured to abort the process (SIGABRT), to be logged with a traceback by durable-rules, or
    to be recorded as a failed rule action (exit 3). There, and in a finalizer, it is tried again every few
    milliseconds and raised once the batch (at most 1,000 facts) is done; once raised, it is raised again a
    second later should something on the way swallow it (`run` disarms that when it reaches it)."""
    if _deferred_at(frame):
        signal.setitimer(signal.ITIMER_REAL, _ENGINE_RETRY_S)
        return
    signal.setitimer(signal.ITIMER_REAL, _AGAIN_S)
    _RAISED.append(signum)
    raise KeyboardInterrupt


# the Ctrl-Cs `_interrupt` raised: an error after one is the Ctrl-C's, whatever a library made of it (pydantic-core
# words a KeyboardInterrupt raised while it builds a schema as a SchemaError, the interrupt kept as text only)
_RAISED: list[int] = []


@contextlib.contextmanager
def _interrupts_outside_the_engine() -> Iterator[None]:
    """`_interrupt` as the SIGINT (and retry SIGALRM) handler while a command runs, where Ctrl-C has its default
    meaning and signals can be set (the main thread of a POSIX process)."""
    if signal.getsignal(signal.SIGINT) not in (signal.default_int_handler, _interrupted_while_starting) or \
            not hasattr(signal, "setitimer"):
        yield
        return
    try:
        previous = signal.signal(signal.SIGALRM, _interrupt)
        signal.signal(signal.SIGINT, _interrupt)
    except ValueError:  # not the main thread
        yield
        return
    unraisable, sys.unraisablehook = sys.unraisablehook, _quiet_about_our_interrupt(sys.unraisablehook)
    try:
        yield
    finally:
        sys.unraisablehook = unraisable  # first: nothing below may leave it behind
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGALRM, previous)


def _quiet_about_our_interrupt(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """`sys.unraisablehook` while a command runs: a Ctrl-C that `_interrupt` raised where Python cannot pass an
    exception on (a callback of C or Rust code: pydantic-core compiling a pattern, a weakref callback) is not
    printed as "Exception ignored in: …" with a traceback (a CI run, session 26) but raised again at once, at the
    next point where it can be; anything else goes to the hook that was there before."""
    def quiet(unraisable: Any) -> object:
        # only while the timer raises it again (`_interrupt` is SIGALRM's handler): never an "Alarm clock" end
        if _RAISED and isinstance(unraisable.exc_value, KeyboardInterrupt) and \
                signal.getsignal(signal.SIGALRM) is _interrupt:
            signal.setitimer(signal.ITIMER_REAL, _ENGINE_RETRY_S)
            return None
        return hook(unraisable)

    return quiet


def run(args: list[str]) -> int:
    """Run the command line `args` and return its exit code; every failure ends in one line on stderr."""
    _RAISED.clear()  # a run in a process that ran others (tests, `feoc serve`'s own) answers for its own Ctrl-C only
    try:
        code = _invoke(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full or closed output fails here, inside the handlers, not at exit
        return code
    except KeyboardInterrupt:
        return _interrupted()
    except BrokenPipeError:  # the reader went away (`feoc report | head`): nothing to say to anyone
        _drop_output()
        return EXIT_BROKEN_PIPE
    except InputError as exc:  # a command that did not catch its own input errors
        _say(*(terminal(str(problem)) for problem in exc.problems))
        return EXIT_INPUT
    except EngineError as exc:
        _say(f"feoc: rule engine error: {_one_line(exc)} — no verdict is given")
        return EXIT_ENGINE
    except OSError as exc:  # an I/O fault no command caught: a file, a folder, the output itself
        _drop_output()
        where = _one_line(exc.filename) if exc.filename else "cannot write or read"
        _say(f"feoc: {where}: {_one_line(exc.strerror or exc)} — check the path, its permissions and the free space")
        return EXIT_INPUT
    except Exception as exc:  # the last line of defence: a bug, said in one line
        if _caused_by_interrupt(exc):  # e.g. Ctrl-C in a class body: RuntimeError("Error calling __set_name__")
            return _interrupted()
        _traceback_if_debugging()
        _say(f"feoc: internal error: {type(exc).__name__}: {_one_line(exc)} — please report it; "
             "run with --debug for the traceback")
        return EXIT_INTERNAL


def _interrupted() -> int:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)  # reached: no need to raise it again
    _traceback_if_debugging()
    _say("feoc: interrupted")
    return EXIT_INTERRUPTED


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether `exc` comes of a Ctrl-C: a KeyboardInterrupt among its causes, or one raised in this run at all."""
    if _RAISED:
        return True
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _invoke(args: list[str]) -> int:
    """The command's own exit code; usage errors are shown as typer shows them (exit 2)."""
    command = typer.main.get_command(app)
    # a shell asking for completions (`_FEOC_COMPLETE=complete_bash`, set by the script `feoc --show-completion`
    # prints): answered and ended here (sys.exit), as typer's own entry point would, before any parsing
    command._main_shell_completion({}, _program_name())
    try:
        with starting():  # parsing imports pydantic (typer builds an adapter per option): part of starting
            ctx = command.make_context(_program_name(), list(args))
        with ctx:
            command.invoke(ctx)
        return 0
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:  # end of input at a prompt
        _say("feoc: aborted")
        return EXIT_INPUT
    except Exception as exc:
        # click's ClickException (a usage error): typer 0.12 raises click's own, later typers a vendored copy
        if not any(kind.__name__ == "ClickException" for kind in type(exc).__mro__):
            raise
        _show_usage_error(exc)
        return int(getattr(exc, "exit_code", EXIT_INPUT))


def _program_name() -> str:
    """`feoc`, or `python -m feoc` when run as a module, for usage lines (as click names it)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is None or not spec.name:
        return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "feoc"
    name = spec.parent if spec.name == "__main__" or spec.name.endswith(".__main__") else spec.name
    return f"python -m {name}"


def _show_usage_error(exc: Exception) -> None:
    try:
        from typer import core, rich_utils

        if getattr(core, "HAS_RICH", False):
            rich_utils.rich_format_error(exc)  # type: ignore[arg-type]
            return
    except (ImportError, AttributeError):  # typer without rich, or another typer: click's own format
        pass
    exc.show()  # type: ignore[attr-defined]


def _one_line(value: object, limit: int = 500) -> str:
    """Text from an exception on one line: no control or bidirectional characters, bounded."""
    text = terminal(" ".join(str(value).split()))  # the terminal policy: hidden characters shown as escapes
    return text if len(text) <= limit else text[:limit] + "…"


def _say(*lines: str) -> None:
    """Lines on stderr; a closed stderr loses them rather than raising again."""
    try:
        for line in lines:
            print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


def _drop_output() -> None:
    """Send what is left of stdout to /dev/null: the interpreter flushes stdout at exit, and a flush into a
    closed pipe or a full disk would print 'Exception ignored' and change the exit code."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass


def _traceback_if_debugging() -> None:
    if debugging():
        import traceback

        traceback.print_exc()
