"""The canonical dataset: three typed tables, read and checked in one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.domain import tree
from scoring.domain.codes import TCCSD_LEVELS
from scoring.domain.numbers import number_text
from scoring.input import checks
from scoring.input.coerce import coerce_table, empty_frame
from scoring.input.raw_table import RawTable, finish_table
from scoring.input.readers import read_tables
from scoring.input.report import Location, ValidationReport
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, NHIEM_VU, OPTIONAL_TABLES, TABLES, TO_CHUC, TableSpec


class DatasetError(Exception):
    """The dataset has errors; `report` holds every one of them."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.to_text())
        self.report = report


@dataclass
class Dataset:
    """`to_chuc`, `dang_vien` and `don_vi_nam` as typed frames.

    Coded columns (cap, loai_hinh, doi_tuong, the ratings) are categoricals; the ratings are
    ordered KHTNV < HTNV < HTTNV < HTXSNV, with MIEN and blank as missing. Every reference to
    an organisation (`ma_cap_tren`, `ma_chi_bo`, `don_vi_nam.ma_to_chuc`) is a categorical whose
    categories are `to_chuc.ma_to_chuc` in table order, so its codes are row positions in
    `to_chuc`. `to_chuc.loai_hinh` is filled for chi bộ trực thuộc from their TCCSĐ.
    """

    to_chuc: pd.DataFrame
    dang_vien: pd.DataFrame
    don_vi_nam: pd.DataFrame
    source: str = ""
    #: optional: one row per organisation × task × year (empty when the data has no such table)
    nhiem_vu: pd.DataFrame = field(default_factory=lambda: empty_frame(NHIEM_VU))
    report: ValidationReport = field(default_factory=ValidationReport, repr=False)

    @cached_property
    def years(self) -> list[int]:
        """The years the data holds (members' or units'), in order; worked out once."""
        found = np.union1d(
            pd.unique(self.dang_vien["nam"].dropna().to_numpy(dtype=np.int64)),
            pd.unique(self.don_vi_nam["nam"].dropna().to_numpy(dtype=np.int64)),
        )
        return [int(y) for y in found]

    @cached_property
    def _member_factors(self) -> tuple[np.ndarray, pd.Index]:
        return sorted_codes(self.dang_vien["ma_dang_vien"])

    @property
    def member_codes(self) -> np.ndarray:
        """Per `dang_vien` row, the member's position in `member_ids` (the same across years)."""
        return self._member_factors[0]

    @property
    def member_ids(self) -> pd.Index:
        """Every member id once, sorted: codes follow id order, so sorting codes sorts ids."""
        return self._member_factors[1]

    @cached_property
    def org_ids(self) -> np.ndarray:
        return self.to_chuc["ma_to_chuc"].to_numpy(dtype=object)

    @cached_property
    def org_names(self) -> np.ndarray:
        return self.to_chuc["ten_to_chuc"].to_numpy(dtype=object)

    @cached_property
    def tccsd_of(self) -> np.ndarray:
        """Position of each organisation's TCCSĐ (itself for a TCCSĐ), -1 above that level."""
        return tree.ancestor_where(self.parent, self.to_chuc["cap"].isin(TCCSD_LEVELS).to_numpy())

    @cached_property
    def cap_tren_of(self) -> np.ndarray:
        """Position of each organisation's đảng bộ cấp trên cơ sở (itself for one)."""
        return tree.ancestor_where(self.parent, (self.to_chuc["cap"] == "cap_tren_co_so").to_numpy())

    @cached_property
    def org_id_order(self) -> np.ndarray:
        """Each organisation's place in id order (ranks list equal scores by id)."""
        order = self.to_chuc["ma_to_chuc"].argsort(kind="stable").to_numpy()
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        return place

    @property
    def parent(self) -> np.ndarray:
        """Row position of each organisation's parent (-1 for the roots)."""
        return np.asarray(self.to_chuc["ma_cap_tren"].cat.codes, dtype=np.int64)


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """`pd.factorize(values, sort=True)` for text, by one Arrow sort: codes (-1 for blank) and the
    distinct values in order (a third faster than hashing then sorting, on millions of ids)."""
    text = pa.array(values.astype("str"), type=pa.large_string()) if len(values) else pa.array([], pa.large_string())
    order = pc.sort_indices(text)  # blanks last
    known = len(text) - text.null_count
    ordered = text.take(order).slice(0, known)
    first = np.ones(known, dtype=bool)
    if known > 1:
        first[1:] = pc.not_equal(ordered.slice(1), ordered.slice(0, known - 1)).to_numpy(zero_copy_only=False)
    codes = np.full(len(text), -1, dtype=np.int64)
    codes[order.to_numpy()[:known]] = np.cumsum(first) - 1
    return codes, pd.Index(ordered.filter(pa.array(first)).to_pandas(), dtype="str")


