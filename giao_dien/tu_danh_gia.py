"""Tự đánh giá: a chi bộ (or TCCSĐ) secretary fills the unit's figures for a year and its members'
ratings — on screen or by uploading its sheets of the template — and sees, before sending, its
criteria, score, rank among its group and the rating the rules allow; drafts are saved with their
version (a stale save is refused, never overwrites), then sent up for review.

Everything here goes through the library (`scoring.store`), which decides what the account may see
and change; the page only draws it."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import streamlit as st

from giao_dien.access import require_account, store
from giao_dien.assessment import show_assessment
from giao_dien.common import TEMPLATE, criteria_key, plan_sidebar, upload_box
from scoring.domain.numbers import format_moment
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, ColumnSpec, Kind
from scoring.outputs.display import count_text, plan_name
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.views import workbook
from scoring.outputs.workflow_views import (
    NUMBER_KINDS,
    YES_NO,
    form_sheets,
    history_view,
    member_grid,
    number_cell,
    person,
    read_members,
    read_unit,
)
from scoring.store import StaleVersion, StoreError
from scoring.store.uploads import Upload, read_unit_upload
from scoring.store.workflow import (
    MEMBER_FIELDS,
    UNIT_FIELDS,
    assess,
    clean,
    holds_members,
    opening_year,
    previous_report,
    starting_point,
)

LIMIT_MB = 50  # as the Dữ liệu page (and the uploader's own limit, .streamlit/config.toml)
ROW_PIXELS = 35  # the grid's row height (Streamlit's default)

criteria = plan_sidebar()
user = require_account("chi_bo", "cap_uy_co_so", "quan_tri")
db = store()
st.title("Tự đánh giá")
notice = st.session_state.pop("td_thong_bao", None)
if notice:
    st.success(escape_markdown(notice))

units = db.editable(user)
if not units:
    st.warning(
        "Cơ sở dữ liệu chưa có cây tổ chức: nạp ở trang Quản trị."
        if user.vai_tro == "quan_tri"
        else f"Tài khoản {escape_markdown(user.label)} chưa gắn với đơn vị nào có trong cây tổ chức: nhờ quản trị "
        "kiểm tra."
    )
    st.stop()
names = db.names()
left, right = st.columns([3, 1])
chosen = st.session_state.get("nhap:chon", {})  # kept outside the widgets: other pages do not reset it
# the page opens on the account's own unit and on the latest year it has a report of (else the
# latest year the database has approved reports of), not on an empty new year
own = next((u for u in (chosen.get("unit"), user.ma_to_chuc) if u in units), units[0])
unit = left.selectbox(
    "Đơn vị",
    units,
    index=units.index(own),
    format_func=lambda u: f"{names[u][0]} ({u})",
    key="td_don_vi",
    placeholder="Chọn đơn vị",
)
this_year = date.today().year
opening = chosen.get("year") or opening_year(db, user, unit) or this_year
years = sorted({*range(this_year, this_year - 6, -1), opening}, reverse=True)
year = int(right.selectbox("Năm đánh giá", years, index=years.index(opening), key="td_nam", placeholder="Chọn năm"))
st.session_state["nhap:chon"] = {"unit": unit, "year": year}
level = names[unit][1]

current = db.get(user, unit, year)
version = current.phien_ban if current else None
editable = current is None or current.trang_thai in ("nhap", "tra_lai")
opening_note = st.empty()  # a new form nobody has touched yet shows here how to start (`_start_hint`)
if current is None:
    opening_note.info(f"Năm {year}: chưa có báo cáo. Nhập số liệu, xem kết quả tạm tính, rồi lưu nháp hoặc gửi duyệt.")
elif current.trang_thai == "tra_lai":
    reason = escape_markdown(current.ly_do_tra_lai)
    st.warning(f"Cấp trên đã trả lại báo cáo (phiên bản {current.phien_ban}). Lý do: {reason}")
elif current.trang_thai == "da_gui":
    st.info(f"Báo cáo đã gửi (phiên bản {current.phien_ban}), đang chờ cấp trên duyệt: chưa sửa được.")
elif current.trang_thai == "da_duyet":
    st.success(f"Báo cáo đã được duyệt (phiên bản {current.phien_ban}); số liệu này được dùng để xếp hạng.")
else:
    st.caption(f"Bản nháp, phiên bản {current.phien_ban}, lưu bởi {escape_markdown(person(current.cap_nhat_boi))}.")

# the version the user opened is pinned in the session: if someone saves after it, the page says so
# and a save is refused by the library (never overwrites); the user's edits stay on screen
# (a version that could not be edited — sent, approved — simply follows the database)
opened_key = f"nhap:mo:{unit}:{year}"
opened, was_editable = st.session_state.setdefault(opened_key, (version, editable))
if opened != version and not was_editable:
    st.session_state.pop(f"nhap:{unit}:{year}:{opened}", None)
    opened, was_editable = st.session_state[opened_key] = (version, editable)
if opened != version:
    saver = escape_markdown(person(current.cap_nhat_boi)) if current else ""
    who = f"{saver} lúc {format_moment(current.cap_nhat_luc)}" if current else "người khác"
    st.error(
        f"Báo cáo đã được {who} lưu thành phiên bản {version} sau khi bạn mở "
        + ("báo cáo (khi đó chưa lưu lần nào)" if opened is None else f"phiên bản {opened}")
        + ": "
        "lần lưu của bạn sẽ bị từ chối để không ghi đè. Tải lại để xem bản mới nhất."
    )
    if st.button("Tải lại bản mới nhất (bỏ phần đang sửa)"):
        st.session_state.pop(f"nhap:{unit}:{year}:{opened}", None)
        st.session_state[opened_key] = (version, editable)
        st.rerun()
draft_key = f"nhap:{unit}:{year}:{opened}"
if draft_key not in st.session_state:
    data, origin = starting_point(db, user, unit, year)
    st.session_state[draft_key] = {"data": data, "origin": origin, "lan": 0, "tep": None}
draft: dict[str, Any] = st.session_state[draft_key]
if "current" in draft and f"dvn:{draft_key}:{draft['lan']}:xep_loai" not in st.session_state:
    # the widgets were dropped (another page, another year, a new login after a timeout): they are
    # drawn afresh from the values last on screen, so unsaved edits are never lost on the way
    draft.update(data=draft.pop("current"), lan=draft["lan"] + 1)
stamp = f"{draft_key}:{draft['lan']}"  # widget keys: new values (upload, redraw) get new widgets
st.caption(escape_markdown(draft["origin"]))


def _unit_widget(column: ColumnSpec, value: Any, key: str) -> Any:
    label = column.title + (" *" if column.required else "")
    if column.kind is Kind.CODE and column.vocabulary is not None:
        labels = column.vocabulary.labels
        options = ["", *labels]
        return st.selectbox(
            label, options, index=options.index(value) if value in options else 0, key=key, disabled=not editable,
            format_func=lambda c: labels.get(c, "—"), help=column.note or None, placeholder="Chọn…",
        ) or None  # fmt: skip
    if column.kind is Kind.FLAG:  # blank is «Không», as a blank cell of an uploaded file: no third choice
        options = [False, True]
        return st.selectbox(
            label, options, index=1 if value is True else 0, key=key, disabled=not editable,
            format_func=lambda v: YES_NO[v], help=column.note or None, placeholder="Chọn…",
        )  # fmt: skip
    if column.kind in NUMBER_KINDS:  # typed as text, read the Vietnamese way («86,5», «1.200»): the browser's
        # number box follows its own (often English) locale and reads «86,5» as 865
        return st.text_input(
            label, value=number_cell(value), key=key, disabled=not editable,
            help=" — ".join(x for x in (column.note, f"Cần {column.expected()}.") if x),
        )  # fmt: skip
    return st.text_input(label, value="" if value is None else str(value), key=key, disabled=not editable)


def _pixels(texts: list[str], title: str) -> int:
    """A grid column wide enough for its longest value (and most of its title), in pixels."""
    return 8 * max(len(t) for t in [*texts, title[:24]]) + 48


def _member_config() -> dict[str, Any]:
    config: dict[str, Any] = {}
    for column in MEMBER_FIELDS:
        label = column.title + (" *" if column.required else "")
        if column.kind is Kind.CODE and column.vocabulary is not None:
            labels = column.vocabulary.labels
            config[column.name] = st.column_config.SelectboxColumn(  # the grid holds labels (`member_grid`)
                label,
                options=list(labels.values()),
                width=_pixels(list(labels.values()), label),
                help=column.note or None,
            )  # not `required`: the grid would hold a new row back, unsaved, until every such cell is filled
        elif column.kind is Kind.FLAG:
            config[column.name] = st.column_config.CheckboxColumn(label, help=column.note or None)
        elif column.kind in NUMBER_KINDS:  # text read the Vietnamese way, as the unit's fields
            config[column.name] = st.column_config.TextColumn(
                label, help=" — ".join(x for x in (column.note, f"Cần {column.expected()}.") if x),
                width=_pixels([], label),
            )  # fmt: skip
        else:  # the member's id and name stay in sight when the grid scrolls sideways
            config[column.name] = st.column_config.TextColumn(
                label, width=_pixels([], label) + 40, pinned=column.name in ("ma_dang_vien", "ho_ten")
            )
    return config


def _start_hint() -> None:
    """A new year's form nobody has touched yet: what to fill and how to start, not the check's errors."""
    before = previous_report(db, user, unit, year)
    st.info(
        f"Báo cáo năm {year} chưa có số liệu. Chọn **Xếp loại** của đơn vị"
        + (" và của từng đảng viên (cột «Xếp loại» của bảng)" if holds_members(level) else "")
        + ", rồi điền các số liệu của năm; số gõ kiểu Việt Nam (86,5; 1.200). Kết quả tạm tính hiện ngay khi bạn "
        "bắt đầu nhập. Có thể tải tệp Excel đã điền lên ở thẻ «Tải tệp Excel lên»"
        + (f", hoặc bắt đầu từ số liệu năm {before.nam} rồi sửa những gì đã khác." if before else ".")
    )
    a, b, _ = st.columns([2, 1, 2])
    if before is not None and a.button(f"Bắt đầu từ số liệu năm {before.nam}", key="td_nam_truoc"):
        origin = f"Số liệu lấy từ báo cáo năm {before.nam} («{before.trang_thai_label}»): sửa cho đúng năm {year}."
        draft.update(data=before.du_lieu, lan=draft["lan"] + 1, origin=origin, cham=True)
        draft.pop("current", None)
        st.rerun()
    if b.button("Kiểm tra số liệu", key="td_kiem_tra"):
        draft["cham"] = True
        st.rerun()


def _as_workbook(data: dict[str, Any]) -> bytes:
    """The figures as the template's sheets, titles as headers and values by their labels («Hoàn thành
    tốt nhiệm vụ», «Có»): to fill offline and upload back (the upload reads the labels)."""
    return workbook(form_sheets(unit, year, data, holds_members(level)))


screen, upload = st.tabs(["Nhập trên màn hình", "Tải tệp Excel lên"])
with screen:
    st.subheader("Số liệu của đơn vị")
    if editable:
        st.caption("Số gõ kiểu Việt Nam: dấu phẩy thập phân, dấu chấm phân cách hàng nghìn — 86,5; 1.200.")
    saved_unit = draft["data"].get("don_vi", {})
    typed_unit: dict[str, Any] = {}
    columns = st.columns(3)
    for i, column in enumerate(UNIT_FIELDS):
        with columns[i % 3]:
            typed_unit[column.name] = _unit_widget(column, saved_unit.get(column.name), f"dvn:{stamp}:{column.name}")
    unit_values, unreadable = read_unit(typed_unit)
    members: list[dict[str, Any]] = []
    if holds_members(level):
        st.subheader("Đảng viên của chi bộ")
        st.caption(
            "Thêm dòng ở cuối bảng, xóa dòng bằng ô chọn đầu dòng; cột có dấu * là bắt buộc (thiếu thì báo lỗi theo "
            "dòng, tính từ 1); ô đánh dấu để trống là «Không»; số gõ kiểu Việt Nam: 8,5; 1.200."
        )
        grid = member_grid(draft["data"].get("dang_vien", []))
        typed_members = st.data_editor(
            grid,
            num_rows="dynamic" if editable else "fixed",
            disabled=not editable,
            hide_index=True,
            width="stretch",
            height=ROW_PIXELS * (len(grid) + (2 if editable else 1)) + 3,  # every row (and the row to add one)
            placeholder="",
            column_config=_member_config(),
            key=f"dv:{stamp}",
        )
        members, unreadable_members = read_members(typed_members)
        unreadable += unreadable_members
    if unreadable and editable:
        st.error(
            "Chưa đọc được các ô sau (chưa lưu được cho đến khi sửa):\n\n"
            + "\n".join(f"- {escape_markdown(u.message())}" for u in unreadable)
        )

data = clean(unit_values, members) if editable else (current.du_lieu if current else draft["data"])
if editable:
    draft["current"] = data
    # the check's list of errors waits until the user has done something (typed, uploaded, saved or
    # asked for it): a new, untouched form shows how to start instead of a wall of red
    if not draft.get("cham") and data != draft.setdefault("ban_dau", data):
        draft["cham"] = True

with upload:
    st.markdown(
        f"Tải lên tệp mẫu nhập liệu đã điền (trang «{DON_VI_NAM.title}»"
        + (f" và «{DANG_VIEN.title}»" if holds_members(level) else "")
        + f"): chỉ đọc các dòng của đơn vị **{escape_markdown(unit)}** năm **{year}**. Công thức, macro trong tệp "
        "không được chạy."
    )
    a, b = st.columns(2)
    a.download_button(
        "Tải mẫu nhập liệu trống (XLSX)", TEMPLATE.read_bytes(), TEMPLATE.name, mime=XLSX_MIME, on_click="ignore"
    )
    b.download_button(
        "Tải số liệu đang nhập (XLSX)",
        _as_workbook(data),
        f"tu_danh_gia_{unit}_{year}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
    )
    if editable:
        sent = upload_box("Tệp Excel của đơn vị", ["xlsx"], LIMIT_MB, key=f"tai:{draft_key}")
        if sent is not None and sent.file_id != draft["tep"]:
            if sent.size > LIMIT_MB * 2**20:
                st.error(f"Tệp quá lớn (tối đa {LIMIT_MB} MB). Số liệu đang nhập không thay đổi.")
            else:
                try:  # the library checks again that this account may fill the unit's figures
                    read, report = read_unit_upload(db, user, unit, level, year, Upload(sent.name, sent.getvalue()))
                except StoreError as error:
                    st.error(escape_markdown(error))
                    st.stop()
                if read is None:
                    summary = escape_markdown(report.summary())
                    st.error("Tệp có lỗi nên chưa được dùng; số liệu đang nhập không thay đổi.\n\n" + summary)
                    st.dataframe(report.display_table(), hide_index=True, width="stretch")
                else:
                    origin = f"Số liệu từ tệp {sent.name}."
                    draft.update(data=read, lan=draft["lan"] + 1, tep=sent.file_id, origin=origin, cham=True)
                    draft.pop("current", None)
                    st.session_state["td_thong_bao"] = (
                        f"Đã đọc tệp {sent.name}: {count_text(len(read['dang_vien']))} đảng viên. "
                        "Xem lại rồi lưu nháp hoặc gửi."
                    )
                    st.rerun()


# --- live result ----------------------------------------------------------------------------------
digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
cache_key = (unit, year, digest, db.revision(), criteria_key(criteria))
cached = st.session_state.get("nhap:ket_qua")
if cached is None or cached[0] != cache_key:
    with st.spinner("Đang tính thử…"):
        cached = (cache_key, assess(db, user, unit, year, data, criteria))
    st.session_state["nhap:ket_qua"] = cached
result = cached[1]

st.subheader(f"Kết quả tạm tính năm {year} — {escape_markdown(plan_name(criteria))}")
if current is None and editable and not draft.get("cham"):
    with opening_note.container():
        _start_hint()
    st.caption("Kết quả tạm tính hiện khi bạn bắt đầu nhập số liệu (hoặc bấm «Kiểm tra số liệu»).")
else:
    show_assessment(result, year, draft=True)

# --- save and send --------------------------------------------------------------------------------
if editable:
    a, b, _ = st.columns([1, 1, 3])
    save = a.button("Lưu nháp", key="td_luu")
    send = b.button("Gửi duyệt", type="primary", key="td_gui", disabled=not result.report.ok or bool(unreadable))
    if (save or send) and unreadable:  # a figure typed but not read is never saved as blank
        draft["cham"] = True
        fields = ", ".join(f"«{u.column.title}»" + (f" (dòng {u.row})" if u.row else "") for u in unreadable)
        st.error(f"Chưa lưu: sửa các ô chưa đọc được thành số trước — {escape_markdown(fields)}.")
    elif save or send:
        try:
            saved = current
            if current is None or current.du_lieu != data or opened != version:
                saved = db.save_draft(user, unit, year, data, opened)
            assert saved is not None
            if send:
                saved = db.submit(user, unit, year, saved.phien_ban)
        except StaleVersion as error:
            if opened == version:  # else the page already says the report moved on since it was opened
                st.error(escape_markdown(error))
        except StoreError as error:
            st.error(escape_markdown(error))
        else:
            st.session_state.pop(draft_key, None)
            st.session_state[opened_key] = (saved.phien_ban, saved.trang_thai in ("nhap", "tra_lai"))
            st.session_state["td_thong_bao"] = (
                f"Đã gửi báo cáo (phiên bản {saved.phien_ban}) lên cấp trên."
                if send
                else f"Đã lưu nháp (phiên bản {saved.phien_ban})."
            )
            st.rerun()

if current is not None:
    with st.expander("Lịch sử các phiên bản"):
        st.dataframe(history_view(db.history(user, unit, year)), hide_index=True, width="stretch")
