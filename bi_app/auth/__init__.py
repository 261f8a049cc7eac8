"""Sign-in and access, enforced on the server for every page, callback and route.

- policy.py: the one table of who may open, run and download what (deny by default);
- guard.py: loads the session from the cookie before every request, refuses what
  the policy does not allow (401 for nobody signed in, 403 for the wrong role, a
  cross-site POST refused), and checks a Dash callback before Dash runs it;
- routes.py: GET/POST /login and POST /logout (a new session id at every sign-in);
- pages.py: the page layouts wrapped so that a page a role may not open shows
  "You do not have access to this page" instead;
- config.py: SECRET_KEY and the session limits.

create_app calls install(app) once the Services are in place.
"""

from __future__ import annotations

from dash import Dash


def install(app: Dash) -> None:
    """Put the guard in front of every request and add /login and /logout."""
    from bi_app.auth import guard, routes

    routes.register(app)
    guard.register(app)
