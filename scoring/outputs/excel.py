"""What every workbook this tool writes shares: the header style, and text that stays text."""

from __future__ import annotations

#: xlsxwriter options: text a user typed ("=…", "http…", "001") stays text, never a formula,
#: a link or a number
SAFE_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

#: the header row of every sheet (required columns in the template)
HEADER = {
    "bold": True,
    "bg_color": "#C00000",
    "font_color": "white",
    "text_wrap": True,
    "valign": "vcenter",
    "border": 1,
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
