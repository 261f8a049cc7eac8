"""One module per page: `register_page` and `layout(**query)`; no query at import."""
