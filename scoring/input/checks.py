"""Checks on typed tables: in-table rules as pandera schemas, cross-table rules as array steps.

In-table rules (not blank, ranges, a row's columns against each other) are declared once in
`_schema` / `row_rules.row_rules` and run by pandera in lazy mode, so every failure comes back together; each failure
is turned into a report row that names the user's file, sheet, row and column. Rules that span
tables (the tree, member-to-chi bộ links) are plain vectorised steps below.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as arrow
import pyarrow.compute as pc

from scoring.domain import tree
from scoring.domain.codes import CAP, CHI_BO_LEVELS, PARENT_LEVELS, TCCSD_LEVELS
from scoring.input.limits import MAX_CELL_CHARS, count
from scoring.input.raw_table import RawTable
from scoring.input.report import Location, ValidationReport
from scoring.input.row_rules import row_rules
from scoring.input.schema import DANG_VIEN, TO_CHUC, Kind, TableSpec
from scoring.input.xlsx import DATE_CELL, TIME_CELL

#: characters that show as nothing or move the cursor: C0 and C1 controls, and format characters (the
#: zero-width space U+200B, the byte-order mark U+FEFF, direction overrides) that copying from web pages
#: or other software leaves behind. An id holding one differs from the id that looks the same.
INVISIBLE = r"[\x{0}-\x{1f}\x{7f}-\x{9f}\p{Cf}]"
#: the same in names and other text, where a line break or a tab typed in Excel (Alt+Enter) is fine
INVISIBLE_IN_TEXT = r"[\x{0}-\x{8}\x{b}\x{c}\x{e}-\x{1f}\x{7f}-\x{9f}\p{Cf}]"


def positions_in(ids: pd.Series, values: pd.Series) -> np.ndarray:
    """Row position in `ids` of each value (-1 when not found or blank), hashing each distinct
    value once: millions of member rows name only thousands of chi bộ."""
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:  # every value blank (the top of a one-branch tree has no parent)
        return np.full(len(codes), -1, dtype=np.int64)
    distinct = ids.reset_index(drop=True).drop_duplicates()  # the first row of a repeated id
    found = pd.Index(distinct).get_indexer(pd.Index(uniques)) if len(uniques) else np.zeros(0, dtype=np.int64)
    first = distinct.index.to_numpy()  # back to positions in the full table
    mapped = np.where(found >= 0, first[np.clip(found, 0, None)], -1) if len(found) else found
    return np.where(codes >= 0, mapped[np.clip(codes, 0, None)], -1) if len(codes) else np.zeros(0, np.int64)


def check_cells(raw: RawTable, report: ValidationReport) -> None:
    """What the typed frame would hide, on the cells as read: a cell longer than Excel allows, an id
    that Excel turned into a date, invisible characters in an id (errors), and in text (a warning:
    `coerce` removes them). Each check first asks a cheap whole-column question, so that millions of
    ordinary cells cost a few passes of C."""
    for spec in raw.spec.columns:
        if spec.name not in raw.data.column_names:
            continue
        column = raw.data.column(spec.name)
        if spec.kind is Kind.ID and arrow.types.is_temporal(column.type):
            message = "Cột mã có kiểu ngày/giờ: mã đã bị đổi thành ngày khi ghi tệp; ghi lại cột này dạng chữ."
            _report_cells(report.error, raw, spec.name, column.is_valid(), message)
            continue
        if not (arrow.types.is_string(column.type) or arrow.types.is_large_string(column.type)):
            continue
        if (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_CHARS:  # bytes >= characters
            message = f"Ô dài hơn {count(MAX_CELL_CHARS)} ký tự (giới hạn của Excel): dán nhầm nội dung? Rút gọn ô này."
            _report_cells(report.error, raw, spec.name, pc.greater(pc.utf8_length(column), MAX_CELL_CHARS), message)
        if spec.kind is Kind.ID:
            message = (
                "Ô định dạng Ngày trong cột mã: Excel đã đổi mã thành ngày. Định dạng cột là Văn bản (Text) "
                "rồi gõ lại mã."
            )
            dates = pc.or_(pc.ends_with(column, DATE_CELL), pc.ends_with(column, TIME_CELL))
            _report_cells(report.error, raw, spec.name, dates, message)
        if spec.kind not in (Kind.ID, Kind.TEXT) or pc.all(pc.utf8_is_printable(column)).as_py() is not False:
            continue
        if spec.kind is Kind.ID:
            message = (
                "Mã có ký tự điều khiển hoặc ký tự vô hình (hiện ra như [U+200B]), thường do chép từ trang web "
                "hay phần mềm khác: mã này khác với mã trông giống hệt nó. Xóa ký tự đó rồi gõ lại mã."
            )
            trimmed = pc.utf8_trim_whitespace(column)  # a tab or a line break after an id is only trimmed
            _report_cells(report.error, raw, spec.name, pc.match_substring_regex(trimmed, INVISIBLE), message)
        else:
            message = (
                "Ô có ký tự điều khiển hoặc ký tự vô hình (hiện ra như [U+0007]), thường do chép từ phần mềm "
                "khác: đã bỏ khi đọc; nên sửa trong tệp."
            )
            _report_cells(report.warning, raw, spec.name, pc.match_substring_regex(column, INVISIBLE_IN_TEXT), message)


def _report_cells(add: Callable[..., None], raw: RawTable, column: str, mask: arrow.ChunkedArray, problem: str) -> None:
    rows = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    if len(rows):
        values = raw.data.column(column).take(arrow.array(rows)).to_pylist()
        add(raw.where, problem, rows=rows, column=column, values=values)


def _key_codes(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """One integer per row for a (possibly composite) key: equal keys, equal integers."""
    combined = np.zeros(len(frame), dtype=np.int64)
    for column in key:
        codes, uniques = pd.factorize(frame[column])
        combined = combined * (len(uniques) + 1) + (np.asarray(codes, dtype=np.int64) + 1)
    return combined


def _schema(spec: TableSpec, frame: pd.DataFrame) -> pa.DataFrameSchema:
    not_blank = {c.name for c in spec.columns if c.required and not c.may_be_blank}
    columns: dict[str, pa.Column] = {}
    for col in spec.columns:
        checks: list[pa.Check] = []
        if col.kind is Kind.COUNT:
            checks.append(pa.Check.ge(0, error="am", ignore_na=True))
        if col.kind is Kind.SCORE:
            checks.append(pa.Check.in_range(0, 10, error="ngoai_khoang_diem", ignore_na=True))
        if col.kind is Kind.POINTS:
            checks.append(pa.Check.in_range(0, 100, error="ngoai_khoang_diem_100", ignore_na=True))
        if col.name in not_blank or checks:
            columns[col.name] = pa.Column(checks=checks, nullable=col.name not in not_blank, coerce=False)
    rules = [pa.Check(r.holds, error=r.name) for r in row_rules(spec.name) if r.may_fail(frame)]
    return pa.DataFrameSchema(columns, checks=rules, coerce=False)


_MESSAGES = {
    "not_nullable": "Ô bắt buộc đang để trống.",
    "am": "Số lượng không được âm.",
    "ngoai_khoang_diem": "Điểm phải nằm trong khoảng 0–10.",
    "ngoai_khoang_diem_100": "Điểm đánh giá phải nằm trong khoảng 0–100.",
}


def check_rows(
    spec: TableSpec, frame: pd.DataFrame, where: Location, report: ValidationReport, invalid: dict[str, np.ndarray]
) -> None:
    """Run the table's pandera schema lazily and report every failure.

    A row rule fails on a row as a whole: pandera lists the row under each of its columns that hold a value,
    so the row is reported once, at the rule's column (even when that cell is the blank one). A cell already
    reported as unreadable (`invalid`) is not reported again as blank, nor judged by a rule that reads it."""
    try:
        _schema(spec, frame).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna()]
        rules = {r.name: r for r in row_rules(spec.name)}
        is_rule = cases["check"].isin(list(rules))
        ruled = cases[is_rule].assign(column=cases.loc[is_rule, "check"].map({n: r.column for n, r in rules.items()}))
        cases = pd.concat([cases[~is_rule], ruled.drop_duplicates(["check", "index"])]).sort_index(kind="stable")
        for (check, column), group in cases.groupby(["check", "column"], sort=False, dropna=False):
            read = [str(column)]
            if check in rules:
                message = rules[check].message
                read.extend(rules[check].also_reads)
            else:
                message = _MESSAGES.get(str(check), "Giá trị không hợp lệ.")  # pandera's own names are English
            rows = np.unique(group["index"].astype("int64").to_numpy())
            for name in read if check in rules or check == "not_nullable" else ():
                if name in invalid:
                    rows = rows[~invalid[name][rows]]
            values = frame[str(column)]
            if pd.api.types.is_datetime64_any_dtype(values):  # a date as the user wrote it: 15/06/2024
                values = values.dt.strftime("%d/%m/%Y")
            vocabulary = next((c.vocabulary for c in spec.columns if c.name == column), None)
            if vocabulary is not None:  # a code by its label: «Cảnh cáo», not canh_cao
                values = values.astype(object).map(vocabulary.labels)
            shown = values.astype(object).to_numpy()[rows]
            report.error(where, message, rows=rows, column=str(column), values=shown)


def check_duplicates(spec: TableSpec, frame: pd.DataFrame, where: Location, report: ValidationReport) -> None:
    key = list(spec.key)
    complete = frame[key].notna().all(axis=1).to_numpy()
    dup = pd.Series(_key_codes(frame, key)).duplicated(keep=False).to_numpy() & complete
    if not dup.any():
        return
    if spec is DANG_VIEN:
        chi_bo_count = frame.loc[dup].groupby(key, observed=True)["ma_chi_bo"].transform("nunique")
        two = np.zeros(len(frame), dtype=bool)
        two[np.flatnonzero(dup)[(chi_bo_count > 1).to_numpy()]] = True
        report.error(
            where,
            "Một đảng viên thuộc hai chi bộ khác nhau trong cùng năm.",
            rows=np.flatnonzero(two),
            column="ma_chi_bo",
            values=frame["ma_chi_bo"].to_numpy()[two],
        )
        dup &= ~two
    label = " + ".join(spec.column(k).title for k in key)
    report.error(
        where,
        f"Trùng khóa ({label}): mỗi {'tổ chức' if spec is TO_CHUC else 'dòng'} chỉ được xuất hiện một lần.",
        rows=np.flatnonzero(dup),
        column=key[0],
        values=frame[key[0]].to_numpy()[dup],
    )


def check_tree(frame: pd.DataFrame, where: Location, report: ValidationReport) -> np.ndarray:
    """Parent links of `to_chuc`; returns parent positions with broken links cut (for later steps).

    One message per cell, the most basic first: an unknown parent, then a cycle, then a level
    that may not have a parent (or must have one), then a parent of the wrong level."""
    parent = tree.parent_positions(frame["ma_to_chuc"], frame["ma_cap_tren"])
    cap = frame["cap"].astype(object).to_numpy()
    values = frame["ma_cap_tren"].to_numpy()
    known_cap = frame["cap"].notna().to_numpy()

    unknown = parent == tree.UNKNOWN_PARENT
    report.error(
        where,
        "Mã cấp trên không có trong bảng Tổ chức." + unknown_code_hint(values[unknown], frame),
        rows=np.flatnonzero(unknown),
        column="ma_cap_tren",
        values=values[unknown],
    )
    on_cycle = tree.cycle_members(parent)
    report.error(
        where,
        "Quan hệ cấp trên tạo thành vòng lặp (tổ chức là cấp trên của chính nó, trực tiếp hoặc gián tiếp).",
        rows=np.flatnonzero(on_cycle),
        column="ma_cap_tren",
        values=values[on_cycle],
    )
    settled = ~unknown & ~on_cycle
    roots = frame["cap"].eq("cap_tren_co_so").to_numpy()
    has_parent = parent != tree.NO_PARENT
    stray = roots & has_parent & settled
    report.error(
        where,
        "Đảng bộ cấp trên cơ sở không có cấp trên trong dữ liệu: để trống cột này.",
        rows=np.flatnonzero(stray),
        column="ma_cap_tren",
        values=values[stray],
    )
    orphan = ~roots & ~has_parent & known_cap
    report.error(
        where,
        "Thiếu mã cấp trên: chỉ đảng bộ cấp trên cơ sở mới không có cấp trên.",
        rows=np.flatnonzero(orphan),
        column="ma_cap_tren",
        values=values[orphan],
    )
    known = (parent >= 0) & settled
    parent_cap = pd.Series(cap[np.clip(parent, 0, None)] if len(cap) else cap).where(known).to_numpy()
    wrong = known & ~roots & ~_level_ok(cap, parent_cap) & known_cap
    for level in np.unique(cap[wrong].astype(str)) if wrong.any() else ():
        rows = wrong & (cap == level)
        need = " hoặc ".join(CAP.labels[p] for p in PARENT_LEVELS[level])
        report.error(
            where,
            f"Cấp trên sai cấp: cấp trên của «{CAP.labels[level]}» phải là {need}.",
            rows=np.flatnonzero(rows),
            column="ma_cap_tren",
            values=values[rows],
        )
    return np.where((parent >= 0) & ~on_cycle, parent, tree.NO_PARENT)


def unknown_code_hint(values: np.ndarray, to_chuc: pd.DataFrame) -> str:
    """A hint when unknown codes look like organisation names, or like codes that lost their
    leading zeros in Excel ("1" for "001")."""
    if len(values) == 0:
        return ""
    given = pd.Series(values, dtype=object).astype(str)
    if given.isin(to_chuc["ten_to_chuc"].astype(str)).any():
        return " Cột này cần mã tổ chức (ví dụ CB001), không phải tên tổ chức."
    stripped = to_chuc["ma_to_chuc"].astype(str).str.lstrip("0")
    if given.str.isdigit().any() and given.str.lstrip("0").isin(stripped).any():
        return " Có thể Excel đã bỏ số 0 ở đầu mã (ví dụ 001 thành 1): định dạng cột là Văn bản rồi gõ lại."
    return ""


def _level_ok(cap: np.ndarray, parent_cap: np.ndarray) -> np.ndarray:
    pair = pd.Series(cap).astype(str) + ">" + pd.Series(parent_cap).astype(str)
    allowed = {f"{c}>{p}" for c, parents in PARENT_LEVELS.items() for p in parents}
    return pair.isin(allowed).to_numpy() | pd.isna(parent_cap)


def check_loai_hinh(
    frame: pd.DataFrame, where: Location, report: ValidationReport, invalid: dict[str, np.ndarray]
) -> None:
    tccsd = frame["cap"].isin(TCCSD_LEVELS).to_numpy()
    blank = tccsd & frame["loai_hinh"].isna().to_numpy() & ~invalid.get("loai_hinh", np.zeros(len(frame), bool))
    report.error(where, "Tổ chức cơ sở đảng phải có loại hình.", rows=np.flatnonzero(blank), column="loai_hinh")


def check_members(to_chuc: pd.DataFrame, members: pd.DataFrame, where: Location, report: ValidationReport) -> None:
    position = positions_in(to_chuc["ma_to_chuc"], members["ma_chi_bo"])
    given = members["ma_chi_bo"].notna().to_numpy()
    values = members["ma_chi_bo"].to_numpy()
    unknown = given & (position < 0)
    report.error(
        where,
        "Mã chi bộ không có trong bảng Tổ chức." + unknown_code_hint(values[unknown], to_chuc),
        rows=np.flatnonzero(unknown),
        column="ma_chi_bo",
        values=values[unknown],
    )
    caps = to_chuc["cap"].to_numpy()
    member_cap = pd.Series(
        np.where(position >= 0, caps[np.clip(position, 0, None)], None) if len(caps) else [None] * len(position)
    )
    not_chi_bo = (position >= 0) & ~member_cap.isin(CHI_BO_LEVELS).to_numpy()
    for level in pd.unique(member_cap[not_chi_bo].astype(str)):
        rows = not_chi_bo & (member_cap == level).to_numpy()
        label = CAP.labels.get(level, level)
        report.error(
            where,
            f"Đảng viên phải sinh hoạt ở một chi bộ (chi bộ cơ sở hoặc chi bộ trực thuộc), nhưng mã này là {label}.",
            rows=np.flatnonzero(rows),
            column="ma_chi_bo",
            values=values[rows],
        )


def check_unit_years(to_chuc: pd.DataFrame, units: pd.DataFrame, where: Location, report: ValidationReport) -> None:
    position = positions_in(to_chuc["ma_to_chuc"], units["ma_to_chuc"])
    unknown = (position < 0) & units["ma_to_chuc"].notna().to_numpy()
    report.error(
        where,
        "Mã tổ chức không có trong bảng Tổ chức." + unknown_code_hint(units["ma_to_chuc"].to_numpy()[unknown], to_chuc),
        rows=np.flatnonzero(unknown),
        column="ma_to_chuc",
        values=units["ma_to_chuc"].to_numpy()[unknown],
    )


def check_tasks(to_chuc: pd.DataFrame, tasks: pd.DataFrame, where: Location, report: ValidationReport) -> None:
    """Every task row names an organisation of the tree."""
    check_unit_years(to_chuc, tasks, where, report)


def coverage_warnings(
    cap: np.ndarray,
    ids: np.ndarray,
    parent: np.ndarray,
    member_chi_bo: np.ndarray,
    member_year: np.ndarray,
    unit_org: np.ndarray,
    unit_year: np.ndarray,
    where: dict[str, Location],
    report: ValidationReport,
) -> None:
    """Things to look at that do not stop scoring: a chi bộ with no members, an organisation with
    no year row, a year with unit rows but no members, a đảng bộ with no chi bộ under it.

    Works on organisation positions (the codes of the linked columns), one pass per year."""
    orgs = where["to_chuc"]
    is_chi_bo = np.isin(cap, CHI_BO_LEVELS)
    for year in np.unique(member_year):
        has_members = np.bincount(member_chi_bo[member_year == year], minlength=len(cap)) > 0
        empty = is_chi_bo & ~has_members
        report.warning(
            orgs,
            f"Chi bộ không có đảng viên nào trong năm {year}.",
            rows=np.flatnonzero(empty),
            column="ma_to_chuc",
            values=ids[empty],
        )
        has_row = np.bincount(unit_org[unit_year == year], minlength=len(cap)) > 0
        report.warning(
            orgs,
            f"Tổ chức không có số liệu Đơn vị năm {year} (xếp loại, quần chúng, kiểm tra…): "
            "các tiêu chí cần số liệu này sẽ là «không đủ dữ liệu».",
            rows=np.flatnonzero(~has_row),
            column="ma_to_chuc",
            values=ids[~has_row],
        )
    for year in np.setdiff1d(np.unique(unit_year), np.unique(member_year)):
        report.warning(
            where["don_vi_nam"],
            f"Năm {year} có số liệu Đơn vị năm nhưng không có đảng viên nào trong "
            "bảng Đảng viên: các tiêu chí về đảng viên năm đó sẽ không đủ dữ liệu.",
        )
    above = np.zeros(len(cap), dtype=bool)  # organisations with at least one chi bộ trực thuộc below
    current = parent[cap == "chi_bo_truc_thuoc"]
    while (current >= 0).any():
        current = current[current >= 0]
        above[current] = True
        current = parent[current]
    childless = np.isin(cap, ("dang_bo_co_so", "dang_bo_bo_phan")) & ~above
    report.warning(
        orgs,
        "Đảng bộ không có chi bộ trực thuộc nào bên dưới.",
        rows=np.flatnonzero(childless),
        column="ma_to_chuc",
        values=ids[childless],
    )


def unit_row_warnings(frame: pd.DataFrame, where: Location, report: ValidationReport) -> None:
    """Half-filled figures: the part without the whole gives no ratio."""
    for part, whole, said in (
        ("so_quan_chung_quan_triet", "so_quan_chung", "số quần chúng được quán triệt nhưng thiếu tổng số quần chúng"),
    ):
        half = (frame[part].notna() & frame[whole].isna()).to_numpy()
        report.warning(where, f"Có {said}: tỷ lệ sẽ là «không đủ dữ liệu».", rows=np.flatnonzero(half), column=whole)


__all__ = [
    "check_cells",
    "check_duplicates",
    "check_loai_hinh",
    "check_members",
    "check_rows",
    "check_tree",
    "check_unit_years",
    "coverage_warnings",
    "unit_row_warnings",
]
