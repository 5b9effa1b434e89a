"""Rating compliance. First piece: the 20% quota of HTXSNV members in each TCCSĐ, under the two
readings found in practice — HTXSNV ≤ 20% × HTTNV (Đồng Tháp) and HTXSNV ≤ 20% × (HTTNV + HTXSNV)
(Trà Vinh) — with the number allowed rounded down (never in the unit's favour) and both said."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.dataset import Dataset

READINGS = {
    "htt": "HTXSNV ≤ {share} × số HTTNV",
    "htt_htxs": "HTXSNV ≤ {share} × (số HTTNV + số HTXSNV)",
}
ROUNDING = "số được phép làm tròn xuống (không làm tròn có lợi cho đơn vị)"


def member_quota(dataset: Dataset, year: int, share: float = 0.20) -> pd.DataFrame:
    """Per TCCSĐ with members in `year`: HTXSNV and HTTNV counts, the share and the number allowed
    under each reading, whether each is kept, and the rule and rounding used (one bincount per count)."""
    members = dataset.dang_vien
    this_year = (members["nam"] == year).to_numpy(dtype=bool, na_value=False)
    tccsd = dataset.tccsd_of[members["ma_chi_bo"].cat.codes.to_numpy()[this_year]]
    rating = members["xep_loai"].astype(str).to_numpy()[this_year]
    known = tccsd >= 0
    n = len(dataset.to_chuc)
    best = np.bincount(tccsd[known & (rating == "HTXSNV")], minlength=n)
    good = np.bincount(tccsd[known & (rating == "HTTNV")], minlength=n)
    present = np.flatnonzero(np.bincount(tccsd[known], minlength=n))
    best, good = best[present], good[present]
    table = pd.DataFrame({"ma_to_chuc": dataset.org_ids[present], "so_htxs": best, "so_htt": good})
    for key, base in (("htt", good), ("htt_htxs", good + best)):
        allowed = np.floor(share * base + 1e-9).astype(np.int64)  # 20% of 60 is 12, not 11.999…
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"ty_le_{key}"] = np.where(base > 0, best / np.where(base > 0, base, 1), np.nan)
        table[f"duoc_phep_{key}"] = allowed
        table[f"dat_{key}"] = best <= allowed
    table["cach_doc_htt"] = READINGS["htt"].format(share=f"{share:.0%}")
    table["cach_doc_htt_htxs"] = READINGS["htt_htxs"].format(share=f"{share:.0%}")
    table["lam_tron"] = ROUNDING
    return table
