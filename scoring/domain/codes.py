"""Coded vocabularies of DOMAIN.md: levels, unit types, member groups, ratings, and their labels.

Each vocabulary maps a canonical code to its Vietnamese label and to the other spellings offices
use. Matching is done on :func:`scoring.domain.text.fold` keys, so case, diacritics, NFC/NFD and spacing
do not matter ("Hoàn thành tốt nhiệm vụ", "hoan thanh tot nhiem vu", "HTT NV" all give HTTNV).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scoring.domain.text import fold


@dataclass(frozen=True)
class Vocabulary:
    """An ordered set of codes with a Vietnamese label each and accepted aliases."""

    name: str
    labels: dict[str, str]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: codes that parse fine but mean "no value" (e.g. MIEN: not rated)
    null_codes: tuple[str, ...] = ()
    #: the code a blank cell reads as in a column the file has (a column it lacks stays «not collected»),
    #: as a blank yes/no cell is «Không»; None: a blank cell is no value
    blank_code: str | None = None

    @property
    def codes(self) -> list[str]:
        return [code for code in self.labels if code not in self.null_codes]

    def lookup(self) -> dict[str, str | None]:
        """Folded spelling -> code (None for the null codes)."""
        table: dict[str, str | None] = {}
        for code, label in self.labels.items():
            value = None if code in self.null_codes else code
            for spelling in (code, label, *self.aliases.get(code, ())):
                table[fold(spelling)] = value
        return table

    def expected(self) -> str:
        """The allowed values as a user reads them in an error message."""
        return ", ".join(f"{code} ({self.labels[code]})" for code in self.labels)


CAP = Vocabulary(
    "cap",
    {
        "cap_tren_co_so": "Đảng bộ cấp trên cơ sở",
        "dang_bo_co_so": "Đảng bộ cơ sở",
        "chi_bo_co_so": "Chi bộ cơ sở",
        "dang_bo_bo_phan": "Đảng bộ bộ phận",
        "chi_bo_truc_thuoc": "Chi bộ trực thuộc",
    },
    {
        "cap_tren_co_so": ("Cấp trên cơ sở", "Đảng bộ Khối", "ĐB cấp trên cơ sở"),
        "dang_bo_co_so": ("ĐBCS", "Đảng bộ CS"),
        "chi_bo_co_so": ("CBCS", "Chi bộ CS"),
        "dang_bo_bo_phan": ("ĐBBP",),
        "chi_bo_truc_thuoc": ("CBTT", "Chi bộ TT", "Chi bộ trực thuộc đảng ủy cơ sở"),
    },
)

#: Levels whose parent must be of one of these levels (None: no parent).
PARENT_LEVELS: dict[str, tuple[str, ...]] = {
    "cap_tren_co_so": (),
    "dang_bo_co_so": ("cap_tren_co_so",),
    "chi_bo_co_so": ("cap_tren_co_so",),
    "dang_bo_bo_phan": ("dang_bo_co_so",),
    "chi_bo_truc_thuoc": ("dang_bo_co_so", "dang_bo_bo_phan"),
}
TCCSD_LEVELS = ("dang_bo_co_so", "chi_bo_co_so")
CHI_BO_LEVELS = ("chi_bo_co_so", "chi_bo_truc_thuoc")

LOAI_HINH = Vocabulary(
    "loai_hinh",
    {
        "co_quan_dang_doan_the": "Cơ quan Đảng, đoàn thể",
        "co_quan_hanh_chinh": "Cơ quan hành chính",
        "don_vi_su_nghiep": "Đơn vị sự nghiệp công lập",
        "doanh_nghiep_nha_nuoc": "Doanh nghiệp nhà nước",
        "doanh_nghiep_ngoai_nha_nuoc": "Doanh nghiệp ngoài khu vực nhà nước",
    },
    {
        "co_quan_dang_doan_the": ("Cơ quan Đảng", "Cơ quan Đảng - đoàn thể", "Đảng, đoàn thể"),
        "co_quan_hanh_chinh": ("Hành chính", "Cơ quan nhà nước"),
        "don_vi_su_nghiep": ("Sự nghiệp", "Đơn vị sự nghiệp"),
        "doanh_nghiep_nha_nuoc": ("DNNN", "Doanh nghiệp Nhà nước"),
        "doanh_nghiep_ngoai_nha_nuoc": ("Doanh nghiệp ngoài nhà nước", "DN ngoài nhà nước", "Doanh nghiệp tư nhân"),
    },
)

DOI_TUONG = Vocabulary(
    "doi_tuong",
    {
        "can_bo": "Cán bộ",
        "cong_chuc": "Công chức",
        "vien_chuc": "Viên chức",
        "nguoi_lao_dong": "Người lao động",
    },
    {"nguoi_lao_dong": ("Lao động", "NLĐ", "Công nhân")},
)

XEP_LOAI = Vocabulary(
    "xep_loai",
    {
        "KHTNV": "Không hoàn thành nhiệm vụ",
        "HTNV": "Hoàn thành nhiệm vụ",
        "HTTNV": "Hoàn thành tốt nhiệm vụ",
        "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
        "MIEN": "Miễn đánh giá",
    },
    {
        "KHTNV": ("KHT", "Không hoàn thành", "Không hoàn thành NV"),
        "HTNV": ("HT", "Hoàn thành", "Hoàn thành NV"),
        "HTTNV": ("HTT", "Hoàn thành tốt", "Hoàn thành tốt NV"),
        "HTXSNV": ("HTXS", "Hoàn thành xuất sắc", "Hoàn thành xuất sắc NV", "Xuất sắc"),
        "MIEN": ("Miễn", "Miễn xếp loại", "Không xếp loại", "Chưa xếp loại", "Không đánh giá"),
    },
    null_codes=("MIEN",),
)
KET_QUA_NHIEM_VU = Vocabulary(
    "ket_qua_nhiem_vu",
    {
        "hoan_thanh": "Hoàn thành",
        "dang_thuc_hien": "Đang thực hiện",
        "chua_thuc_hien": "Chưa thực hiện",
    },
    {
        "hoan_thanh": ("Đã hoàn thành", "Xong", "Đã thực hiện", "Đã làm", "HT"),
        "dang_thuc_hien": ("Đang làm", "Đang triển khai", "Chưa xong"),
        "chua_thuc_hien": ("Chưa làm", "Chưa triển khai", "Không thực hiện", "Chưa"),
    },
)

#: Party discipline (Điều lệ Đảng), mildest first; «Không bị kỷ luật» is what a blank cell of a column the file
#: has reads as (`Vocabulary.blank_code`), so that «disciplined at khiển trách or above» is a plain
#: `hinh_thuc_ky_luat in [khien_trach, canh_cao, cach_chuc, khai_tru]`: false for a blank cell, unknown
#: only when the file has no such column.
HINH_THUC_KY_LUAT = Vocabulary(
    "hinh_thuc_ky_luat",
    {
        "khong_ky_luat": "Không bị kỷ luật",
        "khien_trach": "Khiển trách",
        "canh_cao": "Cảnh cáo",
        "cach_chuc": "Cách chức",
        "khai_tru": "Khai trừ",
    },
    {
        "khong_ky_luat": ("Không", "Không kỷ luật", "Chưa bị kỷ luật", "Không có"),
        "khien_trach": ("Kỷ luật khiển trách", "Hình thức khiển trách", "Khiển trách trong Đảng"),
        "canh_cao": ("Kỷ luật cảnh cáo", "Hình thức cảnh cáo", "Cảnh cáo trong Đảng"),
        "cach_chuc": (
            "Cách tất cả chức vụ trong Đảng",
            "Cách tất cả các chức vụ trong Đảng",
            "Cách chức vụ trong Đảng",
            "Cách chức trong Đảng",
            "Kỷ luật cách chức",
        ),
        "khai_tru": ("Khai trừ ra khỏi Đảng", "Khai trừ khỏi Đảng", "Khai trừ Đảng", "Kỷ luật khai trừ"),
    },
    blank_code="khong_ky_luat",
)
#: the discipline forms proper (every code but «Không bị kỷ luật»), mildest first
KY_LUAT_CODES = tuple(c for c in HINH_THUC_KY_LUAT.codes if c != HINH_THUC_KY_LUAT.blank_code)

#: Rating order, worst first; the engine compares ratings on these integer codes.
RATING_ORDER = ("KHTNV", "HTNV", "HTTNV", "HTXSNV")

BOOLEAN_TRUE = ("x", "có", "co", "c", "yes", "y", "true", "đúng", "v", "✓", "✔")
BOOLEAN_FALSE = ("không", "khong", "k", "no", "n", "false", "sai", "-")


def boolean_lookup() -> dict[str, bool]:
    table = {fold(s): True for s in BOOLEAN_TRUE if fold(s)}
    table.update({fold(s): False for s in BOOLEAN_FALSE if fold(s)})
    # "✓" folds to "", so look such marks up by their own text as well
    table.update({"✓": True, "✔": True, "-": False})
    return table
