"""What a metric may name: the row contexts, the columns of each, the populations an aggregation ranges
over, the bare code constants and the functions, all worked out from the input schema."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.domain.codes import (
    CAP,
    CHI_BO_LEVELS,
    DOI_TUONG,
    HINH_THUC_KY_LUAT,
    LOAI_HINH,
    RATING_ORDER,
    TCCSD_LEVELS,
    XEP_LOAI,
    Vocabulary,
)
from scoring.input.schema import DANG_VIEN, DON_VI_NAM, Kind
from scoring.plans.nodes import Type

MEMBER = "dang_vien"
UNIT = "don_vi"
TASK = "nhiem_vu"
#: populations whose rows are not organisations: each row hangs from one organisation (a member
#: from its chi bộ, a task from the unit it was given to) and is rolled up the tree from there
LEAVES = (MEMBER, TASK)

#: Populations an aggregation can range over, with the organisation levels they contain.
POPULATIONS: dict[str, tuple[str, ...]] = {
    "dang_vien": (),
    "chi_bo": CHI_BO_LEVELS,
    "chi_bo_truc_thuoc": ("chi_bo_truc_thuoc",),
    "chi_bo_co_so": ("chi_bo_co_so",),
    "tccsd": TCCSD_LEVELS,
    "dang_bo_co_so": ("dang_bo_co_so",),
    "dang_bo_bo_phan": ("dang_bo_bo_phan",),
    "nhiem_vu": (),
}
POPULATION_NOUNS = {
    "dang_vien": "đảng viên",
    "chi_bo": "chi bộ",
    "chi_bo_truc_thuoc": "chi bộ trực thuộc",
    "chi_bo_co_so": "chi bộ cơ sở",
    "tccsd": "TCCSĐ",
    "dang_bo_co_so": "đảng bộ cơ sở",
    "dang_bo_bo_phan": "đảng bộ bộ phận",
    "nhiem_vu": "nhiệm vụ",
}


def split_population(population: str) -> tuple[str, str | None]:
    """ "nhiem_vu[kl21.3]" -> ("nhiem_vu", "kl21.3"); other populations have no subset."""
    if population.endswith("]") and "[" in population:
        base, subset = population[:-1].split("[", 1)
        return base, subset
    return population, None


def population_noun(population: str) -> str:
    base, subset = split_population(population)
    return POPULATION_NOUNS[base] + (f" «{subset}»" if subset else "")


@dataclass(frozen=True)
class ColumnInfo:
    type: Type
    vocabulary: Vocabulary | None = None


def _columns_of(specs: tuple) -> dict[str, ColumnInfo]:  # type: ignore[type-arg]
    found: dict[str, ColumnInfo] = {}
    for spec in specs:
        if spec.kind in (Kind.COUNT, Kind.SCORE, Kind.POINTS, Kind.YEAR):
            found[spec.name] = ColumnInfo(Type.NUMBER)
        elif spec.kind is Kind.FLAG:
            found[spec.name] = ColumnInfo(Type.BOOL)
        elif spec.kind is Kind.CODE and spec.vocabulary is XEP_LOAI:
            found[spec.name] = ColumnInfo(Type.RATING, XEP_LOAI)
        elif spec.kind is Kind.CODE:
            found[spec.name] = ColumnInfo(Type.CODE, spec.vocabulary)
    return found


#: Columns of a task row, worked out from the nhiem_vu table (`YearData.task_column`).
TASK_COLUMNS = {
    "hoan_thanh": "đã hoàn thành (kết quả «Hoàn thành»)",
    "dung_han": "hoàn thành đúng hạn (ngày hoàn thành không muộn hơn hạn; «thường xuyên»: hoàn thành trong năm)",
    "qua_han": "quá hạn (hoàn thành muộn, hoặc chưa hoàn thành khi hạn đã qua; «thường xuyên»: chưa thực hiện)",
    "so_ngay_tre": "số ngày trễ so với hạn (chưa hoàn thành: tính đến 31/12 của năm)",
    "co_minh_chung": "có minh chứng (số văn bản, tài liệu)",
}

ROW_COLUMNS: dict[str, dict[str, ColumnInfo]] = {
    TASK: {name: ColumnInfo(Type.NUMBER if name == "so_ngay_tre" else Type.BOOL) for name in TASK_COLUMNS},
    MEMBER: _columns_of(DANG_VIEN.columns),
    UNIT: {
        **_columns_of(DON_VI_NAM.columns),
        "cap": ColumnInfo(Type.CODE, CAP),
        "loai_hinh": ColumnInfo(Type.CODE, LOAI_HINH),
    },
}

#: Bare names that are constants: the ratings, and the codes of the coded columns. «Disciplined at khiển
#: trách or above» is `hinh_thuc_ky_luat in [khien_trach, canh_cao, cach_chuc, khai_tru]`: a blank cell of a
#: column the file has reads as `khong_ky_luat` (false), a file without the column gives «unknown».
CODE_CONSTANTS: dict[str, Vocabulary] = {
    **{code: XEP_LOAI for code in RATING_ORDER},
    **{code: voc for voc in (CAP, LOAI_HINH, DOI_TUONG, HINH_THUC_KY_LUAT) for code in voc.codes},
}

#: Aggregations: name -> (needs a row expression, type of that expression, result type).
#: `ratio(pop, a, b)` is Σa / Σb over the rows where both a and b are known (paired per unit).
AGGREGATIONS: dict[str, tuple[bool, Type | None, Type]] = {
    "share": (True, Type.BOOL, Type.NUMBER),
    "ratio": (True, Type.NUMBER, Type.NUMBER),
    "count": (False, Type.BOOL, Type.NUMBER),
    "sum": (True, Type.NUMBER, Type.NUMBER),
    "mean": (True, Type.NUMBER, Type.NUMBER),
    "min": (True, Type.NUMBER, Type.NUMBER),
    "max": (True, Type.NUMBER, Type.NUMBER),
    "any": (True, Type.BOOL, Type.BOOL),
    "all": (True, Type.BOOL, Type.BOOL),
}
FUNCTIONS = (*AGGREGATIONS, "previous", "don_vi")
