"""What the «Tự đánh giá» and «Duyệt» pages compute, kept in the library so that access is decided
here: a page gets only the acting account's own unit (its criteria, score, rank among its group,
the rating the rules allow, its members), never another unit's member data.

- `submissions_from_dataset`: the figures of a dataset (past years kept in files) as submissions.
- `read_upload`: a unit's rows of the filled template (Đơn vị năm and, for a chi bộ, Đảng viên),
  checked and typed with the same messages (sheet, row, column) as any upload.
- `starting_point`: what the form opens with (the saved draft, else last year's member list);
  `previous_report`: last year's report, whole, to start from; `opening_year`: the year a page opens on.
- `assess`: the draft scored against every approved submission of the other units (cached per
  database and updated by the reports that change: `scoring.store.baseline`), reduced to what the
  unit may see: a member already in another unit's approved report is named by the draft's own row
  and id, the other unit only to a reader who may see it.
- `overview`: unit-level figures (state, score, rank, rating) with no member data — all a `xem`
  account may read.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from scoring.domain.codes import CHI_BO_LEVELS
from scoring.engine.rating import RatingCheck, check_ratings
from scoring.engine.score import ScoreResult, score
from scoring.input.coerce import coerce_table
from scoring.input.dataset import Dataset
from scoring.input.readers import RawTable, read_workbook_tables
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, MEMBER_FIELDS, UNIT_FIELDS
from scoring.outputs.display import named
from scoring.outputs.views import gaps, scorecard
from scoring.outputs.workflow_views import changes, member_table
from scoring.plans.model import CriteriaSet
from scoring.plans.rating_rules import RuleSet
from scoring.store.accounts import Account
from scoring.store.baseline import Baseline, baseline, validated
from scoring.store.figures import figures
from scoring.store.models import BaoCao
from scoring.store.plan_files import rules_in_use, rules_signature
from scoring.store.service import NOT_SUBMITTED, Store, Submission
from scoring.store.submission import check_submission, member_id, shared_members

#: carried from last year's member list into a new year's form (who the members are, not how they did)
CARRIED = ("ma_dang_vien", "ho_ten", "doi_tuong", "la_bi_thu")


def holds_members(level: str) -> bool:
    """A chi bộ (cơ sở or trực thuộc) lists its members; a đảng bộ sends only its own figures."""
    return level in CHI_BO_LEVELS


def json_value(value: Any) -> Any:
    """A cell as JSON keeps it: None for blanks, Python numbers and booleans, text trimmed."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value


def clean(unit: dict[str, Any], members: pd.DataFrame | list[dict[str, Any]] | None) -> dict[str, Any]:
    """A submission's `du_lieu` from the form: blanks dropped, members without any value dropped."""
    records = members.to_dict("records") if isinstance(members, pd.DataFrame) else list(members or [])
    rows = [{k: json_value(v) for k, v in r.items()} for r in records]
    return {
        "don_vi": {k: v for k, v in ((k, json_value(v)) for k, v in unit.items()) if v is not None},
        "dang_vien": [
            {k: v for k, v in r.items() if v is not None} for r in rows if any(v is not None for v in r.values())
        ],
    }


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    present = [c for c in columns if c in frame.columns]
    values = frame[present].astype(object).where(frame[present].notna(), None)
    return [
        {str(k): json_value(v) for k, v in row.items() if json_value(v) is not None}
        for row in values.to_dict("records")
    ]


def submissions_from_dataset(dataset: Dataset, years: list[int] | None = None) -> list[tuple[str, int, dict[str, Any]]]:
    """Every unit-year of the dataset (of `years`, default all) as a submission's figures."""
    chosen = years or dataset.years
    units = dataset.don_vi_nam[dataset.don_vi_nam["nam"].isin(chosen)]
    members = dataset.dang_vien[dataset.dang_vien["nam"].isin(chosen)]
    unit_rows = _records(units, ["ma_to_chuc", "nam", *(c.name for c in UNIT_FIELDS)])
    member_rows = _records(members, ["ma_chi_bo", "nam", *(c.name for c in MEMBER_FIELDS)])
    by_unit: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in member_rows:
        by_unit.setdefault((str(row.pop("ma_chi_bo")), int(row.pop("nam"))), []).append(row)
    out = []
    for row in unit_rows:
        key = (str(row.pop("ma_to_chuc")), int(row.pop("nam")))
        out.append((key[0], key[1], {"don_vi": row, "dang_vien": by_unit.pop(key, [])}))
    for (unit, year), rows in sorted(by_unit.items()):  # members of a chi bộ without its own row
        out.append((unit, year, {"don_vi": {}, "dang_vien": rows}))
    return out


