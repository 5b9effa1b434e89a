"""Importing a dataset into the database (`scoring.store.imports`) and the plan and rules files kept
there (`scoring.store.plan_files`): preview, one-transaction commit, versions kept, audit, undo and
its refusal, non-admin refusals, and the command line. SQLite, and PostgreSQL when THIDUA_TEST_PG_URL
names a server (the fixtures of tests/test_store.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select, update

from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.plans.bundled import default_plan
from scoring.plans.yaml_source import CriteriaError
from scoring.store import PermissionDenied, Store, StoreError, imports, plan_files
from scoring.store.accounts import SYSTEM
from scoring.store.models import LanNhap, LanNhapPhienBan, NhatKy, ToChuc
from scoring.store.submission import submission_frames, submission_tasks
from tests import test_store
from tests.test_store import TREE, payload, who

store, sqlite_template = test_store.store, test_store.sqlite_template  # the same fixtures, both databases
UNITS = ("K", "D", "D1", "D2", "A")
TASKS = [{"ma_to_chuc": "A", "ma_nhiem_vu": "NV1", "nam": 2025, "han": "31/03/2025", "ket_qua": "hoan_thanh",
          "ngay_hoan_thanh": "15/03/2025"}]  # fmt: skip


def make(
    tree: pd.DataFrame = TREE,
    units: tuple[str, ...] = UNITS,
    years: tuple[int, ...] = (2024, 2025),
    edits: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
) -> Dataset:
    """A valid dataset; `edits` maps «unit/year» to a function changing that report's figures."""
    reports = []
    for year in years:
        for unit in units:
            data: dict[str, Any] = payload(unit)
            data = {"don_vi": dict(data["don_vi"]), "dang_vien": [dict(m) for m in data["dang_vien"]]}
            if edits and f"{unit}/{year}" in edits:
                edits[f"{unit}/{year}"](data)
            reports.append((unit, year, data))
    frames, members = submission_frames(reports)
    tables = {"to_chuc": tree, "don_vi_nam": frames, "dang_vien": members, "nhiem_vu": pd.DataFrame(TASKS)}
    dataset, report = dataset_from_frames(tables, source="tệp thử", may_lack=("dang_vien",))
    assert dataset is not None, report.to_text()
    return dataset


def _audit(store: Store, action: str, allowed: bool | None = None) -> list[Any]:
    with store.engine.connect() as db:
        query = select(NhatKy).where(NhatKy.hanh_dong == action)
        if allowed is not None:
            query = query.where(NhatKy.duoc_phep == allowed)
        return list(db.execute(query).all())


def test_first_import_preview_and_commit(store: Store) -> None:
    admin = who("quantri", store)
    plan = imports.preview(store, admin, make())
    tree = plan.tree  # the fixture's tree is the file's (the file gives D1, D2 their đảng bộ's loại hình)
    assert not (tree.added or tree.removed or tree.renamed or tree.moved) and tree.other == ["D1", "D2"]
    assert [(y.year, len(y.new), len(y.changed), len(y.unchanged)) for y in plan.years] == [
        (2024, 5, 0, 0),
        (2025, 5, 0, 0),
    ]
    assert "Năm 2025: 5 báo cáo mới" in plan.summary()
    batch = imports.commit(store, admin, make(), None, "so_lieu.xlsx", expected=plan.fingerprint)
    assert store.get(admin, "A", 2025).trang_thai == "da_duyet"  # type: ignore[union-attr]
    assert store.get(admin, "A", 2025).du_lieu["nhiem_vu"][0]["ma_nhiem_vu"] == "NV1"  # type: ignore[union-attr]
    reports = [(u, 2025, store.get(admin, u, 2025).du_lieu) for u in UNITS]  # type: ignore[union-attr]
    assert list(submission_tasks(reports)["ma_nhiem_vu"]) == ["NV1"]  # the Nhiệm vụ table, back from the reports
    lines = _audit(store, "nap_so_lieu", True)
    assert len(lines) == 1 and lines[0].sau["lan_nhap"] == batch.id and lines[0].sau["bao_cao_moi"] == 10
    with store.engine.connect() as db:
        assert db.scalar(select(LanNhap.ten_tep)) == "so_lieu.xlsx"
        assert len(db.execute(select(LanNhapPhienBan)).all()) == 10
    listed = imports.list_imports(store, who("xem", store))
    assert list(listed["id"]) == [batch.id] and listed["bao_cao_moi"].iloc[0] == 10
    # the same file again changes nothing and says so
    again = imports.preview(store, admin, make())
    assert again.empty and [len(y.unchanged) for y in again.years] == [5, 5]


