"""What a Vietnamese office stumbles on in what a page shows, one rule for every page test: «None», True or
False, an engine code (snake_case) outside the columns that are codes, a number with a decimal point
(«86.50», «0.80%»), English words. Read from the element tree (`element_texts`: AppTest, every cell of every
shown column, caption, metric, label and option) and from the page a browser draws (`drawn_text`: Playwright,
minus the English Streamlit draws itself, listed in README.md, «Những chữ tiếng Anh còn lại»)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from streamlit.testing.v1 import element_tree as et

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: the columns that are codes or formulas by design (ids, links, the plan's metric language, a file's digest)
CODE_COLUMNS = re.compile(r"^(Mã.*|Chỉ số|Phiếu điểm)$")
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d{1,2}(?![\d.])")
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
MACHINE_WORDS = re.compile(r"\b(?:None|True|False|nan|NaN|NaT)\b|<NA>")
#: not figures: a plan's or rule file's version («phiên bản 2025.1»), a file name people type or download
#: («criteria/hai_chan_ba_mui.yaml — …», «to_chuc.csv», «mau_nhap_lieu.xlsx») and a code beside its name
#: («chan1.cap_tren_htt — Đảng bộ …»)
NOT_FIGURES = re.compile(r"phiên bản [\w.]+|\S+\.(?:ya?ml|csv|xlsx|zip|db)\b|\S+ — ")
#: English words of a user interface (whole words, any case); Vietnamese written without its marks has none of them
ENGLISH = re.compile(
    r"\b(?:the|and|of|files?|per|press|enter|apply|choose|option|select(?:ed)?|search|show|hide|download|upload|"
    r"browse|drag|drop|here|add|rows?|columns?|delete|error|loading|running|submit|results|password|login|logout|"
    r"clear|cancel|save|edit|close|view|name|date|total|score|rank|status|table|chart|yes|no|none|true|false|empty)\b",
    re.IGNORECASE,
)
#: what Streamlit draws in English and no setting changes (README.md, «Những chữ tiếng Anh còn lại»)
STREAMLIT_ENGLISH = re.compile(
    r"Upload|\d+MB per file(?: • [A-Z]+(?:, [A-Z]+)*)?|\b\d+(?:\.\d+)?[KMG]?B\b|\S+ files are not allowed\.|"
    r"File must be [\d.]+MB or smaller\.|Show/hide columns|Download as CSV|Type to search|Search|Fullscreen|"
    r"Sort ascending|Sort descending|Statistics|Autosize|Pin column|Hide column|Show data|Download as PNG|"
    r"Copy Vega-Lite spec|Press Enter to apply|No results|Show password|Hide password|"
    r"Connection error — Streamlit server is not responding\. Are you connected to the internet\?"
)


def problems(text: str) -> list[str]:
    """What a Vietnamese office would stumble on in `text` (numbers, codes, machine words)."""
    cleaned = NOT_FIGURES.sub(" ", text)
    return [
        *(f"«{m}»" for m in MACHINE_WORDS.findall(text)),
        *(f"mã «{m}»" for m in SNAKE_CASE.findall(cleaned)),
        *(f"số «{m}»" for m in DECIMAL_POINT.findall(cleaned)),
    ]


def english(text: str) -> list[str]:
    """The English words of `text` once Streamlit's own are taken out (file names and codes are not words)."""
    cleaned = NOT_FIGURES.sub(" ", STREAMLIT_ENGLISH.sub(" ", text))
    return [f"tiếng Anh «{m}»" for m in ENGLISH.findall(SNAKE_CASE.sub(" ", cleaned))]


#: what a Markdown source has that its reader does not see: an HTML tag (a link's address), a backslash escape
_TAG, _ESCAPE = re.compile(r"</?[a-z][^>]*>"), re.compile(r"\\(.)")


def stumbles(text: str) -> list[str]:
    """Everything a page's text should not have (`problems` and `english`), in the text as its reader sees it."""
    shown = _ESCAPE.sub(r"\1", _TAG.sub(" ", text))
    return sorted({*problems(STREAMLIT_ENGLISH.sub(" ", shown)), *english(shown)})


