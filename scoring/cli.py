"""The `thidua` command line: thin wrappers that check arguments, call the library, print results.

Exit codes: 0 success, 1 the data (or criteria) has errors, 2 the arguments cannot be used.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from scoring.criteria import Problem, check_criteria
from scoring.criteria.model import Task
from scoring.criteria.rules import RuleSet
from scoring.dataset import Dataset, validate_dataset
from scoring.io.readers import unusable_file_message
from scoring.io.writers import FORMATS, OutputError, write_tables
from scoring.validation.report import COLUMNS as REPORT_COLUMNS
from scoring.validation.report import ValidationReport

app = typer.Typer(
    name="thidua",
    help="Chấm điểm thi đua «Hai chân – Ba mũi»: kiểm tra dữ liệu, sinh dữ liệu mẫu, chấm điểm.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_DATA = 1
EXIT_USAGE = 2


def _fail_usage(message: str) -> typer.Exit:
    typer.echo(f"Lỗi tham số: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def _check_data_argument(data: Path) -> None:
    """A path that cannot hold a dataset is an argument error (exit 2), not a data error."""
    if not data.exists():
        raise _fail_usage(f"không tìm thấy «{data}».")
    if data.is_file() and data.suffix.lower() not in (".xlsx", ".xlsm"):
        raise _fail_usage(unusable_file_message(data))


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
    table = report.table.rename(columns=REPORT_COLUMNS)  # every row, row numbers as numbers
    if path.suffix.lower() == ".xlsx":
        table.to_excel(path, index=False, sheet_name="Kiểm tra dữ liệu")
    else:
        table.to_csv(path, index=False, encoding="utf-8-sig")


@app.command("validate")
def validate(
    data: Annotated[Path, typer.Argument(help="Thư mục CSV/Parquet hoặc tệp Excel .xlsx chứa ba bảng.")],
    xuat: Annotated[Path | None, typer.Option("--xuat", help="Ghi toàn bộ báo cáo ra tệp .csv hoặc .xlsx.")] = None,
    so_dong: Annotated[int, typer.Option("--so-dong", min=1, help="Số dòng tối đa in ra cho mỗi loại lỗi.")] = 20,
) -> None:
    """Kiểm tra dữ liệu và in bảng lỗi, cảnh báo (mã thoát 0: hợp lệ, 1: có lỗi)."""
    _check_data_argument(data)
    if xuat is not None and xuat.suffix.lower() not in (".csv", ".xlsx"):
        raise _fail_usage("--xuat phải là tệp .csv hoặc .xlsx.")
    if xuat is not None and not xuat.parent.is_dir():
        raise _fail_usage(f"thư mục «{xuat.parent}» của --xuat không tồn tại.")
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
    """The tasks of the plans shipped in criteria/ (those with a «tasks» section), each from the
    first year of its plan."""
    from scoring.criteria.loader import load_criteria

    found: list[Task] = []
    for path in sorted(CRITERIA_FOLDER.glob("*.yaml")):
        plan = load_criteria(path)
        found.extend(plan.tasks)
    return tuple(found)


@app.command("sinh-du-lieu")
def sinh_du_lieu(
    out: Annotated[Path, typer.Argument(help="Thư mục sẽ tạo (phải chưa có hoặc rỗng).")],
    so_dang_vien: Annotated[int, typer.Option("--so-dang-vien", help="Số đảng viên mỗi năm (xấp xỉ).")] = 6500,
    nam: Annotated[str, typer.Option("--nam", help="Các năm: 2021-2025, 2024 hoặc 2021,2023.")] = "2021-2025",
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
            help="Sinh cả bảng Nhiệm vụ cho các kế hoạch có mục «tasks» trong thư mục criteria/.",
        ),
    ] = True,
) -> None:
    """Sinh bộ dữ liệu tổng hợp như thật (một hoặc nhiều đảng bộ cấp trên cơ sở)."""
    from scoring.generate import GenerationError, Profile, generate

    try:
        years = parse_years(nam)
    except ValueError as exc:
        raise _fail_usage(str(exc)) from exc
    if dinh_dang not in FORMATS:
        raise _fail_usage(f"--dinh-dang phải là một trong: {', '.join(FORMATS)}.")
    if so_dang_vien < 100 or (so_tccsd is not None and not 2 <= so_tccsd <= so_dang_vien // 10):
        raise _fail_usage("--so-dang-vien phải ≥ 100 và --so-tccsd trong khoảng 2 … số đảng viên / 10.")
    started = time.perf_counter()
    try:
        profile = Profile(bo_phan=dang_bo_bo_phan)
        tasks = bundled_tasks() if nhiem_vu else ()
        tables = generate(so_dang_vien, years, seed=seed, n_tccsd=so_tccsd, profile=profile, tasks=tasks)
        files = write_tables(tables, out, dinh_dang)
    except (OutputError, GenerationError) as exc:
        raise _fail_usage(str(exc)) from exc
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{name}: {len(frame):,} dòng" for name, frame in tables.items())
    typer.echo(f"Đã ghi {', '.join(str(f) for f in files)} ({counts}) trong {elapsed:.1f} giây.")


@app.command("mau-nhap-lieu")
def mau_nhap_lieu(
    out: Annotated[Path, typer.Argument(help="Tệp .xlsx sẽ tạo.")] = Path("mau_nhap_lieu.xlsx"),
) -> None:
    """Tạo tệp Excel mẫu nhập liệu (ba trang tính, danh sách chọn, hướng dẫn)."""
    from scoring.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise _fail_usage("tệp mẫu phải có đuôi .xlsx.")
    write_template(out)
    typer.echo(f"Đã ghi {out}")


criteria_app = typer.Typer(help="Làm việc với tệp tiêu chí.", no_args_is_help=True)
app.add_typer(criteria_app, name="criteria")


def _print_problems(problems: list[Problem], title: str = "Tệp tiêu chí có lỗi") -> None:
    typer.echo(f"{title} ({len(problems)}):")
    for problem in problems:
        typer.echo(f"  {problem}")


@criteria_app.command("check")
def criteria_check(file: Annotated[Path, typer.Argument(help="Tệp tiêu chí YAML.")]) -> None:
    """Kiểm tra một tệp tiêu chí (mã 0: hợp lệ, 1: có lỗi)."""
    if not file.is_file():
        raise _fail_usage(f"không tìm thấy tệp «{file}».")
    criteria, problems = check_criteria(file)
    if criteria is None:
        _print_problems(problems)
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


@app.command("score")
def score_command(
    data: Annotated[Path, typer.Argument(help="Thư mục CSV/Parquet hoặc tệp Excel .xlsx chứa ba bảng.")],
    criteria: Annotated[Path, typer.Option("--criteria", "--tieu-chi", help="Tệp tiêu chí YAML.")],
    nam: Annotated[int, typer.Option("--nam", help="Năm chấm điểm.")],
    out: Annotated[Path, typer.Option("--out", help="Thư mục kết quả sẽ tạo (phải chưa có hoặc rỗng).")],
    excel_dang_vien: Annotated[
        bool, typer.Option("--excel-dang-vien", help="Ghi cả kết quả từng tiêu chí của đảng viên vào tệp Excel.")
    ] = False,
) -> None:
    """Chấm điểm một năm: ghi kết quả từng tiêu chí và bảng xếp hạng (CSV và một tệp Excel)."""
    from scoring.engine import ScoringError, score
    from scoring.io.results import write_result

    _check_data_argument(data)
    if not criteria.is_file():
        raise _fail_usage(f"không tìm thấy tệp tiêu chí «{criteria}».")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise _fail_usage(f"thư mục kết quả «{out}» đã có và không rỗng: chọn thư mục khác.")
    started = time.perf_counter()
    dataset, report = validate_dataset(data)
    loaded, problems = check_criteria(criteria)
    if dataset is None:
        print_report(report, 20)
    if loaded is None:
        _print_problems(problems)
    if dataset is None or loaded is None:
        raise typer.Exit(EXIT_DATA)
    if not report.warnings.empty:
        typer.echo("Cảnh báo về dữ liệu (không ngăn việc chấm điểm; xem đủ bằng «thidua validate»):")
        print_report(report, 5)
    if not loaded.in_force(nam):
        typer.echo(
            f"Lưu ý: năm {nam} ngoài thời gian hiệu lực của tệp tiêu chí ({loaded.from_year}–{loaded.to_year or '…'})."
        )
    try:
        result = score(dataset, loaded, nam)
    except ScoringError as exc:
        typer.echo(f"Không chấm được: {exc}")
        raise typer.Exit(EXIT_DATA) from exc
    files = write_result(result, out, member_rows_in_workbook=excel_dang_vien)
    elapsed = time.perf_counter() - started
    typer.echo(f"Đã chấm năm {nam} theo {loaded.label} trong {elapsed:.1f} giây.")
    rows = result.ket_qua_tieu_chi
    top = rows[rows["cap"] == "cap_tren_co_so"]
    summary = top.groupby("ma", sort=True)["dat"].agg(["sum", "size"])
    for ma, line in summary.head(10).iterrows():
        typer.echo(f"  {ma}: {int(line['sum'])}/{int(line['size'])} chỉ tiêu đạt")
    if len(summary) > 10:
        typer.echo(f"  … và {len(summary) - 10} đảng bộ cấp trên cơ sở khác (xem xep_hang_to_chuc.csv)")
    typer.echo("Đã ghi: " + ", ".join(str(f) for f in files))


ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CRITERIA = ROOT / "criteria" / "hai_chan_ba_mui.yaml"
CRITERIA_FOLDER = ROOT / "criteria"
DEFAULT_RULES = ROOT / "criteria" / "quy_dinh"


def _load_for_year(data: Path, nam: int, rules_path: Path) -> tuple[Dataset, RuleSet]:
    """The dataset and the rules in force in `nam`; every problem printed, exit 1 on any."""
    from scoring.criteria.rules import RulesError, rules_for_year

    _check_data_argument(data)
    if not rules_path.exists():
        raise _fail_usage(f"không tìm thấy quy định xếp loại «{rules_path}».")
    dataset, report = validate_dataset(data)
    rules = None
    try:
        rules = rules_for_year(nam, rules_path)
    except RulesError as exc:
        _print_problems(exc.problems, "Không dùng được quy định xếp loại")
    if dataset is None:
        print_report(report, 20)
    if dataset is None or rules is None:
        raise typer.Exit(EXIT_DATA)
    if nam not in dataset.years:
        typer.echo(f"Dữ liệu không có năm {nam} (các năm có: {', '.join(str(y) for y in dataset.years)}).")
        raise typer.Exit(EXIT_DATA)
    return dataset, rules


@app.command("kiem-tra-xep-loai")
def kiem_tra_xep_loai(
    data: Annotated[Path, typer.Argument(help="Thư mục CSV/Parquet hoặc tệp Excel .xlsx chứa ba bảng.")],
    nam: Annotated[int, typer.Option("--nam", help="Năm kiểm tra.")],
    quy_dinh: Annotated[
        Path, typer.Option("--quy-dinh", help="Thư mục (hoặc tệp) quy định xếp loại; chọn tự động theo năm.")
    ] = DEFAULT_RULES,
    xuat: Annotated[Path | None, typer.Option("--xuat", help="Ghi toàn bộ kết quả ra tệp .xlsx.")] = None,
    so_dong: Annotated[int, typer.Option("--so-dong", min=1, help="Số dòng sai quy định in ra.")] = 20,
) -> None:
    """Kiểm tra xếp loại đã nhập theo quy định có hiệu lực trong năm và tỷ lệ xuất sắc 20% (mã 0: đúng
    quy định, 1: có trường hợp sai hoặc vượt tỷ lệ)."""
    from scoring.compliance import check_compliance
    from scoring.compliance_views import compliance_workbook_sheets
    from scoring.views import workbook

    if xuat is not None and (xuat.suffix.lower() != ".xlsx" or not xuat.parent.is_dir()):
        raise _fail_usage("--xuat phải là tệp .xlsx trong một thư mục đã có.")
    dataset, rules = _load_for_year(data, nam, quy_dinh)
    report = check_compliance(dataset, nam, rules)
    for line in report.summary():
        typer.echo(line)
    findings = report.ratings.findings
    if not findings.empty:
        typer.echo(f"Các trường hợp sai quy định ({len(findings)}; in {min(so_dong, len(findings))}):")
        for row in findings.head(so_dong).itertuples(index=False):
            typer.echo(
                f"  {row.ma} {row.ten}: {row.xep_loai} — {row.ket_luan} (được phép: {row.muc_duoc_phep}); {row.can_cu}"
            )
    if xuat is not None:
        sheets = compliance_workbook_sheets(report)
        sheets["Quy định"] = pd_rules_table(report.rules)
        xuat.write_bytes(workbook(sheets))
        typer.echo(f"Đã ghi {xuat}")
    raise typer.Exit(0 if report.ok else EXIT_DATA)


def pd_rules_table(rules: RuleSet) -> pd.DataFrame:
    """The rules file as a table (id, rank, kind, condition, effect, source) for the workbook."""
    from scoring.criteria.rules import EFFECT_WORDS

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


@app.command("khen-thuong")
def khen_thuong(
    data: Annotated[Path, typer.Argument(help="Thư mục CSV/Parquet hoặc tệp Excel .xlsx chứa ba bảng.")],
    nam: Annotated[int, typer.Option("--nam", help="Năm xét khen thưởng.")],
    out: Annotated[Path, typer.Option("--out", help="Thư mục kết quả sẽ tạo (phải chưa có hoặc rỗng).")],
    criteria: Annotated[Path, typer.Option("--tieu-chi", "--criteria", help="Tệp tiêu chí (có mục awards).")] = (
        DEFAULT_CRITERIA
    ),
    quy_dinh: Annotated[Path, typer.Option("--quy-dinh", help="Thư mục quy định xếp loại.")] = DEFAULT_RULES,
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

    from scoring.awards import shortlist
    from scoring.compliance import check_compliance
    from scoring.engine import ScoringError, score
    from scoring.io.documents import Letterhead, shortlist_docx, shortlist_xlsx, so_ket_docx, so_ket_xlsx
    from scoring.views import board

    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise _fail_usage(f"thư mục kết quả «{out}» đã có và không rỗng: chọn thư mục khác.")
    try:
        signed = date.fromisoformat(ngay) if ngay else date.today()
    except ValueError as exc:
        raise _fail_usage(f"--ngay «{ngay}» không phải ngày dạng 2026-01-17.") from exc
    loaded, problems = check_criteria(criteria)
    if loaded is None:
        _print_problems(problems)
        raise typer.Exit(EXIT_DATA)
    if not loaded.awards:
        typer.echo(f"Tệp tiêu chí {criteria} không có mục «awards» (danh hiệu và chỉ tiêu khen thưởng).")
        raise typer.Exit(EXIT_DATA)
    dataset, rules = _load_for_year(data, nam, quy_dinh)
    try:
        result = score(dataset, loaded, nam)
        before = score(dataset, loaded, nam - 1) if nam - 1 in dataset.years else None
    except ScoringError as exc:
        typer.echo(f"Không chấm được: {exc}")
        raise typer.Exit(EXIT_DATA) from exc
    report = check_compliance(dataset, nam, rules)
    chosen = shortlist(dataset, result, report.ratings)
    head = Letterhead(cap_tren=cap_tren, so=so, dia_danh=dia_danh, ngay=signed, nguoi_ky=nguoi_ky)
    rows = result.ket_qua_to_chuc
    tops = rows[rows["cap"] == "cap_tren_co_so"]["ma"].astype(str).unique()
    files = {
        f"danh_sach_khen_thuong_{nam}.xlsx": shortlist_xlsx(chosen),
        f"danh_sach_khen_thuong_{nam}.docx": shortlist_docx(chosen, head),
    }
    if len(tops):
        unit = str(tops[0])
        summary = board(result, before, unit)
        name = str(dataset.to_chuc.loc[dataset.to_chuc["ma_to_chuc"] == unit, "ten_to_chuc"].iloc[0])
        files[f"so_ket_{nam}.xlsx"] = so_ket_xlsx(nam, summary, report)
        files[f"so_ket_{nam}.docx"] = so_ket_docx(nam, name, summary, report, head)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, content in files.items():  # everything built before the first byte is written
        (out / file_name).write_bytes(content)
    counts = chosen.proposed.groupby("danh_hieu", sort=False).size()
    typer.echo(
        f"Năm {nam}: {len(chosen.proposed)} đề nghị, {len(chosen.near_misses)} trường hợp không đề nghị (có lý do)."
    )
    for title, count in counts.items():
        typer.echo(f"  {title}: {count}")
    typer.echo(f"Quy định xếp loại: {rules.label}")
    typer.echo("Đã ghi: " + ", ".join(str(out / f) for f in files))


# --- the workflow's database: accounts, organisation tree, backup ---------------------------------

accounts_app = typer.Typer(help="Tài khoản của ứng dụng (tạo, đặt lại mật khẩu, liệt kê).", no_args_is_help=True)
app.add_typer(accounts_app, name="tai-khoan")
DB_OPTION = typer.Option("--csdl", help="Địa chỉ cơ sở dữ liệu (mặc định: THIDUA_DB_URL hoặc tệp thidua.db).")


def _store(csdl: str | None) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from scoring.store import Store, connect

    try:
        return Store(connect(csdl))
    except SQLAlchemyError as exc:
        raise _fail_usage(f"không mở được cơ sở dữ liệu: {exc.__class__.__name__}: {exc}") from exc


def _password(prompt: str) -> str:
    """From THIDUA_MAT_KHAU (scripts) or typed twice, hidden (never an argument: it would stay in the history)."""
    import os

    given = os.environ.get("THIDUA_MAT_KHAU")
    if given:
        return given
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    return value


@accounts_app.command("tao")
def tai_khoan_tao(
    ten: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    vai_tro: Annotated[str, typer.Option("--vai-tro", help="quan_tri, cap_uy_co_so, chi_bo hoặc xem.")],
    don_vi: Annotated[str | None, typer.Option("--don-vi", help="Mã tổ chức (cấp ủy cơ sở, chi bộ).")] = None,
    ho_ten: Annotated[str, typer.Option("--ho-ten", help="Họ tên người dùng.")] = "",
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Tạo tài khoản (mật khẩu nhập ẩn hai lần, hoặc lấy từ biến môi trường THIDUA_MAT_KHAU)."""
    from scoring.store import StoreError
    from scoring.store.service import SYSTEM

    store = _store(csdl)
    try:
        account = store.create_account(SYSTEM, ten, _password("Mật khẩu"), vai_tro, don_vi, ho_ten)
    except StoreError as exc:
        typer.echo(str(exc))
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(f"Đã tạo tài khoản {account.label}.")


