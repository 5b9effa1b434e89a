"""The scoring pages' data cut in the library (`scoring.store.scoped`): each role's cut of the
approved reports (no member row, column or name outside the scope; a `xem` account none at all),
ranks still taken among every peer, the completeness sentence, and a deep link outside the scope
refused and logged. SQLite, and PostgreSQL when THIDUA_TEST_PG_URL names a server."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring import load_criteria
from scoring.store import Store
from scoring.store.accounts import SYSTEM
from scoring.store.scoped import HIDDEN_LEADER, ScopedData, check_target, clear_cache, scoped_data
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
        frames += [q for q in (report.member_quota, report.collective_quota) if q is not None]
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


def test_every_unit_figure_is_computed_once_per_state_for_all_readers(
    filled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four readers, one scoring, one rating check and one shortlist per year: a new reader costs a
    cut. A change of an approved report of the last year computes that year's again, once (the
    earlier years' are kept: they read that year and the ones before it only)."""
    from scoring.store import figures

    calls = {"score": 0, "rating_report": 0, "shortlist": 0}

    def counted(name: str):  # type: ignore[no-untyped-def]
        real = getattr(figures, name)

        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    for name in calls:
        monkeypatch.setattr(figures, name, counted(name))
    for user in ("quantri", "xem", "capuy_d", "chibo_a"):
        data = scoped_data(filled, who(user, filled), CRITERIA)
        assert data is not None
        assert len(_frames(data)) > 10  # every year's tables and rating check read
        assert all(data.shortlist(year) is not None for year in data.years)
    years = 2
    assert calls == {"score": years, "rating_report": years, "shortlist": years * bool(CRITERIA.awards)}
    filled.import_approved(SYSTEM, [("D2", YEAR, payload("D2"))])
    for user in ("quantri", "chibo_a"):
        data = scoped_data(filled, who(user, filled), CRITERIA)
        assert data is not None and YEAR not in data.completeness
        assert len(_frames(data)) > 10
    assert calls["score"] == years + 1 and calls["rating_report"] == years + 1


def test_a_page_pays_only_for_what_it_reads(filled: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Xếp hạng page reads one year's ranking: no other year is scored, no rating check or
    shortlist is computed."""
    from scoring.store import figures

    called: list[str] = []
    for name in ("score", "rating_report", "shortlist"):
        real = getattr(figures, name)
        monkeypatch.setattr(figures, name, lambda *a, _n=name, _r=real, **k: called.append(_n) or _r(*a, **k))
    data = scoped_data(filled, who("quantri", filled), CRITERIA)
    assert data is not None and not called
    assert not data.results[YEAR].xep_hang_to_chuc.empty
    assert called == ["score"]