# --- upload of the unit's sheets ---------------------------------------------------------------


def _only(raw: RawTable, id_column: str, unit: str, year: int, report: ValidationReport) -> RawTable:
    """The rows of `unit` and `year` (rows of other units or years are left out, with a warning)."""
    data = raw.data
    ids = pc.utf8_trim_whitespace(data.column(id_column).cast(pa.string())) if id_column in data.column_names else None
    years = pc.utf8_trim_whitespace(data.column("nam").cast(pa.string())) if "nam" in data.column_names else None
    keep = np.ones(data.num_rows, dtype=bool)
    if ids is not None:
        keep &= np.asarray(pc.fill_null(pc.equal(ids, unit), False))
    if years is not None:
        keep &= np.asarray(pc.fill_null(pc.equal(years, str(year)), False))
    dropped = int((~keep).sum())
    if dropped:
        report.warning(
            raw.where, f"Bỏ qua {dropped} dòng không thuộc đơn vị {unit} năm {year} (chỉ đọc các dòng của đơn vị mình)."
        )
    numbers = raw.where.row_numbers
    shown = (numbers if numbers is not None else np.arange(2, data.num_rows + 2))[keep]
    where = Location(raw.where.file, raw.where.sheet, int(shown[0]) if len(shown) else 2, raw.where.headers, shown)
    return RawTable(raw.spec, data.filter(pa.array(keep)), where)


def read_upload(
    path: Path, label: str, unit: str, level: str, year: int
) -> tuple[dict[str, Any] | None, ValidationReport]:
    """The unit's figures from a filled template (or any workbook with its sheets): its row of the
    «Đơn vị năm» sheet and, for a chi bộ, its members' rows of «Đảng viên». Errors name the sheet,
    the row as Excel shows it and the column; with any error nothing is returned."""
    report = ValidationReport()
    specs = (DON_VI_NAM, DANG_VIEN) if holds_members(level) else (DON_VI_NAM,)
    tables = read_workbook_tables(path, report, specs, label)
    unit_row: dict[str, Any] = {}
    members: list[dict[str, Any]] = []
    if DON_VI_NAM.name in tables:
        raw = _only(tables[DON_VI_NAM.name], "ma_to_chuc", unit, year, report)
        frame, _ = coerce_table(raw, report)
        if len(frame) > 1:
            report.error(raw.where, f"Có {len(frame)} dòng của đơn vị {unit} năm {year}: chỉ được một dòng.")
        elif len(frame) == 0:
            report.error(raw.where, f"Không có dòng nào của đơn vị {unit} năm {year} (cột Mã tổ chức và Năm).")
        else:
            unit_row = _records(frame, [c.name for c in UNIT_FIELDS])[0]
    if DANG_VIEN.name in tables:
        raw = _only(tables[DANG_VIEN.name], "ma_chi_bo", unit, year, report)
        frame, _ = coerce_table(raw, report)
        if len(frame) == 0:
            report.error(raw.where, f"Không có đảng viên nào của chi bộ {unit} năm {year} (cột Mã chi bộ và Năm).")
        members = _records(frame, [c.name for c in MEMBER_FIELDS])
    if not report.ok:
        return None, report
    return {"don_vi": unit_row, "dang_vien": members}, report


# --- the form's starting point -----------------------------------------------------------------


def starting_point(store: Store, actor: Account, unit: str, year: int) -> tuple[dict[str, Any], str]:
    """What the form opens with, and a sentence saying where it came from: the saved submission;
    else the member list of the unit's latest earlier submission (who, not how they did); else blank."""
    current = store.get(actor, unit, year)
    if current is not None:
        return current.du_lieu, f"Phiên bản {current.phien_ban} ({current.trang_thai_label}) đã lưu."
    previous = previous_report(store, actor, unit, year, members=True)
    if previous is not None:
        members = [{k: m[k] for k in CARRIED if k in m} for m in previous.du_lieu["dang_vien"]]
        return {"don_vi": {}, "dang_vien": members}, (
            f"Chưa có báo cáo năm {year}: danh sách đảng viên lấy từ báo cáo năm {previous.nam} "
            f"(«{previous.trang_thai_label}»); "
            "hãy nhập xếp loại và số liệu của năm nay."
        )
    return {"don_vi": {}, "dang_vien": []}, f"Chưa có báo cáo năm {year}: nhập số liệu của đơn vị."


