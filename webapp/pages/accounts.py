"""Signing in and out, the account page (password, API tokens) and the admins' users page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from webapp import accounts
from webapp.account_forms import (
    ActionForm,
    NewUserForm,
    PasswordForm,
    RoleForm,
    SignInForm,
    SignOutForm,
    TokenForm,
)
from webapp.errors import error_response
from webapp.extensions import limiter
from webapp.pages.trackers import safe_next
from webapp.validation import ValidationError

accounts_bp = Blueprint("accounts", __name__)

OK, ERROR = "account-ok", "account-error"  # flash categories the account pages show
WRONG = "Wrong username or password."


def _signin_limit() -> str:
    return current_app.config["SIGNIN_RATE_LIMIT"]


def _signin_address_limit() -> str:
    return current_app.config["SIGNIN_ADDRESS_RATE_LIMIT"]


def _attempted_account() -> str:
    return "sign-in:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(response) -> bool:
    return response.status_code != 303  # only a successful sign-in redirects


@accounts_bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_signin_limit, key_func=_attempted_account, methods=["POST"],
               deduct_when=_failed, scope="sign-in-account")
@limiter.limit(_signin_address_limit, key_func=get_remote_address, methods=["POST"],
               deduct_when=_failed, scope="sign-in-address")
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            # A fresh session: nothing from before signing in (a planted session, an old CSRF
            # token) carries over into the signed-in one.
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(safe_next(form.next.data, url_for("pages.home")), 303)
        form.password.errors.append(WRONG)
    status = 422 if form.errors else 200
    return render_template("accounts/sign_in.html", form=form, wrong=WRONG), status


@accounts_bp.post("/sign-out")
def sign_out():
    if SignOutForm().validate_on_submit():
        logout_user()
        session.clear()
    if current_app.config["AUTH_MODE"] == "login":
        return redirect(url_for("accounts.sign_in"), 303)
    return redirect(url_for("pages.home"), 303)


def render_account(status: int = 200, new_secret: str | None = None, token_form=None,
                   password_form=None):
    return render_template(
        "accounts/account.html", tokens=accounts.user_tokens(current_user),
        new_secret=new_secret, token_form=token_form or TokenForm(formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        action_form=ActionForm(formdata=None)), status


@accounts_bp.get("/account")
def account():
    return render_account()


@accounts_bp.post("/account/password")
def change_password():
    form = PasswordForm()
    if form.validate():
        if accounts.authenticate(current_user.username, form.current_password.data) is None:
            form.current_password.errors.append("That is not your current password.")
        else:
            try:
                user = accounts.set_password(current_user, form.new_password.data)
            except ValidationError as error:
                form.new_password.errors.append(error.message)
            else:
                # Every other browser is signed out (new nonce); this one signs in again.
                session.clear()
                login_user(user)
                session.permanent = True
                flash("Your password was changed; other browsers are signed out.", OK)
                return redirect(url_for("accounts.account"), 303)
    return render_account(422, password_form=form)


@accounts_bp.post("/account/tokens")
def create_token():
    form = TokenForm()
    if form.validate():
        try:
            token, secret = accounts.create_token(current_user, form.name.data)
        except ValidationError as error:
            form.name.errors.append(error.message)
        else:
            # Rendered, not redirected: the secret must never sit in a (signed, readable)
            # session cookie as a flash message. It is shown this once.
            return render_account(201, new_secret=secret)
    return render_account(422, token_form=form)


@accounts_bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = accounts.get_token(token_id)
    if token is None or token.user_id != current_user.id or token.revoked_at is not None:
        return error_response(404, "You have no such token.")
    if ActionForm().validate_on_submit():
        accounts.revoke_token(token)
        flash(f"The token “{token.name}” was revoked; scripts using it are refused from now on.",
              OK)
    return redirect(url_for("accounts.account"), 303)


def render_users(status: int = 200, new_user_form=None):
    return render_template(
        "accounts/users.html", users=accounts.list_users(),
        new_user_form=new_user_form or NewUserForm(formdata=None),
        role_form=RoleForm, action_form=ActionForm(formdata=None)), status


@accounts_bp.get("/users")
def users():
    return render_users()


@accounts_bp.post("/users")
def create_user():
    form = NewUserForm()
    if form.validate():
        try:
            user = accounts.create_user(form.username.data, form.password.data, form.role.data)
        except ValidationError as error:
            getattr(form, error.field or "username", form.username).errors.append(error.message)
        else:
            flash(f"The account {user.username} ({user.role}) was created; give them the "
                  "password through a private channel.", OK)
            return redirect(url_for("accounts.users"), 303)
    return render_users(422, new_user_form=form)


def _user_or_404(user_id: int):
    user = accounts.get_user(user_id)
    if user is None:
        return None, error_response(404, f"There is no account {user_id}.")
    return user, None


@accounts_bp.post("/users/<int:user_id>/role")
def set_user_role(user_id: int):
    user, missing = _user_or_404(user_id)
    if missing:
        return missing
    form = RoleForm()
    if form.validate():
        try:
            accounts.set_role(user, form.role.data)
            flash(f"{user.username} is now {user.role}.", OK)
        except ValidationError as error:
            flash(error.message, ERROR)
    return redirect(url_for("accounts.users"), 303)


@accounts_bp.post("/users/<int:user_id>/active")
def set_user_active(user_id: int):
    user, missing = _user_or_404(user_id)
    if missing:
        return missing
    if ActionForm().validate_on_submit():
        try:
            accounts.set_active(user, not user.active)
            state = "reactivated" if user.active else "deactivated (signed out, tokens refused)"
            flash(f"{user.username} was {state}.", OK)
        except ValidationError as error:
            flash(error.message, ERROR)
    return redirect(url_for("accounts.users"), 303)
