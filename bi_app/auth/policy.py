"""Who may do what: the one table of access, for pages, Dash callbacks and
Flask routes. Deny by default: a page, callback or route that is not in
this table is refused to everyone, admins included, until it is given
roles here (tests/integration/test_access.py fails while one is missing).

Roles (workflow.user_rules.ROLES):

| role    | may |
|---------|-----|
| manager | the dashboard; read orders, shipments and inventory |
| clerk   | payments and refunds, shipment moves, receiving stock; read orders, shipments, inventory |
| analyst | the dashboard, every read, CSV downloads (e-mail and phone masked unless the account has PII access) |
| admin   | everything, imports included |

Pure: no Flask, no Dash, no database; bi_app.auth.guard applies it.
"""

from __future__ import annotations

from workflow.user_rules import ROLES

Roles = frozenset[str]

ADMIN, MANAGER, CLERK, ANALYST = "admin", "manager", "clerk", "analyst"
ANONYMOUS = "anonymous"  # a pseudo-role: nobody signed in


def roles(*names: str) -> Roles:
    """A set of roles; a misspelt role fails at import, not at a request."""
    unknown = set(names) - {*ROLES, ANONYMOUS}
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; the roles are {ROLES}")
    return frozenset(names)


NOBODY: Roles = frozenset()
SIGNED_IN = roles(*ROLES)
ANYONE = roles(ANONYMOUS, *ROLES)  # files with no data: the sign-in page and its stylesheet

# -- what each role reads
DASHBOARD = roles(MANAGER, ANALYST, ADMIN)
ORDERS = roles(MANAGER, CLERK, ANALYST, ADMIN)
SHIPMENTS = roles(MANAGER, CLERK, ANALYST, ADMIN)
INVENTORY = roles(MANAGER, CLERK, ANALYST, ADMIN)
PAYMENTS = roles(CLERK, ADMIN)
ANALYST_VIEWS = roles(ANALYST, ADMIN)  # order items, the payments ledger, customers
IMPORTS = roles(ADMIN)

# -- what each role does; pages ask may_do(action) to show a form or button
ACTIONS: dict[str, Roles] = {
    "record_payment": roles(CLERK, ADMIN),
    "refund": roles(CLERK, ADMIN),
    "move_shipment": roles(CLERK, ADMIN),
    "receive_stock": roles(CLERK, ADMIN),
    "download_csv": roles(ANALYST, ADMIN),
    "import_customers": roles(ADMIN),
}

# -- pages, by the path (or path_template) they are registered with
PAGES: dict[str, Roles] = {
    "/": DASHBOARD,
    "/orders": ORDERS,
    "/orders/<order_id>": ORDERS,
    "/payments": PAYMENTS,
    "/shipments": SHIPMENTS,
    "/inventory": INVENTORY,
    "/imports": IMPORTS,
    "/items": ANALYST_VIEWS,
    "/ledger": ANALYST_VIEWS,
    "/customers": ANALYST_VIEWS,
    "/404": SIGNED_IN,
}
NOT_FOUND_PAGE = "/404"  # what an address that matches no page shows

# Where each role lands after signing in (when no other page was asked for).
HOME: dict[str, str] = {ADMIN: "/", MANAGER: "/", ANALYST: "/", CLERK: "/payments"}


def _callbacks(module: str, allowed: Roles, *names: str) -> dict[str, Roles]:
    return {f"bi_app.callbacks.{module}.{name}": allowed for name in names}


# -- Dash server callbacks, by the function's module and name. A callback
# that writes gets its action's roles; one that only feeds that action's form
# (a product picker, the fields shown for one choice) gets them too.
CALLBACKS: dict[str, Roles] = {
    # Dash's page router renders any page's layout; bi_app.auth.pages checks the page itself
    "dash.dash.update": SIGNED_IN,
    **_callbacks(
        "dashboard", DASHBOARD,
        "update_query", "update_kpis", "update_revenue", "update_turnover", "update_shipments", "update_stuck",
    ),
    **_callbacks("orders", ORDERS, "apply_filters"),
    **_callbacks("order_detail", ORDERS, "show_after_refund"),
    **_callbacks("order_detail", ACTIONS["refund"], "submit_refund"),
    **_callbacks("payment_orders", PAYMENTS, "search_customers", "choose", "show_orders", "tick", "clear_selection"),
    **_callbacks("payments", PAYMENTS, "forget_field_error", "show_selection", "follow_amount", "check_money"),
    **_callbacks("payments", ACTIONS["record_payment"], "submit"),
    # ask_for_shipping_details only opens the carrier fields of the (hidden) move form: no data
    **_callbacks(
        "shipments", SHIPMENTS,
        "show_list", "apply_filters", "open_shipment", "show_shipment", "ask_for_shipping_details",
    ),
    **_callbacks("shipments", ACTIONS["move_shipment"], "move_shipment"),
    **_callbacks("inventory", INVENTORY, "show_table", "apply_filters", "show_low_stock"),
    **_callbacks("inventory", ACTIONS["receive_stock"], "search_products", "show_product", "receive"),
    **_callbacks("listings", ANALYST_VIEWS, "apply_filters"),
    **_callbacks("imports", IMPORTS, "refuse_too_large", "poll", "show_runs"),
    **_callbacks("imports", ACTIONS["import_customers"], "start"),
}  # fmt: skip

# -- Flask routes, by endpoint. Two kinds are decided per request: the
# Dash index (the page's path) and the callback endpoint (the callback).
BY_PAGE = "by page"
BY_CALLBACK = "by callback"
ROUTES: dict[str, Roles | str] = {
    "static": ANYONE,
    "_dash_assets.static": ANYONE,  # /assets/: the stylesheets the sign-in page uses, no data
    "/_favicon.ico": ANYONE,
    "auth.login": ANYONE,
    "auth.logout": SIGNED_IN,
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": SIGNED_IN,
    "/_dash-layout": SIGNED_IN,
    "/_dash-dependencies": SIGNED_IN,
    "/_reload-hash": SIGNED_IN,
    "/": BY_PAGE,
    "/<path:path>": BY_PAGE,
    "/_dash-update-component": BY_CALLBACK,
    "download_csv": ACTIONS["download_csv"],
    "import_reject_report": IMPORTS,
}


def allows(allowed: Roles, role: str | None) -> bool:
    """Whether `role` (None: nobody signed in) is among `allowed`."""
    return (role or ANONYMOUS) in allowed


def page_roles(page_path: str) -> Roles:
    """The roles that may open the page registered with this path (or path_template)."""
    return PAGES.get(page_path, NOBODY)


def callback_roles(callback_id: str) -> Roles:
    """The roles that may run the server callback `module.function`."""
    return CALLBACKS.get(callback_id, NOBODY)


def route_roles(endpoint: str | None) -> Roles | str:
    """The roles of a Flask endpoint, or BY_PAGE / BY_CALLBACK."""
    return ROUTES.get(endpoint or "", NOBODY)


def may_do(role: str | None, action: str) -> bool:
    return allows(ACTIONS.get(action, NOBODY), role)


def home(role: str | None) -> str:
    """Where a role starts when no other page was asked for."""
    return HOME.get(role or "", "/")


def describe(allowed: Roles) -> str:
    """ "clerks and admins", for a refusal a person reads."""
    names = [f"{r}s" for r in ROLES if r in allowed]
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
