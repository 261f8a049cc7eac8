"""The sign-in page: plain server-rendered HTML in the app's Bootstrap look.

No Dash here: the page must work before anyone is signed in, when every
Dash endpoint refuses. Every value shown is HTML-escaped.
"""

from __future__ import annotations

from html import escape

TITLE = "E-Commerce Command Center"
FORM_ID = "login-form"
MESSAGE_ID = "login-message"

_LEVELS = {
    "danger": "alert-danger",
    "warning": "alert-warning",
    "info": "alert-info",
    "success": "alert-success",
}


def login_page(
    *,
    stylesheets: list[str],
    next_path: str = "",
    username: str = "",
    message: str | None = None,
    level: str = "danger",
) -> str:
    """The whole page: a form posting to /login, with `message` above it."""
    alert = (
        f'<div id="{MESSAGE_ID}" class="alert {_LEVELS.get(level, "alert-danger")}" role="alert">'
        f"{escape(message)}</div>"
        if message
        else ""
    )
    links = "\n".join(f'<link rel="stylesheet" href="{escape(href)}">' for href in stylesheets)
    autofocus_name, autofocus_password = ("", " autofocus") if username else (" autofocus", "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · {TITLE}</title>
{links}
</head>
<body class="bg-light">
<nav class="navbar navbar-dark bg-primary mb-4"><div class="container">
<span class="navbar-brand">{TITLE}</span></div></nav>
<main class="container" style="max-width: 26rem">
<h1 class="h3 mb-3">Sign in</h1>
{alert}
<form id="{FORM_ID}" method="post" action="/login" class="card card-body shadow-sm" novalidate>
<input type="hidden" name="next" value="{escape(next_path)}">
<div class="mb-3">
<label class="form-label" for="login-username">User name</label>
<input class="form-control" id="login-username" name="username" value="{escape(username)}"
 autocomplete="username" autocapitalize="none" spellcheck="false" required{autofocus_name}>
</div>
<div class="mb-3">
<label class="form-label" for="login-password">Password</label>
<input class="form-control" id="login-password" name="password" type="password"
 autocomplete="current-password" required{autofocus_password}>
</div>
<button class="btn btn-primary w-100" id="login-submit" type="submit">Sign in</button>
</form>
<p class="text-muted small mt-3">No account yet, or locked out? Ask an administrator.</p>
</main>
</body>
</html>
"""
