"""What every page shares: the loaded dataset and criteria (the sample until the user uploads
others), scoring cached per (data, criteria, year), and the sidebar choices."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from scoring import CriteriaSet, Dataset, ScoreResult, load_criteria, score, validate_dataset
from scoring.engine.rating import rating_label
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import MET_COLUMN, cap_tren_choices, criteria_met
from scoring.plans import bundled
from scoring.store import Account, Store, StoreError, connect, database_url
from scoring.store.service import ROLES
from scoring.store.uploads import may_import
from scoring.store.workflow import Assessment

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "mau"
CRITERIA = bundled.default_plan()
TEMPLATE = ROOT / "data" / "mau_nhap_lieu.xlsx"
#: the plans shipped with the tool (criteria/*.yaml), the Hai chân – Ba mũi plan first
PLANS = sorted(bundled.plan_files(), key=lambda p: (p.name != CRITERIA.name, p.name))


@dataclass
class Loaded:
    """The data and criteria the pages show; `key` names their content (for caches)."""

    dataset: Dataset
    criteria: CriteriaSet
    data_label: str
    criteria_label: str
    key: str


@st.cache_resource(show_spinner="Đang đọc và kiểm tra dữ liệu mẫu…")
def _sample() -> tuple[Dataset, CriteriaSet]:
    dataset, report = validate_dataset(SAMPLE)
    if dataset is None:
        raise RuntimeError(report.to_text())
    return dataset, load_criteria(CRITERIA)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if file.is_file():
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def criteria_key(criteria: CriteriaSet) -> str:
    """The criteria part of a cache key: the file (an upload has its own temporary path) and its content."""
    path = Path(criteria.path)
    content = _digest(path) if path.is_file() else criteria.version
    return f"{hashlib.sha256(str(path).encode()).hexdigest()[:8]}:{content}"


def loaded() -> Loaded:
    """The uploaded data and criteria if the user loaded some (Dữ liệu page), the approved submissions
    if the user chose them (refreshed when a submission changes), else the sample. Both go with the
    account that loaded them: logged out (or timed out), the session is back on the sample."""
    current = st.session_state.get("loaded")
    if current is not None and current.key.startswith(UPLOADED) and not may_import(account()):
        del st.session_state["loaded"]
        current = None
    if current is not None and current.key.startswith(APPROVED):
        user = account()
        if user is None:
            del st.session_state["loaded"]  # the approved figures go with the account that read them
        elif current.key.split("|")[0] != _approved_key(user):
            use_approved(user, current.criteria, current.criteria_label, quiet=True)
    if "loaded" not in st.session_state:
        dataset, criteria = _sample()
        st.session_state["loaded"] = Loaded(
            dataset,
            criteria,
            f"{SAMPLE.relative_to(ROOT)} (dữ liệu mẫu một Đảng bộ Khối)",
            f"criteria/{CRITERIA.name} — {criteria.label}",
            f"mau:{_digest(SAMPLE)}|{criteria_key(criteria)}",
        )
    value: Loaded = st.session_state["loaded"]
    return value


@st.cache_resource(show_spinner="Đang chấm điểm…", max_entries=32)
def _scored(key: str, year: int, _dataset: Dataset, _criteria: CriteriaSet) -> ScoreResult:
    return score(_dataset, _criteria, year)


def result(year: int, state: Loaded | None = None) -> ScoreResult:
    state = state or loaded()
    return _scored(state.key, year, state.dataset, state.criteria)


def results(state: Loaded | None = None) -> dict[int, ScoreResult]:
    state = state or loaded()
    return {year: result(year, state) for year in state.dataset.years}


@st.cache_resource(show_spinner="Đang đọc tệp tiêu chí…")
def _plan(path: str, digest: str) -> CriteriaSet:
    return load_criteria(path)


def _plan_picker(state: Loaded) -> None:
    """The plan to score by: one of the bundled files, or the file the user uploaded. Choosing one
    keeps the data and swaps the criteria (every page follows; caches are keyed by both)."""
    current = Path(state.criteria.path).resolve()
    options = [str(p) for p in PLANS]
    if str(current) not in options:
        options.append(str(current))  # a file uploaded on the Dữ liệu page
    titles = {str(p): _plan(str(p), _digest(p)).title for p in PLANS}
    chosen = st.selectbox(  # no key: the default follows the plan in use (an upload changes it)
        "Kế hoạch thi đua",
        options,
        index=options.index(str(current)) if str(current) in options else 0,
        format_func=lambda k: titles.get(k, f"{state.criteria.title} (tệp đã tải lên)"),
    )
    if chosen != str(current) and chosen in titles:
        path = Path(chosen)
        criteria = _plan(chosen, _digest(path))
        st.session_state["loaded"] = Loaded(
            state.dataset,
            criteria,
            state.data_label,
            f"criteria/{path.name} — {criteria.label}",
            f"{state.key.split('|')[0]}|{criteria_key(criteria)}",
        )
        st.rerun()


def sidebar() -> tuple[int, str | None]:
    """The choices every page shares — plan, year and đảng bộ cấp trên cơ sở — drawn by each page and
    kept in the session (outside the widgets) so that switching pages keeps them."""
    state = loaded()
    years = state.dataset.years[::-1]
    tops = cap_tren_choices(state.dataset)
    with st.sidebar:
        st.markdown("**Thi đua — chấm điểm theo kế hoạch**")
        _plan_picker(state)
        year = st.session_state.get("nam_da_chon")
        year = st.selectbox("Năm", years, index=years.index(year) if year in years else 0)
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
    state = loaded()
    with st.sidebar:
        st.markdown("**Thi đua — tự đánh giá và duyệt**")
        _plan_picker(state)
    account_box()
    return loaded().criteria


def caption() -> None:
    state = loaded()
    st.caption(f"Dữ liệu: {escape_markdown(state.data_label)} · Tiêu chí: {escape_markdown(state.criteria_label)}")


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

#: minutes without any action after which a session is logged out (THIDUA_PHIEN_PHUT)
SESSION_MINUTES = float(os.environ.get("THIDUA_PHIEN_PHUT", "30"))
APPROVED = "csdl:"
#: the key prefix of data and criteria uploaded on the Dữ liệu page
UPLOADED = "tai_len:"


@st.cache_resource(show_spinner="Đang mở cơ sở dữ liệu…")
def _store(url: str) -> Store:
    return Store(connect(url))


def store() -> Store:
    """The workflow database: THIDUA_DB_URL, else the SQLite file thidua.db in the working folder."""
    return _store(database_url())


def account() -> Account | None:
    """The logged-in account, or None; a session idle for longer than SESSION_MINUTES is logged out."""
    user: Account | None = st.session_state.get("tai_khoan")
    if user is None:
        return None
    now = time.time()
    if now - st.session_state.get("hoat_dong_luc", now) > SESSION_MINUTES * 60:
        logout(keep_drafts=True)  # the same person logging in again finds their unsaved edits
        st.session_state["het_phien"] = True
        return None
    st.session_state["hoat_dong_luc"] = now
    return user


def logout(keep_drafts: bool = False) -> None:
    """Forget the account and everything read with it (approved figures, drafts being edited). After
    a timeout the drafts stay, tagged with their owner: only the same account logging in gets them."""
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
    """User name and password; a success keeps the account in the session and reruns the page."""
    if st.session_state.pop("het_phien", False):
        st.warning(f"Phiên làm việc đã hết hạn sau {SESSION_MINUTES:g} phút không thao tác: hãy đăng nhập lại.")
    with st.form("dang_nhap"):
        username = st.text_input("Tên đăng nhập")
        password = st.text_input("Mật khẩu", type="password")
        sent = st.form_submit_button("Đăng nhập", type="primary")
    if sent:
        try:
            user = store().authenticate(username.strip(), password)
        except StoreError as error:
            st.error(escape_markdown(error))
            return
        if st.session_state.get("nhap:chu", user.ten_dang_nhap) != user.ten_dang_nhap:
            for key in [k for k in st.session_state if str(k).startswith("nhap:")]:  # another person's drafts
                del st.session_state[key]
        st.session_state["tai_khoan"] = user
        st.session_state["hoat_dong_luc"] = time.time()
        st.rerun()


def require_account(*roles: str) -> Account:
    """The logged-in account (the login form and a stop otherwise); with `roles`, only those may go on."""
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


def account_box() -> None:
    """The sidebar's account line: who is logged in and a logout button, or a link to log in."""
    user = account()
    with st.sidebar:
        st.divider()
        if user is None:
            st.page_link("giao_dien/dang_nhap.py", label="Đăng nhập", icon=":material/login:")
            return
        st.caption(f"Đăng nhập: {escape_markdown(user.label)}")
        if st.button("Đăng xuất", key="dang_xuat"):
            logout()
            st.rerun()


def _approved_key(user: Account) -> str:
    return f"{APPROVED}{user.ten_dang_nhap}:{store().revision()}"


def use_approved(user: Account, criteria: CriteriaSet, criteria_label: str, quiet: bool = False) -> bool:
    """Make the approved submissions the account may read the data every page shows (refreshed
    whenever a submission or the tree changes). False, with the report shown, if they cannot be."""
    from scoring.store.assemble import approved_dataset

    dataset, report = approved_dataset(store(), user)
    if dataset is None or not dataset.years:
        if not quiet:
            why = report.to_text() if not report.ok else "chưa có báo cáo nào được duyệt."
            st.error("Chưa dùng được số liệu đã duyệt: " + escape_markdown(why))
        st.session_state.pop("loaded", None)
        return False
    scope = "toàn Đảng bộ" if user.vai_tro == "quan_tri" else f"phạm vi của {user.label}"
    st.session_state["loaded"] = Loaded(
        dataset,
        criteria,
        f"Báo cáo đã duyệt trong cơ sở dữ liệu ({scope})",
        criteria_label,
        f"{_approved_key(user)}|{criteria_key(criteria)}",
    )
    return True


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
