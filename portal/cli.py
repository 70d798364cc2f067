"""Command-line tools: `flask --app app <command>`, or `portal <command>` once installed."""

import threading
import time

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from portal.extensions import db


def register_cli(app: Flask) -> None:
    for command in (
        seed_demo_command,
        create_admin_command,
        create_token_command,
        worker_command,
        serve_command,
        rollups_command,
    ):
        app.cli.add_command(command)


@click.command("seed-demo")
def seed_demo_command():
    """Fill an empty database with the demo world (see the README; refuses if data exists)."""
    from portal.demo import DatabaseNotEmpty, seed_demo

    try:
        seed_demo()
    except DatabaseNotEmpty as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Demo data loaded. Every demo account's password is 'demo-password'.")


@click.group("rollups")
def rollups_command():
    """The escalation roll-ups behind the dashboard."""


@rollups_command.command("check")
def rollups_check_command():
    """Compare the roll-ups with the escalations; exit 1 when they differ."""
    from portal.management.rollups import check

    differences = check()
    for difference in differences:
        click.echo(str(difference))
    if differences:
        raise click.ClickException(f"{len(differences)} figure(s) differ from the escalations.")
    click.echo("The roll-ups agree with the escalations.")


@rollups_command.command("rebuild")
def rollups_rebuild_command():
    """Recompute the roll-ups from the escalations and say what was different."""
    from portal.management.rollups import rebuild

    differences = rebuild()
    db.session.commit()
    for difference in differences:
        click.echo(f"fixed: {difference}")
    click.echo(f"Roll-ups rebuilt; {len(differences)} figure(s) were different.")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True)
@click.password_option()
def create_admin_command(email, name, password):
    """Create a vendor admin account."""
    from portal.auth.forms import MIN_PASSWORD_LENGTH
    from portal.errors import DomainError
    from portal.users.services import UserInput, create_user

    # The rule of the password forms on the pages holds here too.
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"must have at least {MIN_PASSWORD_LENGTH} characters.", param_hint="password"
        )
    try:
        create_user(
            UserInput(email=email, name=name, role="vendor_admin"), password=password, actor=None
        )
    except DomainError as exc:
        details = "; ".join(f"{field}: {text}" for field, text in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from None
    db.session.commit()
    click.echo(f"Vendor admin {email} created.")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="CLI token", show_default=True)
def create_token_command(email, name):
    """Print a new API token for EMAIL (shown once; stored hashed)."""
    from portal.auth.services import create_token
    from portal.models.users import User

    user = User.by_email(email)
    if user is None or not user.is_active:
        raise click.ClickException(f"No active user {email}.")
    _, raw = create_token(user, name)
    db.session.commit()
    click.echo(raw)


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due once, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
def worker_command(once, interval):
    """Run the periodic checks (portal.periodic), then deliver the outbox over SMTP."""
    from portal.mail import deliver_due
    from portal.periodic import run_checks

    while True:
        checks = run_checks()
        if any(checks.values()):
            click.echo(f"checks: {checks}")
        counts = deliver_due()
        if any(counts.values()):
            click.echo(f"outbox: {counts}")
        if once:
            return
        db.session.remove()
        time.sleep(interval)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Load the demo data when the database is new.",
)
@click.option(
    "--checks/--no-checks",
    default=True,
    show_default=True,
    help="Run the worker's periodic checks (data exports, webhooks, notices) in the "
    "background; mail stays in the outbox for `flask worker`.",
)
def serve_command(host, port, demo, checks):
    """Apply migrations, load the demo data into a new database, and serve the portal."""
    from portal.demo import database_is_empty, seed_demo

    upgrade()
    if demo and database_is_empty():
        seed_demo()
        click.echo("Demo data loaded (password 'demo-password' for every demo account).")
    db.session.remove()
    if checks:
        start_background_checks(current_app._get_current_object())
    click.echo(f"Serving on http://{host}:{port}")
    # Flask's app.run() does nothing when called from its own CLI; serve directly.
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def start_background_checks(
    app: Flask, interval: float = 5.0, stop: threading.Event | None = None
) -> threading.Thread:
    """Run the periodic checks every `interval` seconds in a daemon thread, until `stop`.

    For the embedded server, so that one command shows the whole product (an export is
    built, a webhook delivered); a production deployment runs `flask worker` instead.
    """
    from portal.periodic import run_checks

    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with app.app_context():
                try:
                    run_checks()
                finally:
                    db.session.remove()
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="periodic-checks", daemon=True)
    thread.start()
    return thread


def main() -> None:
    """The `portal` console command: Flask's CLI bound to this app, wherever it is installed."""
    from flask.cli import FlaskGroup

    from portal import create_app

    FlaskGroup(create_app=create_app, help="The Partner Support Portal's commands.")()
