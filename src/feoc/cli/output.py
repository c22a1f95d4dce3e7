"""What a command prints on stdout, and what happens when stdout cannot take it (issue 15, class 5:
`feoc check … | head -c 10`, `>&-` and a full disk behind `>` ended in tracebacks).

The decision: output that could not be delivered is an I/O fault, exit 2, like any other: a closed stdout
(`>&-`) or a failed write (a full disk, `/dev/full`) says so in one line on stderr. A broken pipe (the reader,
e.g. `head`, stopped reading on purpose) ends quietly with 141 (128 + SIGPIPE, what a shell reports), the
code `feoc.cli.main` gives it too — never 0 or 1, which are verdicts. stdout is then pointed at
/dev/null, so that Python's own flush at exit does not fail a second time (its exit 120).
"""

from __future__ import annotations

import contextlib
import os
import sys

import typer

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader went away


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr may be gone too
        typer.echo(line, err=True)


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no file descriptor (a test runner's stream)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _write_all(text: str) -> None:
    """Every byte to stdout. A pipe may take only part of a write; CPython's unbuffered stdout (PYTHONUNBUFFERED)
    then drops the rest without an error (`feoc screen | head` ended 0 with its output cut short), so the bytes go
    straight to the file descriptor until all are written. A stream without one (a test runner's) gets the text."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        typer.echo(text, nl=False)
        return
    sys.stdout.flush()
    data = memoryview(text.encode(sys.stdout.encoding or "utf-8", errors=sys.stdout.errors or "strict"))
    while data:
        data = data[os.write(fd, data):]


def emit(text: str, nl: bool = True) -> None:
    """Print `text` on stdout, or end the command: exit 2 if stdout is closed or full, 141 on a broken pipe."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): Python gives no stream at all
        _say("stdout is closed: the output could not be written — run the command with stdout open, "
             "or use --out where the command has it")
        raise typer.Exit(2)
    try:
        _write_all(text + ("\n" if nl else ""))
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except OSError as exc:
        _silence_stdout()
        _say(f"stdout: the output could not be written ({exc.strerror or exc}); what was printed is incomplete "
             "— free space where stdout goes, or use --out where the command has it")
        raise typer.Exit(2) from None
