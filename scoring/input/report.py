"""The validation report: every problem found in a dataset, as one table a user can act on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.input.schema import column_title

ERROR = "Lỗi"
WARNING = "Cảnh báo"

#: characters of a shown value: a 32 767-character cell is named by its start
SHOWN_VALUE_CHARS = 100

#: Columns shown to people: canonical name -> Vietnamese header. «Cột» names a column as the user's
#: file writes it (or, for a file headed with codes, as the template titles it).
SHOWN_COLUMNS: dict[str, str] = {
    "muc_do": "Mức độ",
    "tep": "Tệp",
    "trang_tinh": "Trang tính",
    "dong": "Dòng",
    "cot": "Cột",
    "gia_tri": "Giá trị",
    "van_de": "Vấn đề",
}
#: Every column of the full report (`ValidationReport.table`, the file `thidua validate --xuat` writes):
#: those shown, and the column's code (ma_dang_vien…) for tools that read the report.
COLUMNS: dict[str, str] = {**SHOWN_COLUMNS, "ma_cot": "Mã cột"}


@dataclass(frozen=True)
class Location:
    """Where a table came from, so that a row position maps to what the user sees."""

    file: str
    sheet: str = ""
    #: row number (1-based, as Excel or a text editor shows it) of the table's first data row
    first_row: int = 2
    #: canonical column name -> the column as the user knows it: the header as written in the file,
    #: or the template's title when the file names the column by its code (`raw_table.finish_table`)
    headers: dict[str, str] = field(default_factory=dict)
    #: shown row number of each data row when rows were skipped (blank lines); else None
    row_numbers: np.ndarray | None = field(default=None, compare=False)

    def header(self, column: str) -> str:
        """The column as shown to people: its header in the file, else its title in the template."""
        return self.headers.get(column) or column_title(column)

    def shown_rows(self, positions: np.ndarray) -> np.ndarray:
        """0-based positions in the table -> row numbers as the user sees them (-1 stays -1)."""
        if self.row_numbers is None or len(self.row_numbers) == 0:
            shown = positions + self.first_row
        else:
            shown = self.row_numbers[np.clip(positions, 0, None)]
        return np.where(positions >= 0, shown, -1)


class ValidationReport:
    """Collects problems table-wise (vectorised: one call adds many rows) and renders them."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        level: str,
        where: Location,
        problem: str,
        *,
        rows: Iterable[int] | np.ndarray | None = None,
        column: str = "",
        values: Iterable[object] | np.ndarray | None = None,
    ) -> None:
        """Add one problem, or the same problem at many row positions (0-based within the table)."""
        if rows is None:
            positions = np.array([-1])
        else:
            positions = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)
        if positions.size == 0:
            return
        shown = where.shown_rows(positions)
        if values is None:
            value_col: object = ""
        else:
            raw = values if isinstance(values, np.ndarray) else np.asarray(list(values), dtype=object)
            value_col = pd.Series(raw, dtype=object).map(_show_value).to_numpy()
        part = pd.DataFrame(
            {
                "muc_do": level,
                "tep": printable(where.file),
                "trang_tinh": printable(where.sheet),
                "dong": pd.array(np.where(shown >= 0, shown, 0), dtype="Int64"),
                "cot": printable(where.header(column)) if column else "",
                "gia_tri": value_col,
                "van_de": printable(problem, keep="\n"),
                "ma_cot": column,
            }
        )
        part.loc[shown < 0, "dong"] = pd.NA
        self._parts.append(part)

    def error(self, where: Location, problem: str, **kwargs: object) -> None:
        self.add(ERROR, where, problem, **kwargs)  # type: ignore[arg-type]

    def warning(self, where: Location, problem: str, **kwargs: object) -> None:
        self.add(WARNING, where, problem, **kwargs)  # type: ignore[arg-type]

    @property
    def table(self) -> pd.DataFrame:
        """All problems: errors first, then table by table in reading order, then by row."""
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
        frame = pd.concat(self._parts, ignore_index=True)
        frame["_order"] = (frame["muc_do"] != ERROR).astype(int)
        frame["_source"] = pd.factorize(frame["tep"] + "\0" + frame["trang_tinh"])[0]  # tables in reading order
        frame = frame.sort_values(["_order", "_source", "dong"], kind="stable", na_position="first")
        return frame.drop(columns=["_order", "_source"]).reset_index(drop=True)

    @property
    def errors(self) -> pd.DataFrame:
        t = self.table
        return t[t["muc_do"] == ERROR].reset_index(drop=True)

    @property
    def warnings(self) -> pd.DataFrame:
        t = self.table
        return t[t["muc_do"] == WARNING].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        return not any((p["muc_do"] == ERROR).any() for p in self._parts)

    def counts(self) -> tuple[int, int]:
        t = self.table
        n_err = int((t["muc_do"] == ERROR).sum())
        return n_err, len(t) - n_err

    def summary(self) -> str:
        n_err, n_warn = self.counts()
        if n_err == 0 and n_warn == 0:
            return "Dữ liệu hợp lệ: không có lỗi, không có cảnh báo."
        verdict = "Dữ liệu có lỗi, chưa thể chấm điểm" if n_err else "Dữ liệu hợp lệ"
        return f"{verdict}: {n_err} lỗi, {n_warn} cảnh báo."

    def display_table(self, max_per_problem: int = 20) -> pd.DataFrame:
        """Vietnamese headers; a problem repeated on many rows is cut to `max_per_problem` rows
        followed by one line saying how many more there are."""
        t = self.table[list(SHOWN_COLUMNS)]
        if t.empty:
            return t.rename(columns=SHOWN_COLUMNS)
        key = ["muc_do", "tep", "trang_tinh", "cot", "van_de"]
        rank = t.groupby(key, sort=False, dropna=False).cumcount()
        size = t.groupby(key, sort=False, dropna=False)["van_de"].transform("size")
        shown = t[rank < max_per_problem].copy()
        cut = t[(rank == max_per_problem)].copy()
        if not cut.empty:
            more = size[cut.index] - max_per_problem
            cut["dong"] = pd.NA
            cut["gia_tri"] = ""
            cut["van_de"] = [f"… và {n} dòng khác cùng lỗi này" for n in more]
            shown = pd.concat([shown, cut]).sort_index(kind="stable")
        out = shown.astype({"dong": "string"}).fillna({"dong": ""})
        return out.rename(columns=SHOWN_COLUMNS).reset_index(drop=True)

    def to_text(self, max_per_problem: int = 20) -> str:
        table = self.display_table(max_per_problem)
        if table.empty:
            return self.summary()
        rows = [list(table.columns), *table.astype(str).to_numpy().tolist()]
        widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        return self.summary() + "\n\n" + "\n".join(lines)


def _show_value(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(trống)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return printable(str(value), SHOWN_VALUE_CHARS)


def printable(text: str, limit: int | None = None, keep: str = "") -> str:
    """`text` as it can be shown in a terminal or a cell: characters that print as nothing or move the
    cursor (controls, zero-width spaces, the byte-order mark) written as [U+200B], cut to `limit`."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in keep else f"[U+{ord(ch):04X}]" for ch in text)