def previous_report(store: Store, actor: Account, unit: str, year: int, members: bool = False) -> Submission | None:
    """The unit's latest report of a year before `year` that holds figures (with `members`, a member
    list), whatever its state; read with the actor's access (refused outside its scope)."""
    with store.engine.connect() as db:
        years = sorted(
            db.scalars(select(BaoCao.nam).where(BaoCao.ma_to_chuc == unit, BaoCao.nam < year)).all(), reverse=True
        )
    for before in years:
        found = store.get(actor, unit, before)
        if found is not None and (found.du_lieu.get("dang_vien") or (not members and found.du_lieu.get("don_vi"))):
            return found
    return None


def opening_year(store: Store, actor: Account, unit: str | None = None) -> int | None:
    """The year a workflow page opens on: the latest with something to see. For `unit` (Tự đánh giá),
    the latest year it has a report of; without (Duyệt), the latest year a report waits for the actor's
    review, else the latest year a unit it follows has a report of. Failing those, the latest year with
    an approved report in the database; None when it holds no report. (Which years have reports is not
    member data: the Duyệt board shows every state to every role.)"""
    with store.engine.connect() as db:
        reports = db.execute(select(BaoCao.ma_to_chuc, BaoCao.nam, BaoCao.trang_thai)).all()
    if unit is not None:
        chosen = [[r.nam for r in reports if r.ma_to_chuc == unit]]
    else:
        waiting = set(store.reviewable(actor))
        followed = set(store.names()) if actor.vai_tro in ("quan_tri", "xem") else store.scope(actor)
        chosen = [
            [r.nam for r in reports if r.ma_to_chuc in waiting and r.trang_thai == "da_gui"],
            [r.nam for r in reports if r.ma_to_chuc in followed],
        ]
    chosen.append([r.nam for r in reports if r.trang_thai == "da_duyet"])
    return next((max(years) for years in chosen if years), None)


# --- scoring a draft against the approved submissions ------------------------------------------


@dataclass
class Assessment:
    """What a unit (or its reviewer) sees of one draft: never another unit's member data."""

    report: ValidationReport  # the draft's own problems (as an upload would get them)
    conflicts: ValidationReport | None = None  # the draft against the other units' approved figures
    scorecard: pd.DataFrame = field(default_factory=pd.DataFrame)
    ranks: pd.DataFrame = field(default_factory=pd.DataFrame)
    total: float | None = None
    rating: dict[str, str] = field(default_factory=dict)
    members: pd.DataFrame = field(default_factory=pd.DataFrame)
    compared_with: int = 0  # approved units of the same year the rank is taken among

    @property
    def scored(self) -> bool:
        return not self.scorecard.empty


_CACHE_LOCK = threading.Lock()


def _baseline(store: Store) -> Baseline:
    """Every approved report, the tree and the validated dataset they make: kept per database and
    updated by the reports changed since the last call, not rebuilt (`scoring.store.baseline`)."""
    return baseline(store)


def _dataset(
    tree: pd.DataFrame, submissions: list[tuple[str, int, dict[str, Any]]], source: str
) -> tuple[Dataset | None, ValidationReport]:
    return validated(tree, submissions, source)


def _conflicts(
    base: Baseline, unit: str, year: int, data: dict[str, Any], source: str, visible: set[str]
) -> ValidationReport:
    """The draft's members whom another unit's approved report of the year lists too: one error per
    member, on the draft's own row, with the draft's own id. The other unit is named only to a reader
    who may see it (`visible`: a quan_tri, a cấp ủy for the units under it); anyone else reads «đơn vị
    khác», and no other unit's row, member name or member id is ever shown."""
    others = [(u, d) for (u, y), d in base.reports.items() if y == year and u != unit]
    shared = shared_members(data, others)
    conflicts = ValidationReport()
    if not shared:
        return conflicts
    where = Location(source, DANG_VIEN.title, 1, {c.name: c.title for c in DANG_VIEN.columns})
    names = dict(zip(base.tree["ma_to_chuc"].astype(str), base.tree["ten_to_chuc"].astype(str), strict=True))
    ids = [member_id(m.get("ma_dang_vien")) for m in data.get("dang_vien") or []]
    for member, units in shared.items():
        named = all(u in visible for u in units)
        which = "đơn vị khác" + (": " + ", ".join(f"{u} «{names.get(u, u)}»" for u in units) if named else "")
        rows = [i for i, key in enumerate(ids) if key == member]
        conflicts.error(
            where,
            f"Đảng viên này đã có trong báo cáo đã duyệt của {which} năm {year}: một đảng viên chỉ sinh hoạt ở "
            "một chi bộ; kiểm tra mã đảng viên hoặc nhờ cấp trên chuyển sinh hoạt.",
            rows=rows,
            column="ma_dang_vien",
            values=[member] * len(rows),
        )
    return conflicts


