"""Rules on a row's own columns, declared once per table: each a vectorised function of the whole typed frame
that says, row by row, whether the rule holds. `checks.check_rows` runs them through pandera in lazy mode, so
every failure comes back together, named by file, sheet, row and the rule's column.

A rule only judges what the row gives: a figure left blank is not reported (its criteria are «không đủ dữ
liệu»), and a cell already reported as unreadable (the rule's column, or one it `also_reads`) is not
reported again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from scoring.domain.codes import HINH_THUC_KY_LUAT, KY_LUAT_CODES
from scoring.input.schema import column_title


@dataclass(frozen=True)
class RowRule:
    """A rule on a row's own columns; `column` is where the report points the user."""

    name: str
    column: str
    message: str
    holds: Callable[[pd.DataFrame], pd.Series]
    #: the other columns the rule reads: a row where one of them could not be read is not judged
    also_reads: tuple[str, ...] = ()
    #: columns of which one must hold a value on a row for the rule to fail there (default: `column`): a
    #: table where all of them are blank (a file without them) skips the rule, millions of rows at no cost
    needs: tuple[str, ...] = ()

    def may_fail(self, frame: pd.DataFrame) -> bool:
        return any(frame[name].notna().any() for name in self.needs or (self.column,))


# --- the task counts of QĐ 366-QĐ/TW (member and collective alike) -----------------------------------------

TOTAL = "so_nhiem_vu"
#: the counts that are parts of the tasks given
PARTS = ("so_hoan_thanh_dung_han", "so_vuot_muc", "so_cham_tien_do", "so_khong_hoan_thanh")
#: the parts that never overlap: each task given is on time, behind schedule or not done (or not yet said)
DISJOINT = ("so_hoan_thanh_dung_han", "so_cham_tien_do", "so_khong_hoan_thanh")
#: the parts that are done: a task exceeding requirements is one of them
DONE = ("so_hoan_thanh_dung_han", "so_cham_tien_do")


