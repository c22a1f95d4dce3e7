"""Machine code for the few loops that are too slow in Python (issue 17): `jit`, numba's compiler set to cache.

Used by the propagation kernel (`ownership.kernel`) and the YAML scan (`load.yaml_scan`). Compiled code is cached
under the user's cache directory (`cache_dir`), never in the package. Without numba, without a writable cache
directory or with FEOC_NO_KERNEL set, `AVAILABLE` is False and each caller takes its own pure-Python or numpy path,
which decides the same way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_dir() -> Path | None:
    """Where compiled code is kept: `$XDG_CACHE_HOME/feoc/numba` (default `~/.cache/feoc/numba`); None when neither
    is an absolute path. A relative XDG_CACHE_HOME is ignored, as the XDG specification says and as the law's cache
    does (`law.cache.cache_folder`): it would put numba's files in whatever folder the command runs from."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "feoc" / "numba"


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            return True
    except OSError:
        return False


def _compiler() -> Any:
    """`numba.njit` set to cache in `cache_dir()`; None without numba or when that directory cannot be written
    (compiling anew in every process costs ~5 s, more than the kernel saves below millions of entities: the
    pure-Python path is used then). NUMBA_CACHE_DIR, when the user sets it, wins."""
    try:
        import numba
    except ImportError:
        return None
    config: Any = numba.config
    prior = config.CACHE_DIR
    where = Path(prior) if prior else cache_dir()
    if where is None or not _writable(where):
        return None

    def jit(fn: Any = None, *, inline: bool = False) -> Any:
        if fn is None:  # `@jit(inline=True)`: a small helper compiled into its callers
            return lambda f: jit(f, inline=inline)
        config.CACHE_DIR = str(where)  # read when the function's cache is set up, here
        try:
            return numba.njit(cache=True, nogil=True, inline="always" if inline else "never")(fn)
        finally:
            config.CACHE_DIR = prior
    return jit


_jit = _compiler()
AVAILABLE = _jit is not None and not os.environ.get("FEOC_NO_KERNEL")


def _interpreted(fn: Any = None, *, inline: bool = False) -> Any:
    """Without numba: the function itself (`@jit` and `@jit(inline=True)` alike)."""
    return fn if fn is not None else (lambda f: f)


jit: Any = _jit if _jit is not None else _interpreted


def side_by_side(here: Callable[[], None], beside: Callable[[], None]) -> None:
    """`beside()` on a thread of its own while `here()` runs in this one, for compiled code, which lets go of the GIL
    (`jit` sets nogil): two halves of a memory-bound pass on the two cores. Joined before returning, so no thread is
    left when the process forks later; what `beside` raised is raised here."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="feoc-compiled") as pool:
        other = pool.submit(beside)
        try:
            here()
        finally:
            other.result()


__all__ = ["AVAILABLE", "cache_dir", "jit", "side_by_side"]
