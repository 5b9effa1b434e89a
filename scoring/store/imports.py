"""«The database is the data»: a validated dataset imported into the database as one operation
(quan_tri only, decided here; a refusal is audited).

- `preview(store, actor, dataset, years)`: what an import would change — the organisation tree (units
  added, removed, renamed, moved) and, per year, the reports it would create, those whose figures
  change (units, members and tasks changed, a few examples: unit, column, before → after), those
  unchanged, and those the database has but the file does not (kept as they are: said, not skipped).
- `commit(store, actor, dataset, years, file_name)`: in ONE transaction, the tree updated, each new or
  changed report of those years written as a new approved version (the earlier versions kept), the
  unchanged ones untouched, a «lần nhập» row (who, when, file, years, counts) linked from every version
  it wrote, and its audit line. Re-importing a year is a new version, never a silent overwrite; a
  `expected` fingerprint from the preview refuses a commit when the database moved meanwhile.
- `undo(store, actor, batch_id)`: each report the batch wrote goes back to the version before it (as a
  new version; a report the batch created is removed), audited; refused, naming them, when a report
  changed after the batch. The tree is left as it is.
- `list_imports(store, actor)`: the past imports (quan_tri and xem: no member data in it).

A report's `du_lieu` carries its unit's Nhiệm vụ rows («nhiem_vu») when the dataset has them, so plans
scored by tasks keep their tasks (`scoring.store.submission.submission_tasks`).
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from scoring.domain.numbers import format_moment
from scoring.input.dataset import Dataset
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, NHIEM_VU
from scoring.outputs.display import named
from scoring.outputs.workflow_views import cell_text
from scoring.store.accounts import Account, _Refused
from scoring.store.errors import PermissionDenied, StaleVersion, StoreError
from scoring.store.models import BaoCao, BaoCaoPhienBan, LanNhap, LanNhapPhienBan, TaiKhoan, ToChuc
from scoring.store.service import TREE_COLUMNS, Store
from scoring.store.submission import member_id
from scoring.store.workflow import json_value, submissions_from_dataset

ACTION, UNDO, LIST = "nap_so_lieu", "hoan_tac_nap", "xem_lan_nhap"
#: examples of changed figures shown per year
EXAMPLES = 5
_TITLES = {
    "don_vi": {c.name: c.title for c in DON_VI_NAM.columns},
    "dang_vien": {c.name: c.title for c in DANG_VIEN.columns},
    "nhiem_vu": {c.name: c.title for c in NHIEM_VU.columns},
}
_TASK_COLUMNS = [c.name for c in NHIEM_VU.columns if c.name not in ("ma_to_chuc", "nam")]


# --- what a dataset's reports are --------------------------------------------------------------


def _task_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else value.date().isoformat()
    return json_value(value)


def dataset_reports(dataset: Dataset, years: list[int]) -> dict[tuple[str, int], dict[str, Any]]:
    """Every unit-year of `years` as a report's figures: its row of Đơn vị năm, its members and, when
    the dataset has them, its Nhiệm vụ rows («nhiem_vu»)."""
    reports = {(u, y): data for u, y, data in submissions_from_dataset(dataset, years)} if years else {}
    tasks = dataset.nhiem_vu
    if len(tasks) and years:
        chosen = tasks[tasks["nam"].isin(years)]
        present = [c for c in _TASK_COLUMNS if c in chosen.columns]
        for unit, year, *values in zip(
            chosen["ma_to_chuc"].astype(str), chosen["nam"].astype(int), *(chosen[c] for c in present), strict=True
        ):
            row = {k: v for k, v in zip(present, map(_task_value, values), strict=True) if v is not None}
            data = reports.setdefault((unit, int(year)), {"don_vi": {}, "dang_vien": []})
            data.setdefault("nhiem_vu", []).append(row)
    return reports


def _norm(value: Any) -> Any:
    """A cell as compared: blanks alike, numbers as numbers (20 is 20.0), text NFC and trimmed."""
    value = json_value(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    return unicodedata.normalize("NFC", str(value)).strip() or None


def _row_changes(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if _norm(before.get(k)) != _norm(after.get(k))]


def _keyed(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    out = {}
    for i, row in enumerate(rows):
        found = member_id(row.get(key))
        out[found if found is not None else f"#{i + 1}"] = row
    return out


@dataclass
class _Diff:
    unit_changes: list[tuple[str, Any, Any]]
    members: int  # members added, removed or changed
    tasks: int
    examples: list[tuple[str, Any, Any, str]]  # (column as shown, before, after, the field)

    @property
    def changed(self) -> bool:
        return bool(self.unit_changes or self.members or self.tasks)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> _Diff:
    units = _row_changes(dict(before.get("don_vi") or {}), dict(after.get("don_vi") or {}))
    examples = [(_TITLES["don_vi"].get(k, k), b, a, k) for k, b, a in units]
    counts = {}
    for part, key, what in (("dang_vien", "ma_dang_vien", "Đảng viên"), ("nhiem_vu", "ma_nhiem_vu", "Nhiệm vụ")):
        old, new = _keyed(list(before.get(part) or []), key), _keyed(list(after.get(part) or []), key)
        changed = 0
        for k in list(old) + [k for k in new if k not in old]:
            if k not in new or k not in old:
                changed += 1
                examples.append((f"{what} {k}", "có" if k in old else "—", "có" if k in new else "—", ""))
                continue
            rows = _row_changes(old[k], new[k])
            if rows:
                changed += 1
                examples += [(f"{what} {k}: {_TITLES[part].get(c, c)}", b, a, c) for c, b, a in rows]
        counts[part] = changed
    return _Diff(units, counts["dang_vien"], counts["nhiem_vu"], examples)


# --- the preview -------------------------------------------------------------------------------


@dataclass
class TreeChanges:
    added: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    removed: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (code, old name, new name)
    moved: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (code, old parent, new)
    #: `moved` as people read it: (code, old parent, new parent), each parent «Mã — Tên» (`code_and_name`),
    #: the old one named as the database has it, the new one as the file does; blank for none
    moved_named: list[tuple[str, str, str]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # level or kind changed
    #: removed units that still have reports or accounts: the import is refused while they do
    blocked: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.moved or self.other)


@dataclass
class YearChanges:
    year: int
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)  # in the database, not in the file: kept
    not_approved: list[str] = field(default_factory=list)  # changed reports not yet approved (draft, sent…)
    units_changed: int = 0
    members_changed: int = 0
    tasks_changed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Preview:
    tree: TreeChanges
    years: list[YearChanges]
    fingerprint: str = ""
    #: the reports to write: (unit, year) -> figures (new or changed ones only)
    writes: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def changes_reports(self) -> bool:
        """Whether it would write a new version of a report the database already has."""
        return any(y.changed for y in self.years)

    @property
    def empty(self) -> bool:
        return not self.tree.changed and not self.writes

    def summary(self) -> str:
        """What the import would change, in a few lines (the command line prints it)."""
        t = self.tree
        lines = [
            f"Cây tổ chức: thêm {len(t.added)}, bỏ {len(t.removed)}, đổi tên {len(t.renamed)}, "
            f"chuyển cấp trên {len(t.moved)}, đổi cấp/loại hình {len(t.other)}."
        ]
        if t.blocked:
            lines.append(
                "Không bỏ được (còn báo cáo hoặc tài khoản): " + ", ".join(f"{c} «{n}»" for c, n in t.blocked[:10])
            )
        for y in self.years:
            lines.append(
                f"Năm {y.year}: {len(y.new)} báo cáo mới, {len(y.changed)} báo cáo thay đổi số liệu "
                f"({y.units_changed} đơn vị, {y.members_changed} đảng viên, {y.tasks_changed} nhiệm vụ), "
                f"{len(y.unchanged)} không đổi"
                + (f", {len(y.absent)} có trong CSDL nhưng không có trong tệp (giữ nguyên)" if y.absent else "")
                + (f", {len(y.not_approved)} chưa duyệt sẽ thành «Đã duyệt»" if y.not_approved else "")
                + "."
            )
            for e in y.examples:
                where = f"  {e['ma_to_chuc']} «{e['ten_to_chuc']}» — {e['cot']}"
                lines.append(f"{where}: {e['doc_truoc']} → {e['doc_sau']}")
        return "\n".join(lines)

    def tree_table(self) -> pd.DataFrame:
        rows = [{"Thay đổi": "Thêm", "Mã": c, "Trước": "", "Sau": n} for c, n in self.tree.added]
        rows += [{"Thay đổi": "Bỏ", "Mã": c, "Trước": n, "Sau": ""} for c, n in self.tree.removed]
        rows += [{"Thay đổi": "Đổi tên", "Mã": c, "Trước": o, "Sau": n} for c, o, n in self.tree.renamed]
        moved = self.tree.moved_named or [(c, o or "", n or "") for c, o, n in self.tree.moved]
        rows += [{"Thay đổi": "Chuyển cấp trên", "Mã": c, "Trước": o, "Sau": n} for c, o, n in moved]
        rows += [{"Thay đổi": "Đổi cấp/loại hình", "Mã": c, "Trước": "", "Sau": ""} for c in self.tree.other]
        return pd.DataFrame(rows, columns=["Thay đổi", "Mã", "Trước", "Sau"])

    def years_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "Năm": y.year,
                    "Báo cáo mới": len(y.new),
                    "Báo cáo thay đổi": len(y.changed),
                    "Đơn vị đổi số liệu": y.units_changed,
                    "Đảng viên thay đổi": y.members_changed,
                    "Nhiệm vụ thay đổi": y.tasks_changed,
                    "Không đổi": len(y.unchanged),
                    "Có trong CSDL, không có trong tệp (giữ nguyên)": len(y.absent),
                    "Chưa duyệt sẽ được thay": len(y.not_approved),
                }
                for y in self.years
            ]
        )

    def examples_table(self) -> pd.DataFrame:
        rows = [
            {"Năm": y.year, "Mã": e["ma_to_chuc"], "Tên": e["ten_to_chuc"], "Cột": e["cot"], "Trước": e["doc_truoc"],
             "Sau": e["doc_sau"]}
            for y in self.years
            for e in y.examples
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["Năm", "Mã", "Tên", "Cột", "Trước", "Sau"]).astype(
            {"Trước": str, "Sau": str}
        )


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _tree_rows(dataset: Dataset) -> list[dict[str, Any]]:
    frame = dataset.to_chuc.astype(object)
    return [
        {c: (None if c in r and pd.isna(r[c]) else str(r[c])) if c in r else None for c in TREE_COLUMNS}
        for r in frame.to_dict("records")
    ]


def _years(dataset: Dataset, years: list[int] | None) -> list[int]:
    chosen = sorted(set(dataset.years if years is None else years))
    missing = sorted(set(chosen) - set(dataset.years))
    if missing:
        raise StoreError(f"Bộ dữ liệu không có năm {', '.join(map(str, missing))} (có: {dataset.years}).")
    return chosen


def _moved_named(
    db: Connection, dataset: Dataset, moved: list[tuple[str, str | None, str | None]]
) -> list[tuple[str, str, str]]:
    """Each moved unit's old parent named as the database's tree has it and its new parent as the file's
    tree does, «Mã — Tên» (the code alone where a name is unknown, blank for no parent): whole columns
    looked up at once (`display.named`)."""
    if not moved:
        return []
    frame = pd.DataFrame(moved, columns=["ma", "truoc", "sau"], dtype=object)
    stored = pd.DataFrame(
        db.execute(select(ToChuc.ma_to_chuc, ToChuc.ten_to_chuc)).all(), columns=["ma", "ten"], dtype=object
    )
    file_tree = dataset.to_chuc
    before = named(frame["truoc"], stored["ma"], stored["ten"])
    after = named(frame["sau"], file_tree["ma_to_chuc"].astype(str), file_tree["ten_to_chuc"])
    return list(zip(frame["ma"].astype(str), before.astype(str), after.astype(str), strict=True))


def _plan(db: Connection, dataset: Dataset, years: list[int]) -> Preview:
    rows = _tree_rows(dataset)
    stored = {r.ma_to_chuc: r for r in db.execute(select(ToChuc))}
    tree = TreeChanges()
    new_codes = {r["ma_to_chuc"] for r in rows}
    for r in rows:
        old = stored.get(r["ma_to_chuc"])
        if old is None:
            tree.added.append((r["ma_to_chuc"], r["ten_to_chuc"]))
            continue
        if old.ten_to_chuc != r["ten_to_chuc"]:
            tree.renamed.append((old.ma_to_chuc, old.ten_to_chuc, r["ten_to_chuc"]))
        if old.ma_cap_tren != r["ma_cap_tren"]:
            tree.moved.append((old.ma_to_chuc, old.ma_cap_tren, r["ma_cap_tren"]))
        if old.cap != r["cap"] or old.loai_hinh != r["loai_hinh"]:
            tree.other.append(old.ma_to_chuc)
    tree.moved_named = _moved_named(db, dataset, tree.moved)
    tree.removed = sorted((c, o.ten_to_chuc) for c, o in stored.items() if c not in new_codes)
    if tree.removed:
        gone = [c for c, _ in tree.removed]
        used = set(db.scalars(select(BaoCao.ma_to_chuc).where(BaoCao.ma_to_chuc.in_(gone))))
        used |= set(db.scalars(select(TaiKhoan.ma_to_chuc).where(TaiKhoan.ma_to_chuc.in_(gone))))
        tree.blocked = [(c, n) for c, n in tree.removed if c in used]
    names = {r["ma_to_chuc"]: r["ten_to_chuc"] for r in rows} | {
        c: o.ten_to_chuc for c, o in stored.items() if c not in new_codes
    }
    reports = dataset_reports(dataset, years)
    existing = {(r.ma_to_chuc, r.nam): r for r in db.execute(select(BaoCao).where(BaoCao.nam.in_(years)))}
    preview = Preview(tree, [YearChanges(y) for y in years])
    by_year = {y.year: y for y in preview.years}
    for (unit, year), data in sorted(reports.items()):
        seen = by_year[year]
        row = existing.get((unit, year))
        if row is None:
            seen.new.append(unit)
            preview.writes[(unit, year)] = data
            continue
        diff = _diff(dict(row.du_lieu), data)
        if not diff.changed and row.trang_thai == "da_duyet":
            seen.unchanged.append(unit)
            continue
        seen.changed.append(unit)
        preview.writes[(unit, year)] = data
        if row.trang_thai != "da_duyet":
            seen.not_approved.append(unit)
        seen.units_changed += bool(diff.unit_changes)
        seen.members_changed += diff.members
        seen.tasks_changed += diff.tasks
        for column, before, after, field_name in diff.examples[: max(0, EXAMPLES - len(seen.examples))]:
            seen.examples.append(  # the values as stored, and as people read them («86,5», a rating's words)
                {"ma_to_chuc": unit, "ten_to_chuc": names.get(unit, unit), "cot": column, "truoc": _shown(before),
                 "sau": _shown(after), "doc_truoc": cell_text(field_name, before),
                 "doc_sau": cell_text(field_name, after)}
            )  # fmt: skip
    for unit, year in sorted(set(existing) - set(reports)):
        by_year[year].absent.append(unit)
    state = {
        "tree": [tree.added, tree.removed, tree.renamed, tree.moved, tree.other],
        "writes": sorted(
            (u, y, existing[(u, y)].phien_ban if (u, y) in existing else 0, json.dumps(d, sort_keys=True, default=str))
            for (u, y), d in preview.writes.items()
        ),
    }
    preview.fingerprint = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return preview


def _refuse_unless_admin(store: Store, me: Account, action: str, target: str) -> None:
    store._require(me, me.vai_tro == "quan_tri", action, target, "chỉ quản trị nạp dữ liệu vào cơ sở dữ liệu")


def preview(store: Store, actor: Account, dataset: Dataset, years: list[int] | None = None) -> Preview:
    """What importing `years` (default: every year of the dataset) of `dataset` would change."""
    chosen = _years(dataset, years)
    with store._acting(actor, ACTION, "xem trước lần nhập") as (db, me):
        _refuse_unless_admin(store, me, ACTION, "xem trước lần nhập")
        return _plan(db, dataset, chosen)


# --- the import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    id: int
    preview: Preview


def _write_report(
    db: Connection, me: Account, batch: int, now: datetime, unit: str, year: int, data: dict[str, Any]
) -> None:
    """Write one report as a new approved version, linked to the batch (its own function: the tests
    make it fail half-way)."""
    row = db.execute(select(BaoCao).where(BaoCao.ma_to_chuc == unit, BaoCao.nam == year)).first()
    values = {"trang_thai": "da_duyet", "du_lieu": data, "ly_do_tra_lai": None, "cap_nhat_boi": me.ten_dang_nhap,
              "cap_nhat_luc": now}  # fmt: skip
    if row is None:
        done = db.execute(insert(BaoCao).values(ma_to_chuc=unit, nam=year, phien_ban=1, **values))
        key = done.inserted_primary_key
        report_id, version, before = int(key[0]) if key is not None else 0, 1, None
    else:
        report_id, version, before = row.id, row.phien_ban + 1, row.phien_ban
        db.execute(update(BaoCao).where(BaoCao.id == row.id).values(phien_ban=version, **values))
    db.execute(
        insert(BaoCaoPhienBan).values(
            bao_cao_id=report_id, phien_ban=version, trang_thai="da_duyet", du_lieu=data, ly_do_tra_lai=None,
            boi=me.ten_dang_nhap, luc=now,
        )
    )  # fmt: skip
    db.execute(
        insert(LanNhapPhienBan).values(
            lan_nhap_id=batch, ma_to_chuc=unit, nam=year, phien_ban=version, phien_ban_truoc=before
        )
    )


def _apply_tree(db: Connection, dataset: Dataset, tree: TreeChanges) -> None:
    rows = {r["ma_to_chuc"]: r for r in _tree_rows(dataset)}
    if tree.removed:
        db.execute(delete(ToChuc).where(ToChuc.ma_to_chuc.in_([c for c, _ in tree.removed])))
    if tree.added:
        db.execute(insert(ToChuc), [rows[c] for c, _ in tree.added])
    for code in sorted({c for c, *_ in tree.renamed} | {c for c, *_ in tree.moved} | set(tree.other)):
        db.execute(update(ToChuc).where(ToChuc.ma_to_chuc == code).values(**rows[code]))


def commit(
    store: Store,
    actor: Account,
    dataset: Dataset,
    years: list[int] | None,
    file_name: str,
    expected: str | None = None,
) -> Batch:
    """Import, in one transaction (see the module). `expected`: the fingerprint of the preview the user
    confirmed; when the database changed since, nothing is written (StaleVersion)."""
    chosen = _years(dataset, years)
    now = datetime.now(UTC)
    with store._acting(actor, ACTION, f"lần nhập «{file_name}»", write=True) as (db, me):
        _refuse_unless_admin(store, me, ACTION, f"lần nhập «{file_name}»")
        plan = _plan(db, dataset, chosen)
        if expected is not None and plan.fingerprint != expected:
            raise StaleVersion("Cơ sở dữ liệu vừa thay đổi sau khi xem trước: xem trước lại rồi xác nhận.")
        if plan.tree.blocked:
            shown = ", ".join(f"{c} «{n}»" for c, n in plan.tree.blocked[:10])
            raise StoreError(
                f"Không nạp được: tệp bỏ {len(plan.tree.blocked)} tổ chức còn báo cáo hoặc tài khoản: {shown}. "
                "Giữ các tổ chức này trong bảng Tổ chức của tệp."
            )
        _apply_tree(db, dataset, plan.tree)
        tree_counts = {"them": len(plan.tree.added), "bo": len(plan.tree.removed),
                       "doi_ten": len(plan.tree.renamed), "chuyen": len(plan.tree.moved)}  # fmt: skip
        counts: dict[str, Any] = {
            "to_chuc": tree_counts,
            "bao_cao_moi": sum(len(y.new) for y in plan.years),
            "bao_cao_thay_doi": sum(len(y.changed) for y in plan.years),
            "khong_doi": sum(len(y.unchanged) for y in plan.years),
            "giu_nguyen_khong_co_trong_tep": sum(len(y.absent) for y in plan.years),
        }  # fmt: skip
        done = db.execute(
            insert(LanNhap).values(boi=me.ten_dang_nhap, luc=now, ten_tep=file_name, nam=chosen, so_lieu=counts)
        )
        key = done.inserted_primary_key
        batch = int(key[0]) if key is not None else 0
        for (unit, year), data in sorted(plan.writes.items()):
            _write_report(db, me, batch, now, unit, year, data)
        if plan.tree.changed:  # what `Store.revision` follows: caches built on the tree are rebuilt
            store._log(db, me, "nap_to_chuc", "cây tổ chức", None, {"lan_nhap": batch, **tree_counts}, True)
        store._log(db, me, ACTION, f"lần nhập {batch}", None, {"lan_nhap": batch, "tep": file_name,
                                                                 "nam": chosen, **counts}, True)  # fmt: skip
    return Batch(batch, plan)


def undo(store: Store, actor: Account, batch_id: int) -> int:
    """Put back, for each report the batch wrote, the version before it (a new version); remove a
    report the batch created. Refused, naming them, when a report changed after the batch. Returns
    the number of reports restored or removed."""
    target = f"lần nhập {batch_id}"
    now = datetime.now(UTC)
    with store._acting(actor, UNDO, target, write=True) as (db, me):
        store._require(me, me.vai_tro == "quan_tri", UNDO, target, "chỉ quản trị hoàn tác lần nhập")
        batch = db.execute(select(LanNhap).where(LanNhap.id == batch_id)).first()
        if batch is None:
            raise StoreError(f"Không có lần nhập {batch_id}.")
        if batch.hoan_tac_luc is not None:
            when = format_moment(batch.hoan_tac_luc)
            raise StoreError(f"Lần nhập {batch_id} đã được hoàn tác ({batch.hoan_tac_boi}, {when}).")
        links = db.execute(
            select(LanNhapPhienBan).where(LanNhapPhienBan.lan_nhap_id == batch_id).order_by(LanNhapPhienBan.id)
        ).all()
        current = {
            (r.ma_to_chuc, r.nam): r
            for r in db.execute(select(BaoCao).where(BaoCao.nam.in_(sorted({x.nam for x in links})))).all()
        }
        later = [
            f"{x.ma_to_chuc}/{x.nam}"
            for x in links
            if (x.ma_to_chuc, x.nam) not in current or current[(x.ma_to_chuc, x.nam)].phien_ban != x.phien_ban
        ]
        if later:
            shown = ", ".join(later[:10]) + (f" và {len(later) - 10} báo cáo khác" if len(later) > 10 else "")
            message = f"Không hoàn tác được lần nhập {batch_id}: báo cáo đã thay đổi sau lần nhập này: {shown}."
            raise _Refused(me, UNDO, target, "báo cáo đã thay đổi sau lần nhập: " + shown, StoreError(message))
        restored = removed = 0
        for x in links:
            row = current[(x.ma_to_chuc, x.nam)]
            if x.phien_ban_truoc is None:
                db.execute(delete(BaoCaoPhienBan).where(BaoCaoPhienBan.bao_cao_id == row.id))
                db.execute(delete(BaoCao).where(BaoCao.id == row.id))
                removed += 1
                continue
            old = db.execute(
                select(BaoCaoPhienBan).where(
                    BaoCaoPhienBan.bao_cao_id == row.id, BaoCaoPhienBan.phien_ban == x.phien_ban_truoc
                )
            ).one()
            version = row.phien_ban + 1
            db.execute(
                update(BaoCao).where(BaoCao.id == row.id).values(
                    phien_ban=version, trang_thai=old.trang_thai, du_lieu=old.du_lieu,
                    ly_do_tra_lai=old.ly_do_tra_lai, cap_nhat_boi=me.ten_dang_nhap, cap_nhat_luc=now,
                )
            )  # fmt: skip
            db.execute(
                insert(BaoCaoPhienBan).values(
                    bao_cao_id=row.id, phien_ban=version, trang_thai=old.trang_thai, du_lieu=old.du_lieu,
                    ly_do_tra_lai=old.ly_do_tra_lai, boi=me.ten_dang_nhap, luc=now,
                )
            )  # fmt: skip
            restored += 1
        undone = {"hoan_tac_boi": me.ten_dang_nhap, "hoan_tac_luc": now}
        db.execute(update(LanNhap).where(LanNhap.id == batch_id).values(**undone))
        store._log(db, me, UNDO, target, None, {"khoi_phuc": restored, "xoa_bao_cao_moi": removed}, True)
    return restored + removed


def list_imports(store: Store, actor: Account) -> pd.DataFrame:
    """The past imports, newest first (quan_tri and xem: no member data in it)."""
    with store._acting(actor, LIST, "các lần nhập") as (db, me):
        store._require(me, me.vai_tro in ("quan_tri", "xem"), LIST, "các lần nhập", "chỉ quản trị xem các lần nhập")
        rows = db.execute(select(LanNhap).order_by(LanNhap.id.desc())).all()
    columns = ["id", "luc", "boi", "ten_tep", "nam", "bao_cao_moi", "bao_cao_thay_doi", "khong_doi", "hoan_tac"]
    return pd.DataFrame(
        [
            {
                "id": r.id, "luc": r.luc, "boi": r.boi, "ten_tep": r.ten_tep, "nam": ", ".join(map(str, r.nam)),
                **{k: r.so_lieu.get(k, 0) for k in ("bao_cao_moi", "bao_cao_thay_doi", "khong_doi")},
                "hoan_tac": f"{r.hoan_tac_boi} ({format_moment(r.hoan_tac_luc)})" if r.hoan_tac_luc else "",
            }
            for r in rows
        ],
        columns=columns,
    )  # fmt: skip


__all__ = [
    "Batch",
    "PermissionDenied",
    "Preview",
    "TreeChanges",
    "YearChanges",
    "commit",
    "dataset_reports",
    "list_imports",
    "preview",
    "undo",
]
