"""Vietnamese names for the synthetic data: people, agencies, departments (drawn as arrays)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Hoàng",
    "Phan",
    "Võ",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trương",
    "Đinh",
    "Lâm",
    "Mai",
)
SURNAME_P = (
    0.36,
    0.11,
    0.09,
    0.07,
    0.05,
    0.04,
    0.045,
    0.04,
    0.03,
    0.03,
    0.025,
    0.02,
    0.02,
    0.015,
    0.01,
    0.01,
    0.01,
    0.01,
    0.01,
    0.01,
)
MIDDLE_MALE = ("Văn", "Minh", "Thanh", "Hoàng", "Quốc", "Đức", "Hữu", "Công", "Ngọc", "Tấn", "Xuân", "Trung")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thanh", "Thu", "Kim", "Minh", "Bích", "Hồng", "Mỹ", "Phương", "Thùy", "Diễm")
GIVEN_MALE = (
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Hải",
    "Hiếu",
    "Hùng",
    "Huy",
    "Khang",
    "Khoa",
    "Long",
    "Lộc",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Tiến",
    "Toàn",
    "Trí",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Vũ",
)
GIVEN_FEMALE = (
    "An",
    "Anh",
    "Chi",
    "Diệp",
    "Dung",
    "Giang",
    "Hà",
    "Hằng",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Tâm",
    "Thảo",
    "Thủy",
    "Trang",
    "Trinh",
    "Uyên",
    "Vân",
    "Yến",
)

AGENCIES = {
    0: (
        "Văn phòng Tỉnh ủy",
        "Ban Tuyên giáo Tỉnh ủy",
        "Ban Tổ chức Tỉnh ủy",
        "Ủy ban Kiểm tra Tỉnh ủy",
        "Ban Dân vận Tỉnh ủy",
        "Ủy ban Mặt trận Tổ quốc tỉnh",
        "Liên đoàn Lao động tỉnh",
        "Tỉnh đoàn",
        "Hội Liên hiệp Phụ nữ tỉnh",
        "Hội Nông dân tỉnh",
        "Hội Cựu chiến binh tỉnh",
        "Báo Đồng Khởi",
    ),
    1: (
        "Sở Tài chính",
        "Sở Kế hoạch và Đầu tư",
        "Sở Xây dựng",
        "Sở Tư pháp",
        "Sở Nội vụ",
        "Sở Công Thương",
        "Sở Nông nghiệp và Môi trường",
        "Sở Giao thông vận tải",
        "Sở Y tế",
        "Sở Giáo dục và Đào tạo",
        "Sở Khoa học và Công nghệ",
        "Thanh tra tỉnh",
        "Cục Thuế tỉnh",
        "Kho bạc Nhà nước tỉnh",
        "Ngân hàng Nhà nước chi nhánh tỉnh",
        "Văn phòng UBND tỉnh",
    ),
    2: (
        "Bệnh viện Nguyễn Đình Chiểu",
        "Bệnh viện Y học cổ truyền",
        "Trung tâm Kiểm soát bệnh tật",
        "Trường Chính trị",
        "Trường Cao đẳng",
        "Đài Phát thanh và Truyền hình",
        "Ban Quản lý dự án công trình dân dụng",
        "Trung tâm Dịch vụ việc làm",
        "Thư viện tỉnh",
        "Bảo tàng tỉnh",
        "Trung tâm Khuyến nông",
        "Quỹ Đầu tư phát triển",
    ),
    3: (
        "Công ty Điện lực",
        "Công ty Cấp thoát nước",
        "Công ty Xổ số kiến thiết",
        "Công ty Công trình đô thị",
        "Ngân hàng Nông nghiệp chi nhánh tỉnh",
        "Ngân hàng Công thương chi nhánh",
        "Viễn thông tỉnh",
        "Bưu điện tỉnh",
        "Công ty Khai thác công trình thủy lợi",
        "Ngân hàng Đầu tư và Phát triển chi nhánh",
    ),
    4: (
        "Công ty Cổ phần Dược phẩm",
        "Công ty Cổ phần Xây lắp",
        "Công ty TNHH Chế biến dừa",
        "Công ty Cổ phần Thủy sản",
        "Công ty Cổ phần Vận tải",
        "Công ty TNHH May mặc",
        "Công ty Cổ phần Du lịch",
        "Công ty Cổ phần Lương thực",
        "Công ty Cổ phần In",
        "Ngân hàng Thương mại cổ phần chi nhánh",
    ),
}
DEPARTMENTS = (
    "Văn phòng",
    "Phòng Tổ chức cán bộ",
    "Phòng Kế hoạch tài chính",
    "Phòng Nghiệp vụ",
    "Phòng Kỹ thuật",
    "Phòng Tổng hợp",
    "Phòng Hành chính quản trị",
    "Phòng Kinh doanh",
    "Phòng Thanh tra",
    "Phòng Pháp chế",
    "Khoa Khám bệnh",
    "Khoa Nội",
    "Khoa Ngoại",
    "Phân xưởng sản xuất",
    "Đội thi công",
    "Phòng Công nghệ thông tin",
    "Phòng Quản lý dự án",
    "Trung tâm Dịch vụ",
    "Phòng Kế toán",
    "Phòng Khách hàng",
)


def _pick(rng: np.random.Generator, words: tuple[str, ...], n: int, p: tuple[float, ...] | None = None) -> pa.Array:
    chosen = rng.choice(len(words), size=n, p=None if p is None else np.asarray(p) / sum(p))
    return pa.array(words).take(pa.array(chosen))


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Full names, gender-consistent middle and given names."""
    female = pa.array(rng.random(n) < 0.45)
    surname = _pick(rng, SURNAMES, n, SURNAME_P)
    middle = pc.if_else(female, _pick(rng, MIDDLE_FEMALE, n), _pick(rng, MIDDLE_MALE, n))
    given = pc.if_else(female, _pick(rng, GIVEN_FEMALE, n), _pick(rng, GIVEN_MALE, n))
    joined = pc.binary_join_element_wise(surname, middle, given, " ")
    return np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)


