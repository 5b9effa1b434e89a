"""Summary tables of a dataset for people: organisations by level, members and ratings by year."""

from __future__ import annotations

import pandas as pd

from scoring.dataset import Dataset
from scoring.domain import CAP, XEP_LOAI
from scoring.engine import ScoreResult


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


def target_board(result: ScoreResult) -> pd.DataFrame:
    """The cấp trên cơ sở criteria of a result as a board: tiêu chí, giá trị, chỉ tiêu, kết quả, giải thích."""
    rows = result.ket_qua_to_chuc
    top = rows[rows["cap"] == "cap_tren_co_so"]
    titles = {c.id: c.title for c in result.criteria.criteria}
    verdict = top["trang_thai"].astype(str).str.capitalize()
    return pd.DataFrame(
        {
            "Đơn vị": top["ma"].to_numpy(),
            "Mã tiêu chí": top["ma_tieu_chi"].to_numpy(),
            "Tiêu chí": top["ma_tieu_chi"].map(titles).to_numpy(),
            "Giá trị": top["gia_tri_hien_thi"].to_numpy(),
            "Chỉ tiêu": top["chi_tieu"].to_numpy(),
            "Kết quả": verdict.to_numpy(),
            "Điểm": top["diem"].to_numpy(),
            "Giải thích": top["giai_thich"].to_numpy(),
        }
    )
