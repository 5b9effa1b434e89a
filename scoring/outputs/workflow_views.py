"""The workflow as people read and type it: the self-assessment form's cells both ways (numbers the
Vietnamese way, «86,5» and «1.200», read with `parse_number` and shown with `format_number`; codes by
their labels; flags as «Có»/«Không»), the figures as the workbook a unit fills offline and uploads
back, a unit's own members beside the rating the rules allow, a report's versions, and what changed
between two versions (each cell before and after, by its label); the past imports and the stored plan
files with who did what and when, on the office's clock."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.domain.codes import RATING_ORDER, XEP_LOAI
from scoring.domain.numbers import format_moments, format_number, format_points, parse_number
from scoring.engine.rating import RatingCheck
from scoring.engine.score import ScoreResult
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, MEMBER_FIELDS, NHIEM_VU, UNIT_FIELDS, ColumnSpec, Kind

NUMBER_KINDS = (Kind.COUNT, Kind.SCORE, Kind.POINTS)
#: decimals a typed number keeps when shown back (a score of 8,125 stays 8,125)
SHOWN_DECIMALS = 6
YES_NO = {True: "Có", False: "Không"}
#: the column of `views.gaps` that says how the rank moved since the year before
RANK_CHANGE = "Thay đổi thứ hạng (+ là tăng)"


# --- the form's cells ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreadable:
    """A cell the form could not read: where (the field, and for a member its row from 1 and name),
    what was typed, and what to type instead."""

    column: ColumnSpec
    text: str
    row: int | None = None
    who: str = ""

    def message(self) -> str:
        where = f"Dòng {self.row}" + (f" ({self.who})" if self.who else "") + ", cột " if self.row else "Ô "
        return f"{where}«{self.column.title}»: không đọc được «{self.text}» thành số; cần {self.column.expected()}."


def number_cell(value: Any) -> str:
    """A stored number as a text box shows it: «1.200», «86,5»; a text that could not be read as it was
    typed; blank for no value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or pd.isna(value):
        return ""
    return format_number(float(value), SHOWN_DECIMALS)


def read_number(column: ColumnSpec, text: Any) -> tuple[int | float | str | None, bool]:
    """A typed number (the Vietnamese way first: «86,5», «1.200»; `parse_number`) and whether it was
    readable. A count is kept as an integer when it is one (a fraction is left for the report's check);
    a text that is not a number is kept as typed (never lost, never saved: `Unreadable`)."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None, True
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        typed = str(text).strip()
        if not typed:
            return None, True
        parsed = parse_number(typed)
        if parsed is None:
            return typed, False
        value = parsed
    if column.kind is Kind.COUNT and value.is_integer():
        return int(value), True
    return value, True


def read_unit(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[Unreadable]]:
    """The unit's fields as typed (numbers as text) as values, and the cells that could not be read
    (kept as typed, so that a redrawn form still shows them). A yes/no field left blank is «Không», as
    a blank cell of a column an uploaded file has (`scoring.input.coerce`)."""
    out: dict[str, Any] = {}
    problems: list[Unreadable] = []
    for column in UNIT_FIELDS:
        value = values.get(column.name)
        if column.kind is Kind.FLAG:
            value = _flag(value)
        elif column.kind in NUMBER_KINDS:
            value, readable = read_number(column, value)
            if not readable:
                problems.append(Unreadable(column, str(values.get(column.name)).strip()))
        out[column.name] = value
    return out, problems


def member_grid(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The members as the grid edits them: numbers as text the Vietnamese way, flags as booleans (a
    box left empty is «không»: a grid has no third state), codes as codes (the grid shows labels)."""
    frame = pd.DataFrame(rows, columns=[c.name for c in MEMBER_FIELDS])
    for column in MEMBER_FIELDS:
        values = frame[column.name]
        if column.kind is Kind.FLAG:
            frame[column.name] = values.astype("boolean").fillna(False).astype(bool)
        elif column.kind in NUMBER_KINDS:
            frame[column.name] = pd.Series([number_cell(v) for v in values], index=frame.index, dtype=object)
        elif column.kind is Kind.CODE:  # by its label: what the grid draws, reads aloud and downloads is words
            frame[column.name] = pd.Series([code_label(column, v) for v in values], index=frame.index, dtype=object)
        else:
            frame[column.name] = pd.Series(
                ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values],
                index=frame.index,
                dtype=object,
            )
    return frame


def code_label(column: ColumnSpec, value: Any) -> str | None:
    """A code as the grid shows it: by its label («Hoàn thành tốt nhiệm vụ», «Viên chức»); None for none."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    labels = column.vocabulary.labels if column.vocabulary is not None else {}
    return labels.get(str(value), str(value))


def label_code(column: ColumnSpec, value: Any) -> Any:
    """A grid's label back to its code (a code, or a text that is neither, stays as it is)."""
    if not isinstance(value, str) or column.vocabulary is None:
        return value
    return {label: code for code, label in column.vocabulary.labels.items()}.get(value, value)