def test_reimport_with_changes_keeps_versions_and_undo(store: Store) -> None:
    admin = who("quantri", store)
    imports.commit(store, admin, make(), None, "lan1.xlsx")
    tree = pd.concat(
        [
            TREE[TREE["ma_to_chuc"] != "D2"],
            pd.DataFrame([("B", "Chi bộ Sở Y tế", "chi_bo_co_so", "K", "co_quan_hanh_chinh")], columns=TREE.columns),
        ]
    )
    tree.loc[tree["ma_to_chuc"] == "A", "ten_to_chuc"] = "Chi bộ Sở Tư pháp (mới)"
    with pytest.raises(StoreError, match="D2"):  # D2 has reports: it cannot leave the tree
        imports.commit(store, admin, make(tree, ("K", "D", "D1", "A", "B")), [2025], "lan2.xlsx")
    tree_ok = pd.concat([tree, TREE[TREE["ma_to_chuc"] == "D2"]])
    edits = {
        "A/2025": lambda d: d["dang_vien"][0].update(xep_loai="HTXSNV"),
        "D/2025": lambda d: d["don_vi"].update(so_quan_chung=25),
    }
    changed_tree = make(tree_ok, ("K", "D", "D1", "D2", "A", "B"), (2025,), edits)
    plan = imports.preview(store, admin, changed_tree, [2025])
    assert plan.tree.added == [("B", "Chi bộ Sở Y tế")]
    assert plan.tree.renamed == [("A", "Chi bộ Sở Tư pháp", "Chi bộ Sở Tư pháp (mới)")]
    (year,) = plan.years
    assert (year.new, sorted(year.changed), len(year.unchanged)) == (["B"], ["A", "D"], 3)
    assert (year.units_changed, year.members_changed) == (1, 1)
    shown = {(e["ma_to_chuc"], e["truoc"], e["sau"]) for e in year.examples}
    assert ("D", "20", "25") in shown and ("A", "HTTNV", "HTXSNV") in shown
    batch = imports.commit(store, admin, changed_tree, [2025], "lan2.xlsx", expected=plan.fingerprint)
    versions = store.versions(admin, "A", 2025)
    assert [v.phien_ban for v in versions] == [1, 2] and versions[0].du_lieu["dang_vien"][0]["xep_loai"] == "HTTNV"
    assert store.get(admin, "K", 2025).phien_ban == 1  # type: ignore[union-attr]  # unchanged: untouched
    assert store.names()["A"][0] == "Chi bộ Sở Tư pháp (mới)"
    assert imports.undo(store, admin, batch.id) == 3  # A and D restored, B (new) removed
    assert store.get(admin, "A", 2025).du_lieu["dang_vien"][0]["xep_loai"] == "HTTNV"  # type: ignore[union-attr]
    assert store.get(admin, "A", 2025).phien_ban == 3  # type: ignore[union-attr]  # a new version
    assert store.get(admin, "B", 2025) is None
    assert len(_audit(store, "hoan_tac_nap", True)) == 1
    with pytest.raises(StoreError, match="đã được hoàn tác"):
        imports.undo(store, admin, batch.id)


