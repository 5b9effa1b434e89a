"""The scoring pages' data cut in the library (`scoring.store.scoped`): each role's cut of the
approved reports (no member row, column or name outside the scope; a `xem` account none at all),
ranks still taken among every peer, the completeness sentence, and a deep link outside the scope
refused and logged. SQLite, and PostgreSQL when THIDUA_TEST_PG_URL names a server."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import load_criteria
from scoring.store import Store
from scoring.store.scoped import HIDDEN_LEADER, ScopedData, check_target, clear_cache, scoped_data
from scoring.store.service import SYSTEM
from tests.conftest import ROOT
from tests.test_store import payload, sqlite_template, store, who  # noqa: F401  (fixtures)

CRITERIA = load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")
YEAR = 2025
MEMBER_COLUMNS = {"ho_ten", "ma_dang_vien", "Họ và tên", "Mã đảng viên"}


@pytest.fixture
def filled(store: Store) -> Store:  # noqa: F811
    """Every unit approved in 2024; in 2025 all but D2 (so 2025 is incomplete)."""
    reports = [(u, 2024, payload(u)) for u in ("K", "D", "D1", "D2", "A")]
    reports += [(u, YEAR, payload(u)) for u in ("K", "D", "D1", "A")]
    store.import_approved(SYSTEM, reports)
    clear_cache()  # PostgreSQL is emptied between tests: revisions repeat
    return store


def _frames(data: ScopedData) -> list[pd.DataFrame]:
    frames = [data.dataset.to_chuc, data.dataset.dang_vien, data.dataset.don_vi_nam]
    for result in data.results.values():
        frames += [result.ket_qua_tieu_chi, result.ket_qua_to_chuc, result.ket_qua_so, result.xep_hang_to_chuc]
        frames += [result.xep_hang_dang_vien, result.tong_diem]
    for year in data.years:
        report = data.rating_report(year)
        frames += [report.ratings.members, report.ratings.units, report.ratings.findings]
    return frames


def _ids(data: ScopedData) -> set[str]:
    """Every unit or member id anywhere in what the pages get."""
    found: set[str] = set()
    for frame in _frames(data):
        for column in ("ma", "ma_to_chuc", "ma_dang_vien", "ma_chi_bo", "dien_hinh"):
            if column in frame.columns:
                found |= set(frame[column].dropna().astype(str))
    return found


def test_quan_tri_sees_every_unit_and_member(filled: Store) -> None:
    data = scoped_data(filled, who("quantri", filled), CRITERIA)
    assert data is not None
    assert {"D1-1", "D2-1", "A-1", "D1", "A"} <= _ids(data)
    assert data.years == [2024, YEAR]


def test_xem_gets_unit_figures_and_no_member_data(filled: Store) -> None:
    data = scoped_data(filled, who("xem", filled), CRITERIA)
    assert data is not None
    assert {"K", "D", "D1", "D2", "A"} <= _ids(data)
    assert not {"D1-1", "D2-1", "A-1"} & _ids(data)
    for frame in _frames(data):
        if MEMBER_COLUMNS & set(frame.columns):
            assert frame.empty, list(frame.columns)
        for column in frame.columns:  # no member name in any cell either
            assert not frame[column].astype(str).str.contains("Nguyễn Văn An").any(), column


def test_chi_bo_sees_its_unit_and_members_its_rank_among_all(filled: Store) -> None:
    data = scoped_data(filled, who("chibo_a", filled), CRITERIA)
    assert data is not None
    ids = _ids(data)
    assert {"A", "A-1"} <= ids
    assert not {"D", "D1", "D2", "D1-1", "D2-1"} & ids  # other units: neither members nor figures
    ranked = data.results[YEAR].xep_hang_to_chuc
    mine = ranked[ranked["ma_to_chuc"] == "A"]
    assert len(mine) and (mine["Số trong nhóm"] >= 1).all()
    assert set(ranked["dien_hinh"].astype(str)) <= {"A", "K", HIDDEN_LEADER}


def test_cap_uy_sees_its_tccsd_and_below(filled: Store) -> None:
    data = scoped_data(filled, who("capuy_d", filled), CRITERIA)
    assert data is not None
    ids = _ids(data)
    assert {"D", "D1", "D1-1", "D2-1"} <= ids
    assert not {"A", "A-1"} & ids


def test_completeness_is_counted_within_scope(filled: Store) -> None:
    everyone = scoped_data(filled, who("quantri", filled), CRITERIA)
    assert everyone is not None
    assert everyone.completeness == {YEAR: "Năm 2025: 2/3 chi bộ, 2/2 TCCSĐ đã được duyệt"}  # A: both
    capuy = scoped_data(filled, who("capuy_d", filled), CRITERIA)
    assert capuy is not None and capuy.completeness[YEAR] == "Năm 2025: 1/2 chi bộ, 1/1 TCCSĐ đã được duyệt"
    own = scoped_data(filled, who("chibo_a", filled), CRITERIA)
    assert own is not None and own.completeness == {}  # its own report is approved


def test_anonymous_sees_nothing_outside_the_demo(filled: Store) -> None:
    assert scoped_data(filled, None, CRITERIA) is None
    assert scoped_data(filled, None, CRITERIA, demo=True) is not None


def test_a_deep_link_outside_the_scope_is_refused_and_logged(filled: Store) -> None:
    chibo = who("chibo_a", filled)
    assert check_target(filled, chibo, "A") is None
    assert check_target(filled, chibo, "A-1") is None
    said = check_target(filled, chibo, "D1")
    assert said is not None and "ngoài phạm vi" in said
    member = check_target(filled, who("xem", filled), "D1-1")  # xem: no member's scorecard
    assert member is not None and "ngoài phạm vi" in member
    assert check_target(filled, who("xem", filled), "D1") is None  # unit-level figures are xem's
    log = filled.audit(who("quantri", filled))
    refused = log[(log["hanh_dong"] == "xem_phieu_diem") & ~log["duoc_phep"].astype(bool)]
    assert set(refused["tai_khoan"]) == {"chibo_a", "xem"}
    assert set(refused["doi_tuong"]) == {"D1"}