def load_dataset(path: str | Path) -> Dataset:
    """Read and check a dataset; raise :class:`DatasetError` with the full report if it has errors."""
    dataset, report = validate_dataset(path)
    if dataset is None:
        raise DatasetError(report)
    return dataset


def validate_dataset(path: str | Path) -> tuple[Dataset | None, ValidationReport]:
    """Read and check; the dataset is None when there is any error (warnings do not count)."""
    path = Path(path)
    report = ValidationReport()
    raw = read_tables(path, report)
    return _check(raw, report, str(path))


def dataset_from_frames(
    tables: dict[str, pd.DataFrame], source: str = "bộ nhớ", may_lack: tuple[str, ...] = (), first_row: int = 2
) -> tuple[Dataset | None, ValidationReport]:
    """Check in-memory tables (any column titles and value spellings a file may use) exactly as
    files are checked; rows are numbered from `first_row` (2: as in a sheet with its header on row
    1; 1: as in an on-screen table). Tables named in `may_lack` may be absent (one unit's submission
    without members): they are then empty in the dataset."""
    report = ValidationReport()
    raw: dict[str, RawTable] = {}
    for spec in (*TABLES, *OPTIONAL_TABLES):
        if spec.name not in tables:
            if spec not in OPTIONAL_TABLES and spec.name not in may_lack:
                report.error(Location(source, spec.title), f"Thiếu bảng «{spec.title}».")
            continue
        frame = tables[spec.name]
        header = [str(c) for c in frame.columns]
        data = pa.table(
            {
                f"__cot_{i}": pa.array([_cell_text(v) for v in frame.iloc[:, i]], type=pa.string())
                for i in range(len(header))
            }
        )
        numbers = np.arange(first_row, first_row + len(frame), dtype=np.int64)
        table = finish_table(spec, data, header, Location(source, spec.title), numbers, report)
        if table is not None:
            raw[spec.name] = table
    return _check(raw, report, source, may_lack)


def _cell_text(value: Any) -> str | None:
    """A cell as the readers see it: text; a fraction with a decimal comma (8.125 is «8,125», which reads
    back as 8.125 — «8.125» would read as eight thousand), whole numbers as Python writes them."""
    if pd.isna(value):
        return None
    if isinstance(value, float) and not value.is_integer():
        return number_text(value)
    return str(value)


