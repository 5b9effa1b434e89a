"""The two modes of the web app, and the demo's database.

- REAL: `THIDUA_DB_URL` is set. Nothing is shown before a login; the sample is never used.
- DEMO: `THIDUA_DB_URL` is not set. The app runs on its own SQLite file, `thidua_mau.db` in the working
  folder (git-ignored), created on first start from the bundled sample (data/mau): the organisation tree,
  every year as approved reports (as `thidua nap-to-chuc` and `thidua nap-so-lieu` would load them), and
  four accounts with known passwords (`DEMO_ACCOUNTS`, listed on the login page). Visitors may view the
  scoring pages without logging in; the workflow pages still need one of the demo accounts.

`ensure_demo` is idempotent and safe when two processes start at once: the file is built under a name
of its own, then linked into place (`os.link` fails if the file exists — the other process won; its
file is used and ours removed); a reader never sees a half-filled demo database."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

from scoring.plans.bundled import sample_folder
from scoring.store.db import connect

DB_SETTING = "THIDUA_DB_URL"
DEMO_FILE = "thidua_mau.db"
SAMPLE = sample_folder()
DEMO_PASSWORD = "thidua-mau"
#: (user name, role, unit, name) of the demo's accounts, all with DEMO_PASSWORD
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None, str], ...] = (
    ("quantri", "quan_tri", None, "Quản trị (mẫu)"),
    ("capuy", "cap_uy_co_so", "CS004", "Cấp ủy Đảng bộ cơ sở CS004 (mẫu)"),
    ("chibo", "chi_bo", "CB001", "Bí thư Chi bộ CB001 (mẫu)"),
    ("xem", "xem", None, "Người xem (mẫu)"),
)


def is_demo(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the app runs as the demo (no THIDUA_DB_URL)."""
    return not (os.environ if environ is None else environ).get(DB_SETTING, "").strip()


def demo_path(folder: Path | None = None) -> Path:
    return (folder or Path.cwd()) / DEMO_FILE


def demo_url(folder: Path | None = None) -> str:
    return f"sqlite:///{demo_path(folder)}"


def app_database_url(environ: Mapping[str, str] | None = None) -> str:
    """The database of the web app: THIDUA_DB_URL, or the demo's file (made by `ensure_demo`)."""
    if is_demo(environ):
        return ensure_demo()
    return (os.environ if environ is None else environ)[DB_SETTING].strip()


def _fill(url: str) -> None:
    """The sample's tree, every year approved, the demo accounts, into an empty database."""
    from scoring.input.dataset import validate_dataset
    from scoring.store.accounts import SYSTEM
    from scoring.store.service import Store
    from scoring.store.workflow import submissions_from_dataset

    dataset, report = validate_dataset(SAMPLE)
    if dataset is None:
        raise RuntimeError(report.to_text())
    engine = connect(url)
    try:
        store = Store(engine)
        store.import_tree(SYSTEM, dataset.to_chuc.astype(object))
        store.import_approved(SYSTEM, submissions_from_dataset(dataset))
        for username, role, unit, name in DEMO_ACCOUNTS:
            store.create_account(SYSTEM, username, DEMO_PASSWORD, role, unit, name)
        with engine.connect() as db:  # everything into the main file before it is linked into place
            db.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


def ensure_demo(folder: Path | None = None) -> str:
    """The demo database's URL, its file made and filled first if it is not there yet."""
    final = demo_path(folder)
    if not final.exists():
        building = final.with_name(f".{final.name}.{os.getpid()}.{os.urandom(4).hex()}")
        try:
            _fill(f"sqlite:///{building}")
            with contextlib.suppress(FileExistsError):  # another process finished first: its file is the demo
                os.link(building, final)
        finally:
            for leftover in building.parent.glob(f"{building.name}*"):
                leftover.unlink(missing_ok=True)
    return f"sqlite:///{final}"


def demo_intro() -> list[str | tuple[str, ...]]:
    """The text above the demo's login form: what it is, and its accounts."""
    return [
        "Bản chạy thử trên dữ liệu mẫu (một Đảng bộ Khối, số liệu giả định). Không cần đăng nhập để xem các trang "
        "chấm điểm; trang tự đánh giá, duyệt và quản trị cần một trong các tài khoản mẫu, cùng mật khẩu "
        f"«{DEMO_PASSWORD}»:",
        tuple(f"{username} — {name}" for username, _role, _unit, name in DEMO_ACCOUNTS),
        f"Dùng thật: đặt {DB_SETTING} (ví dụ sqlite:///thidua.db hoặc PostgreSQL), tạo quản trị đầu tiên bằng "
        "«thidua tai-khoan tao <tên> --vai-tro quan_tri» rồi chạy lại «streamlit run app.py».",
    ]


def real_intro() -> list[str | tuple[str, ...]]:
    """The text above the real login form: how the first administrator is made."""
    return [
        "Chưa có tài khoản? Quản trị tạo tài khoản ở trang Quản trị. Tài khoản quản trị đầu tiên được tạo trên "
        "máy chủ: «thidua tai-khoan tao <tên> --vai-tro quan_tri» (mật khẩu lấy từ THIDUA_MAT_KHAU hoặc nhập "
        "khi được hỏi), cùng THIDUA_DB_URL với ứng dụng.",
    ]