def read_members(grid: pd.DataFrame | list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Unreadable]]:
    """The grid's rows as member records (numbers read from their text), and the cells that could not be read."""
    records: list[dict[str, Any]] = (
        [{str(k): v for k, v in r.items()} for r in grid.to_dict("records")] if isinstance(grid, pd.DataFrame) else grid
    )
    numbers = [c for c in MEMBER_FIELDS if c.kind in NUMBER_KINDS]
    codes = [c for c in MEMBER_FIELDS if c.kind is Kind.CODE]
    problems: list[Unreadable] = []
    rows: list[dict[str, Any]] = []
    flags = [c.name for c in MEMBER_FIELDS if c.kind is Kind.FLAG]
    for i, record in enumerate(records, start=1):
        row = dict(record)
        if any(not _blank(v) for k, v in record.items() if k not in flags):  # a box left empty is «Không»
            row.update({name: _flag(record.get(name)) for name in flags})  # (a row left wholly blank stays blank)
        for column in numbers:
            row[column.name], readable = read_number(column, record.get(column.name))
            if not readable:
                who = str(record.get("ho_ten") or "").strip()
                problems.append(Unreadable(column, str(record.get(column.name)).strip(), i, who))
        for column in codes:  # the grid holds labels: back to codes
            row[column.name] = label_code(column, record.get(column.name))
        rows.append(row)
    return rows, problems


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _flag(value: Any) -> Any:
    """A yes/no cell of the form: blank (never ticked, never chosen) is «Không» (False)."""
    return False if _blank(value) else value


# --- the workbook a unit fills offline ---------------------------------------------------------------


def _readable(column: ColumnSpec, value: Any) -> Any:
    """A stored value as a person writes it in a workbook (and the upload reads back): a code by its
    label, a flag «Có»/«Không»; numbers stay numbers (the spreadsheet shows them its own way)."""
    if value is None:
        return None
    if column.kind is Kind.FLAG and isinstance(value, bool):
        return YES_NO[value]
    if column.vocabulary is not None and isinstance(value, str):
        return column.vocabulary.labels.get(value, value)
    return value


def form_sheets(unit: str, year: int, data: Mapping[str, Any], with_members: bool) -> dict[str, pd.DataFrame]:
    """The figures as the template's sheets («Đơn vị năm», and «Đảng viên» for a chi bộ), titles as
    headers and values by their labels: to fill offline and upload back (the upload reads labels)."""
    unit_row = {"ma_to_chuc": unit, "nam": year, **dict(data.get("don_vi") or {})}
    sheets = {DON_VI_NAM.title: _titled_rows([unit_row], DON_VI_NAM.columns)}
    if with_members:
        members = [{**m, "ma_chi_bo": unit, "nam": year} for m in data.get("dang_vien") or []]
        sheets[DANG_VIEN.title] = _titled_rows(members, DANG_VIEN.columns)
    return sheets


def _titled_rows(rows: list[dict[str, Any]], columns: Iterable[ColumnSpec]) -> pd.DataFrame:
    specs = list(columns)
    return pd.DataFrame(
        [[_readable(c, row.get(c.name)) for c in specs] for row in rows], columns=[c.title for c in specs]
    )


# --- ratings, members and versions as people read them ---------------------------------------------

_CODES = "|".join(RATING_ORDER)  # whole words only: HTNV is not read inside HTTNV
_RATING_CODE = re.compile(rf"\b({_CODES})\b")
_RANGE = re.compile(rf"({_CODES})\s*[–-]\s*({_CODES})")


def rating_words(text: str) -> str:
    """A rating or an allowed range as words: «HTXSNV» → «Hoàn thành xuất sắc nhiệm vụ», «tối đa HTTNV» →
    «tối đa Hoàn thành tốt nhiệm vụ», «HTNV–HTXSNV» → «từ Hoàn thành nhiệm vụ đến Hoàn thành xuất sắc
    nhiệm vụ»; blank stays blank."""
    labels = XEP_LOAI.labels
    text = str(text or "").strip()
    if (found := _RANGE.fullmatch(text)) is not None:
        return f"từ {labels[found.group(1)]} đến {labels[found.group(2)]}"
    return _RATING_CODE.sub(lambda m: labels[m.group(1)], text)


