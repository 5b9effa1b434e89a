"""Tables and charts as a reader sees them on screen, one way on every scoring page: figures as
Vietnamese text («86,5», «1.200», «82,5%»; a browser's printf would write «86.50»), yes/no as «Có»/«Không»,
nothing for a missing value (never «None»), rating codes as their labels, codes beside names, chart labels
that tell units apart, and the Vega-Lite locale that makes chart axes and tooltips Vietnamese.

The views (`views`, `rating_views`) keep numbers as numbers and codes as codes — exports and tests read
them; this module only dresses a table for `st.dataframe`. Column configurations are plain dicts (the
form `st.column_config` builds), so the library needs no Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from scoring.domain.codes import XEP_LOAI
from scoring.domain.numbers import format_number, format_percent, format_points
from scoring.plans.model import CriteriaSet

#: Vega-Lite's number locale (`config.locale`): decimal comma, thousands dot; Streamlit's chart renderer
#: honours it, so a d3 format such as ",.2~f" writes «1.234,5» on axes and in tooltips
VEGA_LOCALE: dict[str, Any] = {"number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " đ"]}}
#: d3 formats under `VEGA_LOCALE`: points «86,5» (no useless decimals), counts «6.574», shares «0,75%»
POINTS_FORMAT, COUNT_FORMAT, SHARE_FORMAT = ",.2~f", ",d", ".2~%"
#: the ranks are dense (`scoring.engine.rank`): said once under every table that shows them
#: the rows of a long table sent to the browser at once (a province lists hundreds of thousands)
PAGE_ROWS = 1000
TIE_NOTE = (
    "Thứ hạng đồng hạng: cùng tổng điểm và cùng số tiêu chí đạt thì cùng thứ hạng; "
    "thứ hạng kế tiếp liền sau (ví dụ 1, 2, 2, 3)."
)
#: the boolean column of scorecards and boards: whether the criterion is met (not met, no data and
#: not applicable are all False); the screen hides it beside «Kết quả», which says the same in words
MET_COLUMN = "Đạt"
#: criterion tables (board, scorecard, sơ kết): the id and the met flag are for machines and tests;
#: rating codes in targets, values and explanations read as labels
CRITERION_HIDDEN = ("Mã tiêu chí", MET_COLUMN)
CRITERION_TEXTS = ("Giá trị", "Chỉ tiêu", "Giải thích", "Kết quả thực hiện")
CRITERION_WIDTHS: dict[str, str | int] = {
    "Nhóm": 130, "Tiêu chí": 330, "Giá trị": 170, "Kết quả thực hiện": 170, "Chỉ tiêu": 190, "Giải thích": "large",
}  # fmt: skip
#: the row height (pixels) at which a table wraps long texts instead of cutting them (Streamlit wraps a row
#: taller than 4rem): three lines of a long criterion title, source or explanation
WRAPPED_ROW = 72
#: the shortest row that wraps: two lines (a unit's name, a rating in words)
TWO_LINE_ROW = 66
#: four lines with room around them (a criterion's source and its quote)
FOUR_LINE_ROW = 86
#: a report's scorecard on Tự đánh giá and Duyệt, rows wrapped (`WRAPPED_ROW`): every column in sight on a
#: 1.500-pixel screen, the explanation included
SCORECARD_WIDTHS: dict[str, str | int] = {
    "Nhóm": 105, "Tiêu chí": 220, "Giá trị": 115, "Chỉ tiêu": 130, "Kết quả": 75, "Điểm": 55, "Điểm tối đa": 80,
    "Giải thích": 250,
}  # fmt: skip
#: columns that hold years or ids written with digits: shown as they are, never grouped («2.025»)
PLAIN_COLUMNS = ("Năm",)
#: text a missing value becomes when a column was turned into strings upstream (`astype(str)`)
_MISSING_TEXTS = ("None", "nan", "NaN", "<NA>", "NaT")
#: a text that is a figure already written the Vietnamese way («58,4%», «-0,7 điểm %», «—»): right-aligned
_FIGURE = re.compile(r"[+\-−]?[\d.]+(?:,\d+)?\s*(?:%|điểm %)?|—")
_RATING_CODES = re.compile(r"\b(" + "|".join(sorted(XEP_LOAI.labels, key=len, reverse=True)) + r")\b")


@dataclass(frozen=True)
class Screen:
    """A table ready for `st.dataframe(screen.frame, column_config=screen.column_config)`."""

    frame: pd.DataFrame
    column_config: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def with_config(self, **more: dict[str, Any] | None) -> dict[str, dict[str, Any] | None]:
        """The column configuration with more columns' settings (links, widths) added."""
        return {**self.column_config, **more}


