"""The synthetic data looks like the published figures of DOMAIN.md and keeps members year to year."""

from __future__ import annotations

import pytest

from scoring import Dataset
from scoring.sample.generate import GenerationError, generate


def test_member_ratings_like_the_published_ones(sample: Dataset) -> None:
    members = sample.dang_vien
    rated = members[members["xep_loai"].notna()]
    by_year = rated.groupby("nam")["xep_loai"]
    htt_plus = by_year.apply(lambda r: (r >= "HTTNV").mean())
    htxs = by_year.apply(lambda r: (r == "HTXSNV").mean())
    assert htt_plus.between(0.80, 0.90).all(), htt_plus
    assert htxs.between(0.15, 0.22).all(), htxs
    violation = members.groupby("nam")["vi_pham"].mean()
    assert violation.between(0.002, 0.012).all(), violation
    assert members["quan_triet"].mean() > 0.95
    disciplined = members[members["vi_pham"]]
    assert (disciplined["xep_loai"] <= "HTNV").all()  # discipline keeps a member below HTTNV


def test_unit_ratings_near_the_plan_targets(sample: Dataset) -> None:
    units = sample.don_vi_nam.assign(cap=sample.to_chuc["cap"].to_numpy()[sample.don_vi_nam["ma_to_chuc"].cat.codes])
    tccsd = units[units["cap"].isin(["dang_bo_co_so", "chi_bo_co_so"])]
    share = tccsd.groupby("nam")["xep_loai"].apply(lambda r: (r == "HTXSNV").mean())
    assert share.between(0.12, 0.25).all(), share
    chi_bo = units[units["cap"] == "chi_bo_truc_thuoc"]
    assert chi_bo.groupby("nam")["xep_loai"].apply(lambda r: (r == "HTXSNV").mean()).between(0.4, 0.6).all()


def test_members_persist_and_stay_in_their_chi_bo(sample: Dataset) -> None:
    members = sample.dang_vien
    y24 = members[members["nam"] == 2024].set_index("ma_dang_vien")
    y25 = members[members["nam"] == 2025].set_index("ma_dang_vien")
    both = y24.index.intersection(y25.index)
    assert len(both) / len(y24) > 0.9
    assert (y24.loc[both, "ma_chi_bo"].astype(str) == y25.loc[both, "ma_chi_bo"].astype(str)).all()
    assert (y24.loc[both, "ho_ten"] == y25.loc[both, "ho_ten"]).all()
    secretaries = members[members["la_bi_thu"]].groupby(["nam", "ma_chi_bo"], observed=True).size()
    assert (secretaries == 1).all()


def test_figures_of_a_dang_bo_are_its_own_totals(sample: Dataset) -> None:
    """A đảng bộ's quần chúng equal the sum over its chi bộ: generated once, never double counted."""
    units = sample.don_vi_nam[sample.don_vi_nam["nam"] == 2025].set_index("ma_to_chuc")["so_quan_chung"]
    orgs = sample.to_chuc
    parent = orgs["ma_cap_tren"].astype(str)
    db = orgs.loc[orgs["cap"] == "dang_bo_co_so", "ma_to_chuc"].iloc[0]
    direct = orgs.loc[parent == db, "ma_to_chuc"]
    chi_bo = orgs.loc[(orgs["cap"] == "chi_bo_truc_thuoc") & (parent.isin([db, *direct])), "ma_to_chuc"]
    assert units[db] == units[chi_bo].sum()


def test_several_cap_tren_and_no_bo_phan_are_possible() -> None:
    tables = generate(20_000, [2025], seed=1)
    cap = tables["to_chuc"].column("cap").to_pylist()
    assert cap.count("cap_tren_co_so") == 3
    assert len(tables["dang_vien"]) == pytest.approx(20_000, rel=0.01)


def test_too_few_members_is_refused() -> None:
    with pytest.raises(GenerationError, match="ít nhất"):
        generate(50, [2025], n_tccsd=30)
    for seed in range(20):  # the smallest allowed size always fits 3 members in every chi bộ
        assert len(generate(100, [2025], seed=seed)["dang_vien"]) == 100
