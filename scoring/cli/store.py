"""Commands on the workflow's database (THIDUA_DB_URL, or --csdl): accounts (tai-khoan), the organisation
tree (nap-to-chuc), past years as approved reports (nap-so-lieu), backup (sao-luu, khoi-phuc)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scoring.cli.app import EXIT_DATA, app, command, fail_usage
from scoring.input.dataset import validate_dataset

accounts_app = typer.Typer(help="Tài khoản của ứng dụng (tạo, đặt lại mật khẩu, liệt kê).", no_args_is_help=True)
app.add_typer(accounts_app, name="tai-khoan")
DB_OPTION = typer.Option("--csdl", help="Địa chỉ cơ sở dữ liệu (mặc định: THIDUA_DB_URL hoặc tệp thidua.db).")


def _store(csdl: str | None) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from scoring.store import Store, connect

    try:
        return Store(connect(csdl))
    except SQLAlchemyError as exc:
        raise fail_usage(f"không mở được cơ sở dữ liệu: {exc.__class__.__name__}: {exc}") from exc


def _password(prompt: str) -> str:
    """From THIDUA_MAT_KHAU (scripts) or typed twice, hidden (never an argument: it would stay in the history)."""
    import os

    given = os.environ.get("THIDUA_MAT_KHAU")
    if given:
        return given
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    return value


@command("tao", group=accounts_app)
def tai_khoan_tao(
    ten: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    vai_tro: Annotated[str, typer.Option("--vai-tro", help="quan_tri, cap_uy_co_so, chi_bo hoặc xem.")],
    don_vi: Annotated[str | None, typer.Option("--don-vi", help="Mã tổ chức (cấp ủy cơ sở, chi bộ).")] = None,
    ho_ten: Annotated[str, typer.Option("--ho-ten", help="Họ tên người dùng.")] = "",
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Tạo tài khoản (mật khẩu nhập ẩn hai lần, hoặc lấy từ biến môi trường THIDUA_MAT_KHAU)."""
    from scoring.store import StoreError
    from scoring.store.accounts import SYSTEM

    store = _store(csdl)
    try:
        account = store.create_account(SYSTEM, ten, _password("Mật khẩu"), vai_tro, don_vi, ho_ten)
    except StoreError as exc:
        typer.echo(str(exc))
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(f"Đã tạo tài khoản {account.label}.")


