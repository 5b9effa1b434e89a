"""The `thidua` application object and what every command shares: exit codes, argument errors, printing
a validation report or a list of problems.

Exit codes: 0 success, 1 the data (or plan, or rules) has errors, 2 the arguments cannot be used.
Commands are named in Vietnamese; the English names they had keep working as hidden aliases."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from scoring.input.readers import unusable_file_message
from scoring.input.report import COLUMNS as REPORT_COLUMNS
from scoring.input.report import ValidationReport
from scoring.plans.yaml_source import Problem

app = typer.Typer(
    name="thidua",
    help="Chấm điểm thi đua «Hai chân – Ba mũi»: kiểm tra dữ liệu, sinh dữ liệu mẫu, chấm điểm.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_DATA = 1
EXIT_USAGE = 2

# One name for the same thing on every command: the output (--xuat, or --out), the plan (--tieu-chi, or
# --criteria), the year (--nam).
OUTPUT_NAMES = ("--xuat", "--out")
PLAN_NAMES = ("--tieu-chi", "--criteria")
DATA_HELP = "Thư mục CSV/Parquet hoặc tệp Excel .xlsx chứa các bảng."
OUTPUT_FOLDER_HELP = "Thư mục kết quả sẽ tạo (phải chưa có hoặc rỗng)."


Command = TypeVar("Command", bound=Callable[..., Any])


def command(name: str, alias: str | None = None, group: typer.Typer = app) -> Callable[[Command], Command]:
    """Register a command under its Vietnamese name and, hidden, under the English name it had."""

    def register(function: Command) -> Command:
        group.command(name)(function)
        if alias is not None:
            group.command(alias, hidden=True)(function)
        return function

    return register


def fail_usage(message: str) -> typer.Exit:
    typer.echo(f"Lỗi tham số: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def check_data_argument(data: Path) -> None:
    """A path that cannot hold a dataset is an argument error (exit 2), not a data error."""
    if not data.exists():
        raise fail_usage(f"không tìm thấy «{data}».")
    if data.is_file() and data.suffix.lower() not in (".xlsx", ".xlsm"):
        raise fail_usage(unusable_file_message(data))


def check_output_folder(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise fail_usage(f"thư mục kết quả «{out}» đã có và không rỗng: chọn thư mục khác.")


def print_report(report: ValidationReport, max_rows: int) -> None:
    """The report as a table; on a terminal with rich, elsewhere (pipes, CI logs) as plain text."""
    if not sys.stdout.isatty():
        typer.echo(report.to_text(max_rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=report.summary(), title_justify="left")
    shown = report.display_table(max_rows)
    for column in shown.columns:
        table.add_column(str(column), overflow="fold")
    for row in shown.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    Console().print(table if len(shown) else report.summary())


def save_report(report: ValidationReport, path: Path) -> None:
    """Every row of the report, row numbers as numbers; the values quoted from the user's file stay text
    (a text cell in XLSX, «'» before a formula-like text in CSV: `scoring.outputs.excel`)."""
    from scoring.outputs.excel import write_csv
    from scoring.outputs.views import workbook

    table = report.table.rename(columns=REPORT_COLUMNS)
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(workbook({"Kiểm tra dữ liệu": table}))
    else:
        write_csv(table, path)


def print_problems(problems: list[Problem], title: str = "Tệp tiêu chí có lỗi") -> None:
    typer.echo(f"{title} ({len(problems)}):")
    for problem in problems:
        typer.echo(f"  {problem}")