# --- the element tree (AppTest) ------------------------------------------------------------------------------


def element_texts(node: Any) -> Iterator[str]:
    """Every text an element shows: a table's headers (as configured) and the cells of its shown columns
    that are not codes (a selectbox column by its option labels; the tick boxes of an editable grid are not
    text), a metric, a widget's label and options, a message."""
    if isinstance(node, et.Dataframe):
        yield from _table_texts(node)
    elif isinstance(node, et.Metric):
        yield from (node.label, node.value)
    elif isinstance(node, (et.Selectbox, et.Radio, et.Multiselect)):
        yield node.label
        yield from (str(o) for o in node.options)
    elif isinstance(node, (et.TextInput, et.TextArea, et.NumberInput, et.Slider, et.Checkbox, et.Expander, et.Tab)):
        yield node.label
    elif isinstance(node, (et.Button, et.DownloadButton, et.PageLink)):
        yield node.proto.label
    elif hasattr(node, "value") and isinstance(getattr(node, "value", None), str):
        yield node.value
    for child in getattr(node, "children", {}).values():
        yield from element_texts(child)


def _table_texts(node: et.Dataframe) -> Iterator[str]:
    config: dict[str, Any] = json.loads(node.proto.columns or "{}")
    frame = node.value
    editable = node.editing_mode != "read_only"
    missing_text = node.proto.placeholder if node.proto.HasField("placeholder") else "None"
    if frame.empty and not editable:  # a table without rows draws Streamlit's own «empty» on its canvas
        yield "empty"
    shown = [c for c in frame.columns if not (config.get(str(c)) or {}).get("hidden")]
    if node.proto.column_order:
        shown = [c for c in shown if c in node.proto.column_order]
    for column in shown:
        settings = config.get(str(column)) or {}
        title = str(settings.get("label") or column)
        yield title
        kind = (settings.get("type_config") or {}).get("type")
        if CODE_COLUMNS.match(title.rstrip(" *")) or (editable and kind == "checkbox"):
            continue
        options = (settings.get("type_config") or {}).get("options") or []
        labels = {o["value"]: o.get("label", o["value"]) for o in options if isinstance(o, dict)}
        for value in frame[column]:  # a missing value draws the table's placeholder (by default «None»)
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            yield missing_text if missing else str(labels.get(value, value) if isinstance(value, str) else value)


# --- the page a browser draws (Playwright) ----------------------------------------------------------------------


#: the accessible text of a tick-box cell (an editable grid's «Có»/«Không» column): the grid draws a tick box
TICK_BOXES = ("true", "false")


def drawn_text(page: Page) -> str:
    """The page's visible text (`inner_text` of the body, sidebar and navigation included) with the icons'
    ligature names («keyboard_arrow_right», drawn as a glyph) taken out, and the cells the tables draw that are
    not codes (the grid draws on a canvas; its cells are an accessible table beside it)."""
    drawn = page.inner_text("body")
    cells = page.locator("[data-testid^='glide-cell']").all_text_contents()
    icons = page.locator("[data-testid='stIconMaterial']").all_text_contents()
    for left_out in sorted({*icons, *(c.strip() for c in cells if a_code(c))} - {""}, key=len, reverse=True):
        drawn = drawn.replace(left_out, " ")
    return drawn + "\n" + " ".join(c for c in cells if not a_code(c) and c not in TICK_BOXES)


def a_code(cell: str) -> bool:
    """A cell of a code column: an id (CB001, DV001409, a criterion's), a formula, a link's address (the
    table a browser draws for screen readers holds a «Phiếu điểm» cell's address, the grid shows «Xem»), a
    file's digest."""
    return bool(
        re.fullmatch(r"[A-Z]{1,4}\d+|[a-z0-9_]+\.[a-z0-9_.]+|\w+\(.*\)|don_vi\?ma=\S+|[0-9a-f]{12,64}", cell.strip())
    )