def test_a_moved_unit_shows_its_old_and_new_parent_by_code_and_name(store: Store) -> None:
    """D2 moves from D to E, a đảng bộ the file adds, while D is renamed: the old parent is named as the
    database has it, the new one as the file does, «Mã — Tên» both (no name: the code alone)."""
    admin = who("quantri", store)
    imports.commit(store, admin, make(), None, "lan1.xlsx")
    extra = pd.DataFrame(
        [("E", "Đảng bộ Sở Xây dựng", "dang_bo_co_so", "K", "co_quan_hanh_chinh")], columns=TREE.columns
    )
    tree = pd.concat([TREE, extra], ignore_index=True)
    tree.loc[tree["ma_to_chuc"] == "D2", "ma_cap_tren"] = "E"
    tree.loc[tree["ma_to_chuc"] == "D", "ten_to_chuc"] = "Đảng bộ Sở Tài chính – Kế hoạch"
    plan = imports.preview(store, admin, make(tree, (*UNITS, "E")), [2025])
    assert plan.tree.moved == [("D2", "D", "E")]  # as stored and compared: codes
    assert plan.tree.moved_named == [("D2", "D — Đảng bộ Sở Tài chính", "E — Đảng bộ Sở Xây dựng")]
    table = plan.tree_table()
    row = table[table["Thay đổi"] == "Chuyển cấp trên"]
    assert row[["Mã", "Trước", "Sau"]].values.tolist() == [
        ["D2", "D — Đảng bộ Sở Tài chính", "E — Đảng bộ Sở Xây dựng"]
    ]
    assert "Đảng bộ Sở Tài chính – Kế hoạch" in set(table["Sau"])  # the renaming, a row of its own
    with store.engine.begin() as db:  # a parent the database has no name for: its code alone
        db.execute(update(ToChuc).where(ToChuc.ma_to_chuc == "D").values(ten_to_chuc=""))
    again = imports.preview(store, admin, make(tree, (*UNITS, "E")), [2025])
    assert again.tree.moved_named == [("D2", "D", "E — Đảng bộ Sở Xây dựng")]


def test_undo_refused_after_a_later_change(store: Store) -> None:
    admin = who("quantri", store)
    first = imports.commit(store, admin, make(), None, "lan1.xlsx")
    later = make(years=(2025,), edits={"A/2025": lambda d: d["don_vi"].update(so_quan_chung=99)})
    imports.commit(store, admin, later, [2025], "lan2.xlsx")
    with pytest.raises(StoreError, match="A/2025"):
        imports.undo(store, admin, first.id)
    assert _audit(store, "hoan_tac_nap", False)[0].ghi_chu.endswith("A/2025")
    assert store.get(admin, "A", 2025).phien_ban == 2  # type: ignore[union-attr]  # nothing changed
    assert store.get(admin, "K", 2024) is not None


