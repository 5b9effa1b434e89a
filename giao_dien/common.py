"""What every page shares: the approved figures of the database cut to the reader's scope
(`scoring.store.scoped`), scored by the plan chosen in the sidebar, and the sidebar choices."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

import streamlit as st

from scoring import CriteriaSet, Dataset, ScoreResult, score
from scoring.engine.rating import rating_label
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import MET_COLUMN, cap_tren_choices, criteria_met
from scoring.plans import bundled
from scoring.store import Account, Store, connect, plan_files
from scoring.store.demo import app_database_url, is_demo
from scoring.store.plan_files import StoredFile
from scoring.store.service import ROLES
from scoring.store.workflow import Assessment
from scoring.web import LOGOUT_PATH, SESSION_COOKIE, account_from_cookies, had_session, login_link, login_url
from scoring.web.site import base_path

if TYPE_CHECKING:
    from scoring.store.scoped import ScopedData

ROOT = Path(__file__).resolve().parents[1]
CRITERIA = bundled.default_plan()
TEMPLATE = ROOT / "data" / "mau_nhap_lieu.xlsx"


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
        f"criteria/{Path(criteria.path).name} — {criteria.label}",
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
    )
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
        year = st.selectbox("Năm", shown, index=shown.index(year) if year in shown else 0)
        top = st.session_state.get("cap_tren_da_chon")
        choices = list(tops)
        top = (
            st.selectbox(
                "Đảng bộ cấp trên cơ sở",
                choices,
                index=choices.index(top) if top in choices else 0,
                format_func=lambda k: tops[k],
            )
            if choices
            else None
        )
    st.session_state["nam_da_chon"], st.session_state["cap_tren_da_chon"] = year, top
    account_box()
    if not state.criteria.in_force(int(year)):
        until = f"–{state.criteria.to_year}" if state.criteria.to_year else " trở đi"
        st.sidebar.warning(
            f"Kế hoạch đang chọn có hiệu lực từ năm {state.criteria.from_year}{until}; năm {year} nằm ngoài thời gian "
            "đó nên nhiều tiêu chí sẽ không có số liệu."
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


def criterion_table(frame: object) -> None:
    """A table of criterion rows (board, scorecard): the group narrow, the explanation wide, the
    verdict in words only («Kết quả»)."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "Nhóm": st.column_config.TextColumn(width="small"),
            "Giải thích": st.column_config.TextColumn(width="large"),
            MET_COLUMN: None,
        },
    )


# --- accounts and the workflow database ----------------------------------------------------------

#: minutes without any request after which a session ends (THIDUA_PHIEN_PHUT; the database ends it)
SESSION_MINUTES = float(os.environ.get("THIDUA_PHIEN_PHUT", "30").replace(",", ".") or 30)
APPROVED = "csdl:"
#: tests only: AppTest sends no cookies, so with THIDUA_TEST_PHIEN=1 in the environment of the process
#: running the script, a session token the test put in st.session_state[TEST_SESSION] stands for the
#: cookie (a token from `scoring.store.sessions.open_session`, checked against the database like any
#: cookie). No widget has this key and a browser cannot set the environment: a browser never uses it.
TEST_SESSION_SETTING, TEST_SESSION = "THIDUA_TEST_PHIEN", "_phien_thu"


def demo() -> bool:
    """Whether the app runs as the demo on the bundled sample (no THIDUA_DB_URL): visitors may view
    the scoring pages without a login."""
    return is_demo()


@st.cache_resource(show_spinner="Đang mở cơ sở dữ liệu…")
def _store(url: str) -> Store:
    return Store(connect(url))


def store() -> Store:
    """The app's database: THIDUA_DB_URL, else (the demo) thidua_mau.db, made from the sample on first use."""
    return _store(app_database_url())


def _cookies() -> Mapping[str, str]:
    """The browser's cookies (those of the request that opened the page), or the test's session."""
    if os.environ.get(TEST_SESSION_SETTING) == "1" and TEST_SESSION in st.session_state:
        return {SESSION_COOKIE: str(st.session_state[TEST_SESSION])}
    token = st.context.cookies.get(SESSION_COOKIE)
    return {SESSION_COOKIE: token} if isinstance(token, str) else {}  # (AppTest's context has no real cookies)


