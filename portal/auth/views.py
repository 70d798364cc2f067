"""Sign in and out, the profile page, password links and personal API tokens."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select

from portal.access import current_principal, public, signed_in
from portal.auth import services, sessions
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewTokenForm,
    SetPasswordForm,
)
from portal.confirm import ask_to_confirm, confirmation, is_confirmed
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.models.users import ApiToken, normalise_email
from portal.redirects import next_or_home

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _login_email_key() -> str:
    return "login:" + normalise_email(request.form.get("email"))


def _password_check_key() -> str:
    """The current-password check is limited per account, like signing in."""
    return f"password-check:{getattr(current_principal(), 'id', None)}"


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_address_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_email_key)
def login():
    if current_principal().is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append("E-mail or password is not correct.")
        else:
            sessions.start_session(user, remember=form.remember.data)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(next_or_home(request.args.get("next")))
    status = 200 if not form.errors and not form.form_errors else 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    sessions.end_session(current_principal().session_key)
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/profile/sign-out-everywhere")
@signed_in
def sign_out_everywhere():
    """End every sign-in of this user, on every device, this one included."""
    if not is_confirmed():
        count = sessions.active_session_count(current_principal())
        return ask_to_confirm(
            confirmation("sessions.end_all", session_count=count),
            cancel_url=url_for("auth.profile"),
        )
    services.sign_out_everywhere(current_principal())
    db.session.commit()
    logout_user()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data)
        db.session.commit()
        flash("If that address has an account, a link to set a new password is on its way.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    user = services.user_for_password_token(token)
    if user is None:
        flash("This link has expired or has already been used. Ask for a new one.", "error")
        return redirect(url_for("auth.forgot_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password_from_link(user, form.new_password.data)
        db.session.commit()
        flash("Your password is set. Please sign in.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)


@bp.route("/profile")
@signed_in
def profile():
    return _render_profile(ChangePasswordForm(prefix="pw"), NewTokenForm(prefix="token"))


def _render_profile(password_form, token_form, new_token: str | None = None, status=200):
    user = current_principal()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/profile.html",
        user=user,
        session_count=sessions.active_session_count(user),
        password_form=password_form,
        token_form=token_form,
        tokens=tokens,
        new_token=new_token,
    ), status


@bp.post("/profile/password")
@signed_in
@limiter.limit(_login_limit, key_func=_password_check_key)
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.change_password(
                current_principal(), form.current_password.data, form.new_password.data
            )
        except DomainError as exc:
            form.current_password.errors.append(exc.fields.get("current_password", exc.message))
        else:
            db.session.commit()
            flash("Your password has been changed. Your other sign-ins have ended.", "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(form, NewTokenForm(prefix="token"), status=400)


@bp.post("/profile/tokens")
@signed_in
def create_token():
    form = NewTokenForm(prefix="token")
    if not form.validate_on_submit():
        return _render_profile(ChangePasswordForm(prefix="pw"), form, status=400)
    _, raw = services.create_token(current_principal(), form.name.data)
    db.session.commit()
    flash("Token created. Copy it now: it will not be shown again.", "success")
    # Rendered directly (not redirected) so the raw token is never stored in the session,
    # and not cached, so that it is shown once. The forms are fresh, not read from this
    # request, so the token's name field starts empty again.
    page, status = _render_profile(
        ChangePasswordForm(prefix="pw", formdata=None),
        NewTokenForm(prefix="token", formdata=None),
        raw,
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/profile/tokens/<int:token_id>/revoke")
@signed_in
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_principal().id:
        abort(404)
    if not token.is_revoked and not is_confirmed():
        return ask_to_confirm(
            confirmation("token.revoke", token=token), cancel_url=url_for("auth.profile")
        )
    services.revoke_token(current_principal(), token)
    db.session.commit()
    flash(f"Token “{token.name}” revoked.", "info")
    return redirect(url_for("auth.profile"))
