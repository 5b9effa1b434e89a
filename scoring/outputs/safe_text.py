"""Text from users and files, shown in the app as written. Streamlit reads Markdown in nearly every
text element and widget label (st.markdown, st.caption, st.info/success/warning/error, titles, expander
and widget labels, help tooltips): a unit's name, a return reason or a `?ma=` parameter could otherwise
carry a link, a remote image, a colour, an icon or LaTeX. Such text goes through `escape_markdown`.

Only what Markdown would read is escaped, so the text stays readable where it is not rendered (tests,
logs): characters that act anywhere in a line always; those that act only at the start of a line
(headings, lists, quotes, rules) only there; a colon only before a letter (Streamlit's `:red[…]`,
`:material/…:` directives). GitHub-flavoured Markdown also makes links of bare `http://…`, `www.…` and
e-mail addresses, and Streamlit emoji of `:smile:`, with no markup at all: those get an invisible word
joiner that breaks the pattern.
Raw HTML is never rendered by Streamlit without `unsafe_allow_html`; its brackets are escaped anyway."""

from __future__ import annotations

import re

#: U+2060, zero width: breaks an autolink pattern without changing what the reader sees
WORD_JOINER = "\u2060"

# anywhere: backslash, code, emphasis, links/images/footnotes, HTML, strikethrough, LaTeX, tables,
# entities; a colon starting a directive (`:red[`, `:material/`, `::leaf`, `:::container`)
_INLINE = re.compile(r"[\\`*_\[\]<>~$|&]|:(?=[A-Za-z_:])")
# at a line's start: headings, list items, setext underlines, ordered lists («1.», «1)»)
_LINE_START = re.compile(r"^([ \t]*)([#+\-=]|\d{1,9}(?=[.)]))", re.MULTILINE)
# bare links (`http://` and `https://`, `www.`, an e-mail address) and emoji short codes (`:smile:`), both
# found in the text after escapes are undone: a word joiner after each breaks them
_AUTOLINK = re.compile(r"(?i)(https?(?=:)|www(?=\.)|@(?=[\w-])|:(?=[\w+-]+:))")


def escape_markdown(value: object) -> str:
    """`value` as text Streamlit shows literally inside Markdown (None is the empty text)."""
    text = "" if value is None else str(value)
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _LINE_START.sub(_escape_line_start, text)
    # Streamlit turns `:material/` into `:material_` before parsing; an escaped slash keeps it as written
    text = text.replace("material/", "material\\/")
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():  # the list marker is the «.» or «)» after the number
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"