def _here() -> str:
    """The path of the page shown (for the login to come back to it)."""
    url = st.context.url or "/"
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def account() -> Account | None:
    """The account of the browser's login session (the `thidua_phien` cookie, `scoring.web`), as the
    database has it now; None without a live session. A session that ended (THIDUA_PHIEN_PHUT idle
    minutes, logout elsewhere, a locked account) forgets what was read with it; the drafts being
    edited stay, tagged with their owner: only the same account logging in again gets them."""
    cookies = _cookies()
    user = account_from_cookies(store(), cookies) if had_session(cookies) else None
    previous: Account | None = st.session_state.get("tai_khoan")
    if user is None:
        if previous is not None:
            logout(keep_drafts=True)
        st.session_state["het_phien"] = had_session(cookies)
        return None
    st.session_state["het_phien"] = False
    owner = st.session_state.get("nhap:chu", user.ten_dang_nhap)
    if (previous is None or previous.ten_dang_nhap != user.ten_dang_nhap) and owner != user.ten_dang_nhap:
        for key in [k for k in st.session_state if str(k).startswith("nhap:")]:  # another person's drafts
            del st.session_state[key]
    st.session_state["tai_khoan"] = user
    return user


def logout(keep_drafts: bool = False) -> None:
    """Forget the account and everything read with it (approved figures, drafts being edited). After
    a timeout the drafts stay, tagged with their owner: only the same account logging in gets them.
    (The session itself ends at /dang-xuat, the link of `account_box`.)"""
    user = st.session_state.get("tai_khoan")
    dropped = ("tai_khoan", "hoat_dong_luc") if keep_drafts else ("tai_khoan", "hoat_dong_luc", "nhap:")
    for key in [k for k in st.session_state if str(k).startswith(dropped)]:
        del st.session_state[key]
    if keep_drafts and user is not None:
        st.session_state["nhap:chu"] = user.ten_dang_nhap
    current = st.session_state.get("loaded")
    if current is not None and current.key.startswith(APPROVED):
        del st.session_state["loaded"]


def login_form() -> None:
    """Where to log in: a link to the login page (/dang-nhap), coming back to this page; after a
    session ended, a note saying so first."""
    expired = bool(st.session_state.get("het_phien"))
    if not demo() and not store().has_accounts():
        st.info(
            "Cơ sở dữ liệu chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên (Ban Tuyên giáo) trên máy chủ, "
            "cùng THIDUA_DB_URL với ứng dụng: `thidua tai-khoan tao <tên> --vai-tro quan_tri` (mật khẩu lấy từ "
            "THIDUA_MAT_KHAU hoặc nhập khi được hỏi); sau đó quản trị tạo tài khoản cho cấp ủy và chi bộ ở trang "
            "Quản trị."
        )
    if expired:
        st.warning(
            f"Phiên đăng nhập đã hết hạn (sau {SESSION_MINUTES:g} phút không thao tác, hoặc đã đăng xuất ở nơi khác): "
            "hãy đăng nhập lại."
        )
    st.markdown(login_link(login_url(_here(), expired=expired, base_path=_base()), "Đăng nhập"), unsafe_allow_html=True)


def _base() -> str:
    from streamlit import config

    return base_path(str(config.get_option("server.baseUrlPath") or ""))


def require_login() -> None:
    """Outside the demo no page shows anything without a live session (the server's middleware sends
    page loads to the login first; this is the check of every run, since the websocket outlives the
    page load)."""
    if demo() or account() is not None:
        return
    st.title("Đăng nhập")
    st.info("Ứng dụng chỉ dùng được sau khi đăng nhập.")
    login_form()
    st.stop()


def require_account(*roles: str) -> Account:
    """The logged-in account (a link to the login and a stop otherwise); with `roles`, only those may go on."""
    user = account()
    if user is None:
        st.info("Trang này cần đăng nhập.")
        login_form()
        st.stop()
    assert user is not None
    if roles and user.vai_tro not in roles:
        allowed = ", ".join(ROLES[r] for r in roles)
        st.warning(f"Tài khoản {escape_markdown(user.label)} không dùng được trang này (dành cho: {allowed}).")
        st.stop()
    return user


def demo_banner() -> None:
    """On every page of the demo: the data are the bundled sample, not a real database."""
    if demo():
        st.info(
            "**Dữ liệu mẫu** — bản chạy thử trên số liệu giả định của một Đảng bộ Khối (tệp thidua_mau.db), không "
            "phải cơ sở dữ liệu thật. Tài khoản mẫu ở trang Đăng nhập.",
            icon=":material/science:",
        )


