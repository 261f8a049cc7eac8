"""The WSGI entry point for gunicorn (see Procfile): `bi_app.wsgi:server`.
Configuration comes from the environment (DATABASE_URL, REDIS_URL, ...)."""

from bi_app.app import create_app

app = create_app()
server = app.server
