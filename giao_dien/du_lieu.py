"""Dữ liệu: the database is the data. An administrator uploads a dataset (one XLSX workbook, or the CSV
files), sees its validation report, previews what an import would change, commits it (one transaction,
audited) and can undo an import; and stores a new version of a plan or rules file. Uploads are decided in
the library (`scoring.store.uploads`, `imports`, `plan_files`), each file read from a temporary folder it
removes. Other accounts see the list of imports (xem) or a note."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from giao_dien.access import account, account_box, note_refusal, store
from giao_dien.common import TEMPLATE, upload_box
from scoring import CriteriaError
from scoring.input.dataset import Dataset
from scoring.outputs.display import count_text, screen
from scoring.outputs.excel import XLSX_MIME
from scoring.outputs.safe_text import escape_markdown
from scoring.outputs.workflow_views import imports_view, plan_files_view
from scoring.plans.rating_rules import KIND as RULES_KIND
from scoring.store import PermissionDenied, StoreError, imports, plan_files
from scoring.store.accounts import Account
from scoring.store.uploads import Upload, may_import, read_dataset_upload

LIMIT_MB = 50


def _table(frame: pd.DataFrame, plain: tuple[str, ...] = ("Năm",)) -> None:
    """A table as people read it (`display.screen`): numbers «1.200», years and ids as written, nothing for none."""
    shown = screen(frame, plain=plain)
    st.dataframe(shown.frame, hide_index=True, width="stretch", column_config=shown.column_config)


def _import_section(actor: Account, checked: Dataset, label: str) -> None:
    """«Nạp vào cơ sở dữ liệu»: the years to import, what would change, a confirm button that commits
    (the library decides again, in one transaction, and refuses if the database moved since)."""
    with st.container(border=True):
        st.markdown("**Nạp vào cơ sở dữ liệu** (cây tổ chức và số liệu các năm, thành báo cáo đã duyệt)")
        years = st.multiselect(
            "Năm cần nạp", checked.years, default=checked.years, key="nap_nam", placeholder="Chọn năm cần nạp"
        )
        if st.button("Xem trước những gì thay đổi", key="nap_xem_truoc"):
            try:
                found = imports.preview(store(), actor, checked, years)
                st.session_state["nap_ban_xem_truoc"] = (label, tuple(years), found)
            except StoreError as error:
                st.error(escape_markdown(error))
        shown = st.session_state.get("nap_ban_xem_truoc")
        if not shown or shown[0] != label or shown[1] != tuple(years):
            return
        plan = shown[2]
        if not plan.tree.changed:
            st.caption("Cây tổ chức không đổi.")
        else:
            _table(plan.tree_table())
        if plan.tree.blocked:
            st.error("Tệp bỏ các tổ chức còn báo cáo hoặc tài khoản: " + escape_markdown(
                ", ".join(f"{c} «{n}»" for c, n in plan.tree.blocked)) + ". Không nạp được.")  # fmt: skip
            return
        _table(plan.years_table())
        examples = plan.examples_table()
        if len(examples):
            st.caption("Ví dụ số liệu thay đổi (trước → sau):")
            _table(examples)
        if plan.empty:
            st.info("Cơ sở dữ liệu đã có đúng các số liệu này: không có gì để nạp.")
            return
        if st.button("Xác nhận nạp vào cơ sở dữ liệu", type="primary", key="nap_xac_nhan"):
            try:
                batch = imports.commit(store(), actor, checked, list(years), label, expected=plan.fingerprint)
            except StoreError as error:
                st.error(escape_markdown(error))
                return
            st.session_state.pop("nap_ban_xem_truoc", None)
            st.success(f"Đã nạp (lần nhập số {batch.id}): {count_text(len(batch.preview.writes))} báo cáo được ghi.")


def _plan_kind(content: bytes) -> str:
    """A rules file says `kind: quy_dinh_xep_loai` on a line of its own; anything else is a plan."""
    text = content[:65536].decode("utf-8", errors="replace")
    return "quy_dinh" if any(line.strip() == f"kind: {RULES_KIND}" for line in text.splitlines()) else "tieu_chi"


def _dataset_section(user: Account, files: list[Upload]) -> None:
    names = [f.name for f in files]
    xlsx = [n for n in names if n.lower().endswith(".xlsx")]
    if len(xlsx) > 1 or (xlsx and len(files) > 1):
        st.error("Chọn một tệp Excel, hoặc các tệp CSV — không trộn hai loại.")
        return
    with st.spinner("Đang đọc và kiểm tra…"):
        checked, report = read_dataset_upload(store(), user, files)
    st.subheader("Kết quả kiểm tra dữ liệu")
    (st.success if report.ok else st.error)(escape_markdown(report.summary()))
    problems = report.display_table()
    if len(problems):
        _table(problems)
    if checked is None:
        st.info("Dữ liệu có lỗi nên chưa nạp được; cơ sở dữ liệu không thay đổi.")
        return
    _import_section(user, checked, ", ".join(names))


def _plan_section(user: Account, upload: Upload) -> None:
    kind = _plan_kind(upload.content)
    refused = plan_files.name_problem(upload.name)
    if refused is not None:  # a name no file may be stored under (blank, control characters, a folder…)
        st.error(escape_markdown(f"{refused} Chưa lưu gì."))
        return
    text = upload.content.decode("utf-8-sig", errors="replace")
    problems = plan_files.check_text(kind, upload.name, text)
    if problems:
        st.error(escape_markdown(f"{plan_files.KINDS[kind]} có lỗi, chưa lưu:\n" + "\n".join(str(p) for p in problems)))
        return
    st.success(f"{plan_files.KINDS[kind]} «{escape_markdown(upload.name)}» hợp lệ.")
    if st.button("Lưu phiên bản mới", key="luu_cau_hinh"):
        try:
            saved = plan_files.upload(store(), user, kind, upload.name, upload.content)
            st.success(f"Đã lưu {escape_markdown(saved.ten)}, phiên bản {saved.phien_ban}.")
        except (StoreError, CriteriaError) as error:
            st.error(escape_markdown(error))


def _history(user: Account) -> None:
    st.subheader("Các lần nạp vào cơ sở dữ liệu")
    past = imports.list_imports(store(), user)
    if past.empty:
        st.caption("Chưa có lần nạp nào.")
    else:
        _table(imports_view(past), plain=("Lần",))
    if not may_import(user):
        return
    open_ids = [int(i) for i, undone in zip(past["id"], past["hoan_tac"], strict=True) if not undone]
    if open_ids:
        listed = imports_view(past).set_index("Lần")
        chosen = st.selectbox(
            "Lần nạp cần hoàn tác",
            open_ids,
            key="hoan_tac_lan",
            placeholder="Chọn lần nạp",
            format_func=lambda i: (
                f"Lần {i}: {listed.loc[i, 'Tệp']}, {listed.loc[i, 'Lúc']}, {listed.loc[i, 'Người nạp']}"
            ),
        )
        if st.button("Hoàn tác", key="hoan_tac_nut"):
            try:
                count = imports.undo(store(), user, int(chosen))
                st.success(f"Đã hoàn tác lần nhập {chosen}: {count} báo cáo trở về phiên bản trước.")
            except StoreError as error:
                st.error(escape_markdown(error))
    st.subheader("Tệp tiêu chí và quy định đang dùng")
    plan_files.seed_bundled(store())  # the bundled files are stored on first use, as every reader of them does
    files = plan_files.history(store())
    if files.empty:  # (an empty table would draw Streamlit's English «empty»)
        st.caption("Chưa có tệp tiêu chí, quy định nào.")
    else:
        _table(plan_files_view(files, plan_files.KINDS), plain=("Phiên bản",))


st.title("Dữ liệu")
user = account()
account_box()
st.download_button(
    "Tải mẫu nhập liệu (XLSX)", data=TEMPLATE.read_bytes(), file_name=TEMPLATE.name, mime=XLSX_MIME, on_click="ignore"
)
if user is None or not may_import(user):
    st.info("Chỉ tài khoản quản trị nạp số liệu và tệp tiêu chí vào cơ sở dữ liệu.")
    note_refusal(user, "Dữ liệu — nạp số liệu, tệp tiêu chí", "chỉ quản trị nạp số liệu và tệp tiêu chí")
    if user is not None and user.vai_tro == "xem":
        _history(user)
    st.stop()
st.markdown(
    "Tải lên **một tệp Excel** có các trang tổ chức, đảng viên, số liệu đơn vị theo năm hoặc **các tệp CSV** "
    f"`to_chuc.csv`, `dang_vien.csv`, `don_vi_nam.csv`; mỗi tệp tối đa {LIMIT_MB} MB. Kế hoạch chấm theo nhiệm vụ "
    "cần thêm trang «Nhiệm vụ» hoặc tệp `nhiem_vu.csv` (không bắt buộc). Công thức và macro trong tệp Excel không "
    "bao giờ được chạy: chỉ đọc giá trị đã lưu. Số liệu được kiểm tra, xem trước những gì thay đổi, rồi mới nạp."
)
data_files = upload_box("Bộ dữ liệu", ["xlsx", "csv"], LIMIT_MB, multiple=True)
plan_file = upload_box("Tệp tiêu chí hoặc quy định xếp loại (YAML)", ["yaml", "yml"], LIMIT_MB)
too_big = [f.name for f in [*data_files, *([plan_file] if plan_file else [])] if f.size > LIMIT_MB * 2**20]
if too_big:
    st.error(f"Tệp quá lớn (tối đa {LIMIT_MB} MB): {escape_markdown(', '.join(too_big))}. Chưa nạp gì.")
    st.stop()
try:  # the library decides again whether this account may upload (and logs a refusal)
    if data_files:
        _dataset_section(user, [Upload(f.name, f.getvalue()) for f in data_files])
    if plan_file is not None:
        _plan_section(user, Upload(plan_file.name, plan_file.getvalue()))
except PermissionDenied as error:
    st.error(escape_markdown(error))
    st.stop()
_history(user)
