"""Summary tables of a dataset for people: organisations by level, members and ratings by year."""

from __future__ import annotations

import pandas as pd

from scoring.dataset import Dataset
from scoring.domain import CAP, XEP_LOAI


def organisations_by_level(dataset: Dataset) -> pd.DataFrame:
    counts = dataset.to_chuc["cap"].value_counts().reindex(CAP.codes, fill_value=0)
    return pd.DataFrame({"Cấp": [CAP.labels[c] for c in counts.index], "Số tổ chức": counts.to_numpy()})


def member_ratings_by_year(dataset: Dataset) -> pd.DataFrame:
    """Long table: năm, xếp loại (Vietnamese label, "Chưa xếp loại / miễn" for blanks), số đảng viên, tỷ lệ."""
    members = dataset.dang_vien
    labels = members["xep_loai"].cat.rename_categories([XEP_LOAI.labels[c] for c in members["xep_loai"].cat.categories])
    labels = labels.cat.add_categories("Chưa xếp loại / miễn").fillna("Chưa xếp loại / miễn")
    counts = (
        pd.DataFrame({"Năm": members["nam"].astype("int64"), "Xếp loại": labels})
        .groupby(["Năm", "Xếp loại"], observed=False)
        .size()
        .rename("Số đảng viên")
        .reset_index()
    )
    counts["Tỷ lệ"] = counts["Số đảng viên"] / counts.groupby("Năm")["Số đảng viên"].transform("sum")
    return counts
