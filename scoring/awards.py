"""Award rules over several years. First piece: "5 năm liền" — members and organisations rated
HTXSNV in each of the `length` years up to a year (a year with another rating, or with no rating,
breaks the streak), computed on whole arrays: one (entity × year) matrix, no loop over entities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.dataset import Dataset
from scoring.domain import XEP_LOAI

BEST = "HTXSNV"


def _ratings_matrix(
    entity: np.ndarray, year: np.ndarray, rating: pd.Categorical, n_entities: int, years: np.ndarray
) -> np.ndarray:
    """(entity × year) rating codes (-1: no row or no rating), years in `years` order."""
    matrix = np.full((n_entities, len(years)), -1, dtype=np.int8)
    column = np.searchsorted(years, year)
    inside = (column < len(years)) & (years[np.clip(column, 0, len(years) - 1)] == year) & (entity >= 0)
    matrix[entity[inside], column[inside]] = np.asarray(rating.codes)[inside]
    return matrix


def _streaks(matrix: np.ndarray, best_code: int, years: np.ndarray, categories: list[str], length: int) -> pd.DataFrame:
    """Trailing run of `best_code` up to the last column; the year and rating that broke it."""
    best = matrix == best_code
    run = np.cumprod(best[:, ::-1], axis=1).sum(axis=1)  # consecutive best ratings counted back from the end
    met = run >= length
    broken_at = np.where(met, -1, len(years) - 1 - run)  # column of the year that broke the run
    code_then = np.where(broken_at >= 0, matrix[np.arange(len(matrix)), np.clip(broken_at, 0, None)], -1)
    labels = np.asarray([XEP_LOAI.labels.get(c, c) for c in categories] + ["không có xếp loại"], dtype=object)
    last = int(years[-1])
    first = last - length + 1
    reason = np.where(
        met,
        f"{BEST} {length} năm liền {first}–{last}",
        np.where(
            broken_at >= 0,
            "Chuỗi đứt năm "
            + years[np.clip(broken_at, 0, None)].astype(str).astype(object)
            + " ("
            + labels[code_then]
            + ")",
            f"Chưa đủ {length} năm dữ liệu",
        ),
    )
    broke = pd.array(years[np.clip(broken_at, 0, None)], dtype="Int64")
    broke[broken_at < 0] = pd.NA
    return pd.DataFrame({"so_nam_lien": run.astype(np.int64), "dat": met, "nam_dut_chuoi": broke, "ly_do": reason})


def streaks(dataset: Dataset, year: int, length: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """("5 năm liền" for members, for organisations) up to `year`: every member rated in `year` and
    every organisation with a unit row in `year`, with the run length, whether it reaches `length`,
    the year that broke it and why."""
    years = np.arange(year - length + 1, year + 1)
    members = dataset.dang_vien
    member_year = members["nam"].to_numpy(dtype=np.int64, na_value=-1)
    ratings = members["xep_loai"].array
    categories = list(members["xep_loai"].cat.categories)
    codes, ids = dataset.member_codes, dataset.member_ids
    matrix = _ratings_matrix(codes, member_year, ratings, len(ids), years)
    now = np.unique(codes[member_year == year])
    member_table = _streaks(matrix[now], categories.index(BEST), years, categories, length)
    member_table.insert(0, "ma_dang_vien", np.asarray(ids[now], dtype=object))

    units = dataset.don_vi_nam
    unit_year = units["nam"].to_numpy(dtype=np.int64, na_value=-1)
    org = units["ma_to_chuc"].cat.codes.to_numpy().astype(np.int64)
    unit_categories = list(units["xep_loai"].cat.categories)
    unit_matrix = _ratings_matrix(org, unit_year, units["xep_loai"].array, len(dataset.to_chuc), years)
    present = np.unique(org[unit_year == year])
    org_table = _streaks(unit_matrix[present], unit_categories.index(BEST), years, unit_categories, length)
    org_table.insert(0, "ma_to_chuc", dataset.org_ids[present])
    return member_table, org_table
