"""What a YAML case file says and how it is read: strict models (unknown keys are errors), every problem
with file, line and key, the plan and rules files it names found, and the small dataset it describes.
Running the cases is `scoring.cases.run`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from scoring.engine.rating import CONCLUSIONS
from scoring.input.schema import DANG_VIEN, DON_VI_NAM
from scoring.plans.bundled import default_plan, plans_folder, rules_folder
from scoring.plans.model import Strict, Text
from scoring.plans.yaml_source import KeyPath, Problem, YamlReader, read_text, read_yaml, validate_model

WHAT = "tệp tình huống"
EXPECTATIONS = ("ket_qua", "tong_diem", "xep_hang", "khong_co", "kiem_tra_xep_loai")

# --- the format ---------------------------------------------------------------------------------


def _as_code(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _scalar(value: Any) -> Any:
    if isinstance(value, list | dict):
        raise PydanticCustomError("scalar", "phải là một giá trị (chữ, số, có/không), không phải danh sách hay bảng")
    return value


def _conclusion(value: str) -> str:
    if value not in CONCLUSIONS:
        allowed = "; ".join(f"«{c}»" for c in CONCLUSIONS)
        raise PydanticCustomError("conclusion", "kết luận «{value}» không có; dùng một trong: {allowed}",
                                  {"value": value, "allowed": allowed})  # fmt: skip
    return value


Code = Annotated[str, BeforeValidator(_as_code), Field(min_length=1)]
Cell = Annotated[Any, AfterValidator(_scalar)]
Fragments = Annotated[list[str], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)]
Conclusion = Annotated[str, AfterValidator(_conclusion)]

_GENERATED = ("ma_dang_vien", "ho_ten", "ma_chi_bo", "ma_to_chuc", "nam")  # from the case's own keys
_MEMBER_COLUMNS = tuple(c.name for c in DANG_VIEN.columns if c.name not in _GENERATED)
_UNIT_COLUMNS = tuple(c.name for c in DON_VI_NAM.columns if c.name not in _GENERATED)
Year = Annotated[int, Field(ge=1930, le=2100)]


def _columns(extra: dict[str, Any] | None, allowed: tuple[str, ...], own: tuple[str, ...], table: str) -> None:
    for key, value in (extra or {}).items():
        if key not in allowed:
            raise PydanticCustomError(
                "column", "khóa «{key}» không phải cột của bảng {table}; các khóa được phép: {allowed}",
                {"key": key, "table": table, "allowed": ", ".join((*own, *allowed))},
            )  # fmt: skip
        _scalar(value)


class OrgModel(Strict):
    ma: Code
    cap: Code
    ten: str | None = None
    cap_tren: Code | None = None
    loai_hinh: str | None = None


class MemberModel(Strict):
    """`so_luong` members of `chi_bo` alike, with any column of the Đảng viên table."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)
    chi_bo: Code
    so_luong: int = Field(default=1, ge=1)
    ma: Code | None = None
    nam: Year | None = None  # another year than the case's (last year's members, for trends)

    @model_validator(mode="after")
    def _known(self) -> MemberModel:
        _columns(self.model_extra, _MEMBER_COLUMNS, ("chi_bo", "so_luong", "ma", "nam"), "Đảng viên")
        return self


class UnitYearModel(Strict):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)
    ma: Code
    nam: Year | None = None

    @model_validator(mode="after")
    def _known(self) -> UnitYearModel:
        _columns(self.model_extra, _UNIT_COLUMNS, ("ma", "nam"), "Đơn vị năm")
        return self


class TaskRowModel(Strict):
    ma: Code
    nv: Text
    nam: Year | None = None
    han: str = "hằng năm"
    ket_qua: str | None = None
    ngay: Cell = None
    minh_chung: str | None = None


class CriterionExpect(Strict):
    ma: Code
    tieu_chi: Text
    gia_tri: float | None = None
    dat: bool | None = None
    diem: float | None = None
    giai_thich: Fragments = Field(default_factory=list)


class RankExpect(Strict):
    ma: Code
    nhom: Text
    thu_hang: float | None = None
    khoang_cach_dien_hinh: float | None = None
    thu_hang_nam_truoc: float | None = None


class RatingExpect(Strict):
    """What `check_ratings` must say of one member or organisation (`thidua kiem-tra-xep-loai`)."""

    ma: Code
    xep_loai_theo_diem: str | None = None
    muc_duoc_phep: str | None = None
    muc_cao_nhat: str | None = None
    ket_luan: Conclusion | None = None
    can_cu: Fragments = Field(default_factory=list)
    quy_tac_ap_dung: list[str] = Field(default_factory=list)
    quy_tac_khong_ap_dung: list[str] = Field(default_factory=list)
    chua_kiem_tra: list[str] = Field(default_factory=list)