def test_commit_is_one_transaction(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = who("quantri", store)
    imports.commit(store, admin, make(), [2024], "lan1.xlsx")
    real, calls = imports._write_report, []

    def failing(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("mất điện")
        real(*args)

    monkeypatch.setattr(imports, "_write_report", failing)
    tree = pd.concat(
        [TREE, pd.DataFrame([("B", "Chi bộ B", "chi_bo_co_so", "K", "co_quan_hanh_chinh")], columns=TREE.columns)]
    )
    with pytest.raises(RuntimeError):
        imports.commit(store, admin, make(tree, (*UNITS, "B")), None, "lan2.xlsx")
    assert "B" not in store.names() and store.get(admin, "A", 2025) is None
    with store.engine.connect() as db:
        assert len(db.execute(select(LanNhap)).all()) == 1
    assert len(_audit(store, "nap_so_lieu", True)) == 1


def test_non_admin_refused_and_audited(store: Store) -> None:
    for name in ("capuy_d", "chibo_a", "xem"):
        with pytest.raises(PermissionDenied):
            imports.commit(store, who(name, store), make(), None, "x.xlsx")
        with pytest.raises(PermissionDenied):
            imports.preview(store, who(name, store), make())
    assert len(_audit(store, "nap_so_lieu", False)) == 6
    with pytest.raises(PermissionDenied):
        imports.list_imports(store, who("chibo_a", store))
    batch = imports.commit(store, who("quantri", store), make(), None, "x.xlsx")
    with pytest.raises(PermissionDenied):
        imports.undo(store, who("capuy_d", store), batch.id)
    assert len(_audit(store, "hoan_tac_nap", False)) == 1
    with pytest.raises(StoreError, match="không có năm 2019"):
        imports.preview(store, SYSTEM, make(), [2019])


def test_plan_files_seeded_versioned_checked(store: Store) -> None:
    active = plan_files.active_files(store)
    assert {f.ten for f in active if f.loai == "tieu_chi"} >= {default_plan().name}
    assert any(f.loai == "quy_dinh" for f in active) and all(f.phien_ban == 1 for f in active)
    text = default_plan().read_text(encoding="utf-8")
    admin = who("quantri", store)
    stored = plan_files.upload(store, admin, "tieu_chi", default_plan().name, (text + "\n# sửa\n").encode())
    assert (stored.phien_ban, stored.tai_len_boi) == (2, "quantri")
    assert plan_files.active_text(store, "tieu_chi", default_plan().name) == text + "\n# sửa\n"
    assert (
        plan_files.upload(store, admin, "tieu_chi", default_plan().name, (text + "\n# sửa\n").encode()).phien_ban == 2
    )
    with pytest.raises(CriteriaError):
        plan_files.upload(store, admin, "tieu_chi", "hong.yaml", b"criteria: [1, 2\n")
    with pytest.raises(CriteriaError):  # a plan file is not a rules file
        plan_files.upload(store, admin, "quy_dinh", "qd.yaml", text.encode())
    with pytest.raises(PermissionDenied):
        plan_files.upload(store, who("capuy_d", store), "tieu_chi", "x.yaml", text.encode())
    assert len(_audit(store, "tai_tep_cau_hinh", False)) == 1
    history = plan_files.history(store, "tieu_chi")
    assert list(history[history["ten"] == default_plan().name]["phien_ban"]) == [2, 1]


def test_cli_import_refuses_changes_without_ghi_de(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scoring.cli import app

    folder = tmp_path / "du_lieu"
    folder.mkdir()
    dataset = make()
    tasks = dataset.nhiem_vu
    for name, frame in (("to_chuc", TREE), ("don_vi_nam", dataset.don_vi_nam), ("dang_vien", dataset.dang_vien),
                        ("nhiem_vu", tasks)):  # fmt: skip
        frame.to_csv(folder / f"{name}.csv", index=False)
    runner, db = CliRunner(), ["--csdl", f"sqlite:///{tmp_path / 'thidua.db'}"]
    result = runner.invoke(app, ["nap-to-chuc", str(folder), *db])
    assert result.exit_code == 0 and "Đã nạp 5 tổ chức." in result.output, result.output
    result = runner.invoke(app, ["nap-so-lieu", str(folder), "--nam", "2025", *db])
    assert result.exit_code == 0 and "Đã nạp 5 báo cáo (đã duyệt)." in result.output, result.output
    units = pd.read_csv(folder / "don_vi_nam.csv")
    units.loc[(units["ma_to_chuc"] == "D") & (units["nam"] == 2025), "so_quan_chung"] = 30
    units.to_csv(folder / "don_vi_nam.csv", index=False)
    result = runner.invoke(app, ["nap-so-lieu", str(folder), "--nam", "2025", *db])
    assert result.exit_code == 1 and "1 báo cáo thay đổi số liệu" in result.output and "Chưa nạp gì" in result.output
    assert "D «Đảng bộ Sở Tài chính»" in result.output and "20 → 30" in result.output, result.output
    result = runner.invoke(app, ["nap-so-lieu", str(folder), "--nam", "2025", "--ghi-de", *db])
    assert result.exit_code == 0 and "Đã nạp 1 báo cáo (đã duyệt); giữ nguyên 4 báo cáo" in result.output, result.output
