"""The rating report of a year (`thidua kiem-tra-xep-loai`): every rating as entered against what the
rules in force allow (`scoring.engine.rating`), and the 20% quota of HTXSNV — per TCCSĐ for members,
per emulation group for collectives — under the two readings found in practice: HTXSNV ≤ 20% ×
HTTNV (Đồng Tháp) and HTXSNV ≤ 20% × (HTTNV + HTXSNV) (Trà Vinh). The number allowed is rounded as
the rules file says (down unless it says otherwise: never in a unit's favour silently) and both the
reading and the rounding are written into every table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.domain.codes import DOI_TUONG, LOAI_HINH, TCCSD_LEVELS
from scoring.domain.numbers import format_number, format_percent
from scoring.engine.rating import RatingCheck, check_ratings
from scoring.input.dataset import Dataset
from scoring.plans.bundled import rules_folder
from scoring.plans.rating_rules import ROUNDINGS, RuleSet, rules_for_year

READINGS = {
    "htt": "HTXSNV ≤ {share} × số HTTNV",
    "htt_htxs": "HTXSNV ≤ {share} × (số HTTNV + số HTXSNV)",
}
ROUNDING = "số được phép làm tròn xuống (không làm tròn có lợi cho đơn vị)"
ROUNDING_TEXT = {
    "xuong": ROUNDING,
    "len": "số được phép làm tròn lên (theo tệp quy định: có lợi cho đơn vị)",
}


def _allowed(base: np.ndarray, share: float | np.ndarray, rounding: str) -> np.ndarray:
    exact = share * base
    if rounding == "len":
        return np.ceil(exact - 1e-9).astype(np.int64)
    return np.floor(exact + 1e-9).astype(np.int64)  # 20% of 60 is 12, not 11.999…


def _quota_table(
    keys: pd.DataFrame,
    best: np.ndarray,
    good: np.ndarray,
    share: float | np.ndarray,
    rounding: str,
    chosen: str | None,
) -> pd.DataFrame:
    """`share` per group (an array where units with outstanding results may reach a higher share)."""
    table = keys.copy()
    table["so_htxs"], table["so_htt"] = best, good
    shares = np.broadcast_to(np.asarray(share, dtype=np.float64), (len(table),))
    if isinstance(share, np.ndarray):  # a file with a higher share for outstanding units: say each group's
        table["ty_le_toi_da"] = shares
    share = float(shares[0]) if shares.size else 0.0
    for key, base in (("htt", good), ("htt_htxs", good + best)):
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"ty_le_{key}"] = np.where(base > 0, best / np.where(base > 0, base, 1), np.nan)
        table[f"duoc_phep_{key}"] = _allowed(base, shares, rounding)
        table[f"dat_{key}"] = best <= table[f"duoc_phep_{key}"].to_numpy()
    table["cach_doc_htt"] = READINGS["htt"].format(share=format_percent(share))
    table["cach_doc_htt_htxs"] = READINGS["htt_htxs"].format(share=format_percent(share))
    table["lam_tron"] = ROUNDING_TEXT[rounding]
    if chosen is not None:
        table["cach_doc_ap_dung"] = READINGS[chosen].format(share=format_percent(share))
        table["dat"] = table[f"dat_{chosen}"]
    return table


def _outstanding(dataset: Dataset, year: int) -> np.ndarray:
    """Per organisation, whether it is marked as having outstanding results in `year` (column
    `thanh_tich_noi_bat`; False where not collected)."""
    flags = np.zeros(len(dataset.to_chuc), dtype=bool)
    units = dataset.don_vi_nam
    if "thanh_tich_noi_bat" not in units:
        return flags
    this_year = (units["nam"] == year).to_numpy(dtype=bool, na_value=False)
    marked = this_year & (units["thanh_tich_noi_bat"].to_numpy(dtype=np.float64, na_value=0.0) == 1)
    flags[units["ma_to_chuc"].cat.codes.to_numpy()[marked]] = True
    return flags


def _shares(owners: np.ndarray, share: float, outstanding: float | None, flags: np.ndarray) -> float | np.ndarray:
    """The share each group may reach: `outstanding` for groups under a unit marked outstanding (one
    share for all when the file sets no higher share)."""
    if outstanding is None:
        return share
    shares = np.full(len(owners), share)
    shares[flags[owners]] = outstanding
    return shares


def member_quota(
    dataset: Dataset,
    year: int,
    share: float = 0.20,
    rounding: str = "xuong",
    chosen: str | None = None,
    per: str = "tccsd",
    outstanding: float | None = None,
) -> pd.DataFrame:
    """Per TCCSĐ with members in `year` (`per="doi_tuong"`: per đối tượng within each TCCSĐ — members
    of similar position and role): HTXSNV and HTTNV counts, the share and the number allowed under
    each reading, whether each is kept, and the rule and rounding used (one bincount per count).
    `outstanding`: the higher share of a TCCSĐ marked as having outstanding results."""
    members = dataset.dang_vien
    this_year = (members["nam"] == year).to_numpy(dtype=bool, na_value=False)
    tccsd = dataset.tccsd_of[members["ma_chi_bo"].cat.codes.to_numpy()[this_year]]
    ratings = members["xep_loai"]
    rating = ratings.cat.codes.to_numpy()[this_year]  # codes, not text: millions of rows
    categories = list(ratings.cat.categories)
    best_code = categories.index("HTXSNV") if "HTXSNV" in categories else -2
    good_code = categories.index("HTTNV") if "HTTNV" in categories else -2
    known = tccsd >= 0
    n = len(dataset.to_chuc)
    names = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)
    flags = _outstanding(dataset, year)
    if per == "doi_tuong":
        kinds = members["doi_tuong"].astype(pd.CategoricalDtype(DOI_TUONG.codes)).cat.codes.to_numpy()[this_year]
        labels = np.asarray([*(DOI_TUONG.labels[c] for c in DOI_TUONG.codes), "không rõ"], dtype=object)
        group = tccsd[known].astype(np.int64) * (len(labels)) + kinds[known]
        codes, uniques = pd.factorize(group, sort=True)
        best = np.bincount(codes, weights=rating[known] == best_code, minlength=len(uniques)).astype(np.int64)
        good = np.bincount(codes, weights=rating[known] == good_code, minlength=len(uniques)).astype(np.int64)
        owner, kind = np.asarray(uniques) // len(labels), np.asarray(uniques) % len(labels)
        keys = pd.DataFrame({"ma_to_chuc": dataset.org_ids[owner], "ten_to_chuc": names[owner], "nhom": labels[kind]})
        return _quota_table(keys, best, good, _shares(owner, share, outstanding, flags), rounding, chosen)
    best = np.bincount(tccsd[known & (rating == best_code)], minlength=n)
    good = np.bincount(tccsd[known & (rating == good_code)], minlength=n)
    present = np.flatnonzero(np.bincount(tccsd[known], minlength=n))
    keys = pd.DataFrame({"ma_to_chuc": dataset.org_ids[present], "ten_to_chuc": names[present]})
    return _quota_table(
        keys, best[present], good[present], _shares(present, share, outstanding, flags), rounding, chosen
    )


def collective_quota(
    dataset: Dataset,
    year: int,
    share: float = 0.20,
    rounding: str = "xuong",
    chosen: str | None = None,
    per: str = "loai_hinh",
    outstanding: float | None = None,
) -> pd.DataFrame:
    """Per emulation group of organisations with similar functions: TCCSĐ of the same loại hình under
    the same cấp trên (`per="cap_tren"`: every TCCSĐ of a cấp trên together); chi bộ trực thuộc of the
    same đảng bộ cơ sở. Counts of the entered ratings; `ma_to_chuc` is the organisation the group is
    under (what a reader's scope is checked against), whose mark of outstanding results gives the
    group the `outstanding` share."""
    units = dataset.don_vi_nam
    this_year = (units["nam"] == year).to_numpy(dtype=bool, na_value=False)
    org = units["ma_to_chuc"].cat.codes.to_numpy()[this_year]
    rating = units["xep_loai"].astype(str).to_numpy()[this_year]
    cap = dataset.to_chuc["cap"].astype(str).to_numpy()[org]
    names = dataset.to_chuc["ten_to_chuc"].to_numpy(dtype=object)
    loai_column = dataset.to_chuc["loai_hinh"].astype(pd.CategoricalDtype(LOAI_HINH.codes))
    loai = loai_column.cat.codes.to_numpy()  # -1: not given (a chi bộ trực thuộc)
    words = [LOAI_HINH.labels[c].lower() for c in LOAI_HINH.codes]
    is_tccsd = np.isin(cap, TCCSD_LEVELS)
    is_cbtt = cap == "chi_bo_truc_thuoc"
    cap_tren = dataset.cap_tren_of[org]
    tccsd = dataset.tccsd_of[org]
    loai_label = np.asarray([*words, "không rõ"], dtype=object)[loai]  # per organisation (-1 reads the last)
    by_kind = per != "cap_tren"
    flags = _outstanding(dataset, year)
    frames = []
    for chosen_rows, owner, prefix in (
        (is_tccsd, cap_tren, "TCCSĐ loại hình " if by_kind else "TCCSĐ thuộc "),
        (is_cbtt, tccsd, "Chi bộ trực thuộc "),
    ):
        rows = np.flatnonzero(chosen_rows & (owner >= 0))
        if len(rows) == 0:
            continue
        split = by_kind and prefix.startswith("TCCSĐ")
        kind = loai[org[rows]] if split else np.zeros(len(rows), dtype=np.int64)
        codes, uniques = pd.factorize(pd.MultiIndex.from_arrays([owner[rows], kind]), sort=True)
        best = np.bincount(codes, weights=rating[rows] == "HTXSNV", minlength=len(uniques)).astype(np.int64)
        good = np.bincount(codes, weights=rating[rows] == "HTTNV", minlength=len(uniques)).astype(np.int64)
        first = np.full(len(uniques), -1)
        first[codes[::-1]] = rows[::-1]  # a row of each group, for its name
        detail = loai_label[org[first]] + " — " if split else ""
        keys = pd.DataFrame(
            {
                "ma_to_chuc": np.asarray(dataset.org_ids, dtype=object)[owner[first]],  # whose group it is
                "nhom": prefix + detail + names[owner[first]],
                "so_to_chuc": np.bincount(codes, minlength=len(uniques)),
            }
        )
        shares = _shares(owner[first], share, outstanding, flags)
        frames.append(_quota_table(keys, best, good, shares, rounding, chosen))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass
class RatingReport:
    """Everything `thidua kiem-tra-xep-loai` reports for a year."""

    year: int
    rules: RuleSet
    ratings: RatingCheck
    member_quota: pd.DataFrame | None
    collective_quota: pd.DataFrame | None

    @property
    def quota_note(self) -> str:
        quota = self.rules.quota
        if quota is None:
            return "Quy định này không đặt tỷ lệ hoàn thành xuất sắc nhiệm vụ."
        applied = READINGS[quota.reading].format(share=quota.share_text)
        whom = (
            "đảng viên và tập thể"
            if quota.collectives is not None
            else "đảng viên (quy định này không đặt tỷ lệ cho tập thể)"
        )
        return (
            f"Tỷ lệ xuất sắc của {whom}: báo cáo theo cả hai cách hiểu; cách hiểu đang áp dụng: «{applied}»; "
            f"{ROUNDING_TEXT[quota.rounding]}."
        )

    @property
    def ok(self) -> bool:
        quotas_ok = all(
            table is None or table.empty or bool(table["dat"].all())
            for table in (self.member_quota, self.collective_quota)
        )
        return self.ratings.findings.empty and quotas_ok

    def summary(self) -> list[str]:
        lines = [f"Năm {self.year} — {self.rules.label}", f"Nguồn: {self.rules.document}"]
        counts = self.ratings.counts()
        for who in ("Tổ chức", "Đảng viên"):
            part = counts[counts["doi_tuong"] == who]
            shown = format_number(part["so_luong"].to_numpy(dtype=float), 0)
            said = ", ".join(f"{k}: {n}" for k, n in zip(part["ket_luan"], shown, strict=True))
            lines.append(f"  {who}: {said}")
        quotas = (("Đảng viên (theo TCCSĐ)", self.member_quota), ("Tập thể (theo nhóm)", self.collective_quota))
        for name, table in quotas:
            if table is None or table.empty:
                continue
            over_htt = int((~table["dat_htt"]).sum())
            over_both = int((~table["dat_htt_htxs"]).sum())
            lines.append(
                f"  Tỷ lệ xuất sắc — {name}: {len(table)} đơn vị/nhóm; vượt theo cách đọc × HTTNV: {over_htt}; "
                f"vượt theo cách đọc × (HTTNV + HTXSNV): {over_both}"
            )
        lines.append(f"  {self.quota_note}")
        lines.extend(self.data_notes())
        return lines

    def data_notes(self) -> list[str]:
        """Which rules could not be checked for lack of data, and which were read by the condition
        used before their column was collected, with how many members and units each concerns."""
        titles = {r.id: r.title for r in self.rules.rules}
        lines = []
        for column, said in (
            ("chua_kiem_tra", "Chưa kiểm tra được vì thiếu số liệu"),
            ("xet_theo_cot_cu", "Xét theo cột thay thế vì chưa thu thập cột mới"),
        ):
            counted: dict[str, int] = {}
            for table in (self.ratings.units, self.ratings.members):
                if column not in table:
                    continue
                for value, count in table[column].value_counts().items():  # a handful of distinct lists
                    for rule_id in filter(None, str(value).split("; ")):
                        counted[rule_id] = counted.get(rule_id, 0) + int(count)
            for rule_id, count in counted.items():
                lines.append(f"  {said}: {titles.get(rule_id, rule_id)} ({format_number(float(count), 0)} trường hợp)")
        return lines


def rating_report(
    dataset: Dataset,
    year: int,
    rules: RuleSet | None = None,
    folder: Path | None = None,
    check: RatingCheck | None = None,
) -> RatingReport:
    """The rules in force in `year` (from `folder` unless given) applied to the year's ratings
    (`check`: those ratings already checked under `rules`, kept)."""
    rules = rules or rules_for_year(year, folder or rules_folder())
    quota = rules.quota
    members = collectives = None
    if quota is not None and quota.members is not None:
        members = member_quota(
            dataset, year, quota.share, quota.rounding, quota.reading, quota.members_per, quota.outstanding
        )
    if quota is not None and quota.collectives is not None:
        collectives = collective_quota(
            dataset, year, quota.share, quota.rounding, quota.reading, quota.collectives_per, quota.outstanding
        )
    checked = check if check is not None else check_ratings(dataset, rules, year)
    return RatingReport(year, rules, checked, members, collectives)


__all__ = ["ROUNDINGS", "RatingReport", "collective_quota", "member_quota", "rating_report"]