def rating_verdict(rating: Mapping[str, str]) -> str:
    """The rating check of a report in words: «Đúng quy định — mức được phép: Hoàn thành xuất sắc nhiệm
    vụ. Căn cứ: <rule>. Quy định áp dụng: <rules file>.»"""
    allowed = rating_words(rating.get("muc_duoc_phep", "")) or "—"
    parts = [f"{rating.get('ket_luan', '')} — mức được phép: {allowed}."]
    if reason := str(rating.get("can_cu") or "").strip():
        parts.append(f"Căn cứ: {rating_words(reason).rstrip('.')}.")
    if rules := str(rating.get("quy_dinh") or "").strip():
        parts.append(f"Quy định áp dụng: {rules}.")
    if unchecked := str(rating.get("chua_kiem_tra") or "").strip():
        parts.append(f"Chưa kiểm tra được vì thiếu số liệu: {unchecked}.")
    return " ".join(parts)


#: accounts people do not log in as, by what they are (`scoring.store.accounts.SYSTEM`: the command line)
PEOPLE = {"he_thong": "Dòng lệnh quản trị"}


def person(name: Any) -> str:
    """Who did something, as people read it: a login name, the command line by its name; blank for none."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    return PEOPLE.get(str(name), str(name))


HISTORY_HEADERS = {
    "phien_ban": "Phiên bản",
    "trang_thai": "Trạng thái",
    "boi": "Người thực hiện",
    "luc": "Lúc",
    "ly_do_tra_lai": "Lý do trả lại",
}


def history_view(history: pd.DataFrame) -> pd.DataFrame:
    """A report's versions (`Store.history`) for a reader: Vietnamese headers, times as «17/01/2026
    14:05», blank cells empty (never «None»)."""
    table = history.reindex(columns=list(HISTORY_HEADERS)).astype(object)
    table["luc"] = format_moments(table["luc"])
    table["boi"] = [person(v) for v in table["boi"]]
    table["phien_ban"] = [
        str(int(v)) if isinstance(v, int | float) and not pd.isna(v) else "" for v in table["phien_ban"]
    ]
    table = table.where(table.notna(), "").map(lambda v: "" if v is None else str(v))
    return table.rename(columns=HISTORY_HEADERS)


def ranks_view(ranks: pd.DataFrame) -> pd.DataFrame:
    """A unit's rank in each of its groups (`views.gaps`) with points the Vietnamese way («86,5») and the
    change of rank signed («+2»; blank in a first year); ranks and group sizes stay numbers."""
    table = ranks.copy()
    for column in ("Tổng điểm", "Cách điển hình (điểm)", RANK_CHANGE):
        if column in table:
            numbers = pd.to_numeric(table[column], errors="coerce").astype("Float64")
            table[column] = format_points(numbers, signed=column == RANK_CHANGE)
    return table


def member_table(check: RatingCheck | None, result: ScoreResult, unit: str) -> pd.DataFrame:
    """The unit's own members: score («86,5»), rank, rating as entered and what the rules allow, in words."""
    ranked = result.xep_hang_dang_vien
    ranked = ranked[ranked["ma_chi_bo"].astype(str) == unit].drop_duplicates("ma_dang_vien")
    table = pd.DataFrame(
        {
            "Mã đảng viên": ranked["ma_dang_vien"].astype(str).to_numpy(),
            "Họ và tên": ranked["ho_ten"].astype(str).to_numpy(),
            "Tổng điểm": format_points(ranked["tong_diem"].astype("Float64")).to_numpy(),
            "Thứ hạng": ranked["thu_hang"].to_numpy(),
        }
    )
    if check is None or table.empty:
        return table
    rated = check.members[check.members["ma_chi_bo"].astype(str) == unit] if "ma_chi_bo" in check.members else None
    if rated is None:
        return table
    rated = pd.DataFrame(
        {
            "Mã đảng viên": rated["ma_dang_vien"].astype(str).to_numpy(),
            "Tự xếp loại": [rating_words(v) for v in rated["xep_loai"].astype(str)],
            "Mức được phép": [rating_words(v) for v in rated["muc_duoc_phep"].astype(str)],
            "Kết luận": rated["ket_luan"].astype(str).to_numpy(),
            "Căn cứ": rated["can_cu"].astype(str).to_numpy(),
        }
    )
    return table.merge(rated, on="Mã đảng viên", how="left")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, int | float):
        return format_number(value, SHOWN_DECIMALS)
    return str(value)


_LABELS = {
    c.name: c.vocabulary.labels for c in (*UNIT_FIELDS, *MEMBER_FIELDS, *NHIEM_VU.columns) if c.vocabulary is not None
}


def cell_text(name: str, value: Any) -> str:
    """A report's cell (field `name`) as people read it: a rating or a code by its label, a flag «Có»/«Không»,
    a number the Vietnamese way («86,5», «1.200»), blank for none."""
    labels = _LABELS.get(name)
    return labels.get(value, str(value)) if labels and isinstance(value, str) else _shown(value)


