"""Text normalisation shared by the readers, the label maps and the app's search."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_diacritics(text: str) -> str:
    """ "Hoàn thành tốt" -> "Hoan thanh tot" (đ/Đ become d/D, which NFD does not decompose)."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """Matching key: no diacritics, lower case, letters and digits only ("Mã đảng viên" -> "madangvien")."""
    return _NON_ALNUM.sub("", strip_diacritics(text).lower())
