"""The canonical tables of DOMAIN.md: columns, their kinds, Vietnamese titles and accepted aliases."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from scoring.domain.codes import CAP, DOI_TUONG, HINH_THUC_KY_LUAT, KET_QUA_NHIEM_VU, LOAI_HINH, XEP_LOAI, Vocabulary
from scoring.domain.text import fold


class Kind(Enum):
    ID = "mã"
    TEXT = "chữ"
    YEAR = "năm"
    COUNT = "số nguyên không âm"
    SCORE = "điểm 0–10"
    POINTS = "điểm 0–100"
    FLAG = "có/không"
    CODE = "mã danh mục"
    DATE = "ngày"
    DEADLINE = "hạn"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    title: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()
    vocabulary: Vocabulary | None = None
    #: a reference to `to_chuc.ma_to_chuc` (stored as a categorical over the organisations)
    references_to_chuc: bool = False
    note: str = ""
    #: a required column whose cells may be left blank (no parent, not rated, blank flag = no)
    may_be_blank: bool = False

    def expected(self) -> str:
        if self.vocabulary is not None:
            return f"một trong: {self.vocabulary.expected()}"
        if self.kind is Kind.ID and self.may_be_blank:
            return "một mã tổ chức"
        return {
            Kind.ID: "một mã không để trống",
            Kind.TEXT: "chữ",
            Kind.YEAR: "năm dạng số từ 1930 đến 2100, ví dụ 2024 (ô định dạng Ngày thì đổi sang Số)",
            Kind.COUNT: "số nguyên không âm, ví dụ 12 hoặc 1.200 (dấu chấm phân cách hàng nghìn)",
            Kind.SCORE: "số từ 0 đến 10, ví dụ 8,5",
            Kind.POINTS: "số từ 0 đến 100, ví dụ 92,5",
            Kind.FLAG: "x / có / 1 / TRUE (có) hoặc không / 0 / FALSE / để trống (không)",
            Kind.DATE: "một ngày, ví dụ 15/03/2022 hoặc 2022-03-15 (ô định dạng Ngày của Excel cũng được)",
            Kind.DEADLINE: (
                "một ngày (15/03/2022), một tháng (tháng 01/2022), một quý (quý I/2022), «hằng năm» hoặc «thường xuyên»"
            ),
        }[self.kind]


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    @property
    def required(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.required]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    def header_lookup(self) -> dict[str, str]:
        """Folded header spelling -> canonical column name."""
        table: dict[str, str] = {}
        for col in self.columns:
            for spelling in (col.name, col.title, *col.aliases):
                table[fold(spelling)] = col.name
        return table

    def sheet_names(self) -> set[str]:
        return {fold(s) for s in (self.name, self.title, *self.aliases)}


def _rating(name: str, title: str, *aliases: str, required: bool = False) -> ColumnSpec:
    """A rating column; blank or MIEN means not rated."""
    return ColumnSpec(name, title, Kind.CODE, required, aliases, vocabulary=XEP_LOAI, may_be_blank=True)


def _optional(name: str, title: str, kind: Kind, aliases: tuple[str, ...], note: str) -> ColumnSpec:
    return ColumnSpec(name, title, kind, False, aliases, note=note)


def _qd366_tasks(whose: str) -> tuple[ColumnSpec, ...]:
    """The task counts QĐ 366-QĐ/TW rates on (from 2025), the same columns for a member and a collective:
    the tasks given in the year, and of them those done on time with quality, exceeding requirements,
    behind schedule, not done. Blank: not reported (criteria on them: «không đủ dữ liệu»)."""
    return (
        _optional(
            "so_nhiem_vu",
            "Số nhiệm vụ được giao",
            Kind.COUNT,
            ("Nhiệm vụ được giao", "Tổng số nhiệm vụ", "Tổng số nhiệm vụ được giao", "Số nhiệm vụ"),
            f"số nhiệm vụ {whose} được giao trong năm (QĐ 366, từ năm 2025)",
        ),
        _optional(
            "so_hoan_thanh_dung_han",
            "Số nhiệm vụ hoàn thành đúng hạn, bảo đảm chất lượng",
            Kind.COUNT,
            (
                "Số nhiệm vụ hoàn thành đúng hạn",
                "Hoàn thành đúng hạn",
                "Nhiệm vụ hoàn thành đúng hạn",
                "Hoàn thành đúng hạn, bảo đảm chất lượng",
            ),
            "không lớn hơn số nhiệm vụ được giao",
        ),
        _optional(
            "so_vuot_muc",
            "Số nhiệm vụ hoàn thành vượt yêu cầu",
            Kind.COUNT,
            ("Hoàn thành vượt yêu cầu", "Vượt yêu cầu", "Số nhiệm vụ vượt mức", "Hoàn thành vượt mức yêu cầu"),
            "trong số nhiệm vụ đã hoàn thành (đúng hạn hoặc chậm tiến độ), số nhiệm vụ vượt yêu cầu",
        ),
        _optional(
            "so_cham_tien_do",
            "Số nhiệm vụ chậm tiến độ",
            Kind.COUNT,
            ("Chậm tiến độ", "Nhiệm vụ chậm tiến độ", "Số nhiệm vụ hoàn thành chậm", "Hoàn thành chậm tiến độ"),
            "nhiệm vụ đã hoàn thành nhưng chậm tiến độ; cộng với số đúng hạn và số không hoàn thành "
            "không vượt quá số nhiệm vụ được giao",
        ),
        _optional(
            "so_khong_hoan_thanh",
            "Số nhiệm vụ không hoàn thành",
            Kind.COUNT,
            ("Không hoàn thành", "Nhiệm vụ không hoàn thành", "Số nhiệm vụ chưa hoàn thành"),
            "nhiệm vụ được giao trong năm mà không hoàn thành",
        ),
        _optional(
            "khac_phuc_han_che",
            "Đã khắc phục hạn chế, khuyết điểm kỳ trước",
            Kind.FLAG,
            (
                "Khắc phục hạn chế, khuyết điểm",
                "Khắc phục hạn chế",
                "Đã khắc phục khuyết điểm",
                "Khắc phục hạn chế, khuyết điểm kỳ trước",
            ),
            "đã khắc phục các hạn chế, khuyết điểm được chỉ ra ở kỳ kiểm điểm trước",
        ),
    )


TO_CHUC = TableSpec(
    "to_chuc",
    "Tổ chức",
    (
        ColumnSpec("ma_to_chuc", "Mã tổ chức", Kind.ID, True, ("Mã đơn vị", "Mã TC", "Mã")),
        ColumnSpec("ten_to_chuc", "Tên tổ chức", Kind.TEXT, True, ("Tên đơn vị", "Tên tổ chức đảng", "Tên")),
        ColumnSpec("cap", "Cấp", Kind.CODE, True, ("Cấp tổ chức", "Loại tổ chức"), vocabulary=CAP),
        ColumnSpec(
            "ma_cap_tren",
            "Mã cấp trên",
            Kind.ID,
            True,
            ("Mã tổ chức cấp trên", "Cấp trên trực tiếp", "Trực thuộc"),
            references_to_chuc=True,
            note="để trống với đảng bộ cấp trên cơ sở",
            may_be_blank=True,
        ),
        ColumnSpec(
            "loai_hinh",
            "Loại hình",
            Kind.CODE,
            False,
            ("Loại hình tổ chức", "Khối"),
            vocabulary=LOAI_HINH,
            note="bắt buộc với TCCSĐ; chi bộ trực thuộc để trống thì lấy của TCCSĐ",
        ),
    ),
    key=("ma_to_chuc",),
    aliases=("To chuc", "Tổ chức đảng", "Danh sách tổ chức"),
)

DANG_VIEN = TableSpec(
    "dang_vien",
    "Đảng viên",
    (
        ColumnSpec("ma_dang_vien", "Mã đảng viên", Kind.ID, True, ("Mã ĐV", "Số thẻ đảng viên", "Số thẻ")),
        ColumnSpec("ho_ten", "Họ và tên", Kind.TEXT, True, ("Họ tên", "Họ và tên đảng viên")),
        ColumnSpec("ma_chi_bo", "Mã chi bộ", Kind.ID, True, ("Chi bộ", "Mã chi bộ sinh hoạt"), references_to_chuc=True),
        ColumnSpec("nam", "Năm", Kind.YEAR, True, ("Năm đánh giá", "Năm xếp loại")),
        _rating("xep_loai", "Xếp loại", "Xếp loại chất lượng", "Kết quả xếp loại", "Mức xếp loại", required=True),
        ColumnSpec(
            "vi_pham", "Vi phạm", Kind.FLAG, True, ("Bị kỷ luật", "Vi phạm, kỷ luật", "Kỷ luật"), may_be_blank=True
        ),
        ColumnSpec(
            "quan_triet", "Quán triệt", Kind.FLAG, True, ("Được quán triệt", "Học tập nghị quyết"), may_be_blank=True
        ),
        ColumnSpec("doi_tuong", "Đối tượng", Kind.CODE, True, ("Đối tượng thi đua",), vocabulary=DOI_TUONG),
        ColumnSpec("diem_ban_linh", "Điểm bản lĩnh chính trị", Kind.SCORE, False, ("Bản lĩnh chính trị",)),
        ColumnSpec(
            "diem_nam_chac", "Điểm nắm chắc chủ trương", Kind.SCORE, False, ("Nắm chắc chủ trương, nghị quyết",)
        ),
        ColumnSpec("diem_trach_nhiem", "Điểm trách nhiệm", Kind.SCORE, False, ("Trách nhiệm",)),
        ColumnSpec("diem_sang_tao", "Điểm chủ động, sáng tạo", Kind.SCORE, False, ("Chủ động, sáng tạo", "Sáng tạo")),
        ColumnSpec("so_sang_kien", "Số sáng kiến", Kind.COUNT, False, ("Sáng kiến",)),
        ColumnSpec("la_bi_thu", "Là bí thư", Kind.FLAG, False, ("Bí thư", "Người đứng đầu")),
        ColumnSpec(
            "tu_khac_phuc",
            "Tự phát hiện, khắc phục vi phạm",
            Kind.FLAG,
            False,
            ("Tự phát hiện và khắc phục", "Tự phát hiện, chủ động khắc phục"),
            note="đảng viên bị kỷ luật trong năm nhưng tự phát hiện và chủ động khắc phục (ngoại lệ của QĐ 124)",
        ),
        ColumnSpec(
            "diem_danh_gia",
            "Điểm đánh giá (thang 100)",
            Kind.POINTS,
            False,
            ("Điểm đánh giá", "Điểm tự chấm", "Tổng điểm đánh giá"),
            note="thang 100 điểm của QĐ 366 (từ năm 2025): 30 điểm tiêu chí chung, 70 điểm kết quả nhiệm vụ",
        ),
        ColumnSpec(
            "bai_thu_hoach",
            "Nộp bài thu hoạch",
            Kind.FLAG,
            False,
            ("Bài thu hoạch", "Đã nộp bài thu hoạch", "Viết bài thu hoạch"),
            note="bài thu hoạch học tập, quán triệt nghị quyết của năm (26-CTr/ĐU: điều kiện xếp loại cuối năm)",
        ),
        # --- the conditions of QĐ 366-QĐ/TW (from 2025); all optional ---
        *_qd366_tasks("đảng viên"),
        ColumnSpec(
            "hinh_thuc_ky_luat",
            "Hình thức kỷ luật",
            Kind.CODE,
            False,
            ("Hình thức xử lý kỷ luật", "Mức kỷ luật", "Hình thức kỷ luật đảng", "Kỷ luật hình thức"),
            vocabulary=HINH_THUC_KY_LUAT,
            note="hình thức kỷ luật đảng bị thi hành trong năm (khi đó «Vi phạm» là Có); để trống là không bị "
            "kỷ luật — chỉ khi tệp không có cột này mới là chưa thu thập",
        ),
        _optional(
            "ky_luat_lien_quan_nhiem_vu",
            "Kỷ luật do vi phạm liên quan đến thực hiện nhiệm vụ",
            Kind.FLAG,
            (
                "Kỷ luật liên quan đến nhiệm vụ",
                "Kỷ luật liên quan nhiệm vụ",
                "Vi phạm liên quan đến thực hiện nhiệm vụ",
                "Kỷ luật do vi phạm liên quan đến nhiệm vụ",
            ),
            "bị kỷ luật do vi phạm liên quan đến việc thực hiện nhiệm vụ được giao; ghi Có thì phải ghi "
            "«Hình thức kỷ luật»",
        ),
        _optional(
            "suy_thoai",
            'Bị kết luận suy thoái, "tự diễn biến", "tự chuyển hóa"',
            Kind.FLAG,
            (
                "Suy thoái",
                "Bị kết luận suy thoái",
                "Suy thoái, tự diễn biến, tự chuyển hóa",
                "Suy thoái tư tưởng chính trị, đạo đức, lối sống",
            ),
            "cấp có thẩm quyền kết luận suy thoái về tư tưởng chính trị, đạo đức, lối sống, «tự diễn biến», "
            "«tự chuyển hóa» trong năm",
        ),
        _optional(
            "vi_pham_dieu_cam",
            "Vi phạm những điều đảng viên không được làm hoặc trách nhiệm nêu gương",
            Kind.FLAG,
            (
                "Vi phạm điều cấm",
                "Vi phạm những điều đảng viên không được làm",
                "Vi phạm trách nhiệm nêu gương",
                "Vi phạm quy định nêu gương",
            ),
            "vi phạm quy định những điều đảng viên không được làm hoặc quy định về trách nhiệm nêu gương",
        ),
    ),
    key=("ma_dang_vien", "nam"),
    aliases=("Dang vien", "Danh sách đảng viên", "Xếp loại đảng viên"),
)

DON_VI_NAM = TableSpec(
    "don_vi_nam",
    "Đơn vị năm",
    (
        ColumnSpec("ma_to_chuc", "Mã tổ chức", Kind.ID, True, ("Mã đơn vị", "Mã TC", "Mã"), references_to_chuc=True),
        ColumnSpec("nam", "Năm", Kind.YEAR, True, ("Năm đánh giá",)),
        _rating("xep_loai", "Xếp loại", "Xếp loại tổ chức đảng", "Xếp loại chất lượng", required=True),
        ColumnSpec("so_quan_chung", "Số quần chúng", Kind.COUNT, False, ("Tổng số quần chúng", "Quần chúng tổng số")),
        ColumnSpec(
            "so_quan_chung_quan_triet",
            "Số quần chúng được quán triệt",
            Kind.COUNT,
            False,
            ("Quần chúng được quán triệt", "Số quần chúng quán triệt", "Quần chúng đã quán triệt"),
        ),
        ColumnSpec(
            "kiem_tra_ke_hoach",
            "Số cuộc kiểm tra, giám sát theo kế hoạch",
            Kind.COUNT,
            False,
            (
                "Kiểm tra kế hoạch",
                "Số cuộc KTGS kế hoạch",
                "Kế hoạch kiểm tra, giám sát",
                "Kiểm tra, giám sát kế hoạch",
                "Kiểm tra, giám sát theo kế hoạch",
                "Số cuộc kiểm tra, giám sát kế hoạch",
            ),
        ),
        ColumnSpec(
            "kiem_tra_thuc_hien",
            "Số cuộc kiểm tra, giám sát đã thực hiện",
            Kind.COUNT,
            False,
            (
                "Kiểm tra thực hiện",
                "Số cuộc KTGS thực hiện",
                "Đã kiểm tra, giám sát",
                "Kiểm tra, giám sát thực hiện",
                "Kiểm tra, giám sát đã thực hiện",
                "Số cuộc kiểm tra, giám sát thực hiện",
            ),
        ),
        ColumnSpec("don_thu_ton_dong", "Số đơn thư tồn đọng", Kind.COUNT, False, ("Đơn thư tồn đọng",)),
        _rating(
            "xep_loai_co_quan",
            "Xếp loại cơ quan, đơn vị",
            "Xếp loại cơ quan",
            "Xếp loại chính quyền",
            "Xếp loại doanh nghiệp",
        ),
        _rating("xep_loai_doan_the", "Xếp loại đoàn thể (thấp nhất)", "Xếp loại đoàn thể", "Xếp loại các đoàn thể"),
        ColumnSpec(
            "vi_pham_don_vi",
            "Có vi phạm trong cơ quan, đơn vị",
            Kind.FLAG,
            False,
            ("Vi phạm đơn vị", "Vi phạm ở cơ quan, đơn vị", "Vi phạm"),
        ),
        ColumnSpec(
            "ky_luat_tap_the",
            "Tập thể bị kỷ luật trong năm",
            Kind.FLAG,
            False,
            ("Tập thể lãnh đạo bị kỷ luật", "Cấp ủy bị kỷ luật", "Bị kỷ luật"),
            note="cấp ủy, tập thể lãnh đạo của tổ chức bị thi hành kỷ luật trong năm",
        ),
        ColumnSpec(
            "diem_danh_gia",
            "Điểm đánh giá (thang 100)",
            Kind.POINTS,
            False,
            ("Điểm đánh giá", "Điểm tự chấm", "Tổng điểm đánh giá"),
            note="thang 100 điểm của QĐ 366 (từ năm 2025)",
        ),
        # --- figures other plans need (Chương trình 26-CTr/ĐU, «Chi bộ 4 tốt»); all optional ---
        ColumnSpec(
            "quan_triet_nghi_quyet",
            "Đã tổ chức quán triệt nghị quyết",
            Kind.FLAG,
            False,
            ("Tổ chức quán triệt nghị quyết", "Quán triệt nghị quyết", "Đã quán triệt"),
            note="tổ chức đảng đã tổ chức học tập, quán triệt nghị quyết của năm cho cán bộ, đảng viên",
        ),
        ColumnSpec(
            "co_quy_che_dan_chu",
            "Có quy chế dân chủ",
            Kind.FLAG,
            False,
            ("Quy chế dân chủ", "Ban hành quy chế dân chủ", "Quy chế dân chủ cơ sở"),
        ),
        ColumnSpec(
            "co_quy_dinh_tiep_dang_vien",
            "Có quy định cấp ủy tiếp xúc, đối thoại với đảng viên",
            Kind.FLAG,
            False,
            ("Quy định tiếp đảng viên", "Quy định tiếp xúc đảng viên", "Quy định đối thoại với đảng viên"),
        ),
        ColumnSpec(
            "hoi_nghi_nguoi_lao_dong",
            "Đã tổ chức Hội nghị người lao động",
            Kind.FLAG,
            False,
            ("Hội nghị người lao động", "Hội nghị cán bộ, công chức", "Hội nghị CBCC, NLĐ"),
            note="Hội nghị người lao động (doanh nghiệp) hoặc Hội nghị cán bộ, công chức, viên chức trong năm",
        ),
        ColumnSpec(
            "chi_bo_4_tot",
            "Đạt «Chi bộ 4 tốt»",
            Kind.FLAG,
            False,
            ("Chi bộ 4 tốt", "Đảng bộ 4 tốt", "Đạt 4 tốt"),
            note="cấp ủy cấp trên công nhận chi bộ (đảng bộ cơ sở) đạt «4 tốt» trong năm",
        ),
        ColumnSpec(
            "so_cu_hoc_cao_cap_llct",
            "Số đảng viên cử đi học cao cấp lý luận chính trị",
            Kind.COUNT,
            False,
            ("Cao cấp lý luận chính trị", "Số cử đi học cao cấp LLCT", "Cao cấp LLCT"),
        ),
        ColumnSpec(
            "so_cu_hoc_trung_cap_llct",
            "Số đảng viên cử đi học trung cấp lý luận chính trị",
            Kind.COUNT,
            False,
            ("Trung cấp lý luận chính trị", "Số cử đi học trung cấp LLCT", "Trung cấp LLCT"),
        ),
        ColumnSpec("don_thu_nhan", "Số đơn thư nhận trong năm", Kind.COUNT, False, ("Đơn thư nhận", "Số đơn thư")),
        ColumnSpec(
            "don_thu_dung_han",
            "Số đơn thư giải quyết đúng hạn",
            Kind.COUNT,
            False,
            ("Đơn thư giải quyết đúng hạn", "Đơn thư đúng hạn"),
        ),
        ColumnSpec(
            "don_thu_vuot_cap",
            "Số đơn thư vượt cấp",
            Kind.COUNT,
            False,
            ("Đơn thư vượt cấp", "Đơn thư gửi vượt cấp"),
            note="đơn thư của cán bộ, đảng viên, người lao động gửi vượt cấp trong năm",
        ),
        # --- the conditions of QĐ 366-QĐ/TW for a collective (from 2025); all optional ---
        *_qd366_tasks("tập thể"),
        _optional(
            "sai_pham_can_bo_doan_ket",
            "Có sai phạm trong công tác cán bộ hoặc mất đoàn kết nội bộ",
            Kind.FLAG,
            (
                "Sai phạm công tác cán bộ, mất đoàn kết",
                "Sai phạm trong công tác cán bộ",
                "Mất đoàn kết nội bộ",
                "Sai phạm công tác cán bộ hoặc mất đoàn kết",
            ),
            "tập thể lãnh đạo để xảy ra sai phạm trong công tác cán bộ hoặc mất đoàn kết nội bộ trong năm",
        ),
        _optional(
            "thanh_vien_ky_luat",
            "Có thành viên tập thể lãnh đạo bị kỷ luật từ khiển trách trở lên",
            Kind.FLAG,
            (
                "Thành viên bị kỷ luật",
                "Có thành viên bị kỷ luật",
                "Thành viên tập thể lãnh đạo bị kỷ luật",
                "Thành viên cấp ủy bị kỷ luật",
            ),
            "một thành viên tập thể lãnh đạo, quản lý bị kỷ luật từ khiển trách trở lên trong năm",
        ),
        _optional(
            "thanh_vien_suy_thoai",
            "Có thành viên bị kết luận suy thoái",
            Kind.FLAG,
            ("Thành viên suy thoái", "Có thành viên suy thoái", "Thành viên bị kết luận suy thoái"),
            "một thành viên tập thể lãnh đạo bị kết luận suy thoái, «tự diễn biến», «tự chuyển hóa»",
        ),
        _optional(
            "chi_tieu_co_ban_khong_dat",
            "Không đạt chỉ tiêu cơ bản của năm",
            Kind.FLAG,
            ("Không đạt chỉ tiêu cơ bản", "Chỉ tiêu cơ bản không đạt", "Không hoàn thành chỉ tiêu cơ bản"),
            "các chỉ tiêu cơ bản của năm không đạt",
        ),
        _optional(
            "thanh_tich_noi_bat",
            "Đơn vị có thành tích nổi bật (tỷ lệ HTXSNV tối đa 25%)",
            Kind.FLAG,
            ("Thành tích nổi bật", "Có thành tích nổi bật", "Đơn vị có thành tích nổi bật"),
            "cấp có thẩm quyền xác định đơn vị có thành tích nổi bật: tỷ lệ hoàn thành xuất sắc nhiệm vụ "
            "tối đa 25% (thay cho 20%)",
        ),
    ),
    key=("ma_to_chuc", "nam"),
    aliases=("Don vi nam", "Số liệu đơn vị", "Đơn vị - năm", "Tổ chức năm"),
)

NHIEM_VU = TableSpec(
    "nhiem_vu",
    "Nhiệm vụ",
    (
        ColumnSpec("ma_to_chuc", "Mã tổ chức", Kind.ID, True, ("Mã đơn vị", "Đơn vị", "Mã"), references_to_chuc=True),
        ColumnSpec("ma_nhiem_vu", "Mã nhiệm vụ", Kind.ID, True, ("Nhiệm vụ số", "Số thứ tự nhiệm vụ", "Mã NV")),
        ColumnSpec("nam", "Năm", Kind.YEAR, True, ("Năm đánh giá",)),
        ColumnSpec(
            "han",
            "Thời hạn",
            Kind.DEADLINE,
            True,
            ("Hạn", "Thời gian hoàn thành", "Thời gian thực hiện", "Hạn hoàn thành"),
            note="ngày, tháng (hạn là ngày cuối tháng), quý (ngày cuối quý), «hằng năm» (31/12) hoặc «thường xuyên»",
        ),
        ColumnSpec(
            "ket_qua",
            "Kết quả",
            Kind.CODE,
            True,
            ("Kết quả thực hiện", "Tình trạng", "Tiến độ"),
            vocabulary=KET_QUA_NHIEM_VU,
            may_be_blank=True,
        ),
        ColumnSpec(
            "ngay_hoan_thanh",
            "Ngày hoàn thành",
            Kind.DATE,
            False,
            ("Ngày xong", "Hoàn thành ngày", "Ngày thực hiện xong"),
            note="để trống nếu chưa hoàn thành; nhiệm vụ «thường xuyên» có thể để trống",
        ),
        ColumnSpec("ten_nhiem_vu", "Tên nhiệm vụ", Kind.TEXT, False, ("Nội dung nhiệm vụ", "Nội dung", "Nhiệm vụ")),
        ColumnSpec(
            "minh_chung",
            "Minh chứng",
            Kind.TEXT,
            False,
            ("Văn bản minh chứng", "Số văn bản", "Tài liệu kiểm chứng"),
            note="số, ký hiệu văn bản hoặc đường dẫn tài liệu chứng minh kết quả",
        ),
    ),
    key=("ma_to_chuc", "ma_nhiem_vu", "nam"),
    aliases=("Nhiem vu", "Nhiệm vụ của đơn vị", "Theo dõi nhiệm vụ", "Danh sách nhiệm vụ"),
)

TABLES: tuple[TableSpec, ...] = (TO_CHUC, DANG_VIEN, DON_VI_NAM)
#: Tables a dataset may have; when absent they are empty (no plan that reads them can be scored).
OPTIONAL_TABLES: tuple[TableSpec, ...] = (NHIEM_VU,)
ALL_TABLES: tuple[TableSpec, ...] = (*TABLES, *OPTIONAL_TABLES)

#: the columns a unit's report carries: its own row of Đơn vị năm, its members' rows of Đảng viên (the
#: report itself says which unit and year)
UNIT_FIELDS: tuple[ColumnSpec, ...] = tuple(c for c in DON_VI_NAM.columns if c.name not in ("ma_to_chuc", "nam"))
MEMBER_FIELDS: tuple[ColumnSpec, ...] = tuple(c for c in DANG_VIEN.columns if c.name not in ("ma_chi_bo", "nam"))

#: a column's code -> its title in the template; a code means the same column in every table
_TITLES: dict[str, str] = {c.name: c.title for t in reversed(ALL_TABLES) for c in t.columns}


def column_title(name: str) -> str:
    """The template's title of the column `name` (ma_dang_vien -> «Mã đảng viên»); an unknown name as it is."""
    return _TITLES.get(name, name)


def is_code_header(header: str, name: str) -> bool:
    """Whether a file's header names the column by its code (ma_dang_vien, MA_DANG_VIEN) rather than
    by a Vietnamese title: a person is then shown the title."""
    return header.strip().lower() == name
