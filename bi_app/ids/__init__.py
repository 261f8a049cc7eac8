"""Component ids, page-prefixed, defined once per page in bi_app/ids/<page>.py:
layouts and callbacks both import them, so a renamed id cannot leave a
callback listening to nothing."""

# the shell
URL = "app-url"


def body(panel: str) -> str:
    return f"{panel}-body"


def as_of(panel: str) -> str:
    return f"{panel}-as-of"
