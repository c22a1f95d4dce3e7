"""What `feoc serve` serves from: the law and the dataset loaded once (a `Snapshot`), and reloading them.

The reload decision (issue 19, docs/architecture.md): **the next request after a change sees it.** Before each
request the server takes a cheap fingerprint of the files under --data and --rules (`os.scandir`: each path,
its size and its modification time in nanoseconds, no file read) and, when it differs from the one loaded,
loads the law and the dataset again, with every check `feoc check` runs. `POST /v1/reload` forces the same.
A reload that finds bad input keeps serving the last good snapshot and reports its problems
(`file:line: what — fix`) at /healthz with status "degraded"; the next change is tried again.

The fingerprint costs well under a millisecond on the seeds and on a 10,000-entity world (bench/README.md,
"feoc serve"); `check_every_s` (`feoc serve --check-every`) spaces the checks out for a folder with very many
files, and is then the bound on how stale an answer can be. A file rewritten within the file system's time
resolution with the same size is not seen until its next change (or a `POST /v1/reload`).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from feoc.data.problems import InputError

if TYPE_CHECKING:
    from feoc.data.dataset import Dataset
    from feoc.law.law import Law

Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(root: Path) -> Fingerprint:
    """(path, size, mtime_ns) of every entry under `root`, sorted; links are not followed (a loop must not hang).
    An entry that vanishes while it is listed is left out: the next check sees the folder as it then is."""
    out: list[tuple[str, int, int]] = []
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    out.append((entry.path, info.st_size, info.st_mtime_ns))
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:  # unreadable or gone: its own entry is in the parent's listing, the loader says why
            out.append((folder, -1, -1))
    return tuple(sorted(out))


@dataclass(frozen=True)
class Snapshot:
    """One loaded law and dataset, never changed once made: a reload makes a new one (`generation` + 1)."""

    law: Law
    dataset: Dataset
    generation: int
    data_sha256: str
    rules_sha256: str
    loaded_at: str  # ISO 8601, UTC
    ids: Mapping[str, tuple[str, ...]]  # kind (entity, facility, vehicle) -> ids in record order
    skipped: tuple[str, ...] = ()  # entries of the dataset folder that are not read (load/scan.py)
    warnings: tuple[str, ...] = ()  # advice about valid data that could still mislead (`feoc validate`)

    def has(self, kind: str, ident: str) -> bool:
        return ident in self._sets[kind]

    @property
    def _sets(self) -> dict[str, frozenset[str]]:
        sets: dict[str, frozenset[str]] | None = self.__dict__.get("_id_sets")
        if sets is None:
            sets = {kind: frozenset(ids) for kind, ids in self.ids.items()}
            object.__setattr__(self, "_id_sets", sets)
        return sets


def _law(rules: Path | None) -> Law:
    """The law of `rules` (default: the shipped rules), read from its files again (`Law.load` keeps each folder's
    law for the life of a process: right for a command, not for a server whose files change)."""
    from feoc.law.law import read_again

    return read_again(rules)


def load_snapshot(data: Path, rules: Path | None, generation: int, law: Law | None = None) -> Snapshot:
    """The law (unless given) and the dataset, checked as `feoc check` checks them; InputError on bad input."""
    from feoc.load.checks import country_warnings, material_warnings, region_nations
    from feoc.load.folder import load_dataset
    from feoc.load.hashes import content_hash, dataset_hash
    from feoc.load.scan import scan_folder

    law = law or _law(rules)
    dataset = load_dataset(data, law)
    warnings = [str(p) for p in country_warnings(dataset, law.vocabulary, region_nations(law))]
    warnings += material_warnings(dataset, law)
    rules_files = (p for p in law.folder.rglob("*.yaml") if p.is_file())
    return Snapshot(law, dataset, generation, dataset_hash(data), content_hash(law.folder, rules_files),
                    dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    {"entity": tuple(e.id for e in dataset.entities),
                     "facility": tuple(f.id for f in dataset.facilities),
                     "vehicle": tuple(v.id for v in dataset.vehicles)},
                    tuple(scan_folder(data).skipped) if data.is_dir() else (), tuple(warnings))


@dataclass
class Reload:
    """What the last reload found: `problems` empty when it succeeded (or none was tried)."""

    problems: list[str] = field(default_factory=list)
    at: str = ""
    tried: int = 0  # reloads attempted (by a change or by POST /v1/reload)


class ServeState:
    """The snapshot being served, its reload, and the lock the verdicts are judged under.

    Verdicts are judged one at a time (`judge_lock`): the rule engine (durable-rules) and the law's cache of
    compiled rulesets are not made for threads. Cached answers (`feoc.serve.answers`) need no lock."""

    def __init__(self, data: Path, rules: Path | None = None, *, check_every_s: float = 0.0) -> None:
        from feoc.law.data import default_rules_dir

        self.data = data
        self.rules = rules
        self.rules_folder = rules if rules is not None else default_rules_dir()
        self.check_every_s = check_every_s
        self.judge_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._seen = self._fingerprints()
        self._snapshot = load_snapshot(data, rules, 1)  # bad input at start: InputError, the server does not start
        self._checked_at = time.monotonic()
        self.last_reload = Reload()

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot served now, without looking for changes."""
        return self._snapshot

    def _fingerprints(self) -> tuple[Fingerprint, Fingerprint]:
        return fingerprint(self.data), fingerprint(self.rules_folder)

    def current(self) -> Snapshot:
        """The snapshot to answer this request from: reloaded first if a file under --data or --rules changed
        since the last look (looked at most every `check_every_s` seconds; 0: on every request)."""
        if self.check_every_s and time.monotonic() - self._checked_at < self.check_every_s:
            return self._snapshot
        with self._reload_lock:
            self._checked_at = time.monotonic()
            seen = self._fingerprints()
            if seen != self._seen:
                self._reload(seen)
            return self._snapshot

    def unchanged(self) -> bool:
        """Whether the snapshot served now is the one to answer from (no file changed since the last look, or
        not yet time to look): a cached answer is then served without going to a worker thread."""
        if self.check_every_s and time.monotonic() - self._checked_at < self.check_every_s:
            return True
        return self._fingerprints() == self._seen

    def reload(self) -> Reload:
        """Load the law and the dataset again now (`POST /v1/reload`), changed or not."""
        with self._reload_lock:
            self._checked_at = time.monotonic()
            self._reload(self._fingerprints())
            return self.last_reload

    def _reload(self, seen: tuple[Fingerprint, Fingerprint]) -> None:
        """A new snapshot, or the old one kept and the problems recorded. The fingerprint is taken before the
        files are read, so a change made while they are read is seen on the next look."""
        self._seen = seen
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        tried = self.last_reload.tried + 1
        try:
            snapshot = load_snapshot(self.data, self.rules, self._snapshot.generation + 1)
        except InputError as exc:
            self.last_reload = Reload([str(p) for p in exc.problems], now, tried)
            return
        except OSError as exc:  # the folder itself went away or cannot be read
            where = exc.filename or self.data
            self.last_reload = Reload([f"{where}: {exc.strerror or exc} — check the path and its permissions"], now, tried)
            return
        self._snapshot = snapshot
        self.last_reload = Reload([], now, tried)

    def health(self) -> dict[str, object]:
        """/healthz: ok or degraded (the last reload found problems: the last good snapshot is served)."""
        snap, last = self._snapshot, self.last_reload
        from feoc import __version__

        return {"status": "degraded" if last.problems else "ok", "feoc_version": __version__,
                "generation": snap.generation, "loaded_at": snap.loaded_at,
                "data_sha256": snap.data_sha256, "rules_sha256": snap.rules_sha256,
                "counts": snap.dataset.counts(), "readings": snap.law.reading_names(),
                "default_interpretation": snap.law.default_interpretation,
                "skipped": list(snap.skipped), "warnings": list(snap.warnings),
                "last_reload": {"at": last.at or None, "attempts": last.tried, "problems": last.problems}}
