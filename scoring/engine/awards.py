"""Awards. "5 năm liền": members and organisations rated HTXSNV in each of the `length` years up to a
year (a year with another rating, or with no rating, breaks the streak), computed on whole arrays:
one (entity × year) matrix, no loop over entities. The year-end shortlist: for each award of the
plan's file, the HTXSNV candidates the rating rules allow, ranked by score in their emulation group
and cut at the file's quota; every near-miss with the reason (quota, rule, streak broken)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.domain.codes import XEP_LOAI
from scoring.engine.rating import FINDINGS, RatingCheck
from scoring.engine.score import ScoreResult
from scoring.input.dataset import Dataset
from scoring.plans.model import Award

BEST = "HTXSNV"
#: the best rating as a sentence says it
BEST_WORDS = XEP_LOAI.labels[BEST].lower()


def _ratings_matrix(
    entity: np.ndarray, year: np.ndarray, rating: pd.Categorical, n_entities: int, years: np.ndarray
) -> np.ndarray:
    """(entity × year) rating codes (-1: no row or no rating), years in `years` order."""
    matrix = np.full((n_entities, len(years)), -1, dtype=np.int8)
    column = np.searchsorted(years, year)
    inside = (column < len(years)) & (years[np.clip(column, 0, len(years) - 1)] == year) & (entity >= 0)
    matrix[entity[inside], column[inside]] = np.asarray(rating.codes)[inside]
    return matrix


def _streaks(
    matrix: np.ndarray, best_code: int, years: np.ndarray, categories: list[str], length: int, first_year: int
) -> pd.DataFrame:
    """Trailing run of `best_code` up to the last column; the year and rating that broke it (a year
    before `first_year`, the first year of the data, did not break it: the data are too short)."""
    best = matrix == best_code
    run = np.cumprod(best[:, ::-1], axis=1).sum(axis=1)  # consecutive best ratings counted back from the end
    met = run >= length
    broken_at = np.where(met, -1, len(years) - 1 - run)  # column of the year that broke the run
    code_then = np.where(broken_at >= 0, matrix[np.arange(len(matrix)), np.clip(broken_at, 0, None)], -1)
    labels = np.asarray([XEP_LOAI.labels.get(c, c) for c in categories] + ["không có xếp loại"], dtype=object)
    last = int(years[-1])
    first = last - length + 1
    too_short = (broken_at >= 0) & (years[np.clip(broken_at, 0, None)] < first_year)
    reason = np.where(
        met,
        f"{BEST_WORDS.capitalize()} {length} năm liền {first}–{last}",
        np.where(
            too_short,
            f"Chưa đủ {length} năm dữ liệu (dữ liệu có từ năm {first_year}); "
            + run.astype(str).astype(object)
            + f" năm {BEST_WORDS} liền đến {last}",
            np.where(
                broken_at >= 0,
                "Chuỗi đứt năm "
                + years[np.clip(broken_at, 0, None)].astype(str).astype(object)
                + " ("
                + labels[code_then]
                + ")",
                f"Chưa đủ {length} năm dữ liệu",
            ),
        ),
    )
    broke = pd.array(years[np.clip(broken_at, 0, None)], dtype="Int64")
    broke[broken_at < 0] = pd.NA
    return pd.DataFrame({"so_nam_lien": run.astype(np.int64), "dat": met, "nam_dut_chuoi": broke, "ly_do": reason})


def _present(codes: np.ndarray, n: int) -> np.ndarray:
    """The distinct non-negative codes, sorted (a bincount: no sort of millions of codes)."""
    return np.flatnonzero(np.bincount(codes[codes >= 0], minlength=n))


def streaks(dataset: Dataset, year: int, length: int = 5, best_only: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """("5 năm liền" for members, for organisations) up to `year`: every member rated in `year` and
    every organisation with a unit row in `year` (only those rated HTXSNV in `year` if `best_only`),
    with the run length, whether it reaches `length`, the year that broke it and why."""
    years = np.arange(year - length + 1, year + 1)
    members = dataset.dang_vien
    member_year = members["nam"].to_numpy(dtype=np.int64, na_value=-1)
    ratings = members["xep_loai"].array
    categories = list(members["xep_loai"].cat.categories)
    codes, ids = dataset.member_codes, dataset.member_ids
    matrix = _ratings_matrix(codes, member_year, ratings, len(ids), years)
    now = _present(codes[member_year == year], len(ids))
    if best_only:
        now = now[matrix[now, -1] == categories.index(BEST)]
    first_year = min(dataset.years) if dataset.years else year
    member_table = _streaks(matrix[now], categories.index(BEST), years, categories, length, first_year)
    member_table.insert(0, "ma_dang_vien", np.asarray(ids[now], dtype=object))

    units = dataset.don_vi_nam
    unit_year = units["nam"].to_numpy(dtype=np.int64, na_value=-1)
    org = units["ma_to_chuc"].cat.codes.to_numpy().astype(np.int64)
    unit_categories = list(units["xep_loai"].cat.categories)
    unit_matrix = _ratings_matrix(org, unit_year, units["xep_loai"].array, len(dataset.to_chuc), years)
    present = _present(org[unit_year == year], len(dataset.to_chuc))
    if best_only:
        present = present[unit_matrix[present, -1] == unit_categories.index(BEST)]
    org_table = _streaks(unit_matrix[present], unit_categories.index(BEST), years, unit_categories, length, first_year)
    org_table.insert(0, "ma_to_chuc", dataset.org_ids[present])
    return member_table, org_table


# --- the year-end shortlist ----------------------------------------------------------------------

SHORTLIST_COLUMNS = [
    "khen_thuong", "danh_hieu", "loai", "doi_tuong", "ma", "ten", "don_vi", "nhom", "xep_loai", "tong_diem",
    "so_tieu_chi_dat", "thu_tu_trong_nhom", "chi_tieu", "de_nghi", "ly_do", "thanh_tich",
]  # fmt: skip
TIE_RULE = (
    "Xếp theo tổng điểm thi đua, rồi số tiêu chí đạt (đều từ cao xuống), rồi theo mã (tăng dần) khi vẫn bằng nhau."
)


def _number(value: np.ndarray) -> np.ndarray:
    if len(value) == 0:  # np.char on an empty array fails (no candidates: a year with few approved reports)
        return np.array([], dtype=object)
    return np.char.replace(np.char.mod("%g", np.nan_to_num(value.astype(np.float64))), ".", ",").astype(object)


@dataclass
class Shortlist:
    """Proposed commendations of a year and the near-misses, one row per (award, candidate)."""

    year: int
    table: pd.DataFrame
    awards: tuple[Award, ...]
    note: str | None

    @property
    def proposed(self) -> pd.DataFrame:
        return self.table[self.table["de_nghi"]].reset_index(drop=True)

    @property
    def near_misses(self) -> pd.DataFrame:
        return self.table[~self.table["de_nghi"]].reset_index(drop=True)


def _match(left: pd.Series, right: pd.Series) -> np.ndarray:
    """Position in `right` of each id of `left` (-1: absent). On the codes when both are categoricals
    over the same ids (the member ids of a dataset: no string hashing), else by value."""
    if (
        isinstance(left.dtype, pd.CategoricalDtype)
        and isinstance(right.dtype, pd.CategoricalDtype)
        and left.cat.categories.equals(right.cat.categories)
    ):
        slot = np.full(len(left.cat.categories) + 1, -1, dtype=np.int64)  # the last slot: code -1 (no id)
        slot[right.cat.codes.to_numpy()] = np.arange(len(right))
        return slot[left.cat.codes.to_numpy()]
    return pd.Index(right.astype(str).to_numpy(dtype=object)).get_indexer(left.astype(str).to_numpy(dtype=object))


def _best_rows(result: ScoreResult, check: RatingCheck, levels: tuple[str, ...]) -> pd.DataFrame:
    """The members (or organisations of `levels`) rated HTXSNV this year, with their emulation group
    (cùng cấp / cùng đối tượng) and its size, score, criteria met and the rules' verdict. The
    population is filtered to HTXSNV before any text is built (a fifth of 5.6 million members)."""
    if levels == ("dang_vien",):
        judged, ranked = check.members, result.xep_hang_dang_vien
        id_column, name, unit, kind = "ma_dang_vien", "ho_ten", "ten_chi_bo", "đảng viên"
    else:
        judged, ranked = check.units[check.units["cap"].isin(levels).to_numpy()], result.xep_hang_to_chuc
        same_level = ~ranked["nhom_thi_dua"].astype(str).str.startswith("loai_hinh:").to_numpy()
        ranked = ranked[same_level & ranked["cap"].isin(levels).to_numpy()]
        id_column, name, unit, kind = "ma_to_chuc", "ten_to_chuc", "ten_cap_tren", "tổ chức"
    group_code, _ = pd.factorize(ranked["nhom_thi_dua"])
    group_size = np.bincount(group_code)[group_code] if len(group_code) else np.zeros(0, dtype=np.int64)
    best = judged[(judged["xep_loai"] == BEST).to_numpy()]
    at = _match(best[id_column], ranked[id_column])
    found = at >= 0
    place = np.clip(at, 0, None)

    def from_ranked(column: str, missing: float | str) -> np.ndarray:
        values = ranked[column].iloc[place].to_numpy() if len(ranked) else np.full(len(best), missing)
        return np.where(found, values, missing)

    return pd.DataFrame(
        {
            "ma": best[id_column].astype(str).to_numpy(dtype=object),
            "ten": best[name].astype(str).to_numpy(dtype=object),
            "don_vi": best[unit].astype(str).to_numpy(dtype=object),
            "doi_tuong": kind,
            "nhom_ma": from_ranked("nhom_thi_dua", "").astype(str).astype(object),
            "nhom": from_ranked("ten_nhom_thi_dua", "").astype(str).astype(object),
            "group_size": np.where(found, group_size[place] if len(ranked) else 0, 0),
            "tong_diem": from_ranked("tong_diem", np.nan).astype(np.float64),
            "so_tieu_chi_dat": from_ranked("so_tieu_chi_dat", 0).astype(np.int64),
            "ranked": found,
            "xep_loai": BEST,
            "allowed": ~best["ket_luan"].isin(FINDINGS).to_numpy(),
            "rule_reason": best["can_cu"].astype(str).to_numpy(dtype=object),
        }
    )


def _yearly(result: ScoreResult, check: RatingCheck, award: Award, year: int) -> pd.DataFrame:
    rows = _best_rows(result, check, award.levels)
    rows = rows[rows["ranked"].to_numpy()]
    vetoed = ~rows["allowed"].to_numpy()
    ok = rows[~vetoed]
    order = np.lexsort((ok["ma"].to_numpy(dtype=str), -ok["so_tieu_chi_dat"].to_numpy(), -ok["tong_diem"].to_numpy(),
                        ok["nhom_ma"].to_numpy(dtype=str)))  # fmt: skip
    ok = ok.iloc[order]
    size = ok["group_size"].to_numpy(dtype=np.int64)
    position = ok.groupby("nhom_ma", sort=False).cumcount().to_numpy() + 1
    quota = np.array([award.quota_for(int(s)) for s in np.unique(size)], dtype=np.int64)  # one per distinct size
    quota = quota[np.searchsorted(np.unique(size), size)] if len(size) else np.zeros(0, dtype=np.int64)
    chosen = position <= quota
    candidates = np.bincount(pd.factorize(ok["nhom_ma"])[0], minlength=1) if len(ok) else np.zeros(1, np.int64)
    n_in_group = candidates[pd.factorize(ok["nhom_ma"])[0]] if len(ok) else np.zeros(0, np.int64)
    group_code = pd.factorize(ok["nhom_ma"])[0]
    score_now, met_now = ok["tong_diem"].to_numpy(), ok["so_tieu_chi_dat"].to_numpy()
    same_as_previous = np.zeros(len(ok), dtype=bool)
    same_as_previous[1:] = (
        (group_code[1:] == group_code[:-1]) & (score_now[1:] == score_now[:-1]) & (met_now[1:] == met_now[:-1])
    )
    same_as_next = np.append(same_as_previous[1:], False)
    tie_at_cut = (~chosen & same_as_previous & np.append(False, chosen[:-1])) | (
        chosen & same_as_next & np.append(~chosen[1:], False)
    )
    score_text, met_text = _number(ok["tong_diem"].to_numpy()), ok["so_tieu_chi_dat"].astype(str).to_numpy(dtype=object)
    place = position.astype(str).astype(object) + "/" + n_in_group.astype(str).astype(object)
    said = (
        "Xếp loại «Hoàn thành xuất sắc nhiệm vụ» năm "
        + str(year)
        + "; "
        + score_text
        + " điểm, "
        + met_text
        + " tiêu chí đạt; thứ "
        + place
        + " trong số ứng viên của nhóm; chỉ tiêu "
        + quota.astype(str).astype(object)
    )
    tie = np.where(tie_at_cut, " — bằng điểm và số tiêu chí đạt ở ranh giới chỉ tiêu: xét theo mã (tăng dần)", "")
    reason = np.where(chosen, "Được đề nghị: " + said + tie, "Ngoài chỉ tiêu: " + said + tie)
    ok_table = ok.assign(
        thu_tu_trong_nhom=position, chi_tieu=quota, de_nghi=chosen, ly_do=reason,
        thanh_tich=f"Hoàn thành xuất sắc nhiệm vụ năm {year}; " + score_text + " điểm thi đua, xếp thứ "
        + position.astype(str).astype(object) + " trong " + ok["nhom"].to_numpy(dtype=object),
    )  # fmt: skip
    no = rows[vetoed].assign(
        thu_tu_trong_nhom=np.nan, chi_tieu=np.nan, de_nghi=False,
        ly_do="Không đủ điều kiện theo quy định xếp loại: " + rows[vetoed]["rule_reason"].astype(str), thanh_tich="",
    )  # fmt: skip
    return pd.concat([ok_table, no], ignore_index=True)


def _streak_rows(dataset: Dataset, result: ScoreResult, check: RatingCheck, award: Award, year: int) -> pd.DataFrame:
    members, orgs = streaks(dataset, year, award.years, best_only=True)
    table = (
        members.rename(columns={"ma_dang_vien": "ma"})
        if award.levels == ("dang_vien",)
        else orgs.rename(columns={"ma_to_chuc": "ma"})
    )
    best = _best_rows(result, check, award.levels)
    where = pd.Index(best["ma"]).get_indexer(table["ma"].astype(str).to_numpy(dtype=object))
    table, best = table[where >= 0].reset_index(drop=True), best.iloc[where[where >= 0]].reset_index(drop=True)
    met, allowed = table["dat"].to_numpy(), best["allowed"].to_numpy()
    chosen = met & allowed
    said = table["ly_do"].astype(str).to_numpy(dtype=object)
    reason = np.where(
        chosen, "Được đề nghị: " + said,
        np.where(met, f"Không đủ điều kiện theo quy định xếp loại năm {year}: " + best["rule_reason"].to_numpy(),
                 f"Chưa đạt {award.years} năm liền: " + said),
    )  # fmt: skip
    return table.assign(
        ten=best["ten"], don_vi=best["don_vi"], doi_tuong=best["doi_tuong"], xep_loai=BEST, nhom="",
        tong_diem=best["tong_diem"], so_tieu_chi_dat=pd.NA, thu_tu_trong_nhom=pd.NA, chi_tieu=pd.NA, de_nghi=chosen,
        ly_do=reason,
        thanh_tich=f"Hoàn thành xuất sắc nhiệm vụ {award.years} năm liền ({year - award.years + 1}–{year})",
    )  # fmt: skip


def shortlist(dataset: Dataset, result: ScoreResult, check: RatingCheck) -> Shortlist:
    """Every award of the plan's file for the scored year: who is proposed, and every near-miss, with why."""
    year = result.year
    parts = []
    for award in result.criteria.awards:  # a handful of awards: each is whole-array work
        if award.kind == "hang_nam":
            rows = _yearly(result, check, award, year)
            loai = "Hằng năm"
        else:
            rows = _streak_rows(dataset, result, check, award, year)
            loai = f"{award.years} năm liền"
        parts.append(rows.assign(khen_thuong=award.id, danh_hieu=award.title, loai=loai))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SHORTLIST_COLUMNS)
    for column in SHORTLIST_COLUMNS:
        if column not in table:
            table[column] = pd.NA
    table = table[SHORTLIST_COLUMNS]
    position = table["thu_tu_trong_nhom"].fillna(10**9).to_numpy(dtype=np.int64)
    keys = (table["ma"].astype(str).to_numpy(), position, table["nhom"].astype(str).to_numpy(),
            ~table["de_nghi"].to_numpy(dtype=bool), pd.factorize(table["khen_thuong"])[0])  # fmt: skip
    order = np.lexsort(keys)
    return Shortlist(
        year, table.iloc[order].reset_index(drop=True), result.criteria.awards, result.criteria.awards_note
    )
