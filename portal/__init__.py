"""The portal core: the application factory and what every feature package leans on."""

import os

from flask import Flask, g
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.config import Config, config_from_env
from portal.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
from portal.ids import DatabaseIdConverter
from portal.input_guard import register_input_guard


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the app: config, extensions, blueprints, CLI commands and error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or config_from_env())
    app.config.update(overrides)
    if app.config["REQUIRE_SECRET_KEY"] and app.config["SECRET_KEY"] == Config.DEV_SECRET_KEY:
        raise RuntimeError("Set SECRET_KEY: the development key must not be used here.")
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = os.path.join(app.instance_path, "portal.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"

    # Before any route is added: every <int:...> in a URL stays within the ids' range.
    app.url_map.converters["int"] = DatabaseIdConverter
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_security_headers(app)

    from portal.errors import register_error_handlers

    register_error_handlers(app)
    register_input_guard(app)

    from portal.cli import register_cli

    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (registers the models with the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)

    from portal.access import Anonymous
    from portal.auth.sessions import user_for_session_key

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"

    # The id in Flask-Login's cookies is a session key that the server can revoke.
    login_manager.user_loader(user_for_session_key)


def _migrations_dir() -> str:
    """The Alembic folder: beside portal/ in a checkout, installed with it from a wheel."""
    import migrations

    return os.path.dirname(os.path.abspath(migrations.__file__))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL for concurrent readers, enforced foreign keys, a wait rather than 'locked', and
    a page cache (up to 64 MB a connection, filled as pages are read) that holds what
    searches look up row by row: SQLite's default of 2 MB sends a large KB's lookups
    back to the file on every request."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    """Every blueprint, by name: the URL map is grep-able from here."""
    import portal.management.rollups  # noqa: F401  (keeps the roll-ups with every escalation)
    from certification.views import bp as certification_bp
    from escalations.ratings.views import bp as ratings_bp
    from escalations.views import bp as escalations_bp
    from knowledge_base.views import bp as kb_bp
    from portal.admin.views import bp as admin_bp
    from portal.api import register_api
    from portal.audit_views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.exports.views import bp as exports_bp
    from portal.home import bp as home_bp
    from portal.management.checkin_views import bp as checkins_bp
    from portal.management.fee_views import bp as fees_bp
    from portal.management.views import bp as management_bp
    from portal.partners.views import bp as partners_bp
    from portal.webhooks.views import bp as webhooks_bp

    for blueprint in (
        home_bp,
        auth_bp,
        partners_bp,
        checkins_bp,
        fees_bp,
        management_bp,
        admin_bp,
        audit_bp,
        webhooks_bp,
        exports_bp,
        certification_bp,
        escalations_bp,
        ratings_bp,
        kb_bp,
    ):
        app.register_blueprint(blueprint)
    register_api(app)


def register_template_helpers(app: Flask) -> None:
    import portal.confirmations  # noqa: F401  (registers the words of the portal's confirmations)
    from portal.access import current_principal
    from portal.confirm import confirmation
    from portal.nav_layout import nav_layout
    from portal.navigation import navigation_for
    from portal.roles import ROLE_LABELS

    app.add_template_global(confirmation, "confirmation")
    app.add_template_global(nav_layout, "nav_layout")

    @app.context_processor
    def inject_navigation():
        principal = current_principal()
        return {"navigation": navigation_for(principal), "ROLE_LABELS": ROLE_LABELS}

    @app.template_filter("datetime")
    def format_datetime(value, fmt="%Y-%m-%d %H:%M UTC"):
        return value.strftime(fmt) if value else ""

    @app.template_filter("date")
    def format_date(value, fmt="%Y-%m-%d"):
        return value.strftime(fmt) if value else ""


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        return response

    @app.teardown_request
    def forget_principal(exc):
        # The app context (and g) can outlive a request, e.g. in tests that hold one
        # open: never let one request's user leak into the next.
        g.pop("principal", None)
        g.pop("_login_user", None)
