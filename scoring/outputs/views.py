"""What the app shows, computed here so that the app only lays it out: rankings filtered and
searched, one unit's or member's scorecard, its history and its gaps, its sub-units, the cấp trên
board with last year's change, rating distributions and the violation path."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping

import numpy as np
import pandas as pd

from scoring.domain.codes import CAP, CHI_BO_LEVELS, RATING_ORDER, TCCSD_LEVELS, XEP_LOAI
from scoring.domain.numbers import format_number
from scoring.domain.text import fold
from scoring.engine import ScoreResult
from scoring.input.dataset import Dataset
from scoring.outputs.display import MET_COLUMN, code_and_name
from scoring.outputs.excel import excel_writer, write_sheet
from scoring.outputs.results import HEADERS
from scoring.plans.expr import MEMBER, Aggregate, Column, Type, is_share
from scoring.plans.model import CriteriaSet, Criterion
from scoring.plans.targets import Target, TargetError, parse_target

LEVEL_LABELS = {**CAP.labels, "dang_vien": "Đảng viên"}
UNRATED = "Chưa xếp loại / miễn"
#: legend of the rating charts: labels best first, then the unrated label, each always the same
#: colour (green … red, grey for none) on every chart
RATING_LEGEND = [XEP_LOAI.labels[c] for c in reversed(RATING_ORDER)] + [UNRATED]
RATING_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#d73027", "#bdbdbd"]


def _folded(values: pd.Series) -> pd.Series:
    """`text.fold` on a whole column (no diacritics, lower case, letters and digits only): NFD, đ → d,
    then everything but a–z and 0–9 dropped, the combining marks with it."""
    text = values.astype(str).str.normalize("NFD").str.replace("đ", "d").str.replace("Đ", "D")
    return text.str.lower().str.replace(r"[^0-9a-z]+", "", regex=True)


def search(frame: pd.DataFrame, text: str, columns: list[str]) -> pd.DataFrame:
    """Rows whose id or name contains `text`, ignoring case and diacritics ("chi bo 3" finds "Chi bộ 3")."""
    wanted = fold(text.strip())
    if not wanted:
        return frame
    hit = np.zeros(len(frame), dtype=bool)
    for column in columns:
        hit |= _folded(frame[column]).str.contains(wanted, regex=False).to_numpy()
    return frame[hit]


def group_choices(ranking: pd.DataFrame) -> dict[str, str]:
    """Emulation group key -> its name, in the table's order."""
    pairs = ranking[["nhom_thi_dua", "ten_nhom_thi_dua"]].astype(str).drop_duplicates("nhom_thi_dua")
    return dict(zip(pairs["nhom_thi_dua"], pairs["ten_nhom_thi_dua"], strict=True))


GROUPINGS = {
    "cap": "Cùng cấp (trong cùng đảng bộ)",
    "loai_hinh": "Cùng loại hình (TCCSĐ trong đảng bộ cấp trên)",
}


def org_ranking(
    result: ScoreResult, cap: str | None = None, group: str | None = None, text: str = "", grouping: str = "cap"
) -> pd.DataFrame:
    """The organisations' ranking under one way of grouping (`GROUPINGS`: each organisation once),
    optionally one level, one emulation group, a search; Vietnamese headers, the group first."""
    frame = result.xep_hang_to_chuc
    by_kind = frame["nhom_thi_dua"].astype(str).str.startswith("loai_hinh:")
    frame = frame[by_kind if grouping == "loai_hinh" else ~by_kind]
    if cap:
        frame = frame[frame["cap"] == cap]
    if group:
        frame = frame[frame["nhom_thi_dua"] == group]
    frame = search(frame, text, ["ma_to_chuc", "ten_to_chuc"])
    view = frame.drop(columns=["nam", "nhom_thi_dua", "pos"], errors="ignore").copy()
    view["cap"] = view["cap"].map(LEVEL_LABELS)
    first = ["ten_nhom_thi_dua", "thu_hang", "ma_to_chuc", "ten_to_chuc", "tong_diem"]
    view = view[[*first, *[c for c in view.columns if c not in first]]]
    return view.rename(columns=HEADERS).reset_index(drop=True)


