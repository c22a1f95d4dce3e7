"""The compiled build of a stake graph's levels (issue 17): the strongly connected components of the stakes (the
cross-holdings), each component's level (the longest chain of components above it) and the order of the edges
that `ownership.arrays.StakeGraph` propagates in, in one pass of machine code over integer arrays.

The same layout as the numpy path of `StakeGraph` (scipy's components, Kahn's levels a frontier at a time, a
five-key `lexsort`), which stays the fallback without numba (`kernel.AVAILABLE`): the very same sorted edges, each
entity's level and whether it is in a cycle, so the interests (DOE 89 FR 37079 §III.E, held "directly or
indirectly") are computed by the very same arithmetic in the very same order. Only the components' labels differ
(they group a cycle's members; their numbers are never read). Each step is linear in the entities and stakes:
Tarjan's algorithm (iterative), the levels in the order it finds the components (a component is found after
every one it holds stakes in), and the edges bucketed by target and by (level, in a cycle), each entity's few
stakes sorted by (holder id, share) in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from feoc.ownership.kernel import jit

SMALL = 16  # stakes into one entity sorted by insertion up to this many; by a stable merge sort above


@jit
def _by_key(keys: Any, size: int) -> tuple[Any, Any]:
    """A stable counting sort of 0..len(keys)-1 by `keys` (each in 0..size-1): the order and each key's start."""
    ptr = np.zeros(size + 1, dtype=np.int32)  # int32 throughout: half the memory the random reads range over
    for k in keys:
        ptr[k + 1] += 1
    for i in range(size):
        ptr[i + 1] += ptr[i]
    fill = ptr[:size].copy()
    out = np.empty(len(keys), dtype=np.int32)
    for i in range(len(keys)):
        out[fill[keys[i]]] = i
        fill[keys[i]] += 1
    return out, ptr


@jit
def components(n: int, holder: Any, target: Any) -> tuple[int, Any, Any]:
    """Tarjan's strongly connected components of the stakes holder -> target (iterative): their number, each
    node's label (in the order they are found: a component after every one it holds stakes in) and per component
    whether it is a cycle (more than one member, or a self-holding)."""
    out, ptr = _by_key(holder, n)
    held = target[out]  # the entities each node holds stakes in, node by node
    index = np.full(n, -1, dtype=np.int32)
    low = np.zeros(n, dtype=np.int32)
    on_stack = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int32)
    work = np.empty(n, dtype=np.int32)  # the depth-first path: a node, and its next edge in `at`
    at = np.empty(n, dtype=np.int32)
    label = np.full(n, -1, dtype=np.int32)
    counter = ncomp = top = 0
    for root in range(n):
        if index[root] >= 0:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack[top], on_stack[root], top = root, True, top + 1
        work[0], at[0], depth = root, ptr[root], 1
        while depth:
            v, e = work[depth - 1], at[depth - 1]
            if e < ptr[v + 1]:
                at[depth - 1] = e + 1
                w = held[e]
                if index[w] < 0:
                    index[w] = low[w] = counter
                    counter += 1
                    stack[top], on_stack[w], top = w, True, top + 1
                    work[depth], at[depth], depth = w, ptr[w], depth + 1
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            depth -= 1
            if depth and low[v] < low[work[depth - 1]]:
                low[work[depth - 1]] = low[v]
            if low[v] == index[v]:
                while True:
                    top -= 1
                    w = stack[top]
                    on_stack[w], label[w] = False, ncomp
                    if w == v:
                        break
                ncomp += 1
    size = np.zeros(ncomp, dtype=np.int64)
    for v in range(n):
        size[label[v]] += 1
    cyclic = size > 1
    for e in range(len(holder)):
        if holder[e] == target[e]:
            cyclic[label[holder[e]]] = True
    return ncomp, label, cyclic


@jit
def component_levels(n: int, ncomp: int, label: Any, holder: Any, target: Any) -> Any:
    """Each component's level, the longest chain of components above it (what Kahn's algorithm a frontier at a
    time gives): components in the reverse of the order Tarjan's algorithm finds them, each after all above it."""
    members, _ = _by_key(ncomp - 1 - label, ncomp)  # nodes by label, descending
    out, ptr = _by_key(holder, n)
    held = label[target[out]]  # the components each node holds stakes in, node by node
    level = np.zeros(ncomp, dtype=np.int32)
    for v in members:
        c = label[v]
        for k in range(ptr[v], ptr[v + 1]):
            d = held[k]
            if d != c and level[d] < level[c] + 1:
                level[d] = level[c] + 1
    return level


@jit
def _before(a: int, b: int, rank: Any, holder: Any, share: Any) -> bool:
    """Edge a sorts before edge b among one entity's stakes: by holder id, then share."""
    ra, rb = rank[holder[a]], rank[holder[b]]
    return ra < rb or (ra == rb and share[a] < share[b])


@jit
def _sort_stakes(edges: Any, rank: Any, holder: Any, share: Any) -> None:
    """One entity's stakes (edge positions, in input order) sorted stably by (holder id, share), in place."""
    if len(edges) > SMALL:
        by_share = edges[np.argsort(share[edges], kind="mergesort")]
        edges[:] = by_share[np.argsort(rank[holder[by_share]], kind="mergesort")]
        return
    for i in range(1, len(edges)):
        e, j = edges[i], i - 1
        while j >= 0 and _before(e, edges[j], rank, holder, share):
            edges[j + 1] = edges[j]
            j -= 1
        edges[j + 1] = e


@jit
def levelled(n: int, holder: Any, target: Any, share: Any, rank: Any) -> tuple[Any, Any, Any, Any]:
    """The stakes' propagation order (edge positions sorted by the target's level, whether it is in a cycle, the
    target, the holder's id and the share, stably: `StakeGraph`'s `lexsort`), and per node its component's label,
    level and whether that is a cycle."""
    ncomp, label, cyclic = components(n, holder, target)
    level = component_levels(n, ncomp, label, holder, target)
    node_level, node_cyclic = level[label], cyclic[label]
    by_target, ptr = _by_key(target, n)
    for t in range(n):
        if ptr[t + 1] - ptr[t] > 1:
            _sort_stakes(by_target[ptr[t]:ptr[t + 1]], rank, holder, share)
    key = 2 * node_level + node_cyclic.astype(np.int64)
    nodes, _ = _by_key(key, 2 * (int(level.max()) + 1) if ncomp else 1)
    order = np.empty(len(target), dtype=np.int32)
    k = 0
    for t in nodes:
        for i in range(ptr[t], ptr[t + 1]):
            order[k] = by_target[i]
            k += 1
    return order, label, node_level, node_cyclic
