"""Cross-holdings: finding the cycles of a stake graph and solving them.

The one place where cycles are searched and solved, for both the per-fact path (`ownership.graph.Graph`,
string ids, Tarjan's algorithm) and the array path (`ownership.arrays.StakeGraph`, entity indexes,
scipy's strongly connected components): a cycle's values come from the same `solve_cycle`, so the two
paths compute bit-identical interests (DOE 89 FR 37079 §III.E: interests held "directly or indirectly").

A strongly connected component is solved exactly as a linear system — dense Gaussian elimination up to
EXACT_LIMIT nodes (the figures of every smaller cycle are those it always gave), a sparse LU factorisation
above (time about linear in the size) — then swept to the fixed point as a check, which converges because
the stakes held in any entity add up to at most 100 % (the loader enforces it); cycles that do not
converge are refused as an input error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from feoc.data.problems import InputError, Problem

if TYPE_CHECKING:  # numpy and scipy are imported by the array path only (`feoc check` never loads them)
    import numpy as np

TOLERANCE = 1e-12
MAX_SWEEPS = 100_000
EXACT_LIMIT = 300  # nodes in a cycle solved by dense elimination; larger ones by a sparse LU
LARGE_SWEEPS = 100  # sweeps after a sparse solve: one settles an exact solution, more means it was not


def components_in_topological_order(nodes: set[str], out: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), upstream components first. `out` must only
    name nodes in `nodes` (true for a Graph's own edges)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(out.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(out.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    result.reverse()  # Tarjan emits downstream components first
    return result


def array_components(n: int, holder: np.ndarray, target: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The strongly connected components of a stake graph over entity indexes 0..n-1: their number, each
    node's component label, and per component whether it is a cycle (more than one node, or a self-holding)."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    graph = sparse.csr_matrix((np.ones(len(holder)), (holder, target)), shape=(n, n))
    ncomp, label = csgraph.connected_components(graph, directed=True, connection="strong")
    cyclic = np.bincount(label, minlength=ncomp) > 1
    cyclic[label[holder[holder == target]]] = True  # a self-holding is a cycle of one
    return ncomp, label, cyclic


def solve_cycle(component: list[Any], compute: Any, value: dict[Any, float], held: Any,
                label: Any = str, edges: Mapping[Any, list[tuple[Any, float]]] | None = None) -> None:
    """One strongly connected component of cross-holdings, solved exactly as a linear system, then swept
    until no value moves by 1e-12 (a check: from the exact solution one sweep settles it).

    Up to EXACT_LIMIT nodes by dense Gaussian elimination; larger ones by a sparse LU factorisation
    (scipy, imported only then), reading the matrix off `edges` (node -> [(holder, share)]), so the time is
    about linear in the component's size: sweeping alone needs log(1e-12) / log(stake) rounds of n nodes
    each, and a 5,000-node ring of 99.9999 % stakes kept `check` and `screen` busy for over 5 minutes.
    Shared by `Graph` and the array path (`ownership.arrays`), so both compute bit-identical values."""
    large = len(component) > EXACT_LIMIT and edges is not None
    if len(component) <= EXACT_LIMIT:
        solve_held(component, compute, value, held, _dense_system)
    elif edges is not None and not solve_held(component, compute, value, held, _sparse_system(edges)):
        _refuse(component, label, "cannot be solved (they hold one another in full)")
    for _ in range(LARGE_SWEEPS if large else MAX_SWEEPS):
        change = 0.0
        for node in component:
            new = compute(node)
            change = max(change, abs(new - value.get(node, 0.0)))
            value[node] = new
        if change < TOLERANCE:
            return
    _refuse(component, label, f"do not converge within {LARGE_SWEEPS if large else MAX_SWEEPS} rounds")


def _refuse(component: list[Any], label: Any, what: str) -> None:
    names = [label(n) for n in component[:6]]
    raise InputError([Problem("(ownership data)", 0,
        f"the cross-holdings among {', '.join(names)}{' …' if len(component) > 6 else ''} {what}",
        "check the stakes around this cycle: shares close to 100 % both ways are unlikely to be right")])


def solve_held(component: list[Any], compute: Any, value: dict[Any, Any], held: Any, system: Any,
               zero: Any = 0.0, one: Any = 1.0) -> bool:
    """Solve x = M x + b for the component's nodes exactly (`system` builds and solves it); False when the
    system is singular. `zero` and `one` are the number type's bounds (floats here, fractions for
    `ownership.exact`, which solves the same system with this same loop).

    `compute(node)` is affine in the values of the component's nodes that are not held, so b and M are read
    off it by probing each node with 0 and 1 (shares into one entity add up to at most 1, so no probe is
    clipped). Held nodes keep their value (they count in full, whatever it is) and are recomputed after;
    if that makes more nodes held, solve again: the held set only grows, so this ends.

    The held nodes are recomputed in the component's order (by id), as the compiled kernel does
    (`ownership.kernel._solve_held`): where one held node holds a stake in another, the order changes the
    floats, and a set's order would make them depend on the process's hash seed for text ids (issue 17).
    """
    held_now = [n for n in component if held(n)]
    for _ in range(len(component) + 1):
        kept = set(held_now)
        free = [n for n in component if n not in kept]
        for n in free:
            value[n] = zero
        b = [compute(n) for n in free]
        solution = system(free, b, compute, value)
        if solution is None:  # singular: leave it to the sweeps (which refuse what does not converge)
            return False
        for n, x in zip(free, solution):
            value[n] = min(max(x, zero), one)
        for n in held_now:
            value[n] = compute(n)
        now = [n for n in component if held(n)]
        if now == held_now:
            return True
        held_now = now
    return True


def _dense_system(free: list[Any], b: list[float], compute: Any, value: dict[Any, float]) -> list[float] | None:
    """(I - M) x = b by Gaussian elimination, M probed node by node over the whole component."""
    rows = [[0.0] * len(free) + [b[i]] for i in range(len(free))]
    for j, h in enumerate(free):
        value[h] = 1.0
        for i, n in enumerate(free):
            rows[i][j] = -(compute(n) - b[i])
        value[h] = 0.0
    for i in range(len(free)):
        rows[i][i] += 1.0
    return _gauss(rows)


def _sparse_system(edges: Mapping[Any, list[tuple[Any, float]]]) -> Any:
    """(I - M) x = b by sparse LU: probing a node changes only the nodes it holds stakes in (read off
    `edges`), so M is read with one `compute` per stake instead of one per pair of nodes."""

    def system(free: list[Any], b: list[float], compute: Any, value: dict[Any, float]) -> list[float] | None:
        import warnings

        import numpy as np
        from scipy import sparse
        from scipy.sparse import linalg

        position = {n: i for i, n in enumerate(free)}
        held_by: list[set[int]] = [set() for _ in free]  # for each free node, the free nodes it holds a stake in
        for i, n in enumerate(free):
            for holder, _ in edges.get(n, ()):
                if holder in position:
                    held_by[position[holder]].add(i)
        rows, cols, vals = list(range(len(free))), list(range(len(free))), [1.0] * len(free)
        for j, h in enumerate(free):
            value[h] = 1.0
            for i in sorted(held_by[j]):
                coefficient = compute(free[i]) - b[i]
                if coefficient:
                    rows.append(i)
                    cols.append(j)
                    vals.append(-coefficient)
            value[h] = 0.0
        matrix = sparse.csc_matrix((vals, (rows, cols)), shape=(len(free), len(free)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a singular matrix is reported by the result, not a warning
            try:
                x = linalg.splu(matrix).solve(np.array(b, dtype=np.float64))
            except RuntimeError:  # "Factor is exactly singular"
                return None
        return x.tolist() if np.isfinite(x).all() else None

    return system


def _gauss(rows: list[list[float]]) -> list[float] | None:
    n = len(rows)
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        if abs(rows[pivot][col]) < 1e-15:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            if factor:
                for c in range(col, n + 1):
                    rows[r][c] -= factor * rows[col][c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (rows[r][n] - sum(rows[r][c] * out[c] for c in range(r + 1, n))) / rows[r][r]
    return out
