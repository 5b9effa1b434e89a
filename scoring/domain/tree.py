"""The organisation tree as integer arrays: parent positions, cycles, ancestors at a level.

Every operation is a whole-array step repeated once per tree level (or per doubling), never a
loop over organisations, so the same code serves one chi bộ and the whole party.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_PARENT = -1
UNKNOWN_PARENT = -2


def parent_positions(ids: pd.Series, parent_ids: pd.Series) -> np.ndarray:
    """Position of each row's parent in `ids`: NO_PARENT when blank, UNKNOWN_PARENT when not found."""
    index = pd.Index(ids)
    if not index.is_unique:
        index = index.drop_duplicates()
    found = index.get_indexer(parent_ids)
    positions = np.where(found >= 0, found, UNKNOWN_PARENT)
    return np.where(parent_ids.isna().to_numpy(), NO_PARENT, positions).astype(np.int64)


def _up(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """The parent of each of `nodes` (-1 stays -1)."""
    return np.where(nodes >= 0, parent[np.clip(nodes, 0, None)], NO_PARENT) if len(parent) else nodes


def cycle_members(parent: np.ndarray) -> np.ndarray:
    """Boolean mask of the organisations that lie on a cycle of parent links (pointer doubling)."""
    jump = np.where(parent >= 0, parent, NO_PARENT)
    steps = 1
    while steps < len(jump) + 1:
        jump = _up(jump, jump)  # after k rounds, jump[i] is i's ancestor 2**k links up
        steps *= 2
    on_cycle = np.zeros(len(parent), dtype=bool)
    on_cycle[jump[jump >= 0]] = True
    return on_cycle


def ancestor_where(parent: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each organisation, the nearest of itself or its ancestors with `mask` true, else -1."""
    result = np.where(mask, np.arange(len(parent)), NO_PARENT)
    current = np.where(parent >= 0, parent, NO_PARENT)
    while ((result < 0) & (current >= 0)).any():
        hit = (result < 0) & (current >= 0) & mask[np.clip(current, 0, None)]
        result = np.where(hit, current, result)
        current = _up(parent, current)
    return result


def ancestors_of(parent: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Boolean mask of every organisation above one with `mask` true (not the masked ones themselves,
    unless one lies above another); one whole-array step per tree level."""
    above = np.zeros(len(parent), dtype=bool)
    current = _up(parent, np.flatnonzero(mask))
    while len(current):
        current = np.unique(current[current >= 0])
        current = current[~above[current]]  # stop where a branch is already walked (and on cycles)
        above[current] = True
        current = _up(parent, current)
    return above