def _with_draft(
    base: Baseline, unit: str, year: int, data: dict[str, Any], visible: set[str]
) -> tuple[Dataset | None, ValidationReport]:
    """The approved dataset with the unit's rows of `year` replaced by the draft's. Only the draft is
    checked and typed (on the same tree, so its codes match); the approved rows were checked once.
    A member the draft lists who is in another unit's approved report of the year is a conflict.
    Problems of the approved reports themselves are shown only to a reader who sees every unit."""
    source = f"Báo cáo {unit} năm {year} cùng các báo cáo đã duyệt"
    if base.dataset is None:
        if visible >= set(base.tree["ma_to_chuc"].astype(str)):
            return None, base.report
        hidden = ValidationReport()
        hidden.error(
            Location("Báo cáo đã duyệt"),
            "Số liệu đã duyệt của các đơn vị đang có lỗi nên chưa so sánh được; quản trị xem và sửa ở trang «Duyệt».",
        )
        return None, hidden
    draft, report = _dataset(base.tree, [(unit, year, data)], source)
    if draft is None:
        return None, report
    conflicts = _conflicts(base, unit, year, data, source, visible)
    if not conflicts.ok:
        return None, conflicts
    old = base.dataset
    keep_members = ~((old.dang_vien["ma_chi_bo"].astype(str) == unit) & (old.dang_vien["nam"] == year)).to_numpy()
    keep_units = ~((old.don_vi_nam["ma_to_chuc"].astype(str) == unit) & (old.don_vi_nam["nam"] == year)).to_numpy()
    members = pd.concat([old.dang_vien[keep_members], draft.dang_vien], ignore_index=True)
    units = pd.concat([old.don_vi_nam[keep_units], draft.don_vi_nam], ignore_index=True)
    spliced = Dataset(to_chuc=old.to_chuc, dang_vien=members, don_vi_nam=units, source=source, nhiem_vu=old.nhiem_vu)
    return spliced, conflicts


def _group_sizes(result: ScoreResult) -> pd.Series:
    return result.xep_hang_to_chuc["nhom_thi_dua"].astype(str).value_counts()


def assess(
    store: Store, actor: Account, unit: str, year: int, data: dict[str, Any], criteria: CriteriaSet
) -> Assessment:
    """Score `data` as the unit's figures for `year` among the approved submissions of every other
    unit: its criteria, total, rank in each group, the rating the rules allow, and its members."""
    visible = store.require_scope(actor, unit, "xem_danh_gia")
    report = check_submission(store.tree(), unit, year, data)
    out = Assessment(report)
    if not report.ok:
        return out
    base = _baseline(store)
    dataset, conflicts = _with_draft(base, unit, year, data, visible)
    out.conflicts = conflicts
    if dataset is None:
        return out
    result = score(dataset, criteria, year)
    out.scorecard = scorecard(result, unit)
    orgs = result.xep_hang_to_chuc
    mine = orgs[orgs["ma_to_chuc"] == unit]
    ranks = gaps(result, unit)
    tree = base.tree  # names of organisations are not member data: the group's leader by code and name
    ranks["Điển hình của nhóm"] = named(ranks["Điển hình của nhóm"], tree["ma_to_chuc"], tree["ten_to_chuc"])
    sizes = _group_sizes(result)
    ranks.insert(2, "Số đơn vị trong nhóm", mine["nhom_thi_dua"].astype(str).map(sizes).to_numpy())
    out.ranks = ranks
    out.total = float(mine["tong_diem"].iloc[0]) if len(mine) else None
    out.compared_with = sum(1 for u, y in base.reports if y == year and u != unit)
    check = _rules_check(store, dataset, year)
    out.rating = _rating(check, unit)
    out.members = member_table(check, result, unit)
    return out


def _rules(store: Store, year: int) -> RuleSet | None:
    """The rules file in force in `year` among the database's active rules files (the bundled folder
    when it holds none; read once per set of stored files, so an upload takes effect at once)."""
    try:
        return rules_in_use(store, year)
    except Exception:  # no rules file in force that year: nothing to compare with
        return None