def screen(
    frame: pd.DataFrame,
    *,
    percent: Iterable[str] = (),
    signed: Iterable[str] = (),
    ratings: Iterable[str] = (),
    hidden: Iterable[str] = (),
    plain: Iterable[str] = PLAIN_COLUMNS,
    widths: Mapping[str, str | int] | None = None,
) -> Screen:
    """`frame` for the screen: numbers as Vietnamese text, right-aligned (points with two decimals at
    most, counts grouped by thousands, `percent` columns — shares — as «82,5%»; `plain` columns such as
    years ungrouped, `signed` ones — changes — with «+» before a rise), booleans as «Có»/«Không»,
    missing values blank, rating codes in the `ratings` columns as labels; `hidden` columns stay in the
    frame (links, tests) but are not shown. Whole columns at a time: the loop is over columns, never rows."""
    out = frame.copy()
    config: dict[str, dict[str, Any] | None] = {}
    shares, plus, codes, keep, hide = set(percent), set(signed), set(ratings), set(plain), set(hidden)
    for column in out.columns:
        values = out[column]
        kind = _kind(values)
        if kind == "bool":
            out[column] = yes_no(values)
        elif kind == "number":
            out[column] = _number_text(values, column in shares, column in plus, column in keep)
            config[column] = {"alignment": "right"}
        else:
            out[column] = blank_missing(values)
            if _figures(out[column]):
                config[column] = {"alignment": "right"}
        if column in codes:
            out[column] = rating_words(out[column])
    for column in hide & set(out.columns):
        config[column] = None
    for column, width in (widths or {}).items():
        if column in out.columns and column not in hide:
            config[column] = {**(config.get(column) or {}), "width": width}
    return Screen(out, config)


def criterion_screen(frame: pd.DataFrame, widths: Mapping[str, str | int] = CRITERION_WIDTHS) -> Screen:
    """A table of criterion rows (board, scorecard, sơ kết) for the screen: the criterion by its name
    (the id hidden), its group by the words before the colon («Chân thứ nhất»; the Tiêu chí page has
    the whole title), targets and values in words, points as «8,5»."""
    shown = frame.copy()
    if "Nhóm" in shown:
        shown["Nhóm"] = short_groups(shown["Nhóm"])
    return screen(shown, ratings=CRITERION_TEXTS, hidden=CRITERION_HIDDEN, widths=widths)


def short_groups(groups: pd.Series) -> pd.Series:
    """«Chân thứ nhất: Xây dựng chi bộ …» → «Chân thứ nhất»; a group title without a colon stays whole."""
    text = blank_missing(groups).astype(str)
    return text.str.split(":", n=1).str[0].str.strip().astype(object)


def _figures(text: pd.Series) -> bool:
    """Whether every non-blank text of a column is a figure («58,4%», «12», «—»); a column of names is
    told at its first text."""
    filled = text[text.astype(str) != ""].astype(str)
    if not len(filled) or not _FIGURE.fullmatch(filled.iloc[0]):
        return False
    return bool(filled.str.fullmatch(_FIGURE).all())


def _kind(values: pd.Series) -> str:
    """ "bool", "number" or "text": what a column holds (an object column of Python numbers, as the
    shortlist's optional columns are, counts as numbers; digits written as text stay text)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(values.dtype) and not isinstance(values.dtype, pd.CategoricalDtype):
        return "number"
    if values.dtype == object:
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred == "boolean":
            return "bool"
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "number"
    return "text"


def _number_text(values: pd.Series, share: bool, signed: bool, plain: bool) -> pd.Series:
    """The column's figures as text, each distinct value written once (a column of scores or ranks over
    many rows holds few distinct values: rounded to two decimals, at most 10.001 between 0 and 100)."""
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    codes, uniques = pd.factorize(numbers, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype="Float64")
    if share:
        text = format_percent(distinct, signed=signed)
    elif plain:  # years and ids: digits as they are
        text = distinct.round(0).astype("Int64").astype("string").fillna("").astype(object)
    else:
        text = format_points(distinct, signed=signed)
    written = text.to_numpy(dtype=object)
    out = np.where(codes >= 0, written[np.clip(codes, 0, None)] if len(written) else "", "")
    return pd.Series(out, index=values.index, dtype=object)


def yes_no(values: pd.Series) -> pd.Series:
    """True/False as «Có»/«Không»; missing blank."""
    flags = values.astype("boolean")
    text = np.where(flags.fillna(False).to_numpy(dtype=bool), "Có", "Không").astype(object)
    return pd.Series(np.where(flags.isna().to_numpy(), "", text), index=values.index, dtype=object)


def blank_missing(values: pd.Series) -> pd.Series:
    """A text column with every missing value blank: NA, None, and the «None»/«nan» an `astype(str)`
    upstream wrote."""
    text = values.astype(object)
    missing = text.isna().to_numpy() | text.isin(_MISSING_TEXTS).to_numpy()
    return pd.Series(np.where(missing, "", text.to_numpy()), index=values.index, dtype=object)


def rating_words(values: pd.Series) -> pd.Series:
    """Rating codes inside texts as their labels: «≥ HTTNV» → «≥ Hoàn thành tốt nhiệm vụ», «HTXSNV» →
    «Hoàn thành xuất sắc nhiệm vụ». Each distinct text is rewritten once (a column of many rows holds
    few distinct ones)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    if not len(uniques):
        return values
    worded = np.array([_RATING_CODES.sub(lambda m: XEP_LOAI.labels[m.group(0)], str(u)) for u in uniques], dtype=object)
    out = np.where(codes >= 0, worded[np.clip(codes, 0, None)], "")
    return pd.Series(out, index=values.index, dtype=object)