def _above_total(part: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda d: ~(d[part] > d[TOTAL]).fillna(False)


def _one_above_total(d: pd.DataFrame, parts: tuple[str, ...]) -> pd.Series:
    """Rows where one of `parts` is itself above the total (already said by that part's own rule)."""
    return d[list(parts)].gt(d[TOTAL], axis=0).fillna(False).any(axis=1)


def _disjoint_within_total(d: pd.DataFrame) -> pd.Series:
    given = d[list(DISJOINT)].sum(axis=1, min_count=1)
    return ~((given > d[TOTAL]).fillna(False) & ~_one_above_total(d, DISJOINT))


def _exceeded_within_done(d: pd.DataFrame) -> pd.Series:
    done = d[list(DONE)].sum(axis=1, min_count=1)  # both blank: nothing to compare with
    return ~((d["so_vuot_muc"] > done).fillna(False) & ~_one_above_total(d, ("so_vuot_muc",)))


def _parts_need_total(d: pd.DataFrame) -> pd.Series:
    return ~(d[list(PARTS)].notna().any(axis=1) & d[TOTAL].isna())


def _task_rules() -> list[RowRule]:
    total = column_title(TOTAL)
    return [
        *(
            RowRule(
                f"{part}_vuot_tong", part, f"«{column_title(part)}» lớn hơn «{total}».", _above_total(part), (TOTAL,)
            )
            for part in PARTS
        ),
        RowRule(
            "nhiem_vu_cong_vuot_tong",
            TOTAL,
            f"Số nhiệm vụ hoàn thành đúng hạn, chậm tiến độ và không hoàn thành cộng lại lớn hơn «{total}» (mỗi "
            "nhiệm vụ chỉ tính ở một trong ba cột).",
            _disjoint_within_total,
            DISJOINT,
        ),
        RowRule(
            "vuot_muc_hon_hoan_thanh",
            "so_vuot_muc",
            "Số nhiệm vụ hoàn thành vượt yêu cầu lớn hơn số nhiệm vụ đã hoàn thành (đúng hạn cộng chậm tiến độ): "
            "nhiệm vụ vượt yêu cầu là một nhiệm vụ đã hoàn thành.",
            _exceeded_within_done,
            (TOTAL, *DONE),
        ),
        RowRule(
            "thieu_so_nhiem_vu",
            TOTAL,
            f"Có số nhiệm vụ hoàn thành, vượt yêu cầu, chậm tiến độ hoặc không hoàn thành nhưng «{total}» để "
            "trống: ghi số nhiệm vụ được giao trong năm.",
            _parts_need_total,
            PARTS,
            PARTS,
        ),
    ]


# --- discipline of a member (QĐ 366-QĐ/TW) ------------------------------------------------------------------


def _disciplined_means_violation(d: pd.DataFrame) -> pd.Series:
    return ~(d["hinh_thuc_ky_luat"].isin(KY_LUAT_CODES) & ~d["vi_pham"].fillna(True).astype(bool))


def _duty_discipline_has_form(d: pd.DataFrame) -> pd.Series:
    # «Không bị kỷ luật» is what a blank cell reads as (the column absent: all missing, nothing to judge)
    no_form = (d["hinh_thuc_ky_luat"] == HINH_THUC_KY_LUAT.blank_code).fillna(False)
    return ~(d["ky_luat_lien_quan_nhiem_vu"].fillna(False).astype(bool) & no_form)


def _member_rules() -> list[RowRule]:
    return [
        RowRule(
            "ky_luat_khong_vi_pham",
            "hinh_thuc_ky_luat",
            "Có hình thức kỷ luật nhưng cột «Vi phạm» là Không (hoặc để trống): đảng viên bị kỷ luật trong năm thì "
            "ghi Có ở cột «Vi phạm»; ghi nhầm thì xóa hình thức kỷ luật.",
            _disciplined_means_violation,
            ("vi_pham",),
        ),
        RowRule(
            "ky_luat_nhiem_vu_thieu_hinh_thuc",
            "hinh_thuc_ky_luat",
            "«Kỷ luật do vi phạm liên quan đến thực hiện nhiệm vụ» là Có nhưng «Hình thức kỷ luật» để trống: ghi "
            "hình thức (khiển trách, cảnh cáo, cách chức hoặc khai trừ).",
            _duty_discipline_has_form,
            ("ky_luat_lien_quan_nhiem_vu",),
        ),
    ]


def row_rules(table: str) -> list[RowRule]:
    """The rules of one table (`TableSpec.name`), in the order their failures are reported."""
    if table == "dang_vien":
        return [*_task_rules(), *_member_rules()]
    if table == "don_vi_nam":
        return [
            RowRule(
                "quan_triet_vuot",
                "so_quan_chung_quan_triet",
                "Số quần chúng được quán triệt lớn hơn tổng số quần chúng.",
                lambda d: (
                    ~((d["so_quan_chung_quan_triet"] > d["so_quan_chung"]) & (d["so_quan_chung"] >= 0)).fillna(False)
                ),
            ),
            RowRule(
                "kiem_tra_khong_ke_hoach",
                "kiem_tra_thuc_hien",
                "Có số cuộc kiểm tra, giám sát đã thực hiện nhưng không có kế hoạch (kế hoạch trống hoặc 0).",
                lambda d: ~((d["kiem_tra_thuc_hien"] > 0) & ~(d["kiem_tra_ke_hoach"] > 0).fillna(False)).fillna(False),
            ),
            RowRule(
                "don_thu_dung_han_vuot",
                "don_thu_dung_han",
                "Số đơn thư giải quyết đúng hạn lớn hơn số đơn thư nhận trong năm.",
                lambda d: ~((d["don_thu_dung_han"] > d["don_thu_nhan"]) & (d["don_thu_nhan"] >= 0)).fillna(False),
            ),
            *_task_rules(),
        ]
    if table == "nhiem_vu":
        return [
            RowRule(
                "ngay_hoan_thanh_chua_lam",
                "ngay_hoan_thanh",
                "Có ngày hoàn thành nhưng kết quả ghi «Chưa thực hiện».",
                lambda d: ~(d["ngay_hoan_thanh"].notna() & (d["ket_qua"] == "chua_thuc_hien")).fillna(False),
            ),
        ]
    return []


__all__ = ["RowRule", "row_rules"]
