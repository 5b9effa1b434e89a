"""Commands on plan files: check one (tieu-chi kiem-tra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scoring.cli.app import EXIT_DATA, app, command, fail_usage, print_problems
from scoring.plans.loader import check_criteria

plans_app = typer.Typer(help="Làm việc với tệp tiêu chí (tên cũ: criteria).", no_args_is_help=True)
app.add_typer(plans_app, name="tieu-chi")
app.add_typer(plans_app, name="criteria", hidden=True)


@command("kiem-tra", alias="check", group=plans_app)
def criteria_check(file: Annotated[Path, typer.Argument(help="Tệp tiêu chí YAML.")]) -> None:
    """Kiểm tra một tệp tiêu chí (mã 0: hợp lệ, 1: có lỗi). Tên cũ: criteria check."""
    if not file.is_file():
        raise fail_usage(f"không tìm thấy tệp «{file}».")
    criteria, problems = check_criteria(file)
    if criteria is None:
        print_problems(problems)
        raise typer.Exit(EXIT_DATA)
    typer.echo(f"Tệp tiêu chí hợp lệ: {criteria.label}, {len(criteria.criteria)} tiêu chí.")
    years = f"{criteria.from_year}–{criteria.to_year or '…'}"
    typer.echo(f"Văn bản: {criteria.document}; hiệu lực: {years}.")
    for level, chosen in criteria.by_level.items():
        points = f"{sum(c.points for c in chosen):g}".replace(".", ",")
        typer.echo(f"  {level}: {len(chosen)} tiêu chí, tổng {points} điểm")
    if criteria.tasks:  # plans scored from the Nhiệm vụ table: what each unit must report
        typer.echo(f"Nhiệm vụ ({len(criteria.tasks)}), báo trong bảng Nhiệm vụ:")
        for item in criteria.tasks:
            typer.echo(f"  {item.id} — hạn: {item.han}; giao cho: {', '.join(item.levels)} — {item.title}")
    dated = [c for c in criteria.criteria if c.from_year or c.to_year]
    for c in dated:
        typer.echo(f"  chỉ tiêu có mốc thời gian: {c.id} chấm {c.from_year or '…'}–{c.to_year or '…'}")