def code_and_name(codes: pd.Series, names: pd.Series) -> pd.Series:
    """«CB001 — Chi bộ Phòng Tổ chức»; the code alone where the name is unknown."""
    code = blank_missing(codes).astype(str)
    name = blank_missing(names).astype(str)
    joined = code.str.cat(name, sep=" — ")
    out = np.where(name.to_numpy() == "", code.to_numpy(), joined.to_numpy())
    return pd.Series(out, index=codes.index, dtype=object)


def names_of(ids: pd.Series, known_ids: pd.Series, known_names: pd.Series) -> pd.Series:
    """The name of each of `ids` among (`known_ids`, `known_names`) — the rows the reader may see —,
    blank where unknown (a leader outside the reader's scope stays unnamed). The known rows are first cut
    to the few ids wanted (a set membership over the whole column), then looked up by hash."""
    wanted = ids.astype(str)
    hit = known_ids.isin(pd.unique(wanted.to_numpy())).to_numpy()
    index = pd.Index(known_ids[hit].astype(str))
    names = known_names[hit].astype(object).to_numpy()
    keep = ~index.duplicated()
    index, names = index[keep], names[keep]
    where = index.get_indexer(pd.Index(wanted))
    found = np.where(where >= 0, names[np.clip(where, 0, None)] if len(names) else "", "")
    return pd.Series(found, index=ids.index, dtype=object)


def named(ids: pd.Series, known_ids: pd.Series, known_names: pd.Series) -> pd.Series:
    """Each of `ids` as «Mã — Tên» (`code_and_name`, the name from `names_of`), written once per distinct
    id (a ranking's «Điển hình» column repeats each group's leader on every row)."""
    codes, uniques = pd.factorize(ids.astype(object), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=object).astype(str)
    text = code_and_name(distinct, names_of(distinct, known_ids, known_names)).to_numpy(dtype=object)
    out = np.where(codes >= 0, text[np.clip(codes, 0, None)] if len(text) else "", "")
    return pd.Series(out, index=ids.index, dtype=object)


def scorecard_links(ids: pd.Series) -> pd.Series:
    """The address of each id's scorecard («don_vi?ma=CB001»); an id with characters an address cannot
    carry as they are is percent-encoded (ids are letters and digits: the whole column at once)."""
    text = ids.astype(str)
    plain = text.str.fullmatch(r"[A-Za-z0-9_.~-]*").to_numpy(dtype=bool)
    encoded = text.to_numpy(dtype=object).copy()
    encoded[~plain] = [quote(m, safe="") for m in encoded[~plain]]  # only the rare ids that need it
    return pd.Series("don_vi?ma=" + pd.Series(encoded, index=ids.index, dtype=object), index=ids.index, dtype=object)


def chart_labels(codes: pd.Series, names: pd.Series, drop_common: bool = True) -> tuple[pd.Series, str]:
    """Labels that tell the bars of a chart apart — «CB001 · Phòng Tổ chức cán bộ …» — and the words
    every name starts with, left out of the labels (say them in the axis title): names of one kind
    («Chi bộ Phòng …») would otherwise all read the same once the chart cuts them short. People's names
    keep every word (`drop_common=False`). Meant for the few rows a chart shows."""
    text = blank_missing(names).astype(str)
    words = [name.split() for name in text]
    common: list[str] = []
    if drop_common and len(words) > 1:
        for position, word in enumerate(words[0]):
            if all(len(w) > position + 1 and w[position] == word for w in words):
                common.append(word)
            else:
                break
    rest = [" ".join(w[len(common) :]) for w in words]
    labels = [f"{code} · {name}" if name else str(code) for code, name in zip(blank_missing(codes), rest, strict=True)]
    return pd.Series(labels, index=codes.index, dtype=object), " ".join(common)


def plan_name(criteria: CriteriaSet) -> str:
    """The plan as a heading names it: the words after the title's last «—» when there are some
    («Hai chân – Ba mũi» of the Hai chân – Ba mũi plan), else the title."""
    title = criteria.title.strip()
    _, dash, tail = title.rpartition(" — ")
    return tail.strip() if dash and tail.strip() else title


def count_text(count: int) -> str:
    """A count as a sentence writes it: «1.101»."""
    return format_number(float(count), 0)


def opening_year(years: Sequence[int], criteria: CriteriaSet) -> int:
    """The year a scoring page opens on: the latest year with data in which the chosen plan is in force
    (a year just begun, with a report or two approved, is not what a reader opens on), else the latest."""
    in_force = [y for y in years if criteria.in_force(int(y))]
    return max(in_force) if in_force else max(years)