def _check(
    raw: dict[str, RawTable], report: ValidationReport, source: str, may_lack: tuple[str, ...] = ()
) -> tuple[Dataset | None, ValidationReport]:
    frames: dict[str, pd.DataFrame] = {}
    invalid: dict[str, dict[str, np.ndarray]] = {}
    where: dict[str, Location] = {}
    for spec in (*TABLES, *OPTIONAL_TABLES):
        invalid[spec.name] = {}
        if spec.name in raw:
            checks.check_cells(raw[spec.name], report)
            frames[spec.name], invalid[spec.name] = coerce_table(raw[spec.name], report)
            where[spec.name] = raw[spec.name].where
        else:
            frames[spec.name] = empty_frame(spec)
            where[spec.name] = Location(source, spec.title)
    for spec in (*TABLES, *OPTIONAL_TABLES):
        if spec.name in raw:
            checks.check_rows(spec, frames[spec.name], where[spec.name], report, invalid[spec.name])
            checks.check_duplicates(spec, frames[spec.name], where[spec.name], report)

    to_chuc, members, units = frames["to_chuc"], frames["dang_vien"], frames["don_vi_nam"]
    parent = np.full(len(to_chuc), tree.NO_PARENT, dtype=np.int64)
    if "to_chuc" in raw:
        parent = checks.check_tree(to_chuc, where["to_chuc"], report)
        checks.check_loai_hinh(to_chuc, where["to_chuc"], report, invalid["to_chuc"])
        if "dang_vien" in raw:
            checks.check_members(to_chuc, members, where["dang_vien"], report)
        if "don_vi_nam" in raw:
            checks.check_unit_years(to_chuc, units, where["don_vi_nam"], report)
        if "nhiem_vu" in raw:
            checks.check_tasks(to_chuc, frames["nhiem_vu"], where["nhiem_vu"], report)
    if not report.ok or any(spec.name not in raw and spec.name not in may_lack for spec in TABLES):
        return None, report
    linked = {spec.name: _link_references(spec, frames[spec.name], to_chuc) for spec in (*TABLES, *OPTIONAL_TABLES)}
    dataset = Dataset(
        to_chuc=_finish_to_chuc(linked["to_chuc"], parent),
        dang_vien=linked["dang_vien"],
        don_vi_nam=linked["don_vi_nam"],
        source=source,
        report=report,
        nhiem_vu=linked["nhiem_vu"],
    )
    checks.coverage_warnings(
        cap=dataset.to_chuc["cap"].to_numpy(dtype=object),
        ids=dataset.to_chuc["ma_to_chuc"].to_numpy(dtype=object),
        parent=dataset.parent,
        member_chi_bo=dataset.dang_vien["ma_chi_bo"].cat.codes.to_numpy(),
        member_year=dataset.dang_vien["nam"].to_numpy(dtype=np.int64),
        unit_org=dataset.don_vi_nam["ma_to_chuc"].cat.codes.to_numpy(),
        unit_year=dataset.don_vi_nam["nam"].to_numpy(dtype=np.int64),
        where=where,
        report=report,
    )
    checks.unit_row_warnings(units, where["don_vi_nam"], report)
    dataset.member_codes  # noqa: B018 — factorised once at load: every year and the engine share the codes
    return dataset, report


def _finish_to_chuc(out: pd.DataFrame, parent: np.ndarray) -> pd.DataFrame:
    tccsd = tree.ancestor_where(parent, out["cap"].isin(TCCSD_LEVELS).to_numpy())
    codes = out["loai_hinh"].cat.codes.to_numpy()
    fill = (codes < 0) & (tccsd >= 0)
    if fill.any():
        dtype = cast(pd.CategoricalDtype, out["loai_hinh"].dtype)
        codes = np.where(fill, codes[np.clip(tccsd, 0, None)], codes)
        out["loai_hinh"] = pd.Categorical.from_codes(codes, dtype=dtype)
    return out


def _link_references(spec: TableSpec, frame: pd.DataFrame, to_chuc: pd.DataFrame) -> pd.DataFrame:
    """Store every column that names an organisation as a categorical over the organisation ids,
    so that its codes are row positions in `to_chuc` (the frame is modified in place)."""
    categories = pd.CategoricalDtype(pd.Index(to_chuc["ma_to_chuc"], dtype="str"))
    for column in spec.columns:
        if column.references_to_chuc:
            codes = checks.positions_in(to_chuc["ma_to_chuc"], frame[column.name])
            frame[column.name] = pd.Categorical.from_codes(codes, dtype=categories)
    return frame


__all__ = ["DANG_VIEN", "DON_VI_NAM", "TO_CHUC", "Dataset", "DatasetError", "load_dataset", "validate_dataset"]
