"""Properties of the engine on generated data (hypothesis): order does not matter, a better rating
never hurts its chi bộ, every total stays within [0, max]."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import Dataset, load_criteria, score
from scoring.input.dataset import dataset_from_frames
from scoring.sample.generate import generate
from tests.conftest import ROOT

CRITERIA = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tables(seed: int) -> dict[str, pd.DataFrame]:
    return {name: table.to_pandas() for name, table in generate(300, [2024, 2025], seed=seed).items()}


def _dataset(tables: dict[str, pd.DataFrame]) -> Dataset:
    dataset, report = dataset_from_frames(tables)
    assert dataset is not None, report.to_text()
    return dataset


def _by_key(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows in key order, codes read as their labels (category order follows the input's row order)."""
    plain = frame.apply(lambda c: c.astype(str) if isinstance(c.dtype, pd.CategoricalDtype) else c)
    return plain.sort_values(keys).reset_index(drop=True)


@given(seed=st.integers(0, 10_000), shuffle=st.integers(0, 10_000))
@SETTINGS
def test_shuffling_rows_changes_nothing(seed: int, shuffle: int) -> None:
    tables = _tables(seed)
    rng = np.random.default_rng(shuffle)
    shuffled = {name: frame.iloc[rng.permutation(len(frame))].reset_index(drop=True) for name, frame in tables.items()}
    a, b = score(_dataset(tables), CRITERIA, 2025), score(_dataset(shuffled), CRITERIA, 2025)
    pd.testing.assert_frame_equal(
        _by_key(a.ket_qua_tieu_chi, ["ma", "ma_tieu_chi"]), _by_key(b.ket_qua_tieu_chi, ["ma", "ma_tieu_chi"])
    )
    pd.testing.assert_frame_equal(
        _by_key(a.xep_hang_to_chuc, ["nhom_thi_dua", "ma_to_chuc"]),
        _by_key(b.xep_hang_to_chuc, ["nhom_thi_dua", "ma_to_chuc"]),
    )
    pd.testing.assert_frame_equal(
        _by_key(a.xep_hang_dang_vien, ["nhom_thi_dua", "ma_dang_vien"]),
        _by_key(b.xep_hang_dang_vien, ["nhom_thi_dua", "ma_dang_vien"]),
    )


@given(seed=st.integers(0, 10_000), pick=st.integers(0, 10**9))
@SETTINGS
def test_a_better_rating_never_lowers_the_chi_bo_score(seed: int, pick: int) -> None:
    tables = _tables(seed)
    members = tables["dang_vien"]
    order = ["KHTNV", "HTNV", "HTTNV", "HTXSNV"]
    can_rise = np.flatnonzero((members["nam"] == 2025) & members["xep_loai"].isin(order[:3]))
    row = can_rise[pick % len(can_rise)]
    better = {**tables, "dang_vien": members.copy()}
    better["dang_vien"].loc[row, "xep_loai"] = order[order.index(members.loc[row, "xep_loai"]) + 1]
    chi_bo = members.loc[row, "ma_chi_bo"]
    before = score(_dataset(tables), CRITERIA, 2025).tong_diem.set_index("ma")["tong_diem"]
    after = score(_dataset(better), CRITERIA, 2025).tong_diem.set_index("ma")["tong_diem"]
    assert after[chi_bo] >= before[chi_bo]


@given(seed=st.integers(0, 10_000))
@SETTINGS
def test_scores_stay_within_zero_and_max(seed: int) -> None:
    result = score(_dataset(_tables(seed)), CRITERIA, 2025)
    totals = result.tong_diem
    assert (totals["tong_diem"] >= 0).all()
    assert (totals["tong_diem"] <= totals["diem_toi_da"]).all()
    rows = result.ket_qua_tieu_chi
    assert ((rows["diem"] >= 0) & (rows["diem"] <= rows["diem_toi_da"])).all()
    shares = rows[rows["chi_tieu"].str.contains("%") & ~rows["chi_tieu"].str.contains("năm")]["gia_tri"].dropna()
    assert shares.between(0, 1).all() or rows["ma_tieu_chi"].str.contains("kiem_tra").any()


@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 400),
    groups=st.integers(1, 6),
    unique=st.booleans(),
)
@SETTINGS
def test_packed_ranking_equals_the_plain_sort(seed: int, n: int, groups: int, unique: bool) -> None:
    """Ranking sorts one packed integer (or the keys themselves, for members); the plain lexsort of
    (group, score desc, met desc, id) must give the same order, ranks, gaps and leaders."""
    from scoring.engine.rank import _packed_sort, _Ranked

    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    score = np.round(rng.choice([0.0, 12.5, 50.0, 87.25, 100.0], n) + rng.integers(0, 3, n) * 0.01, 2)
    met = rng.integers(0, 5, n)
    ids = rng.permutation(n * 2)[:n]
    if not unique:  # ids repeat across groups but not within one, as in the organisations' table
        for g in range(groups):
            inside = np.flatnonzero(group == g)
            ids[inside] = rng.permutation(len(inside))
    assert _packed_sort(group, score, met, ids, unique) is not None
    packed = _Ranked(group, score, met, ids, unique_ids=unique)
    plain_order = np.lexsort((ids, -met, -score, group))
    np.testing.assert_array_equal(packed.order, plain_order)
    g, s, m = group[plain_order], score[plain_order], met[plain_order]
    for i in range(n):
        same = (g == g[i]) & ((s > s[i]) | ((s == s[i]) & (m > m[i])))
        distinct_better = len({(a, b) for a, b in zip(s[same], m[same], strict=True)})
        assert packed.rank[i] == distinct_better + 1
        leader = plain_order[np.flatnonzero(g == g[i])[0]]
        assert packed.leader[i] == leader
        assert packed.gap[i] == round(score[leader] - s[i], 9)