def agency_names(rng: np.random.Generator, loai_hinh: np.ndarray, group: np.ndarray) -> np.ndarray:
    """An agency name per TCCSĐ from its loại hình; repeats within a cấp trên get a number."""
    lists = [AGENCIES[k] for k in range(len(AGENCIES))]
    pick = np.array([rng.integers(0, len(lists[k])) for k in range(len(lists))])  # per-type offset
    rank = np.zeros(len(loai_hinh), dtype=np.int64)
    order = np.lexsort((np.arange(len(loai_hinh)), loai_hinh, group))
    key = group[order] * 10 + loai_hinh[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    rank[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    sizes = np.array([len(x) for x in lists])
    word = (rank + pick[loai_hinh]) % sizes[loai_hinh]
    flat = np.concatenate([np.asarray(x, dtype=object) for x in lists])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    base = flat[offsets[loai_hinh] + word]
    repeat = rank // sizes[loai_hinh]
    suffix = np.where(repeat > 0, np.char.add(" số ", (repeat + 1).astype(str)).astype(object), "")
    return np.asarray(base + suffix, dtype=object)


def department_names(rng: np.random.Generator, n: int, rank: np.ndarray) -> np.ndarray:
    """A department name per chi bộ trực thuộc; distinct within its đảng bộ while the list lasts."""
    offset = rng.integers(0, len(DEPARTMENTS))
    word = (rank + offset) % len(DEPARTMENTS)
    base = np.asarray(DEPARTMENTS, dtype=object)[word]
    repeat = rank // len(DEPARTMENTS)
    return np.asarray(
        base + np.where(repeat > 0, np.char.add(" ", (repeat + 1).astype(str)).astype(object), ""), dtype=object
    )