@command("dat-lai-mat-khau", group=accounts_app)
def tai_khoan_dat_lai(
    ten: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Đặt lại mật khẩu của một tài khoản."""
    from scoring.store import StoreError
    from scoring.store.accounts import SYSTEM

    store = _store(csdl)
    try:
        store.reset_password(SYSTEM, ten, _password("Mật khẩu mới"))
    except StoreError as exc:
        typer.echo(str(exc))
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(f"Đã đặt lại mật khẩu của «{ten}».")


@command("danh-sach", group=accounts_app)
def tai_khoan_danh_sach(csdl: Annotated[str | None, DB_OPTION] = None) -> None:
    """Liệt kê các tài khoản."""
    from scoring.store.accounts import ROLES, SYSTEM

    for row in _store(csdl).accounts(SYSTEM).itertuples(index=False):
        typer.echo(f"{row.ten_dang_nhap}\t{ROLES.get(row.vai_tro, row.vai_tro)}\t{row.ma_to_chuc or ''}\t{row.ho_ten}")


@command("nap-to-chuc")
def nap_to_chuc(
    data: Annotated[Path, typer.Argument(help="Bộ dữ liệu (thư mục hoặc tệp .xlsx) có bảng Tổ chức.")],
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Nạp cây tổ chức từ một bộ dữ liệu vào cơ sở dữ liệu (phạm vi của các tài khoản theo đơn vị): một lần
    nhập không có năm nào (in những gì thay đổi, ghi vào danh sách các lần nhập)."""
    from scoring.store import StoreError
    from scoring.store.accounts import SYSTEM
    from scoring.store.imports import commit

    dataset, report = validate_dataset(data)
    if dataset is None:
        typer.echo(report.to_text())
        raise typer.Exit(EXIT_DATA)
    try:
        batch = commit(_store(csdl), SYSTEM, dataset, [], data.name)
    except StoreError as exc:
        typer.echo(str(exc))
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(batch.preview.summary())
    typer.echo(f"Đã nạp {len(dataset.to_chuc)} tổ chức.")


@command("nap-so-lieu")
def nap_so_lieu(
    data: Annotated[Path, typer.Argument(help="Bộ dữ liệu (thư mục hoặc tệp .xlsx) của các năm trước.")],
    years: Annotated[
        list[int] | None, typer.Option("--nam", help="Năm cần nạp (lặp lại được); mặc định mọi năm.")
    ] = None,
    ghi_de: Annotated[
        bool,
        typer.Option(
            "--ghi-de",
            help="Cho phép thay số liệu của báo cáo đã có (thành phiên bản mới; phiên bản cũ vẫn giữ, hoàn tác được).",
        ),
    ] = False,
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Nạp số liệu các năm đã tổng hợp trong tệp vào cơ sở dữ liệu như báo cáo đã duyệt (để xu hướng,
    chuỗi năm và thứ hạng có đủ năm), cùng cây tổ chức của tệp, trong một giao dịch; in trước những gì
    thay đổi. Báo cáo mới được nạp; báo cáo đã có mà số liệu khác chỉ được thay (thành phiên bản mới)
    khi có --ghi-de, nếu không thì không nạp gì cả; báo cáo không đổi giữ nguyên."""
    from scoring.store import StoreError
    from scoring.store.accounts import SYSTEM
    from scoring.store.imports import commit, preview

    dataset, report = validate_dataset(data)
    if dataset is None:
        typer.echo(report.to_text())
        raise typer.Exit(EXIT_DATA)
    missing = sorted(set(years or []) - set(dataset.years))
    if missing:
        raise fail_usage(f"bộ dữ liệu không có năm {', '.join(map(str, missing))} (có: {dataset.years}).")
    store = _store(csdl)
    try:
        plan = preview(store, SYSTEM, dataset, years)
        typer.echo(plan.summary())
        if plan.changes_reports and not ghi_de:
            changed = sum(len(y.changed) for y in plan.years)
            typer.echo(
                f"Chưa nạp gì: {changed} báo cáo đã có sẽ đổi số liệu. Kiểm tra những thay đổi trên rồi chạy lại "
                "với --ghi-de để thay chúng (thành phiên bản mới; phiên bản cũ vẫn giữ, hoàn tác được)."
            )
            raise typer.Exit(EXIT_DATA)
        batch = commit(store, SYSTEM, dataset, years, data.name, expected=plan.fingerprint)
    except StoreError as exc:
        raise fail_usage(str(exc)) from exc
    written = len(batch.preview.writes)
    kept = sum(len(y.unchanged) for y in batch.preview.years)
    note = f"; giữ nguyên {kept} báo cáo đã có (không đổi)" if kept else ""
    typer.echo(f"Đã nạp {written} báo cáo (đã duyệt){note}. Lần nhập số {batch.id} (hoàn tác được ở trang Dữ liệu).")


@command("sao-luu")
def sao_luu(
    tep: Annotated[Path, typer.Argument(help="Tệp sao lưu sẽ ghi (.zip).")],
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu vào một tệp .zip."""
    from scoring.store import StoreError
    from scoring.store.backup import backup

    store = _store(csdl)
    try:
        counts = backup(store.engine, tep)
    except StoreError as exc:
        raise fail_usage(str(exc)) from exc
    typer.echo(f"Đã sao lưu vào {tep}: " + ", ".join(f"{k} {v} dòng" for k, v in counts.items()) + ".")


@command("khoi-phuc")
def khoi_phuc(
    tep: Annotated[Path, typer.Argument(help="Tệp sao lưu (.zip).")],
    ghi_de: Annotated[bool, typer.Option("--ghi-de", help="Xóa dữ liệu đang có trước khi khôi phục.")] = False,
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Khôi phục cơ sở dữ liệu từ một tệp sao lưu (tất cả hoặc không gì cả)."""
    from scoring.store import StoreError
    from scoring.store.backup import restore

    store = _store(csdl)
    try:
        counts = restore(store.engine, tep, overwrite=ghi_de)
    except StoreError as exc:
        typer.echo(str(exc))
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(f"Đã khôi phục từ {tep}: " + ", ".join(f"{k} {v} dòng" for k, v in counts.items()) + ".")