_FLAGS = {c.name for c in (*UNIT_FIELDS, *MEMBER_FIELDS) if c.kind is Kind.FLAG}


def _same(name: str, a: Any, b: Any) -> bool:
    """Two versions' values of a field agree; a yes/no field left blank is «Không» (a report saved before
    the form wrote «Không» out does not differ from one that does)."""
    return _flag(a) == _flag(b) if name in _FLAGS else bool(a == b)


def changes(before: dict[str, Any], after: dict[str, Any]) -> pd.DataFrame:
    """Every figure that differs between two versions of a report: the unit's own, and per member
    (by Mã đảng viên) — members added, removed, and each changed cell — as «trước» and «sau»."""
    rows: list[dict[str, str]] = []
    titles = {c.name: c.title for c in MEMBER_FIELDS}
    order = {name: i for i, name in enumerate(titles)}  # the table's own column order
    old_unit, new_unit = before.get("don_vi", {}), after.get("don_vi", {})
    for column in UNIT_FIELDS:
        a, b = old_unit.get(column.name), new_unit.get(column.name)
        if not _same(column.name, a, b):
            rows.append(
                {"Phần": "Đơn vị", "Đảng viên": "", "Cột": column.title, "Trước": cell_text(column.name, a),
                 "Sau": cell_text(column.name, b)}
            )  # fmt: skip
    old_members = {str(m.get("ma_dang_vien")): m for m in before.get("dang_vien", [])}
    new_members = {str(m.get("ma_dang_vien")): m for m in after.get("dang_vien", [])}
    for key in sorted(old_members.keys() | new_members.keys()):
        a_row, b_row = old_members.get(key), new_members.get(key)
        who = f"{(b_row or a_row or {}).get('ho_ten', '')} ({key})"
        if a_row is None or b_row is None:
            rows.append(
                {"Phần": "Đảng viên", "Đảng viên": who, "Cột": "cả dòng",
                 "Trước": "" if a_row is None else "có", "Sau": "" if b_row is None else "có"}
            )  # fmt: skip
            continue
        for name in sorted(a_row.keys() | b_row.keys(), key=lambda n: order.get(n, len(order))):
            if not _same(name, a_row.get(name), b_row.get(name)):
                rows.append(
                    {"Phần": "Đảng viên", "Đảng viên": who, "Cột": titles.get(name, name),
                     "Trước": cell_text(name, a_row.get(name)), "Sau": cell_text(name, b_row.get(name))}
                )  # fmt: skip
    return pd.DataFrame(rows, columns=["Phần", "Đảng viên", "Cột", "Trước", "Sau"])


# --- the imports and the stored plan files ----------------------------------------------------------

IMPORT_HEADERS = {
    "id": "Lần", "luc": "Lúc", "boi": "Người nạp", "ten_tep": "Tệp", "nam": "Năm", "bao_cao_moi": "Báo cáo mới",
    "bao_cao_thay_doi": "Báo cáo thay đổi", "khong_doi": "Không đổi", "hoan_tac": "Hoàn tác (người, lúc)",
}  # fmt: skip
PLAN_FILE_HEADERS = {
    "loai": "Loại", "ten": "Tệp", "phien_ban": "Phiên bản", "dang_dung": "Đang dùng", "tai_len_boi": "Người tải lên",
    "tai_len_luc": "Lúc tải lên", "sha256": "Mã SHA-256",
}  # fmt: skip


def imports_view(past: pd.DataFrame) -> pd.DataFrame:
    """The past imports (`imports.list_imports`) for a reader: Vietnamese headers, the time on the office's
    clock, who imported by name; counts stay numbers (the screen writes them «1.200»)."""
    table = past.reindex(columns=list(IMPORT_HEADERS)).astype(object)
    table["luc"] = format_moments(table["luc"])
    table["boi"] = [person(v) for v in table["boi"]]
    return table.rename(columns=IMPORT_HEADERS)


def plan_files_view(history: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """The stored versions of plan and rules files (`plan_files.history`) for a reader: the kind in words
    (`kinds`: `plan_files.KINDS`), in use «Có»/«Không», who uploaded and when, the digest cut to 12 characters
    (enough to tell two versions apart)."""
    table = history.reindex(columns=list(PLAN_FILE_HEADERS)).astype(object)
    table["loai"] = [kinds.get(str(k), str(k)) for k in table["loai"]]
    table["dang_dung"] = [YES_NO[bool(v)] for v in table["dang_dung"]]
    table["tai_len_boi"] = [person(v) for v in table["tai_len_boi"]]
    table["tai_len_luc"] = format_moments(table["tai_len_luc"])
    table["sha256"] = [str(v)[:12] for v in table["sha256"]]
    return table.rename(columns=PLAN_FILE_HEADERS)
