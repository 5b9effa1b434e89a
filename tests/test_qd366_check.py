"""`thidua kiem-tra-xep-loai DATA --nam 2025` under QĐ 366 (criteria/quy_dinh/qd366_2025.yaml): each member
it flags is named with the rating allowed and the rule (article); one meeting everything is not named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from scoring.cli import app
from tests.test_rating_rules import TREE, member

TASKS = {"so_nhiem_vu": 10, "so_hoan_thanh_dung_han": 10, "so_vuot_muc": 4, "so_cham_tien_do": 0,
         "so_khong_hoan_thanh": 0, "khac_phuc_han_che": "x", "hinh_thuc_ky_luat": "", "ky_luat_lien_quan_nhiem_vu": "",
         "suy_thoai": "", "vi_pham_dieu_cam": ""}  # fmt: skip
DISCIPLINED = {"vi_pham": "x", "hinh_thuc_ky_luat": "Khiển trách", "ky_luat_lien_quan_nhiem_vu": "x"}
MEMBERS: dict[str, tuple[str, float, dict[str, Any]]] = {
    "A95": ("HTXSNV", 95, {"so_vuot_muc": 2}),  # 95 points, 20% of tasks exceeded: at most HTTNV
    "B80": ("HTTNV", 80, {"so_hoan_thanh_dung_han": 9, "so_cham_tien_do": 1}),  # a task late: not HTTNV
    "C60": ("HTNV", 60, {"so_hoan_thanh_dung_han": 4, "so_khong_hoan_thanh": 6}),  # over half not done: KHTNV
    "D80": ("HTTNV", 80, DISCIPLINED),  # khiển trách for a duty violation: KHTNV
    "E80": ("HTTNV", 80, {**DISCIPLINED, "tu_khac_phuc": "x"}),  # self-discovered: the competent level decides
    "F95": ("HTXSNV", 95, {}),  # meets everything
    "G80": ("HTTNV", 80, {"vi_pham": "x", "hinh_thuc_ky_luat": "Cảnh cáo"}),  # not tied to duties: not vetoed
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("qd366")
    rows = [
        {**member(ma, "CB1", 2025, rating), **TASKS, "diem_danh_gia": points, **extra}
        for ma, (rating, points, extra) in MEMBERS.items()
    ]
    filler = [{**member(f"F{i}", "CB2", 2025, "HTTNV"), **TASKS, "diem_danh_gia": 80} for i in range(20)]
    units = [{"ma_to_chuc": ma, "nam": 2025, "xep_loai": "HTTNV", "ky_luat_tap_the": ""} for ma in TREE["ma_to_chuc"]]
    TREE.to_csv(out / "to_chuc.csv", index=False)
    pd.DataFrame(rows + filler).to_csv(out / "dang_vien.csv", index=False)
    pd.DataFrame(units).to_csv(out / "don_vi_nam.csv", index=False)
    return out


def _printed(folder: Path, *options: str) -> list[str]:
    result = CliRunner().invoke(app, ["kiem-tra-xep-loai", str(folder), "--nam", "2025", *options])
    assert result.exit_code in (0, 1), result.output
    return result.output.splitlines()


@pytest.mark.parametrize(
    ("ma", "said"),
    [
        ("A95", ["Cao hơn mức cho phép (được phép: HTTNV)", "ít nhất 30% vượt mức", "Điều 11 khoản 1"]),
        ("B80", ["Cao hơn mức cho phép (được phép: HTNV)", "chưa hoàn thành đúng hạn", "Điều 11 khoản 2"]),
        ("C60", ["Cao hơn mức cho phép (được phép: KHTNV)", "Điều 11 khoản"]),
        ("D80", ["Cao hơn mức cho phép (được phép: KHTNV)", "khiển trách", "Điều 11 khoản 4"]),
        ("E80", ["Cần cấp có thẩm quyền xem xét", "tự phát hiện", "không tự áp dụng"]),
    ],
)
def test_each_flagged_member_is_named_with_the_rating_allowed_and_the_article(
    folder: Path, ma: str, said: list[str]
) -> None:
    line = next((text for text in _printed(folder) if text.strip().startswith(f"{ma} ")), None)
    assert line is not None, f"{ma} không được nêu"
    for fragment in said:
        assert fragment in line, (fragment, line)


def test_a_member_meeting_everything_is_not_named(folder: Path) -> None:
    named = {text.split()[0] for text in _printed(folder, "--so-dong", "50") if text.startswith("  ") and ":" in text}
    assert {"F95", "G80"}.isdisjoint(named) and {"A95", "B80", "C60", "D80", "E80"} <= named


def test_so_dong_still_bounds_what_is_printed(folder: Path) -> None:
    lines = _printed(folder, "--so-dong", "2")
    heading = next(i for i, text in enumerate(lines) if text.startswith("Các trường hợp"))
    assert "in 2" in lines[heading]
    assert len([text for text in lines[heading + 1 :] if text.startswith("  ")]) == 2