class CaseModel(Strict):
    ten: Text
    nam: Year
    ghi_chu: str | None = None
    tieu_chi: Text | None = None
    quy_dinh: Text | None = None
    to_chuc: list[OrgModel]
    dang_vien: list[MemberModel] = Field(default_factory=list)
    don_vi_nam: list[UnitYearModel] = Field(default_factory=list)
    nhiem_vu: list[TaskRowModel] | None = None
    ket_qua: list[CriterionExpect] = Field(default_factory=list)
    tong_diem: dict[str, float] = Field(default_factory=dict)
    xep_hang: list[RankExpect] = Field(default_factory=list)
    khong_co: list[Code] = Field(default_factory=list)
    kiem_tra_xep_loai: list[RatingExpect] = Field(default_factory=list)


class CaseFileModel(Strict):
    tieu_chi: Text | None = None
    quy_dinh: Text | None = None
    ghi_chu: str | None = None
    tinh_huong: list[Any]


@dataclass(frozen=True)
class Case:
    """One situation of a case file, its plan and rules files found."""

    name: str
    file: Path
    line: int
    year: int
    plan: Path
    rules: Path | None  # None: the bundled rules in force in `year`
    spec: CaseModel

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


class CaseFileError(Exception):
    """A case file cannot be used; `problems` lists every reason (file, line, key)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("Tệp tình huống có lỗi:\n" + "\n".join(f"  {p}" for p in problems))


# --- reading ------------------------------------------------------------------------------------


def case_files(paths: Iterable[str | Path]) -> list[Path]:
    """The case files named: a file as it is, a folder as its *.yaml files by name."""
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return found


def check_case_file(path: str | Path) -> tuple[list[Case], list[Problem]]:
    """The cases of one file, or no case and every problem of the file."""
    file = Path(path)
    data, reader, problems = read_yaml(file, WHAT)
    if reader is None:
        hint = " (các tình huống đặt trong danh sách dưới khóa «tinh_huong:»)"
        return [], [replace(p, message=p.message + hint) if "bảng khóa" in p.message else p for p in problems]
    if "tinh_huong" not in data and ("criteria" in data or "rules" in data):
        kind = "tệp tiêu chí" if "criteria" in data else "tệp quy định xếp loại"
        return [], [Problem(str(file), 1, "", f"đây là {kind}, không phải {WHAT} (cần khóa «tinh_huong»)")]
    header = validate_model(CaseFileModel, data, (), reader, data)
    cases: list[Case] = []
    if header is not None:
        plan = _named(header.tieu_chi, ("tieu_chi",), file, reader, data) if header.tieu_chi else default_plan()
        rules = _named(header.quy_dinh, ("quy_dinh",), file, reader, data) if header.quy_dinh else None
        if not header.tinh_huong:
            reader.problem(("tinh_huong",), "cần ít nhất một tình huống", data)
        for index, item in enumerate(header.tinh_huong):
            at: KeyPath = ("tinh_huong", index)
            if not isinstance(item, dict):
                reader.problem(at, "mỗi tình huống là một bảng khóa: giá trị (bắt đầu bằng «- ten: …»)", data)
                continue
            model = validate_model(CaseModel, item, at, reader, data)
            if model is None:
                continue
            if not any(getattr(model, key) for key in EXPECTATIONS):
                reader.problem(at, f"tình huống không kiểm tra điều gì: cần một trong {', '.join(EXPECTATIONS)}", data)
            own_plan = _named(model.tieu_chi, (*at, "tieu_chi"), file, reader, data) if model.tieu_chi else plan
            own_rules = _named(model.quy_dinh, (*at, "quy_dinh"), file, reader, data) if model.quy_dinh else rules
            if own_plan is not None:
                cases.append(Case(model.ten, file, reader.line(at), model.nam, own_plan, own_rules, model))
    problems = sorted((_renamed(p) for p in reader.problems), key=lambda p: p.line)
    return ([] if problems else cases), problems


def load_case_files(paths: Iterable[str | Path]) -> list[Case]:
    """Every case of the files (folders: their *.yaml files); CaseFileError with every problem of every file."""
    cases: list[Case] = []
    problems: list[Problem] = []
    for file in case_files(paths):
        found, wrong = check_case_file(file)
        cases.extend(found)
        problems.extend(wrong)
    if problems:
        raise CaseFileError(problems)
    return cases


def _renamed(problem: Problem) -> Problem:
    return replace(problem, key=re.sub(r"^tinh_huong › mục (\d+)", r"tình huống \1", problem.key))


def _named(name: str, key: KeyPath, file: Path, reader: YamlReader, data: dict[str, Any]) -> Path | None:
    """The plan (`tieu_chi`) or rules file (`quy_dinh`) a case file names, or a problem saying where it was sought."""
    plan = key[-1] == "tieu_chi"
    found = _find(name, file, (plans_folder(),) if plan else (rules_folder(), plans_folder()))
    if found is None:
        what, bundled = ("tệp tiêu chí", "các kế hoạch") if plan else ("tệp quy định", "các quy định")
        reader.problem(
            key, f"không tìm thấy {what} «{name}» (tìm cạnh tệp tình huống, rồi trong {bundled} có sẵn)", data
        )
    return found


def _find(name: str, case_file: Path, bundled: tuple[Path, ...]) -> Path | None:
    """A plan or rules file named in a case: beside the case file first, then among the bundled files
    (`criteria/x.yaml`, the form used when the cases lived in tests/, is read as the bundled `x.yaml`)."""
    given = Path(name)
    legacy = Path(*given.parts[1:]) if len(given.parts) > 1 and given.parts[0] == "criteria" else given
    candidates = [case_file.parent / given, *(folder / given for folder in bundled), *(f / legacy for f in bundled)]
    for candidate in candidates:
        if _exists(candidate) and not _is_case_file(candidate):
            return candidate
    return None


def _exists(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name the system refuses (longer than it allows) names no file
        return False


def _is_case_file(path: Path) -> bool:
    """A case file is named like the plan it tests (cases/nq34_vcci.yaml): never take it for the plan."""
    text, _ = read_text(path, WHAT)
    return text is not None and re.search(r"^tinh_huong\s*:", text, re.MULTILINE) is not None


# --- the tables of a case -----------------------------------------------------------------------


def case_tables(case: Case) -> dict[str, pd.DataFrame]:
    """The tables of the case's small dataset. Members given in bulk are numbered per chi bộ and year
    in the order given (CB1-1, CB1-2, …), so the same member lines up across years."""
    spec, year = case.spec, case.year
    orgs = [
        {
            "ma_to_chuc": o.ma,
            "ten_to_chuc": o.ten or f"Tổ chức {o.ma}",
            "cap": o.cap,
            "ma_cap_tren": o.cap_tren,
            "loai_hinh": o.loai_hinh or ("co_quan_hanh_chinh" if o.cap in ("dang_bo_co_so", "chi_bo_co_so") else None),
        }
        for o in spec.to_chuc
    ]
    members = []
    counter: dict[tuple[str, int], int] = {}
    for given in spec.dang_vien:
        extra = dict(given.model_extra or {})
        nam = given.nam or year
        flags = {k: _flag(extra.pop(k, default)) for k, default in (("vi_pham", False), ("quan_triet", True))}
        for _ in range(given.so_luong):
            counter[(given.chi_bo, nam)] = counter.get((given.chi_bo, nam), 0) + 1
            number = f"{given.chi_bo}-{counter[(given.chi_bo, nam)]}"
            members.append(
                {
                    "ma_dang_vien": given.ma or number,
                    "ho_ten": f"Đảng viên {number}",
                    "ma_chi_bo": given.chi_bo,
                    "nam": nam,
                    "xep_loai": extra.get("xep_loai", "HTTNV"),
                    "doi_tuong": extra.get("doi_tuong", "cong_chuc"),
                    **flags,
                    **{k: v for k, v in extra.items() if k not in ("xep_loai", "doi_tuong")},
                }
            )
    units = [{"ma_to_chuc": u.ma, "nam": u.nam or year, **(u.model_extra or {})} for u in spec.don_vi_nam]
    given_units = {u.ma for u in spec.don_vi_nam}
    units += [  # a cấp trên cơ sở rated HTTNV unless the case says otherwise
        {"ma_to_chuc": o.ma, "nam": year, "xep_loai": "HTTNV"}
        for o in spec.to_chuc
        if o.cap == "cap_tren_co_so" and o.ma not in given_units
    ]
    member_frame = pd.DataFrame(members) if members else pd.DataFrame(columns=[c.name for c in DANG_VIEN.required])
    tables = {"to_chuc": pd.DataFrame(orgs), "dang_vien": member_frame, "don_vi_nam": pd.DataFrame(units)}
    if spec.nhiem_vu is not None:  # one task of one unit in the year
        tables["nhiem_vu"] = pd.DataFrame(
            [
                {
                    "ma_to_chuc": t.ma,
                    "ma_nhiem_vu": t.nv,
                    "nam": t.nam or year,
                    "han": t.han,
                    "ket_qua": t.ket_qua,
                    "ngay_hoan_thanh": t.ngay,
                    "minh_chung": t.minh_chung,
                }
                for t in spec.nhiem_vu
            ]
        )
    return tables


def _flag(value: Any) -> Any:
    return ("x" if value else "0") if isinstance(value, bool) or value is None else value
