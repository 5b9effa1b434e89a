"""The login page: plain HTML in Vietnamese, a little CSS, no JavaScript (it works with scripts off and
its Content-Security-Policy allows none). Every value put into it is HTML-escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: text above the form: a string is a paragraph, a tuple of strings a bulleted list
Intro = Sequence[str | tuple[str, ...]]

#: no script, no frame around it, no form posting elsewhere, styles only from the page itself
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f4f5f7;color:#1f2328;margin:0}
main{max-width:26rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:.75rem;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 .25rem}
.tieu-de{color:#555;margin:0 0 1.25rem}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=text],input[type=password]{box-sizing:border-box;width:100%;padding:.55rem .65rem;font-size:1rem;
border:1px solid #b8bcc2;border-radius:.4rem}
input:focus{outline:2px solid #c8102e;outline-offset:1px}
button{margin-top:1.25rem;width:100%;padding:.65rem;font-size:1rem;font-weight:600;color:#fff;background:#c8102e;
border:0;border-radius:.4rem;cursor:pointer}
.loi{background:#fdecea;color:#8a1c12;border-left:4px solid #c8102e;padding:.6rem .8rem;border-radius:.3rem}
.bao{background:#e8f1fb;color:#0b3d6b;border-left:4px solid #2f6fb3;padding:.6rem .8rem;border-radius:.3rem}
.gioi-thieu{font-size:.95rem;color:#333}
"""


def _intro(items: Intro) -> str:
    parts = []
    for item in items:
        if isinstance(item, str):
            parts.append(f"<p>{escape(item)}</p>")
        else:
            parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in item) + "</ul>")
    return f'<div class="gioi-thieu">{"".join(parts)}</div>' if parts else ""


def login_page(
    *,
    title: str,
    action: str,
    next_path: str,
    csrf: str,
    username: str = "",
    error: str | None = None,
    notice: str | None = None,
    intro: Intro = (),
) -> str:
    """The whole page; `error` (a refusal) and `notice` (logged out, session expired) above the form."""
    messages = (f'<p class="loi" role="alert">{escape(error)}</p>' if error else "") + (
        f'<p class="bao" role="status">{escape(notice)}</p>' if notice else ""
    )
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Đăng nhập — {escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Đăng nhập</h1>
<p class="tieu-de">{escape(title)}</p>
{messages}
{_intro(intro)}
<form method="post" action="{escape(action)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<label for="ten_dang_nhap">Tên đăng nhập</label>
<input type="text" id="ten_dang_nhap" name="ten_dang_nhap" value="{escape(username)}" autocomplete="username"
 autocapitalize="none" spellcheck="false" maxlength="64" required autofocus>
<label for="mat_khau">Mật khẩu</label>
<input type="password" id="mat_khau" name="mat_khau" autocomplete="current-password" required>
<button type="submit">Đăng nhập</button>
</form>
</main>
</body>
</html>
"""


def message_page(*, title: str, heading: str, text: str, form_action: str | None = None, button: str = "") -> str:
    """A short page with one message (the server cannot reach its database; confirm a logout), and
    optionally one button posting to `form_action`."""
    form = (
        f'<form method="post" action="{escape(form_action)}"><button type="submit">{escape(button)}</button></form>'
        if form_action
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(heading)} — {escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>{escape(heading)}</h1>
<p>{escape(text)}</p>
{form}
</main>
</body>
</html>
"""


def login_link(href: str, label: str = "Đăng nhập") -> str:
    """A link opening the login page in the same tab, for a page's script to show when its session is
    gone: `st.markdown(login_link(login_url(...)), unsafe_allow_html=True)` (a plain Markdown link opens
    a new tab, and a script cannot send the browser anywhere: components run in a sandboxed frame)."""
    return f'<a href="{escape(href)}" target="_self">{escape(label)}</a>'
