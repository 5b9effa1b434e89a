"""The audit log as the administrator reads it: Vietnamese headers, the time on the office's clock, each action
and each code (a state, a role) by its words, who acted by name, and the small JSON objects a line keeps
before and after as a sentence («trạng thái: Đã gửi; phiên bản: 2»), counts the Vietnamese way, a browser by
its name rather than its user-agent string."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scoring.domain.numbers import format_moments, format_number
from scoring.outputs.workflow_views import YES_NO, person

#: the columns in the order a reader scans a line: when, who, what, on what, allowed or why not, then the details
HEADERS = {
    "luc": "Lúc", "tai_khoan": "Tài khoản", "hanh_dong": "Hành động", "doi_tuong": "Đối tượng",
    "duoc_phep": "Được phép", "ghi_chu": "Ghi chú", "truoc": "Trước", "sau": "Sau",
}  # fmt: skip
REFUSED = "Bị từ chối"
#: the keys of the audit's JSON objects, as words (an unknown key is written with spaces, never as a code)
WORDS = {
    "trang_thai": "trạng thái", "phien_ban": "phiên bản", "ly_do": "lý do", "vai_tro": "vai trò",
    "ma_to_chuc": "đơn vị", "so_to_chuc": "số tổ chức", "so_bao_cao": "số báo cáo", "ghi_de": "ghi đè",
    "bo_qua": "giữ nguyên", "nam": "năm", "lan_nhap": "lần nạp", "tep": "tệp", "to_chuc": "cây tổ chức",
    "them": "thêm", "bo": "bỏ", "doi_ten": "đổi tên", "chuyen": "chuyển cấp trên", "bao_cao_moi": "báo cáo mới",
    "bao_cao_thay_doi": "báo cáo thay đổi", "khong_doi": "không đổi",
    "giu_nguyen_khong_co_trong_tep": "giữ nguyên (không có trong tệp)", "khoi_phuc": "khôi phục",
    "xoa_bao_cao_moi": "xóa báo cáo mới", "trinh_duyet": "trình duyệt", "trung_dang_vien": "đảng viên trùng",
    "sha256": "mã SHA-256",
}  # fmt: skip
#: a browser and its system as a user-agent string says them, first match first («Edg/» also says «Chrome/»)
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS", "macOS"), ("Linux", "Linux"))  # fmt: skip


def browser_name(agent: str) -> str:
    """A user-agent string as a person names the browser: «Chrome trên Windows»; the string itself when it
    names no browser known here (a test's «AppTest»)."""
    name = next((n for mark, n in BROWSERS if mark in agent), "")
    system = next((n for mark, n in SYSTEMS if mark in agent), "")
    return f"{name} trên {system}" if name and system else name or agent


def audit_value(value: Any, codes: Mapping[str, str], key: str = "") -> str:
    """An audit line's before or after (a small JSON object) as words: «trạng thái: Đã gửi; phiên bản: 2»,
    a nested object in brackets, codes by `codes` (states, roles), counts «1.200», years as written."""
    if value is None:
        return "—" if key else ""
    if isinstance(value, dict):
        parts = [
            f"{WORDS.get(str(k), str(k).replace('_', ' '))}: {audit_value(v, codes, str(k))}" for k, v in value.items()
        ]
        return f"({'; '.join(parts)})" if key else "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(audit_value(v, codes, key) for v in value)
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, int | float):
        return str(value) if key == "nam" else format_number(float(value), 2)
    if key == "trinh_duyet":
        return browser_name(str(value))
    return codes.get(str(value), str(value))


def audit_table(audit: pd.DataFrame, actions: Mapping[str, str], codes: Mapping[str, str]) -> pd.DataFrame:
    """The audit log (`Store.audit`) for the administrator: `actions` names each action code, `codes` the
    states and roles its objects hold; «Có» or «Bị từ chối»; nothing empty shown as «None»."""
    table = audit.reindex(columns=list(HEADERS)).astype(object)
    table["luc"] = format_moments(table["luc"])
    table["tai_khoan"] = [person(v) for v in table["tai_khoan"]]
    table["hanh_dong"] = [actions.get(str(a), str(a)) for a in table["hanh_dong"]]
    table["doi_tuong"] = [person(v) for v in table["doi_tuong"]]
    for column in ("truoc", "sau"):
        table[column] = [audit_value(v, codes) for v in table[column]]
    table["duoc_phep"] = ["Có" if bool(v) else REFUSED for v in table["duoc_phep"]]
    table["ghi_chu"] = ["" if pd.isna(v) else str(v) for v in table["ghi_chu"]]
    return table.rename(columns=HEADERS)