def member_ranking(result: ScoreResult, group: str | None = None, text: str = "") -> pd.DataFrame:
    frame = result.xep_hang_dang_vien
    if group:
        frame = frame[frame["nhom_thi_dua"].astype(str) == group]
    frame = search(frame, text, ["ma_dang_vien", "ho_ten"])
    return frame.drop(columns=["nam", "nhom_thi_dua"]).rename(columns=HEADERS).reset_index(drop=True)


def workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Tables as one formatted XLSX (`excel.write_sheet`: header row, frozen, filters, widths, numbers
    as numbers with their format — a table's own in `attrs[NUMBER_FORMATS]` —, A4 landscape print setup);
    text is never read as a formula."""
    buffer = io.BytesIO()
    with excel_writer(buffer) as writer:
        for title, frame in sheets.items():
            write_sheet(writer, title[:31], frame)
    return buffer.getvalue()


def entity_kind(result: ScoreResult, ma: str) -> str | None:
    """ "to_chuc", "dang_vien" or None: what `ma` names in this year's result."""
    if (result.xep_hang_to_chuc["ma_to_chuc"] == ma).any():
        return "to_chuc"
    if (result.xep_hang_dang_vien["ma_dang_vien"].astype(str) == ma).any():
        return "dang_vien"
    return None


def scorecard(result: ScoreResult, ma: str) -> pd.DataFrame:
    """Every criterion of one unit or member: value, target, verdict, points, explanation. For an
    organisation only the organisations' explanations are built (not every member's)."""
    is_org = bool((result.xep_hang_to_chuc["ma_to_chuc"] == ma).any())
    rows = result.ket_qua_to_chuc if is_org else result.ket_qua_tieu_chi
    mine = rows[rows["ma"].astype(str) == ma]
    return pd.DataFrame(
        {
            **_criterion_columns(result, mine),
            "Điểm": mine["diem"].to_numpy(),
            "Điểm tối đa": mine["diem_toi_da"].to_numpy(),
            "Giải thích": mine["giai_thich"].to_numpy(),
        }
    )


def _criterion_columns(result: ScoreResult, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns people read first about criterion rows: group, id, title, value, target, verdict."""
    titles = {c.id: c.title for c in result.criteria.criteria}
    groups = result.criteria.groups
    return {
        "Nhóm": rows["nhom"].astype(str).map(lambda g: groups.get(g, g)).to_numpy(),
        "Mã tiêu chí": rows["ma_tieu_chi"].astype(str).to_numpy(),
        "Tiêu chí": rows["ma_tieu_chi"].astype(str).map(titles).to_numpy(),
        "Giá trị": rows["gia_tri_hien_thi"].to_numpy(),
        "Chỉ tiêu": rows["chi_tieu"].astype(str).to_numpy(),
        "Kết quả": rows["trang_thai"].astype(str).str.capitalize().to_numpy(),
        MET_COLUMN: rows["dat"].astype("boolean").fillna(False).to_numpy(dtype=bool),
    }


def criteria_met(table: pd.DataFrame) -> int:
    """How many criteria of a scorecard or a board are met."""
    return int(table[MET_COLUMN].sum())


def _ranks_of(result: ScoreResult, ma: str) -> pd.DataFrame:
    orgs = result.xep_hang_to_chuc
    mine = orgs[orgs["ma_to_chuc"] == ma]
    if len(mine):
        return mine
    members = result.xep_hang_dang_vien
    return members[members["ma_dang_vien"].astype(str) == ma]


def gaps(result: ScoreResult, ma: str) -> pd.DataFrame:
    """One row per emulation group of `ma`: its rank, score, the group's điển hình and the gap to it."""
    mine = _ranks_of(result, ma)
    return pd.DataFrame(
        {
            "Nhóm thi đua": mine["ten_nhom_thi_dua"].astype(str).to_numpy(),
            "Thứ hạng": mine["thu_hang"].to_numpy(),
            "Tổng điểm": mine["tong_diem"].to_numpy(),
            "Điển hình của nhóm": mine["dien_hinh"].astype(str).to_numpy(),
            "Cách điển hình (điểm)": mine["khoang_cach_dien_hinh"].to_numpy(),
            "Thay đổi thứ hạng (+ là tăng)": mine["thay_doi_thu_hang"].to_numpy(),
        }
    )


def history(results: Mapping[int, ScoreResult], ma: str) -> pd.DataFrame:
    """Year by year: total score, criteria met and the rank in each group (years `ma` was scored)."""
    frames = []
    for year, result in sorted(results.items()):
        mine = _ranks_of(result, ma)
        if len(mine):
            frames.append(
                pd.DataFrame(
                    {
                        "Năm": year,
                        "Nhóm thi đua": mine["ten_nhom_thi_dua"].astype(str).to_numpy(),
                        "Tổng điểm": mine["tong_diem"].to_numpy(),
                        "Số tiêu chí đạt": mine["so_tieu_chi_dat"].to_numpy(),
                        "Thứ hạng": mine["thu_hang"].to_numpy(),
                    }
                )
            )
    columns = ["Năm", "Nhóm thi đua", "Tổng điểm", "Số tiêu chí đạt", "Thứ hạng"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def below(result: ScoreResult, dataset: Dataset, ma: str) -> pd.DataFrame:
    """The organisations directly under `ma` (or, for a chi bộ, its members) with this year's score
    and rank in their first group; "Mã" links on to their own scorecards."""
    to_chuc = dataset.to_chuc
    children = to_chuc[to_chuc["ma_cap_tren"].astype(str) == ma]
    if len(children):
        ranks = result.xep_hang_to_chuc.drop_duplicates("ma_to_chuc")
        ranks = ranks[ranks["ma_to_chuc"].isin(children["ma_to_chuc"])]
        table = children[["ma_to_chuc", "ten_to_chuc", "cap"]].merge(
            ranks[["ma_to_chuc", "tong_diem", "so_tieu_chi_dat", "thu_hang", "ten_nhom_thi_dua"]],
            on="ma_to_chuc",
            how="left",
        )
        table["cap"] = table["cap"].astype(str).map(LEVEL_LABELS)
        return table.rename(columns={**HEADERS, "ma_to_chuc": "Mã"})
    members = result.xep_hang_dang_vien
    mine = members[members["ma_chi_bo"].astype(str) == ma]
    table = mine[["ma_dang_vien", "ho_ten", "tong_diem", "so_tieu_chi_dat", "thu_hang", "ten_nhom_thi_dua"]]
    return table.astype({"ma_dang_vien": str}).rename(columns={**HEADERS, "ma_dang_vien": "Mã"}).reset_index(drop=True)


def pickable(result: ScoreResult, dataset: Dataset) -> pd.Series:
    """Everything scored this year, "name (id)" indexed by id: organisations (tree order), then members
    (built on whole columns)."""
    orgs = result.xep_hang_to_chuc.drop_duplicates("ma_to_chuc")
    order = dataset.to_chuc[dataset.to_chuc["ma_to_chuc"].isin(orgs["ma_to_chuc"])]
    members = result.xep_hang_dang_vien.drop_duplicates("ma_dang_vien").sort_values("ma_dang_vien")
    ids = pd.concat([order["ma_to_chuc"].astype(str), members["ma_dang_vien"].astype(str)], ignore_index=True)
    names = pd.concat([order["ten_to_chuc"].astype(str), members["ho_ten"].astype(str)], ignore_index=True)
    labels = (names + " (" + ids + ")").astype(object)
    return pd.Series(labels.to_numpy(), index=pd.Index(ids.astype(object), name="ma"), dtype=object, name="ten")


def name_of(dataset: Dataset, ma: str) -> str:
    """The organisation's or member's name ("" when the id is unknown)."""
    orgs = dataset.to_chuc
    found = orgs.loc[orgs["ma_to_chuc"] == ma, "ten_to_chuc"]
    if len(found):
        return str(found.iloc[0])
    members = dataset.dang_vien
    names = members.loc[members["ma_dang_vien"] == ma, "ho_ten"]
    return str(names.iloc[-1]) if len(names) else ""


def cap_tren_choices(dataset: Dataset) -> dict[str, str]:
    orgs = dataset.to_chuc[dataset.to_chuc["cap"] == "cap_tren_co_so"]
    return dict(zip(orgs["ma_to_chuc"].astype(str), orgs["ten_to_chuc"].astype(str), strict=True))


def board(result: ScoreResult, previous: ScoreResult | None, cap_tren: str) -> pd.DataFrame:
    """The cấp trên cơ sở's own criteria (the plan's targets): value, target, verdict, and the
    change of the value from last year."""
    rows = result.ket_qua_to_chuc
    top = rows[(rows["cap"] == "cap_tren_co_so") & (rows["ma"].astype(str) == cap_tren)]
    change = pd.Series(np.nan, index=top.index)
    if previous is not None:
        before = previous.ket_qua_so
        before = before[(before["cap"] == "cap_tren_co_so") & (before["ma"].astype(str) == cap_tren)]
        last = dict(zip(before["ma_tieu_chi"].astype(str), before["gia_tri"], strict=True))
        change = top["gia_tri"] - top["ma_tieu_chi"].astype(str).map(last).astype(float)
    percent = top["gia_tri_hien_thi"].astype(str).str.contains("%").to_numpy()
    return pd.DataFrame(
        {
            **_criterion_columns(result, top),
            "Thay đổi so với năm trước": [
                change_text(float(c), bool(p)) for c, p in zip(change.to_numpy(dtype=float), percent, strict=True)
            ],
            "Giải thích": top["giai_thich"].to_numpy(),
        }
    )


def change_text(change: float, percent: bool) -> str:
    """+1,8 điểm % for shares, +2 for counts and ranks; «không đổi» when the change rounds to nothing at
    the precision shown (never «-0,0 điểm %»); blank when either year has no value."""
    if np.isnan(change):
        return ""
    text = format_number(change * 100, 1, signed=True) if percent else format_number(change, 2, signed=True)
    if text == "0":
        return "không đổi"
    return f"{text} điểm %" if percent else text


def _under(dataset: Dataset, cap_tren: str | None) -> np.ndarray:
    """Per organisation position, whether it lies under `cap_tren` (every one when None)."""
    if cap_tren is None:
        return np.ones(len(dataset.to_chuc), dtype=bool)
    top = dataset.cap_tren_of
    return (top >= 0) & (dataset.org_ids[np.clip(top, 0, None)] == cap_tren)


def ratings_over_years(dataset: Dataset, cap_tren: str | None = None) -> pd.DataFrame:
    """Long table: Đối tượng (TCCSĐ, chi bộ, đảng viên), Năm, Xếp loại, Số lượng, Tỷ lệ."""
    under = _under(dataset, cap_tren)
    labels = {**XEP_LOAI.labels}
    frames = []
    units = dataset.don_vi_nam
    position = units["ma_to_chuc"].cat.codes.to_numpy()
    cap = dataset.to_chuc["cap"].astype(str).to_numpy()
    for title, levels in (("TCCSĐ", TCCSD_LEVELS), ("Chi bộ", CHI_BO_LEVELS)):
        pick = np.isin(cap[position], levels) & under[position]
        frames.append(pd.DataFrame({"Đối tượng": title, "Năm": units["nam"][pick], "xl": units["xep_loai"][pick]}))
    members = dataset.dang_vien
    chi_bo = members["ma_chi_bo"].cat.codes.to_numpy()
    pick = under[chi_bo]
    frames.append(
        pd.DataFrame({"Đối tượng": "Đảng viên", "Năm": members["nam"][pick], "xl": members["xep_loai"][pick]})
    )
    every = pd.concat(frames, ignore_index=True)
    every["Xếp loại"] = every["xl"].astype(str).map(labels).fillna(UNRATED)
    counts = every.groupby(["Đối tượng", "Năm", "Xếp loại"]).size().rename("Số lượng").reset_index()
    counts["Năm"] = counts["Năm"].astype(int)
    counts["Tỷ lệ"] = counts["Số lượng"] / counts.groupby(["Đối tượng", "Năm"])["Số lượng"].transform("sum")
    return counts


def violation_criterion(criteria: CriteriaSet, criterion_id: str | None = None) -> Criterion | None:
    """The plan's criterion that lowers the members' violation rate year by year: a falling trend
    target ("giảm 2%/năm") on share(dang_vien, vi_pham), the cấp trên cơ sở's first; or the one named
    `criterion_id`, if it is such a criterion. None when the plan has none."""
    candidates = [c for c in criteria.criteria if criterion_id is None or c.id == criterion_id]
    found = [c for c in candidates if _lowers_violations(c)]
    found.sort(key=lambda c: "cap_tren_co_so" not in c.levels)
    return found[0] if found else None


def _lowers_violations(criterion: Criterion) -> bool:
    metric, target = criterion.metric, criterion.target
    return (
        target.kind == "trend"
        and target.sign < 0
        and isinstance(metric, Aggregate)
        and metric.func == "share"
        and metric.population == MEMBER
        and isinstance(metric.inner, Column)
        and metric.inner.name == "vi_pham"
    )


def violation_path(
    dataset: Dataset, criteria: CriteriaSet, cap_tren: str | None = None, criterion_id: str | None = None
) -> pd.DataFrame:
    """Per year, the share of members who violated, beside the path the plan's target (see
    `violation_criterion`) sets from the first year's rate: Năm, Tỷ lệ vi phạm, "Lộ trình giảm 2%/năm"
    (the target's own words). Empty when the plan has no such target."""
    criterion = violation_criterion(criteria, criterion_id)
    if criterion is None:
        return pd.DataFrame(columns=["Năm", "Tỷ lệ vi phạm"])
    target = criterion.target
    path_title = f"Lộ trình {target.describe()}"
    under = _under(dataset, cap_tren)
    members = dataset.dang_vien
    pick = under[members["ma_chi_bo"].cat.codes.to_numpy()]
    frame = pd.DataFrame({"Năm": members["nam"][pick].astype(int), "vp": members["vi_pham"][pick].astype(float)})
    rate = frame.groupby("Năm")["vp"].mean()
    if rate.empty:
        return pd.DataFrame(columns=["Năm", "Tỷ lệ vi phạm", path_title])
    years = np.asarray(rate.index) - rate.index[0]
    path = target.trend_bound(np.full(len(rate), float(rate.iloc[0])), years)
    return pd.DataFrame(
        {
            "Năm": rate.index.to_numpy(),
            "Tỷ lệ vi phạm": rate.to_numpy(),
            path_title: np.clip(path, 0.0, None),  # "giảm 0,1 điểm %/năm" stops at nobody
        }
    )


def with_change(criteria: CriteriaSet, criterion_id: str, target: str | None, points: float | None) -> CriteriaSet:
    """The criteria with one criterion's target and/or points changed — a "reform" that never
    touches the file. The new target is read by the same parser as the file (Vietnamese errors)."""
    found = next((c for c in criteria.criteria if c.id == criterion_id), None)
    if found is None:
        raise KeyError(f"Không có tiêu chí «{criterion_id}».")
    new_target = parse_target(target, found.metric.type) if target is not None else None
    if new_target is not None:
        _check_range(found, new_target)
    if points is not None and not (0 <= points <= MAX_POINTS):
        shown = format_number(points)
        raise TargetError(f"điểm của một tiêu chí phải từ 0 đến {format_number(MAX_POINTS)}, không phải {shown}")

    def changed(c: Criterion) -> Criterion:
        if c.id != criterion_id:
            return c
        update: dict[str, object] = {}
        if new_target is not None:
            update["target"] = new_target
        if points is not None:
            update["points"] = float(points)
        return dataclasses.replace(c, **update)  # type: ignore[arg-type]

    return dataclasses.replace(
        criteria,
        criteria=tuple(changed(c) for c in criteria.criteria),
        by_level={level: tuple(changed(c) for c in chosen) for level, chosen in criteria.by_level.items()},
        version=f"{criteria.version}, thử đổi {criterion_id}",
    )


#: the most points a what-if may give one criterion (a plan's whole scale is 100)
MAX_POINTS = 1000.0


def _check_range(criterion: Criterion, target: Target) -> None:
    """Refuse a target no value can reach: a share (0–100%) compared with more than 100% or less than
    0%, or a relative fall or rise of more than 100% a year (the criteria file's shares are checked the
    same way when it is loaded; a what-if target is typed on screen)."""
    if target.type is not Type.NUMBER:
        return
    bounds = [b for b in (target.low, target.high) if not np.isnan(b)]  # NaN: no such bound
    share = is_share(criterion.metric)
    if target.kind == "trend":
        if (target.relative or share) and any(b > 1 for b in bounds):
            raise TargetError(f"chỉ tiêu «{target.text}»: mức giảm hoặc tăng mỗi năm không quá 100%")
        return
    unreachable = (target.op == ">" and target.low >= 1) or (target.op == "<" and target.low <= 0)
    if share and (unreachable or any(b < 0 or b > 1 for b in bounds)):
        raise TargetError(
            f"chỉ số của tiêu chí là một tỷ lệ, nên chỉ tiêu phải nằm trong khoảng 0% đến 100% và đạt được "
            f"(ví dụ «≥ 80%»), không phải «{target.text}»"
        )


def what_if(base: ScoreResult, changed: ScoreResult, criterion_id: str) -> pd.DataFrame:
    """Side by side, the units and members whose verdict on `criterion_id`, total or rank changes; each
    named «Mã — Tên» («Đơn vị, đảng viên») beside its bare id («Mã»)."""
    keys = ["ma", "ma_tieu_chi"]
    a = base.ket_qua_so[base.ket_qua_so["ma_tieu_chi"] == criterion_id][[*keys, "cap", "trang_thai", "diem"]]
    b = changed.ket_qua_so[changed.ket_qua_so["ma_tieu_chi"] == criterion_id][[*keys, "trang_thai", "diem"]]
    both = a.astype({"ma": str, "ma_tieu_chi": str}).merge(
        b.astype({"ma": str, "ma_tieu_chi": str}), on=keys, suffixes=("_truoc", "_sau")
    )
    ranks = []
    for result, suffix in ((base, "_truoc"), (changed, "_sau")):
        orgs = result.xep_hang_to_chuc.drop_duplicates("ma_to_chuc")
        orgs = orgs[["ma_to_chuc", "ten_to_chuc", "tong_diem", "thu_hang"]]
        members = result.xep_hang_dang_vien[["ma_dang_vien", "ho_ten", "tong_diem", "thu_hang"]]
        table = pd.concat(
            [
                orgs.rename(columns={"ma_to_chuc": "ma", "ten_to_chuc": "ten"}),
                members.astype({"ma_dang_vien": str}).rename(columns={"ma_dang_vien": "ma", "ho_ten": "ten"}),
            ],
            ignore_index=True,
        )
        renamed = {"tong_diem": f"tong_diem{suffix}", "thu_hang": f"thu_hang{suffix}", "ten": f"ten{suffix}"}
        ranks.append(table.rename(columns=renamed))
    both = both.merge(ranks[0], on="ma", how="left").merge(ranks[1], on="ma", how="left")
    moved = (
        (both["trang_thai_truoc"].astype(str) != both["trang_thai_sau"].astype(str))
        | (both["tong_diem_truoc"] != both["tong_diem_sau"])
        | (both["thu_hang_truoc"] != both["thu_hang_sau"])
    )
    out = both[moved]
    return pd.DataFrame(
        {
            "Cấp": out["cap"].astype(str).map(LEVEL_LABELS).to_numpy(),
            "Mã": out["ma"].to_numpy(),
            "Đơn vị, đảng viên": code_and_name(out["ma"], out["ten_truoc"].fillna(out["ten_sau"])).to_numpy(),
            "Kết quả trước": out["trang_thai_truoc"].astype(str).str.capitalize().to_numpy(),
            "Kết quả sau": out["trang_thai_sau"].astype(str).str.capitalize().to_numpy(),
            "Tổng điểm trước": out["tong_diem_truoc"].to_numpy(),
            "Tổng điểm sau": out["tong_diem_sau"].to_numpy(),
            "Thứ hạng trước": out["thu_hang_truoc"].to_numpy(),
            "Thứ hạng sau": out["thu_hang_sau"].to_numpy(),
        }
    )