def _rules_check(store: Store, dataset: Dataset, year: int) -> RatingCheck | None:
    rules = _rules(store, year)
    return None if rules is None else check_ratings(dataset, rules, year)


def _rating(check: RatingCheck | None, unit: str) -> dict[str, str]:
    if check is None:
        return {}
    rows = check.units[check.units["ma_to_chuc"].astype(str) == unit]
    if rows.empty:
        return {}
    row = rows.iloc[0]
    return {
        "tu_danh_gia": str(row["xep_loai"]),
        "muc_cao_nhat": str(row["muc_cao_nhat"]),
        "muc_duoc_phep": str(row["muc_duoc_phep"]),
        "ket_luan": str(row["ket_luan"]),
        "can_cu": str(row["can_cu"]),
        "quy_dinh": check.rules.label,
        "chua_kiem_tra": _titles(check, str(row["chua_kiem_tra"])),
    }


def _titles(check: RatingCheck, ids: str) -> str:
    """The titles of the rules listed by id («a; b»), as a reader names them."""
    titles = {r.id: r.title for r in check.rules.rules}
    return "; ".join(titles.get(i, i) for i in ids.split("; ") if i)


# --- summaries without member data -------------------------------------------------------------


SUMMARY = ("Tổng điểm", "Thứ hạng", "Tự xếp loại", "Mức cao nhất được phép")


_SUMMARIES: dict[tuple[Any, ...], tuple[CriteriaSet, pd.DataFrame]] = {}


def _summary(store: Store, year: int, criteria: CriteriaSet) -> pd.DataFrame:
    """Unit-level figures of every approved unit of `year` (score, first rank, rating as given and
    the highest the rules allow), computed once per state of the approved reports, plan and year."""
    shared = figures(store)  # the rankings' figures of this state: one scoring for both pages
    key = (str(store.engine.url), shared.stamp, id(criteria), year, rules_signature(store))
    with _CACHE_LOCK:
        hit = _SUMMARIES.get(key)
    if hit is not None and hit[0] is criteria:  # the same plan object, not one that reused its id
        return hit[1]
    table = pd.DataFrame(columns=["Mã", *SUMMARY])
    if shared.dataset is not None and year in shared.approved:
        result = shared.score(criteria, year)  # this year's ranks (no rank change: last year not scored)
        first = result.org_ranks.drop_duplicates("ma_to_chuc")[["ma_to_chuc", "tong_diem", "thu_hang"]]
        table = first.rename(columns={"ma_to_chuc": "Mã", "tong_diem": "Tổng điểm", "thu_hang": "Thứ hạng"})
        table["Mã"] = table["Mã"].astype(str)
        check = shared.rating_check(store, year)
        if not isinstance(check, Exception):
            units = check.units[["ma_to_chuc", "xep_loai", "muc_cao_nhat"]].astype(str)
            units.columns = ["Mã", "Tự xếp loại", "Mức cao nhất được phép"]
            table = table.merge(units, on="Mã", how="left")
        else:
            table = table.assign(**{"Tự xếp loại": "", "Mức cao nhất được phép": ""})
    with _CACHE_LOCK:
        _SUMMARIES.clear()
        _SUMMARIES[key] = (criteria, table)
    return table


def overview(store: Store, actor: Account, year: int, criteria: CriteriaSet) -> pd.DataFrame:
    """One row per unit the actor follows (all of them for quan_tri and xem): the state of its
    submission, and for approved ones the score, first rank, rating as self-assessed and the highest
    the rules allow. Unit-level figures only: no member data, whatever the role."""
    board = store.board(actor, year)
    table = board.rename(columns={"ma_to_chuc": "Mã", "ten_to_chuc": "Tên tổ chức", "trang_thai": "Trạng thái"})
    summary = _summary(store, year, criteria)
    table = table[["Mã", "Tên tổ chức", "cap", "Trạng thái"]].merge(summary, on="Mã", how="left")
    approved_now = table["Trạng thái"] == "Đã duyệt"
    for column in SUMMARY:
        table[column] = table[column].where(approved_now)
    return table


__all__ = [
    "CARRIED",
    "MEMBER_FIELDS",
    "NOT_SUBMITTED",
    "UNIT_FIELDS",
    "Assessment",
    "assess",
    "changes",
    "clean",
    "holds_members",
    "opening_year",
    "overview",
    "previous_report",
    "read_upload",
    "starting_point",
    "submissions_from_dataset",
]
