"""The pieces every analyst view is made of: a filter form whose Apply
writes the address, a table with sortable headers, a pager, a download
button. The address is the single source of truth: a view's layout reads
its query from it, shows one page, and links to other pages and sorts."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.exc import SQLAlchemyError

from bi_app.downloads import download_button
from bi_app.listing_url import RENAMED, listing_query_string, parse_listing_query
from bi_app.panels import alert, database_down
from workflow.errors import WorkflowError
from workflow.listings import Page

log = logging.getLogger(__name__)

FILTER = "listing-filter"
APPLY = "listing-apply"
LOCATION = "listing-location"


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Any], Any]
    sort: str | None = None  # the query's sort key, when the column can sort
    numeric: bool = False


@dataclass(frozen=True)
class FilterField:
    param: str  # the URL parameter (bi_app.listing_url names)
    label: str
    kind: str = "text"  # text, date, number
    placeholder: str = ""


def filter_form(view: str, fields: Sequence[FilterField], params: dict[str, str]) -> dbc.Form:
    """One input per field, pre-filled from the address, and Apply."""
    controls = [
        dbc.Col(
            [
                dbc.Label(field.label, html_for=f"{view}-{field.param}", className="small mb-0"),
                dbc.Input(
                    id={"type": FILTER, "view": view, "param": field.param},
                    type=field.kind,
                    value=params.get(field.param, ""),
                    placeholder=field.placeholder,
                    size="sm",
                ),
            ],
            md=2,
        )
        for field in fields
    ]
    apply = dbc.Button("Apply", id={"type": APPLY, "view": view}, color="primary", size="sm", type="submit")
    return dbc.Form(
        [
            dcc.Location(id={"type": LOCATION, "view": view}, refresh=True),
            dbc.Row([*controls, dbc.Col(apply, md="auto", className="align-self-end")], className="g-2"),
        ],
        className="mb-3",
    )


def listing_table(columns: Sequence[Column], page: Page, query: Any, path: str) -> html.Div:
    """The page's rows under headers that sort (click again to reverse)."""
    header = html.Tr(
        [html.Th(_sort_link(column, query, path), className=_align(column)) for column in columns]
    )
    body = [
        html.Tr([html.Td(column.cell(row), className=_align(column)) for column in columns])
        for row in page.rows
    ]
    if not page.rows:
        body = [
            html.Tr(html.Td("Nothing matches these filters.", colSpan=len(columns), className="text-muted"))
        ]
    return dbc.Table(
        [html.Thead(header), html.Tbody(body)], hover=True, size="sm", responsive=True, striped=True
    )


def pager(page: Page, query: Any, path: str, view: str) -> dbc.Row:
    """ "Rows 51–100 of 1,234", previous / next, and the download of all of them."""
    first = (page.page - 1) * page.page_size + 1 if page.rows else 0
    last = first + len(page.rows) - 1 if page.rows else 0
    link = lambda number: path + listing_query_string(query, page=number if number > 1 else None)  # noqa: E731
    return dbc.Row(
        [
            dbc.Col(
                html.Small(f"Rows {first:,}–{last:,} of {page.count_label}", id=f"{view}-count"), width="auto"
            ),
            dbc.Col(
                dbc.ButtonGroup(
                    [
                        dbc.Button(
                            "‹ Previous",
                            href=link(page.page - 1),
                            disabled=page.page <= 1,
                            size="sm",
                            outline=True,
                            color="primary",
                            id=f"{view}-previous",
                        ),
                        dbc.Button(
                            "Next ›",
                            href=link(page.page + 1),
                            disabled=not page.has_next,
                            size="sm",
                            outline=True,
                            color="primary",
                            id=f"{view}-next",
                        ),
                    ]
                ),
                width="auto",
            ),
            dbc.Col(
                download_button(query, component_id=f"{view}-download"), width="auto", className="ms-auto"
            ),
        ],
        className="align-items-center g-2 mb-2",
    )


@dataclass(frozen=True)
class ListingView:
    """One analyst view: where it lives, its filters, how to read a page of
    it, and its columns (built per request: they format in the shop's
    currency and time zone)."""

    title: str
    view: str
    path: str
    query_type: type
    fields: Sequence[FilterField]
    fetch: Callable[[Any, int], Page]  # (query, page number) -> the page
    columns: Callable[[], Sequence[Column]]

    def layout(self, params: dict[str, str]) -> html.Div:
        """The view for the address's parameters: notes on bad ones, the
        form, the pager with its download, the table; an alert instead of
        the rows when they cannot be read."""
        query, notes = parse_listing_query(self.query_type, params)
        page, problem = fetch_or_alert(lambda: self.fetch(query, page_number(params)))
        parts = [html.H2(self.title), notes_alert(notes), filter_form(self.view, self.fields, params)]
        if page is None:
            return html.Div([*parts, problem])
        return html.Div(
            [
                *parts,
                pager(page, query, self.path, self.view),
                listing_table(self.columns(), page, query, self.path),
            ]
        )


def fetch_or_alert(fetch: Callable[[], Page]) -> tuple[Page | None, dbc.Alert | None]:
    """The page of rows, or an alert saying why there is none (a refused
    query's message, or the database being away), never a traceback."""
    try:
        return fetch(), None
    except WorkflowError as exc:
        return None, alert(exc.message, "warning")
    except SQLAlchemyError:
        return None, database_down(log, "listing: database error")


def notes_alert(notes: Sequence[str]) -> dbc.Alert | None:
    """What was wrong with the address, and that those filters were left out."""
    if not notes:
        return None
    return dbc.Alert(
        [html.Div(f"{note}; that filter was left out.") for note in notes], color="info", className="py-2"
    )


def page_number(params: dict[str, str]) -> int:
    text = params.get("page", "1")
    return int(text) if text.isdigit() and int(text) >= 1 else 1


def _sort_link(column: Column, query: Any, path: str) -> Any:
    if not column.sort:
        return column.header
    active = query.sort == column.sort
    descending = not query.descending if active else True
    target = dataclasses.replace(query, sort=column.sort, descending=descending)
    arrow = (" ▼" if query.descending else " ▲") if active else ""
    return dcc.Link(column.header + arrow, href=path + listing_query_string(target), className="text-reset")


def _align(column: Column) -> str:
    return "text-end text-nowrap" if column.numeric else ""


__all__ = [
    "RENAMED",
    "Column",
    "FilterField",
    "fetch_or_alert",
    "filter_form",
    "listing_table",
    "notes_alert",
    "page_number",
    "pager",
]
