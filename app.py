"""Entry point: `flask --app app ...` and `gunicorn app:app` both load this."""

from portal import create_app

app = create_app()
