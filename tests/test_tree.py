"""Tree helpers against a plain walk up the parent links, on random forests (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.domain import tree


def _walk(parent: list[int], start: int) -> list[int]:
    seen, node = [], start
    while node >= 0 and node not in seen:
        seen.append(node)
        node = parent[node]
    return seen


parents = st.integers(1, 40).flatmap(lambda n: st.lists(st.integers(-1, n - 1), min_size=n, max_size=n))


@given(parents)
@settings(max_examples=200, deadline=None)
def test_cycle_members_match_a_walk(parent: list[int]) -> None:
    expected = np.zeros(len(parent), dtype=bool)
    for i in range(len(parent)):
        path = _walk(parent, i)
        last = parent[path[-1]] if path else -1
        if last >= 0:  # the walk stopped on a node already seen: that node is on a cycle
            expected[path[path.index(last) :]] = True
    assert (tree.cycle_members(np.array(parent)) == expected).all()


@given(parents, st.data())
@settings(max_examples=200, deadline=None)
def test_ancestor_where_matches_a_walk(parent: list[int], data: st.DataObject) -> None:
    p = np.array(parent)
    p[tree.cycle_members(p)] = -1  # the dataset cuts cycles before using the tree
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(p), max_size=len(p))))
    got = tree.ancestor_where(p, mask)
    for i in range(len(p)):
        hits = [a for a in _walk(list(p), i) if mask[a]]
        assert got[i] == (hits[0] if hits else -1)