@accounts_app.command("dat-lai-mat-khau")
def tai_khoan_dat_lai(
    ten: Annotated[str, typer.Argument(help="Tên đăng nhập.")],
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Đặt lại mật khẩu của một tài khoản."""
    from scoring.store import StoreError
    from scoring.store.service import SYSTEM

    store = _store(csdl)
    try:
        store.reset_password(SYSTEM, ten, _password("Mật khẩu mới"))
    except StoreError as exc:
        typer.echo(str(exc))
        raise typer.Exit(EXIT_DATA) from exc
    typer.echo(f"Đã đặt lại mật khẩu của «{ten}».")


@accounts_app.command("danh-sach")
def tai_khoan_danh_sach(csdl: Annotated[str | None, DB_OPTION] = None) -> None:
    """Liệt kê các tài khoản."""
    from scoring.store.service import ROLES, SYSTEM

    for row in _store(csdl).accounts(SYSTEM).itertuples(index=False):
        typer.echo(f"{row.ten_dang_nhap}\t{ROLES.get(row.vai_tro, row.vai_tro)}\t{row.ma_to_chuc or ''}\t{row.ho_ten}")


@app.command("nap-to-chuc")
def nap_to_chuc(
    data: Annotated[Path, typer.Argument(help="Bộ dữ liệu (thư mục hoặc tệp .xlsx) có bảng Tổ chức.")],
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Nạp cây tổ chức từ một bộ dữ liệu vào cơ sở dữ liệu (phạm vi của các tài khoản theo đơn vị)."""
    from scoring.store.service import SYSTEM

    dataset, report = validate_dataset(data)
    if dataset is None:
        typer.echo(report.to_text())
        raise typer.Exit(EXIT_DATA)
    count = _store(csdl).import_tree(SYSTEM, dataset.to_chuc.astype(object))
    typer.echo(f"Đã nạp {count} tổ chức.")


@app.command("nap-so-lieu")
def nap_so_lieu(
    data: Annotated[Path, typer.Argument(help="Bộ dữ liệu (thư mục hoặc tệp .xlsx) của các năm trước.")],
    nam: Annotated[
        list[int] | None, typer.Option("--nam", help="Năm cần nạp (lặp lại được); mặc định mọi năm.")
    ] = None,
    ghi_de: Annotated[bool, typer.Option("--ghi-de", help="Ghi đè báo cáo đã có của các năm này.")] = False,
    csdl: Annotated[str | None, DB_OPTION] = None,
) -> None:
    """Nạp số liệu các năm đã tổng hợp trong tệp vào cơ sở dữ liệu như báo cáo đã duyệt (để xu hướng,
    chuỗi năm và thứ hạng có đủ năm); nạp cây tổ chức trước."""
    from scoring.store import StoreError
    from scoring.store.service import SYSTEM
    from scoring.store.workflow import submissions_from_dataset

    dataset, report = validate_dataset(data)
    if dataset is None:
        typer.echo(report.to_text())
        raise typer.Exit(EXIT_DATA)
    missing = sorted(set(nam or []) - set(dataset.years))
    if missing:
        raise _fail_usage(f"bộ dữ liệu không có năm {', '.join(map(str, missing))} (có: {dataset.years}).")
    try:
        done, skipped = _store(csdl).import_approved(SYSTEM, submissions_from_dataset(dataset, nam), ghi_de)
    except StoreError as exc:
        raise _fail_usage(str(exc)) from exc
    kept = f"; giữ nguyên {skipped} báo cáo đã có (dùng --ghi-de để thay)" if skipped else ""
    typer.echo(f"Đã nạp {done} báo cáo (đã duyệt){kept}.")


@app.command("sao-luu")
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
        raise _fail_usage(str(exc)) from exc
    typer.echo(f"Đã sao lưu vào {tep}: " + ", ".join(f"{k} {v} dòng" for k, v in counts.items()) + ".")


@app.command("khoi-phuc")
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


def main() -> None:
    app()
