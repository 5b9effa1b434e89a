"""Commands that score: a year by a plan (cham-diem), the ratings against the rules in force
(kiem-tra-xep-loai), the award shortlist and the sơ kết (khen-thuong)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from scoring.cli.app import (
    DATA_HELP,
    EXIT_DATA,
    OUTPUT_FOLDER_HELP,
    OUTPUT_NAMES,
    PLAN_NAMES,
    check_data_argument,
    check_output_folder,
    command,
    fail_usage,
    print_problems,
    print_report,
)
from scoring.domain.numbers import format_number, years_text
from scoring.input.dataset import Dataset, validate_dataset
from scoring.plans import bundled
from scoring.plans.loader import check_criteria
from scoring.plans.rating_rules import RuleSet

PLAN_DEFAULT = "kế hoạch «Hai chân – Ba mũi» có sẵn"
RULES_DEFAULT = "quy định có sẵn (QĐ 132, 124, 366)"


@command("cham-diem", alias="score")
def score_command(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    year: Annotated[int, typer.Option("--nam", help="Năm chấm điểm.")],
    out: Annotated[Path, typer.Option(*OUTPUT_NAMES, help=OUTPUT_FOLDER_HELP)],
    criteria: Annotated[
        Path | None, typer.Option(*PLAN_NAMES, help="Tệp tiêu chí YAML.", show_default=PLAN_DEFAULT)
    ] = None,
    excel_dang_vien: Annotated[
        bool, typer.Option("--excel-dang-vien", help="Ghi cả kết quả từng tiêu chí của đảng viên vào tệp Excel.")
    ] = False,
) -> None:
    """Chấm điểm một năm: ghi kết quả từng tiêu chí và bảng xếp hạng (CSV và một tệp Excel). Tên cũ: score."""
    from scoring.engine import ScoringError, score
    from scoring.outputs.results import write_result

    check_data_argument(data)
    criteria = criteria or bundled.default_plan()
    if not criteria.is_file():
        raise fail_usage(f"không tìm thấy tệp tiêu chí «{criteria}».")
    check_output_folder(out)
    started = time.perf_counter()
    dataset, report = validate_dataset(data)
    loaded, problems = check_criteria(criteria)
    if dataset is None:
        print_report(report, 20)
    if loaded is None:
        print_problems(problems)
    if dataset is None or loaded is None:
        raise typer.Exit(EXIT_DATA)
    if not report.warnings.empty:
        typer.echo("Cảnh báo về dữ liệu (không ngăn việc chấm điểm; xem đủ bằng «thidua validate»):")
        print_report(report, 5)
    if not loaded.in_force(year):
        typer.echo(
            f"Lưu ý: năm {year} ngoài thời gian hiệu lực của tệp tiêu chí "
            f"({years_text(loaded.from_year, loaded.to_year)})."
        )
    try:
        result = score(dataset, loaded, year)
    except ScoringError as exc:
        typer.echo(f"Không chấm được: {exc}")
        raise typer.Exit(EXIT_DATA) from exc
    files = write_result(result, out, member_rows_in_workbook=excel_dang_vien)
    elapsed = time.perf_counter() - started
    typer.echo(f"Đã chấm năm {year} theo {loaded.label} trong {format_number(elapsed, 1)} giây.")
    rows = result.ket_qua_tieu_chi
    top = rows[rows["cap"] == "cap_tren_co_so"]
    summary = top.groupby("ma", sort=True)["dat"].agg(["sum", "size"])
    for ma, line in summary.head(10).iterrows():
        typer.echo(f"  {ma}: {int(line['sum'])}/{int(line['size'])} chỉ tiêu đạt")
    if len(summary) > 10:
        typer.echo(f"  … và {len(summary) - 10} đảng bộ cấp trên cơ sở khác (xem xep_hang_to_chuc.csv)")
    typer.echo("Đã ghi: " + ", ".join(str(f) for f in files))


def _load_for_year(data: Path, year: int, rules_path: Path | None) -> tuple[Dataset, RuleSet]:
    """The dataset and the rules in force in `year`; every problem printed, exit 1 on any."""
    from scoring.plans.rating_rules import RulesError, rules_for_year

    check_data_argument(data)
    rules_path = rules_path or bundled.rules_folder()
    if not rules_path.exists():
        raise fail_usage(f"không tìm thấy quy định xếp loại «{rules_path}».")
    dataset, report = validate_dataset(data)
    rules = None
    try:
        rules = rules_for_year(year, rules_path)
    except RulesError as exc:
        print_problems(exc.problems, "Không dùng được quy định xếp loại")
    if dataset is None:
        print_report(report, 20)
    if dataset is None or rules is None:
        raise typer.Exit(EXIT_DATA)
    if year not in dataset.years:
        typer.echo(f"Dữ liệu không có năm {year} (các năm có: {', '.join(str(y) for y in dataset.years)}).")
        raise typer.Exit(EXIT_DATA)
    return dataset, rules


@command("kiem-tra-xep-loai")
def kiem_tra_xep_loai(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    year: Annotated[int, typer.Option("--nam", help="Năm kiểm tra.")],
    quy_dinh: Annotated[
        Path | None,
        typer.Option(
            "--quy-dinh",
            help="Thư mục (hoặc tệp) quy định xếp loại; chọn tự động theo năm.",
            show_default=RULES_DEFAULT,
        ),
    ] = None,
    xuat: Annotated[Path | None, typer.Option(*OUTPUT_NAMES, help="Ghi toàn bộ kết quả ra tệp .xlsx.")] = None,
    so_dong: Annotated[int, typer.Option("--so-dong", min=1, help="Số trường hợp cần xem lại in ra.")] = 20,
) -> None:
    """Kiểm tra xếp loại đã nhập theo quy định có hiệu lực trong năm và tỷ lệ xuất sắc 20% (mã 0: đúng
    quy định, 1: có trường hợp sai hoặc vượt tỷ lệ)."""
    from scoring.engine.rating_report import rating_report
    from scoring.outputs.rating_views import rating_workbook_sheets
    from scoring.outputs.views import workbook

    if xuat is not None and (xuat.suffix.lower() != ".xlsx" or not xuat.parent.is_dir()):
        raise fail_usage("--xuat phải là tệp .xlsx trong một thư mục đã có.")
    dataset, rules = _load_for_year(data, year, quy_dinh)
    report = rating_report(dataset, year, rules)
    for line in report.summary():
        typer.echo(line)
    findings = report.ratings.findings
    if not findings.empty:
        typer.echo(
            "Các trường hợp cần xem lại — sai quy định hoặc cần cấp có thẩm quyền xem xét "
            f"({len(findings)}; in {min(so_dong, len(findings))}):"
        )
        for row in findings.head(so_dong).itertuples(index=False):
            typer.echo(
                f"  {row.ma} {row.ten}: {row.xep_loai} — {row.ket_luan} (được phép: {row.muc_duoc_phep}); {row.can_cu}"
            )
    if xuat is not None:
        sheets = rating_workbook_sheets(report)
        sheets["Quy định"] = pd_rules_table(report.rules)
        xuat.write_bytes(workbook(sheets))
        typer.echo(f"Đã ghi {xuat}")
    raise typer.Exit(0 if report.ok else EXIT_DATA)


def pd_rules_table(rules: RuleSet) -> pd.DataFrame:
    """The rules file as a table (id, rank, kind, condition, effect, source) for the workbook."""
    from scoring.plans.rating_rules import EFFECT_WORDS

    return pd.DataFrame(
        [
            {
                "Mã": r.id, "Quy tắc": r.title, "Bậc": r.rank,
                "Loại": "ngoại lệ" if r.kind == "exception" else "loại trừ", "Điều kiện": r.when_text,
                "Hệ quả": f"{EFFECT_WORDS.get(r.effect or '', 'miễn trừ')} {r.bound_text}".strip(),
                "Miễn trừ": ", ".join(r.lifts), "Văn bản": r.source.document, "Mục": r.source.section,
                "Trích": r.source.quote,
            }
            for r in rules.rules
        ]
    )  # fmt: skip


@command("khen-thuong")
def khen_thuong(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    year: Annotated[int, typer.Option("--nam", help="Năm xét khen thưởng.")],
    out: Annotated[Path, typer.Option(*OUTPUT_NAMES, help=OUTPUT_FOLDER_HELP)],
    criteria: Annotated[
        Path | None, typer.Option(*PLAN_NAMES, help="Tệp tiêu chí (có mục awards).", show_default=PLAN_DEFAULT)
    ] = None,
    quy_dinh: Annotated[
        Path | None, typer.Option("--quy-dinh", help="Thư mục quy định xếp loại.", show_default=RULES_DEFAULT)
    ] = None,
    cap_tren: Annotated[str, typer.Option("--cap-tren", help="Tên đảng bộ cấp trên in ở tiêu đề.")] = (
        "ĐẢNG ỦY KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH"
    ),
    so: Annotated[str, typer.Option("--so", help="Số văn bản.")] = "…-DS/ĐUK",
    dia_danh: Annotated[str, typer.Option("--dia-danh", help="Địa danh ở dòng ngày tháng.")] = "Bến Tre",
    ngay: Annotated[str | None, typer.Option("--ngay", help="Ngày ký, dạng 2026-01-17 (mặc định: hôm nay).")] = None,
    nguoi_ky: Annotated[str, typer.Option("--nguoi-ky", help="Họ tên người ký.")] = "",
) -> None:
    """Danh sách đề nghị khen thưởng của năm (và sơ kết): XLSX và Word, kèm lý do từng trường hợp."""
    from datetime import date

    from scoring.engine import ScoringError, score
    from scoring.engine.awards import shortlist
    from scoring.engine.rating_report import rating_report
    from scoring.outputs.documents import Letterhead, shortlist_docx, shortlist_xlsx, so_ket_docx, so_ket_xlsx
    from scoring.outputs.views import board

    check_output_folder(out)
    criteria = criteria or bundled.default_plan()
    try:
        signed = date.fromisoformat(ngay) if ngay else date.today()
    except ValueError as exc:
        raise fail_usage(f"--ngay «{ngay}» không phải ngày dạng 2026-01-17.") from exc
    loaded, problems = check_criteria(criteria)
    if loaded is None:
        print_problems(problems)
        raise typer.Exit(EXIT_DATA)
    if not loaded.awards:
        typer.echo(f"Tệp tiêu chí {criteria} không có mục «awards» (danh hiệu và chỉ tiêu khen thưởng).")
        raise typer.Exit(EXIT_DATA)
    dataset, rules = _load_for_year(data, year, quy_dinh)
    try:
        result = score(dataset, loaded, year)
        before = score(dataset, loaded, year - 1) if year - 1 in dataset.years else None
    except ScoringError as exc:
        typer.echo(f"Không chấm được: {exc}")
        raise typer.Exit(EXIT_DATA) from exc
    report = rating_report(dataset, year, rules)
    chosen = shortlist(dataset, result, report.ratings)
    head = Letterhead(cap_tren=cap_tren, so=so, dia_danh=dia_danh, ngay=signed, nguoi_ky=nguoi_ky)
    rows = result.ket_qua_to_chuc
    tops = rows[rows["cap"] == "cap_tren_co_so"]["ma"].astype(str).unique()
    files = {
        f"danh_sach_khen_thuong_{year}.xlsx": shortlist_xlsx(chosen),
        f"danh_sach_khen_thuong_{year}.docx": shortlist_docx(chosen, head),
    }
    if len(tops):
        unit = str(tops[0])
        summary = board(result, before, unit)
        name = str(dataset.to_chuc.loc[dataset.to_chuc["ma_to_chuc"] == unit, "ten_to_chuc"].iloc[0])
        files[f"so_ket_{year}.xlsx"] = so_ket_xlsx(year, summary, report)
        files[f"so_ket_{year}.docx"] = so_ket_docx(year, name, summary, report, head)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, content in files.items():  # everything built before the first byte is written
        (out / file_name).write_bytes(content)
    counts = chosen.proposed.groupby("danh_hieu", sort=False).size()
    typer.echo(
        f"Năm {year}: {len(chosen.proposed)} đề nghị, {len(chosen.near_misses)} trường hợp không đề nghị (có lý do)."
    )
    for title, count in counts.items():
        typer.echo(f"  {title}: {count}")
    typer.echo(f"Quy định xếp loại: {rules.label}")
    typer.echo("Đã ghi: " + ", ".join(str(out / f) for f in files))
