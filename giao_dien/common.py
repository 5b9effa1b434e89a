"""What every page shares: the approved figures of the database cut to the reader's scope
(`scoring.store.scoped`), scored by the plan chosen in the sidebar, and the sidebar choices."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast, overload

import pandas as pd
import streamlit as st

from giao_dien.access import APPROVED, account, account_box, demo, login_form, store
from scoring import CriteriaSet, Dataset, ScoreResult, score
from scoring.domain.numbers import years_text
from scoring.outputs.display import WRAPPED_ROW, criterion_screen, opening_year
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import cap_tren_choices
from scoring.plans import bundled
from scoring.store import plan_files
from scoring.store.plan_files import StoredFile

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from scoring.store.scoped import ScopedData

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = bundled.default_plan()
TEMPLATE = ROOT / "data" / "mau_nhap_lieu.xlsx"
#: the most criteria a report's scorecard shows before it scrolls (a plan has ten to fifteen per level)
SCORECARD_ROWS = 15
#: pixels a page's main column has on a 1.366-pixel laptop screen beside the sidebar (about 900): the tables
#: that should show every column size them to fit it
LAPTOP_WIDTH = 880
#: a criterion table's columns (`criterion_screen`), short texts wrapped on up to three lines; the explanation
#: takes what is left of LAPTOP_WIDTH
CRITERION_TABLE_WIDTHS: dict[str, str | int] = {
    "Nhóm": 100, "Tiêu chí": 185, "Giá trị": 100, "Chỉ tiêu": 100, "Kết quả": 70, "Điểm": 50, "Điểm tối đa": 80,
    "Thay đổi so với năm trước": 95,
}  # fmt: skip


@dataclass
class Loaded:
    """The data and criteria the pages show; `key` names their content (for caches)."""

    dataset: Dataset
    criteria: CriteriaSet
    data_label: str
    criteria_label: str
    key: str
    #: the database's approved figures cut to the reader (`scoring.store.scoped`); None for data only
    #: a page of its own holds (an upload being checked)
    scoped: ScopedData | None = None


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if file.is_file():
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def criteria_key(criteria: CriteriaSet) -> str:
    """The criteria part of a cache key: the file (an upload has its own temporary path; a plan file of
    the database names its content's SHA-256, `plan_files.DB_PREFIX`) and its content."""
    path = Path(criteria.path)
    content = _digest(path) if path.is_file() else criteria.version
    return f"{hashlib.sha256(str(path).encode()).hexdigest()[:8]}:{content}"


def _chosen_plan() -> CriteriaSet:
    """The plan chosen in the sidebar: an active plan file of the database (seeded with the bundled
    ones), by name; the Hai chân – Ba mũi plan until one is chosen, or when the chosen one is gone."""
    plans = _plans()
    chosen = st.session_state.get("ke_hoach", CRITERIA.name)
    name = chosen if chosen in plans else CRITERIA.name if CRITERIA.name in plans else next(iter(plans))
    return plans[name][1]


def _plans() -> dict[str, tuple[StoredFile, CriteriaSet]]:
    """The active plan files of the database, by name, the Hai chân – Ba mũi plan first (each loaded
    once per name and content: `plan_files.plan_from_text`)."""
    found = plan_files.active_plans(store())
    found.sort(key=lambda pair: (pair[0].ten != CRITERIA.name, pair[0].ten))
    return {stored.ten: (stored, criteria) for stored, criteria in found}


def loaded() -> Loaded:
    """What every scoring page shows: the approved reports in the database, scored by the plan chosen
    in the sidebar and cut to the reader's scope in the library (`scoring.store.scoped`). An anonymous
    visitor sees them only in the demo; else the page asks for a login (and stops)."""
    from scoring.store.scoped import approved_problems, scoped_data

    criteria = _chosen_plan()
    user = account()
    db = store()
    data = scoped_data(db, user, criteria, demo=demo())
    if data is None:
        if user is None and not demo():
            st.info("Trang này cần đăng nhập: số liệu chỉ hiện trong phạm vi của tài khoản.")
            login_form()
        elif not (problems := approved_problems(db)).ok and user is not None and user.vai_tro == "quan_tri":
            st.error("Số liệu đã duyệt chưa chấm được:\n\n" + escape_markdown(problems.summary()))
        else:
            st.info("Chưa có số liệu: cơ sở dữ liệu chưa có báo cáo nào được duyệt (hoặc số liệu đang có lỗi).")
        st.stop()
    assert data is not None
    who = user.ten_dang_nhap if user is not None else "-"
    return Loaded(
        data.dataset,
        criteria,
        f"Báo cáo đã duyệt trong cơ sở dữ liệu ({data.reach.label})",
        f"{criteria.title}, có hiệu lực {years_text(criteria.from_year, criteria.to_year)}",
        f"{APPROVED}{who}:{db.revision()}|{criteria_key(criteria)}",
        data,
    )


def result(year: int, state: Loaded | None = None) -> ScoreResult:
    """The year's figures the reader may see (a `ScopedResult`: the tables of a ScoreResult the views
    read, already cut), or, for data a page holds itself, the year scored."""
    state = state or loaded()
    if state.scoped is None:
        return _scored(state.key, year, state.dataset, state.criteria)
    return cast(ScoreResult, state.scoped.results[year])


def results(state: Loaded | None = None) -> dict[int, ScoreResult]:
    state = state or loaded()
    years = state.scoped.years if state.scoped is not None else state.dataset.years
    return {year: result(year, state) for year in years}


def years(state: Loaded) -> list[int]:
    """The years the database holds approved reports of (every unit's, not only the reader's)."""
    return state.scoped.years if state.scoped is not None else state.dataset.years


def what_if_pair(state: Loaded, changed: CriteriaSet, year: int) -> tuple[ScoreResult, ScoreResult]:
    """The year by the plan and by the plan with one criterion changed, on every unit, cut to the reader."""
    from scoring.store.scoped import what_if_results

    pair = what_if_results(store(), account(), state.criteria, changed, year, demo=demo())
    if pair is None:
        st.info(f"Năm {year} chưa có báo cáo nào được duyệt.")
        st.stop()
    assert pair is not None
    return cast(ScoreResult, pair[0]), cast(ScoreResult, pair[1])


def refused(target: str) -> str | None:
    """None if the reader may open `target` (a deep link's unit or member id); else why not, in
    Vietnamese (the refusal is logged in the audit log)."""
    from scoring.store.scoped import check_target

    return check_target(store(), account(), target, demo=demo())


@st.cache_resource(show_spinner="Đang chấm điểm…", max_entries=32)
def _scored(key: str, year: int, _dataset: Dataset, _criteria: CriteriaSet) -> ScoreResult:
    return score(_dataset, _criteria, year)


def _plan_picker(criteria: CriteriaSet) -> None:
    """The plan to score by, one of the active plan files of the database, labelled with its title and
    stored version; kept in the session by name, every page follows (caches are keyed by it)."""
    plans = _plans()
    options = list(plans)
    current = Path(criteria.path).name
    chosen = st.selectbox(
        "Kế hoạch thi đua",
        options,
        index=options.index(current) if current in options else 0,
        format_func=lambda k: f"{plans[k][1].title} (bản {plans[k][0].phien_ban})" if k in plans else k,
        placeholder="Chọn kế hoạch",
    )
    st.caption(escape_markdown(criteria.title))  # in full: the narrow box above cuts a long title
    if chosen != current:
        st.session_state["ke_hoach"] = chosen
        st.rerun()


def sidebar() -> tuple[int, str | None]:
    """The choices every page shares — plan, year and đảng bộ cấp trên cơ sở — drawn by each page and
    kept in the session (outside the widgets) so that switching pages keeps them."""
    state = loaded()
    shown = years(state)[::-1]
    tops = cap_tren_choices(state.dataset)
    with st.sidebar:
        st.markdown("**Thi đua — chấm điểm theo kế hoạch**")
        _plan_picker(state.criteria)
        year = st.session_state.get("nam_da_chon")
        first = shown.index(opening_year(shown, state.criteria))
        year = st.selectbox("Năm", shown, index=shown.index(year) if year in shown else first, placeholder="Chọn năm")
        top = st.session_state.get("cap_tren_da_chon")
        choices = list(tops)
        top = (
            st.selectbox(
                "Đảng bộ cấp trên cơ sở",
                choices,
                index=choices.index(top) if top in choices else 0,
                format_func=lambda k: tops[k],
                placeholder="Chọn đảng bộ",
            )
            if choices
            else None
        )
    st.session_state["nam_da_chon"], st.session_state["cap_tren_da_chon"] = year, top
    account_box()
    if not state.criteria.in_force(int(year)):
        in_force = years_text(state.criteria.from_year, state.criteria.to_year)  # «năm 2022», «từ năm … đến năm …»
        st.sidebar.warning(
            f"Kế hoạch đang chọn có hiệu lực {in_force}; năm {year} nằm ngoài thời gian đó nên nhiều tiêu chí sẽ "
            "không có số liệu."
        )
    return int(year), top


def plan_sidebar() -> CriteriaSet:
    """The sidebar of the workflow pages: the plan to score by, and the account."""
    criteria = _chosen_plan()
    with st.sidebar:
        st.markdown("**Thi đua — tự đánh giá và duyệt**")
        _plan_picker(criteria)
    account_box()
    return criteria


def caption() -> None:
    """Where the figures come from; for a year not every unit in the reader's scope has an approved
    report of, how many have (the year chosen in the sidebar)."""
    state = loaded()
    st.caption(f"Dữ liệu: {escape_markdown(state.data_label)} · Tiêu chí: {escape_markdown(state.criteria_label)}")
    year = st.session_state.get("nam_da_chon")
    sentence = state.scoped.completeness.get(int(year)) if state.scoped is not None and year is not None else None
    if sentence:
        st.info(f"{escape_markdown(sentence)} (chưa duyệt thì chưa tính vào kết quả và thứ hạng).")


def criterion_table(frame: pd.DataFrame) -> None:
    """A table of criterion rows (the overview's board, a scorecard, a sơ kết, a report's scorecard) as every
    page shows one (`criterion_screen`: the criterion by its name, its group by its short name, points «8,5»,
    targets and values in words, the verdict in words only), each row tall enough for a long title or
    explanation to wrap, not be cut, and every criterion in sight."""
    taken = sum(int(w) for c, w in CRITERION_TABLE_WIDTHS.items() if c in frame.columns)
    shown = criterion_screen(frame, {**CRITERION_TABLE_WIDTHS, "Giải thích": max(200, LAPTOP_WIDTH - taken)})
    config = dict(shown.column_config)
    change = "Thay đổi so với năm trước"
    if change in shown.frame.columns:  # a short header for a narrow column, the whole title on hovering it
        config[change] = {**(config.get(change) or {}), "label": "Thay đổi", "help": change}
    st.dataframe(
        shown.frame,
        hide_index=True,
        width="stretch",
        column_config=config,
        row_height=WRAPPED_ROW,
        height=min(len(frame), SCORECARD_ROWS) * WRAPPED_ROW + 38,  # every criterion without scrolling (and the header)
    )


@overload
def upload_box(
    label: str, types: Sequence[str], limit_mb: int, *, multiple: Literal[False] = False, key: str | None = None
) -> UploadedFile | None: ...


@overload
def upload_box(
    label: str, types: Sequence[str], limit_mb: int, *, multiple: Literal[True], key: str | None = None
) -> list[UploadedFile]: ...


def upload_box(
    label: str, types: Sequence[str], limit_mb: int, *, multiple: bool = False, key: str | None = None
) -> UploadedFile | list[UploadedFile] | None:
    """A file uploader with the app's own label and help in Vietnamese above it: Streamlit draws its box in
    English an app cannot change («Upload», «Drag and drop…», «50MB per file»; README, «Những chữ tiếng Anh
    còn lại»), so the caption says what to do, how large and which kinds. `limit_mb` is also the box's own
    limit (Streamlit refuses a larger file), so the two never disagree."""
    kinds = ", ".join(f".{t}" for t in types)
    many = " (chọn được nhiều tệp)" if multiple else ""
    st.markdown(f"**{escape_markdown(label)}**")
    st.caption(
        f"Kéo thả tệp vào ô dưới hoặc bấm nút «Upload» để chọn{many}; tối đa {limit_mb} MB mỗi tệp; nhận {kinds}."
    )
    return st.file_uploader(
        label, type=list(types), accept_multiple_files=multiple, key=key, max_upload_size=limit_mb,
        label_visibility="collapsed",
    )  # fmt: skip
