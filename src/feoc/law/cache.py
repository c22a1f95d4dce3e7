"""A copy of a loaded `Law` kept between processes, so a `feoc check` does not parse and validate the 50-odd
rules files on every start (issue 17: 23-26 ms against ~5 ms to read the copy back).

Never a wrong law: the copy is found by a key, the SHA-256 of everything the law is computed from —
- every file under the rules folder (its path inside the folder and its bytes: a rule, a parameter, a reading
  or a file the loader skips today; any change at all is another key),
- the folder as given (a `Law` names it in messages),
- the source of the code that reads the files and defines what is kept (`feoc/law/`, `feoc/data/`: the
  classes pickled), feoc's version, the Python and pydantic versions.
A copy is only ever written after a load that passed every check, so a folder with a mistake in it is read
and reported in full each time. The copy is written atomically (a temporary file in the same folder, then
`os.replace`), so a reader sees a whole copy or none; anything unexpected while reading or writing it (a
missing, unreadable, truncated or foreign file) falls back to reading the rules folder.

Where: `$XDG_CACHE_HOME/feoc` (XDG Base Directory specification), else `~/.cache/feoc`; FEOC_LAW_CACHE=0
turns the copy off. The folder is made private (0700); a copy that another user owns, or that others may
write, is never read (pickle runs code from the file it reads).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")
_CODE = ("law", "data")  # feoc's packages the kept objects are made and defined by
_PREFIX = "law-"
_COPIES = 8  # copies kept (another rules folder, or an edit, is another key): the oldest beyond are removed


def cache_folder() -> Path | None:
    """Where copies are kept, or None when FEOC_LAW_CACHE=0 or no home folder is known."""
    if os.environ.get("FEOC_LAW_CACHE", "1") == "0" or not hasattr(os, "getuid"):  # no owner check: no copy
        return None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the specification: a relative path is invalid and is ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "feoc"


def law_key(folder: Path) -> str:
    """The SHA-256 (hex) of everything the law of `folder` is computed from (the module docstring)."""
    import pydantic

    import feoc

    digest = hashlib.sha256()
    for part in (feoc.__version__, sys.version, pydantic.VERSION, str(folder)):
        digest.update(part.encode() + b"\0")
    package = Path(feoc.__file__).parent
    for name in _CODE:
        _add_files(digest, package / name, ".py")
    _add_files(digest, folder, "")
    return digest.hexdigest()


def _add_files(digest: hashlib._Hash, folder: Path, suffix: str) -> None:
    """Every file under `folder` whose name ends in `suffix`: its path inside `folder` and its bytes, in path
    order (os.walk: ~8 times faster than Path.rglob on the 57 files of rules/)."""
    found, seen = [], set()
    # into linked folders too (more than the loader reads can only cost a needless reload, never a stale law);
    # each real folder once (a link loop)
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs.clear()
            continue
        seen.add(real)
        dirs.sort()
        found += [os.path.join(root, name) for name in files if name.endswith(suffix)]
    for path in sorted(found):
        with open(path, "rb") as file:
            content = file.read()
        digest.update(f"{Path(os.path.relpath(path, folder)).as_posix()}\0{len(content)}\0".encode())
        digest.update(content)


def kept(folder: Path, load: Callable[[Path], T]) -> T:
    """`load(folder)`, read from the copy its key names if there is one, else loaded and then kept."""
    where = cache_folder()
    if where is None:
        return load(folder)
    try:
        key = law_key(folder)
    except OSError:  # an unreadable file: the load itself says which and how to fix it
        return load(folder)
    path = where / f"{_PREFIX}{key}.pickle"
    found = _read(path)
    if found is not None:
        return cast(T, found)  # what `load` returned when it was kept (the key names the same inputs)
    value = load(folder)  # raises on any mistake in the folder: nothing is kept then
    _write(where, path, value)
    return value


def _read(path: Path) -> object | None:
    """The object kept at `path`, or None: no copy, not ours, writable by others, or not readable whole."""
    try:
        # the C unpickler `pickle` itself uses: importing pickle.py (its Python pickler too) costs ~1.5 ms more
        import _pickle as pickle
    except ImportError:  # not CPython
        import pickle  # type: ignore[no-redef]
    try:
        with path.open("rb") as file:
            info = os.fstat(file.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return None
            return pickle.load(file)
    except Exception:  # a bad copy is no copy: the rules folder is read instead
        return None


def _write(where: Path, path: Path, value: object) -> None:
    """Keep `value` at `path`, atomically; a failure (read-only home, full disk) only means no copy."""
    import pickle
    import tempfile

    with contextlib.suppress(Exception):
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=where)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        copies = sorted(where.glob(f"{_PREFIX}*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in copies[_COPIES:]:
            old.unlink(missing_ok=True)