def account_box() -> None:
    """The sidebar's account line: who is logged in and a link to log out (/dang-xuat), or a link to
    log in (with a note when the session has expired)."""
    user = account()
    with st.sidebar:
        st.divider()
        if user is None:
            if st.session_state.get("het_phien"):
                st.caption("Phiên đăng nhập đã hết hạn.")
            st.markdown(
                login_link(login_url(_here(), expired=bool(st.session_state.get("het_phien")), base_path=_base())),
                unsafe_allow_html=True,
            )
            return
        st.caption(f"Đăng nhập: {escape_markdown(user.label)}")
        st.markdown(login_link(logout_href(), "Đăng xuất"), unsafe_allow_html=True)


def logout_href() -> str:
    """The logout address (/dang-xuat): it ends the session in the database and clears the cookie."""
    return f"{_base()}{LOGOUT_PATH}"


def show_assessment(result: Assessment, year: int, draft: bool) -> None:
    """A report's figures as scored (Tự đánh giá shows the draft, Duyệt the report sent): problems
    first, then score, criteria met, rank in its group, the rating it gave itself against the highest
    the rules allow, and its criteria, groups and members."""
    if not result.report.ok:
        lead = "Số liệu còn lỗi, chưa gửi được (lưu nháp vẫn được)" if draft else "Số liệu của báo cáo có lỗi"
        st.error(f"{lead}:\n\n{escape_markdown(result.report.summary())}")
        st.dataframe(result.report.display_table(), hide_index=True, width="stretch")
    elif len(result.report.warnings):
        with st.expander(f"{len(result.report.warnings)} lưu ý về số liệu"):
            st.dataframe(result.report.display_table(), hide_index=True, width="stretch")
    if result.conflicts is not None and not result.conflicts.ok:
        st.error(
            "Số liệu mâu thuẫn với báo cáo đã duyệt của đơn vị khác:\n\n" + escape_markdown(result.conflicts.to_text())
        )
    if not result.scored:
        return
    cells = st.columns(5)
    cells[0].metric("Tổng điểm", "—" if result.total is None else f"{result.total:.2f}".replace(".", ","))
    met = criteria_met(result.scorecard)
    cells[1].metric("Số tiêu chí đạt", f"{met}/{len(result.scorecard)}")
    if len(result.ranks):
        first = result.ranks.iloc[0]
        alone = result.compared_with == 0
        cells[2].metric(
            "Thứ hạng trong nhóm",
            "—" if alone else f"{int(first['Thứ hạng'])}/{int(first['Số đơn vị trong nhóm'])}",
            help=f"Chưa có đơn vị nào khác được duyệt năm {year}." if alone else escape_markdown(first["Nhóm thi đua"]),
        )
    rating = result.rating
    if rating:
        own, top = rating["tu_danh_gia"], rating["muc_cao_nhat"]
        own_label = escape_markdown(rating_label(own)) if own else "chưa nhập"  # a metric's value is Markdown too
        cells[3].metric("Tự xếp loại", own_label, help=escape_markdown(own) or None)
        cells[4].metric(
            "Mức đề xuất (cao nhất được phép)",
            rating_label(top) if top else "—",
            help=escape_markdown(f"{top} — {rating['quy_dinh']}"),
        )
    st.caption(
        f"Thứ hạng tính cùng {result.compared_with} đơn vị khác đã được duyệt năm {year} (chưa duyệt thì chưa tính)"
        + ("; chỉ là tạm tính cho đến khi cấp trên duyệt." if draft else ".")
    )
    if rating:
        message = f"{rating['ket_luan']} — mức được phép: {rating['muc_duoc_phep'] or '—'}. {rating['can_cu']}".strip()
        shown = escape_markdown(f"{message} ({rating['quy_dinh']})")
        (st.success if rating["ket_luan"] == "Đúng quy định" else st.warning)(shown)
    criteria_tab, groups_tab, members_tab = st.tabs(["Tiêu chí", "Nhóm thi đua", "Đảng viên"])
    with criteria_tab:
        criterion_table(result.scorecard)
    with groups_tab:
        st.dataframe(result.ranks, hide_index=True, width="stretch")
    with members_tab:
        st.dataframe(result.members, hide_index=True, width="stretch")
