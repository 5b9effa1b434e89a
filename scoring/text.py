"""Text normalisation shared by the readers, the label maps and the app's search."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """NFC-normalise and trim; offices mix NFC (Windows) and NFD (macOS) files."""
    return unicodedata.normalize("NFC", text).strip()


def strip_diacritics(text: str) -> str:
    """ "Hoàn thành tốt" -> "Hoan thanh tot" (đ/Đ become d/D, which NFD does not decompose)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Matching key: no diacritics, lower case, letters and digits only ("Mã đảng viên" -> "madangvien")."""
    return _NON_ALNUM.sub("", strip_diacritics(text).lower())


def format_vn_number(value: float, decimals: int = 1) -> str:
    """1234.5 -> "1.234,5" (Vietnamese separators)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_vn_percent(share: float, decimals: int = 1) -> str:
    """0.825 -> "82,5%"."""
    return f"{format_vn_number(share * 100, decimals)}%"
