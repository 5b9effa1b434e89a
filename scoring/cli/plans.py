"""Commands on plan files: check one (tieu-chi kiem-tra), run the YAML cases (tieu-chi kiem-thu)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scoring.cases import run as case_runner
from scoring.cli.app import EXIT_DATA, app, command, fail_usage, print_problems
from scoring.domain.numbers import format_points, years_text
from scoring.plans.bundled import cases_folder
from scoring.plans.frameworks import check_framework, is_framework_file
from scoring.plans.loader import check_criteria
from scoring.plans.rating_rules import check_rules, is_rules_file

plans_app = typer.Typer(help="Làm việc với tệp tiêu chí (tên cũ: criteria).", no_args_is_help=True)
app.add_typer(plans_app, name="tieu-chi")
app.add_typer(plans_app, name="criteria", hidden=True)


@command("kiem-tra", alias="check", group=plans_app)
def criteria_check(
    file: Annotated[Path, typer.Argument(help="Tệp tiêu chí, quy định xếp loại hoặc khung điểm (YAML).")],
) -> None:
    """Kiểm tra một tệp tiêu chí, tệp quy định xếp loại hoặc tệp khung điểm (mã 0: hợp lệ, 1: có lỗi). Tên cũ:
    criteria check."""
    if not file.is_file():
        raise fail_usage(f"không tìm thấy tệp «{file}».")
    if is_framework_file(file):  # a scoring framework (criteria/khung_diem/): checked as one
        framework, framework_problems = check_framework(file)
        if framework is None:
            print_problems(framework_problems, "Tệp khung điểm có lỗi")
            raise typer.Exit(EXIT_DATA)
        typer.echo(f"Tệp khung điểm hợp lệ: {framework.label}.")
        for text in framework.summary():
            typer.echo(text)
        return
    if is_rules_file(file):  # a rating rules file (criteria/quy_dinh/): checked as one
        rules, rule_problems = check_rules(file)
        if rules is None:
            print_problems(rule_problems)
            raise typer.Exit(EXIT_DATA)
        typer.echo(f"Tệp quy định xếp loại hợp lệ: {rules.label}, {len(rules.rules)} quy tắc.")
        for kind, said in (
            ("veto", "loại trừ"),
            ("exception", "ngoại lệ"),
            ("review", "chuyển cấp có thẩm quyền xem xét"),
        ):
            same_kind = [r for r in rules.rules if r.kind == kind]
            if same_kind:
                typer.echo(f"  {said}: {len(same_kind)}")
        return
    criteria, problems = check_criteria(file)
    if criteria is None:
        print_problems(problems)
        raise typer.Exit(EXIT_DATA)
    typer.echo(f"Tệp tiêu chí hợp lệ: {criteria.label}, {len(criteria.criteria)} tiêu chí.")
    typer.echo(f"Văn bản: {criteria.document}; hiệu lực {years_text(criteria.from_year, criteria.to_year)}.")
    for level, chosen in criteria.by_level.items():
        points = format_points(sum(c.points for c in chosen))
        typer.echo(f"  {level}: {len(chosen)} tiêu chí, tổng {points} điểm")
    if criteria.tasks:  # plans scored from the Nhiệm vụ table: what each unit must report
        typer.echo(f"Nhiệm vụ ({len(criteria.tasks)}), báo trong bảng Nhiệm vụ:")
        for item in criteria.tasks:
            typer.echo(f"  {item.id} — hạn: {item.han}; giao cho: {', '.join(item.levels)} — {item.title}")
    dated = [c for c in criteria.criteria if c.from_year or c.to_year]
    for c in dated:
        when = " ".join(w for w in (c.from_year and f"từ năm {c.from_year}", c.to_year and f"đến năm {c.to_year}") if w)
        typer.echo(f"  chỉ tiêu có mốc thời gian: {c.id} chấm {when}")


@command("kiem-thu", alias="test", group=plans_app)
def criteria_test(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Tệp hoặc thư mục tình huống YAML; bỏ trống: các tình huống có sẵn (kế hoạch và quy định).",
                       show_default=False),
    ] = None,
) -> None:  # fmt: skip
    """Chạy các tình huống YAML của kế hoạch và quy định xếp loại. Tên cũ: criteria test.

    Mã 0: mọi tình huống đạt; 1: có tình huống không đạt hoặc tệp tình huống có lỗi; 2: đường dẫn không có."""
    given = paths or [cases_folder()]
    missing = [p for p in given if not p.exists()]
    if missing:
        raise fail_usage("không tìm thấy " + ", ".join(f"«{p}»" for p in missing) + ".")
    files = case_runner.case_files(given)
    if not files:
        raise fail_usage("không có tệp tình huống .yaml nào trong " + ", ".join(f"«{p}»" for p in given) + ".")
    passed = failed = broken = 0
    for file in files:
        typer.echo(_shown(file))
        found, problems = case_runner.check_case_file(file)
        if problems:
            broken += 1
            typer.echo(f"  Tệp tình huống có lỗi ({len(problems)}):")
            for problem in problems:
                typer.echo(f"    {problem}")
            continue
        for case in found:
            result = case_runner.run_case(case)
            passed += result.passed
            failed += not result.passed
            typer.echo(f"  {'✓' if result.passed else '✗'} {case.name}")
            for failure in result.failures:
                typer.echo(f"      {failure}")
    summary = f"{passed + failed} tình huống: {passed} đạt, {failed} không đạt"
    typer.echo(summary + (f"; {broken} tệp tình huống có lỗi" if broken else ""))
    raise typer.Exit(EXIT_DATA if failed or broken else 0)


def _shown(path: Path) -> str:
    """A path as short as it can be read: from the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
