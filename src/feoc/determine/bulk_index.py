"""The bulk path's index of entities: an entity's id -> its index (its position in the dataset), without a
dictionary of every entity.

Issue 17, memory: a dictionary of a million ids took ~65 MiB for the whole analysis, to read two columns of
references (the holdings' `holder` and `entity`) and a few ids more. A compact load's references are the entities'
own id objects (`load/shared_ids.py`), so a reference is found by the object it is: the ids' addresses sorted once
(12 bytes an entity), each reference's address searched among them. An address found is the very object, so the
very id; a reference that is another object with the same text (a load that does not share them, a listing, an
attestation) is found by its text: a few each by a binary search over the ids in id order (`order`), more among them
laid out in id order, or, for a whole column of them, in a dictionary made then and kept (what the path held before:
a dataset that needs it pays no more than then). The id order itself is `data/id_order.py`'s."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from feoc.data.addresses import Addresses
from feoc.data.columns import Refs


class EntityIndex:
    """`ids` (indexed in dataset order) with `order`, the indexes in id order: `index[ident]` is the entity's
    index (KeyError for an id that is no entity's), `index.of(column)` every one of a column's, as int32."""

    def __init__(self, ids: Sequence[str], order: np.ndarray):
        self.ids, self.order = ids, order
        self._at = Addresses(ids, table=False)  # kept for the whole analysis: the lean form
        self._texts: dict[str, int] | None = None  # made only for a column of references that are not the ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, ident: str) -> int:
        ids, order = self.ids, self.order
        at = bisect.bisect_left(range(len(order)), ident, key=lambda k: ids[int(order[k])])
        if at == len(order) or ids[int(order[at])] != ident:
            raise KeyError(ident)
        return int(order[at])

    def __contains__(self, ident: object) -> bool:
        try:
            self[ident]  # type: ignore[index]
        except (KeyError, TypeError):
            return False
        return True

    def of(self, column: Sequence[str]) -> np.ndarray:
        """Each reference's entity index (int32), in the column's order: as the load holds them where it kept the
        positions of the entities named (`data.columns.Refs`, read-only) in the very id list this index is made of
        (the entities in dataset order, as indexed), else each reference found."""
        if isinstance(column, Refs) and column.values is self.ids:
            return column.codes
        places, missed = self._at(np.fromiter(map(id, column), dtype=np.int64, count=len(column)))
        out = places.astype(np.int32)
        del places
        if len(missed):
            out[missed] = self._by_text([column[i] for i in missed.tolist()])
        return out

    def _by_text(self, idents: list[str]) -> np.ndarray:
        """Ids that are not the entities' own objects: a few each by a binary search over the ids in id order;
        more searched among them in C (~20 comparisons each) after the ids are laid out in id order; when they are
        many (a load that shares none), looked up in a dictionary made once. Issue 17, time: a 1M screen's
        licensors and licensees, a few hundred, took 0.14 s, most of it laying out the million ids twice."""
        if self._texts is None and len(idents) * _FEW <= len(self.ids):
            return np.fromiter(map(self.__getitem__, idents), dtype=np.int32, count=len(idents))
        if self._texts is None and len(idents) * _MANY <= len(self.ids):
            ordered = np.array(self.ids, dtype=object)[self.order]
            probe = np.array(idents, dtype=object)
            at = np.minimum(np.searchsorted(ordered, probe), max(len(ordered) - 1, 0))
            if not len(ordered) or not (ordered[at] == probe).all():
                raise KeyError(next(i for i in idents if not len(ordered) or i not in self))
            return self.order[at].astype(np.int32, copy=False)
        if self._texts is None:
            self._texts = dict(zip(self.ids, range(len(self.ids))))
        return np.fromiter(map(self._texts.__getitem__, idents), dtype=np.int32, count=len(idents))


_FEW = 4096  # one reference in at least this many entities not the entities' own: each found by a binary search
_MANY = 8  # a column with more than one reference in this many entities not the entities' own: a dictionary pays
