"""Commands on data: check a dataset (kiem-tra), make a synthetic one (sinh-du-lieu), write the empty
Excel template (mau-nhap-lieu)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated

import typer

from scoring.cli.app import (
    DATA_HELP,
    EXIT_DATA,
    OUTPUT_NAMES,
    check_data_argument,
    command,
    fail_usage,
    print_report,
    save_report,
)
from scoring.domain.numbers import format_number
from scoring.input.dataset import validate_dataset
from scoring.outputs.writers import FORMATS, OutputError, write_tables
from scoring.plans.model import Task


@command("kiem-tra", alias="validate")
def validate(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    xuat: Annotated[
        Path | None, typer.Option(*OUTPUT_NAMES, help="Ghi toàn bộ báo cáo ra tệp .csv hoặc .xlsx.")
    ] = None,
    so_dong: Annotated[int, typer.Option("--so-dong", min=1, help="Số dòng tối đa in ra cho mỗi loại lỗi.")] = 20,
) -> None:
    """Kiểm tra dữ liệu và in bảng lỗi, cảnh báo (mã thoát 0: hợp lệ, 1: có lỗi). Tên cũ: validate."""
    check_data_argument(data)
    if xuat is not None and xuat.suffix.lower() not in (".csv", ".xlsx"):
        raise fail_usage("--xuat phải là tệp .csv hoặc .xlsx.")
    if xuat is not None and not xuat.parent.is_dir():
        raise fail_usage(f"thư mục «{xuat.parent}» của --xuat không tồn tại.")
    _, report = validate_dataset(data)
    print_report(report, so_dong)
    if xuat is not None:
        save_report(report, xuat)
        typer.echo(f"Đã ghi báo cáo: {xuat}")
    raise typer.Exit(0 if report.ok else EXIT_DATA)


def parse_years(text: str) -> list[int]:
    """ "2021-2025" -> [2021..2025]; "2021,2023" -> [2021, 2023]; "2024" -> [2024]."""
    text = text.replace(" ", "").replace("–", "-")
    match = re.fullmatch(r"(\d{4})-(\d{4})", text)
    if match:
        start, end = int(match.group(1)), int(match.group(2))
        if start > end:
            raise ValueError(f"khoảng năm «{text}» có năm đầu lớn hơn năm cuối")
        years = list(range(start, end + 1))
    elif re.fullmatch(r"\d{4}(,\d{4})*", text):
        years = sorted({int(y) for y in text.split(",")})
    else:
        raise ValueError(f"không hiểu «{text}»: viết 2021-2025, 2024 hoặc 2021,2023")
    if years[0] < 1930 or years[-1] > 2100:
        raise ValueError("năm phải trong khoảng 1930–2100")
    return years


def bundled_tasks() -> tuple[Task, ...]:
    """The tasks of the bundled plans (those with a «tasks» section), each from the first year of its plan."""
    from scoring.plans.bundled import plan_files
    from scoring.plans.loader import load_criteria

    found: list[Task] = []
    for path in plan_files():
        found.extend(load_criteria(path).tasks)
    return tuple(found)


@command("sinh-du-lieu")
def sinh_du_lieu(
    out: Annotated[Path, typer.Argument(help="Thư mục sẽ tạo (phải chưa có hoặc rỗng).")],
    so_dang_vien: Annotated[int, typer.Option("--so-dang-vien", help="Số đảng viên mỗi năm (xấp xỉ).")] = 6500,
    years_text: Annotated[str, typer.Option("--nam", help="Các năm: 2021-2025, 2024 hoặc 2021,2023.")] = "2021-2025",
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu).")] = 2021,
    dinh_dang: Annotated[str, typer.Option("--dinh-dang", help="csv, xlsx hoặc parquet.")] = "csv",
    dang_bo_bo_phan: Annotated[
        bool,
        typer.Option("--dang-bo-bo-phan/--khong-dang-bo-bo-phan", help="Có đảng bộ bộ phận trong các đảng bộ lớn."),
    ] = True,
    so_tccsd: Annotated[
        int | None, typer.Option("--so-tccsd", help="Số tổ chức cơ sở đảng (mặc định: theo số đảng viên).")
    ] = None,
    nhiem_vu: Annotated[
        bool,
        typer.Option(
            "--nhiem-vu/--khong-nhiem-vu",
            help="Sinh cả bảng Nhiệm vụ cho các kế hoạch có sẵn có mục «tasks».",
        ),
    ] = True,
    qd366: Annotated[
        bool,
        typer.Option(
            "--qd366/--khong-qd366",
            help="Sinh cả các cột điều kiện xếp loại của QĐ 366-QĐ/TW (số nhiệm vụ đúng hạn, vượt yêu cầu, chậm, "
            "không hoàn thành; hình thức kỷ luật; suy thoái…) cho các năm từ 2025, khớp với xếp loại.",
        ),
    ] = False,
) -> None:
    """Sinh bộ dữ liệu tổng hợp như thật (một hoặc nhiều đảng bộ cấp trên cơ sở)."""
    from scoring.sample.generate import GenerationError, Profile, generate

    try:
        years = parse_years(years_text)
    except ValueError as exc:
        raise fail_usage(str(exc)) from exc
    if dinh_dang not in FORMATS:
        raise fail_usage(f"--dinh-dang phải là một trong: {', '.join(FORMATS)}.")
    if so_dang_vien < 100 or (so_tccsd is not None and not 2 <= so_tccsd <= so_dang_vien // 10):
        raise fail_usage("--so-dang-vien phải ≥ 100 và --so-tccsd trong khoảng 2 … số đảng viên / 10.")
    started = time.perf_counter()
    try:
        profile = Profile(bo_phan=dang_bo_bo_phan)
        tasks = bundled_tasks() if nhiem_vu else ()
        tables = generate(so_dang_vien, years, seed=seed, n_tccsd=so_tccsd, profile=profile, tasks=tasks, qd366=qd366)
        files = write_tables(tables, out, dinh_dang)
    except (OutputError, GenerationError) as exc:
        raise fail_usage(str(exc)) from exc
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{name}: {format_number(len(frame))} dòng" for name, frame in tables.items())
    typer.echo(f"Đã ghi {', '.join(str(f) for f in files)} ({counts}) trong {format_number(elapsed, 1)} giây.")


@command("mau-nhap-lieu")
def mau_nhap_lieu(
    out: Annotated[Path, typer.Argument(help="Tệp .xlsx sẽ tạo.")] = Path("mau_nhap_lieu.xlsx"),
) -> None:
    """Tạo tệp Excel mẫu nhập liệu (ba trang tính, danh sách chọn, hướng dẫn)."""
    from scoring.sample.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise fail_usage("tệp mẫu phải có đuôi .xlsx.")
    write_template(out)
    typer.echo(f"Đã ghi {out}")
