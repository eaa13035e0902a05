"""Accounts: password hashing, sessions, API tokens, sign-in limits, the start-up refusal and
``flask users``."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from core.db import db
from core.models import ApiToken, User
from tests.security.conftest import secured_app
from tests.support.accounts import PASSWORD, make_token, make_user, sign_in
from tests.support.apps import fresh_app
from webapp import accounts


@pytest.fixture
def login_app(tmp_path):
    with secured_app(tmp_path / "instance", AUTH_MODE="login", WTF_CSRF_ENABLED=False) as app:
        yield app


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class TestPasswords:
    def test_are_stored_as_salted_scrypt_hashes(self, login_app):
        make_user(login_app, "ann", "analyst")
        make_user(login_app, "bob", "analyst")
        with login_app.app_context():
            ann, bob = accounts.find_user("ann"), accounts.find_user("bob")
            assert ann.password_hash.startswith("scrypt:")
            assert PASSWORD not in ann.password_hash
            assert ann.password_hash != bob.password_hash  # same password, different salt

    def test_a_wrong_password_or_unknown_user_gets_the_same_generic_answer(self, login_app):
        make_user(login_app, "ann", "analyst")
        client = login_app.test_client()
        wrong_password = sign_in(client, "ann", "not the password")
        unknown_user = sign_in(client, "nobody", PASSWORD)
        for response in (wrong_password, unknown_user):
            assert response.status_code == 422
            assert "Wrong username or password." in response.get_data(as_text=True)
        # CSRF tokens carry a timestamp: two requests a second apart differ there only.
        def page(response) -> str:
            return re.sub(r'((?:content|value)=")[\w.-]{40,}"', r'\1TOKEN"',
                          response.get_data(as_text=True))

        assert page(wrong_password) == page(unknown_user).replace(
            'value="nobody"', 'value="ann"')

    def test_a_deactivated_account_cannot_sign_in(self, login_app):
        make_user(login_app, "ann", "analyst")
        with login_app.app_context():
            make_user(login_app, "ada", "admin")
            accounts.set_active(accounts.find_user("ann"), False)
        assert sign_in(login_app.test_client(), "ann").status_code == 422

    @pytest.mark.parametrize("password", ["short", "x" * 1025])
    def test_too_short_or_too_long_passwords_are_refused(self, login_app, password):
        with login_app.app_context(), pytest.raises(accounts.ValidationError):
            accounts.create_user("ann", password, "viewer")


class TestSessions:
    def test_signing_in_starts_a_new_session(self, login_app):
        make_user(login_app, "ann", "analyst")
        client = login_app.test_client()
        with client.session_transaction() as session:
            session["planted"] = "by an attacker"
            session["csrf_token"] = "fixed-token"
        assert sign_in(client, "ann").status_code == 303
        with client.session_transaction() as session:
            assert "planted" not in session
            assert session.get("csrf_token") != "fixed-token"
            assert session["_user_id"].startswith(f"{accounts_id(login_app, 'ann')}:")
            assert session.permanent

    def test_signing_out_clears_the_session(self, login_app):
        make_user(login_app, "ann", "analyst")
        client = login_app.test_client()
        sign_in(client, "ann")
        assert client.get("/jobs").status_code == 200
        assert client.post("/sign-out").status_code == 303
        with client.session_transaction() as session:
            assert dict(session) == {}
        assert client.get("/jobs").status_code == 303  # back to the sign-in page

    def test_a_new_password_ends_other_sessions(self, login_app):
        make_user(login_app, "ann", "analyst")
        elsewhere = login_app.test_client()
        sign_in(elsewhere, "ann")
        here = login_app.test_client()
        sign_in(here, "ann")
        changed = here.post("/account/password", data={"current_password": PASSWORD,
                                                        "new_password": "another long one"})
        assert changed.status_code == 303
        assert here.get("/jobs").status_code == 200
        assert elsewhere.get("/jobs").status_code == 303

    def test_deactivation_ends_sessions(self, login_app):
        make_user(login_app, "ann", "analyst")
        make_user(login_app, "ada", "admin")
        client = login_app.test_client()
        sign_in(client, "ann")
        admin = login_app.test_client()
        sign_in(admin, "ada")
        user_id = accounts_id(login_app, "ann")
        assert admin.post(f"/users/{user_id}/active").status_code == 303
        assert client.get("/jobs").status_code == 303

    def test_the_next_address_stays_on_this_site(self, login_app):
        make_user(login_app, "ann", "analyst")
        response = login_app.test_client().post("/sign-in", data={
            "username": "ann", "password": PASSWORD, "next": "//evil.example/"})
        assert response.headers["Location"] == "/"


def accounts_id(app, username: str) -> int:
    with app.app_context():
        return accounts.find_user(username).id


class TestUsersPage:
    def test_an_admin_creates_an_account(self, login_app):
        make_user(login_app, "ada", "admin")
        admin = login_app.test_client()
        sign_in(admin, "ada")
        made = admin.post("/users", data={"username": "carol", "password": "a long password",
                                          "role": "analyst"})
        assert made.status_code == 303
        with login_app.app_context():
            assert accounts.find_user("carol").role == "analyst"

    @pytest.mark.parametrize(("data", "says"), [
        ({"username": "", "password": "", "role": "viewer"}, "This field is required."),
        ({"username": "ada", "password": "a long password", "role": "viewer"}, "ada"),
    ], ids=["empty", "taken"])
    def test_a_refused_account_says_so_above_the_form(self, login_app, data, says):
        make_user(login_app, "ada", "admin")
        admin = login_app.test_client()
        sign_in(admin, "ada")
        refused = admin.post("/users", data=data)
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert re.search(r'class="form-alert" role="alert">The account was not created', page)
        assert says in page
        with login_app.app_context():
            assert [user.username for user in accounts.list_users()] == ["ada"]


class TestTokens:
    def test_lifecycle_create_shown_once_use_revoke(self, login_app):
        make_user(login_app, "ann", "analyst")
        client = login_app.test_client()
        sign_in(client, "ann")
        created = client.post("/account/tokens", data={"name": "nightly export"})
        assert created.status_code == 201
        page = created.get_data(as_text=True)
        secret = page.split('id="new-token">')[1].split("<")[0]
        assert secret.startswith("tagpulse_") and len(secret) > 40
        # Shown once: the account page never shows it again, only its prefix.
        again = client.get("/account").get_data(as_text=True)
        assert secret not in again and secret[:16] in again and "nightly export" in again
        # Used by a script: no cookie, no CSRF token.
        script = login_app.test_client()
        assert script.get("/api/jobs", headers=bearer(secret)).status_code == 200
        assert script.post("/api/jobs", json={"hashtag": "python"},
                           headers=bearer(secret)).status_code == 202
        # Revoked: refused from then on.
        with login_app.app_context():
            token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name ==
                                                                  "nightly export"))
        assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 303
        refused = script.get("/api/jobs", headers=bearer(secret))
        assert refused.status_code == 401
        assert "invalid_token" in refused.headers["WWW-Authenticate"]
        assert "revoked" in refused.get_json()["error"]

    def test_only_a_hash_is_stored(self, login_app):
        make_user(login_app, "ann", "analyst")
        secret = make_token(login_app, "ann")
        with login_app.app_context():
            token = db.session.scalar(select(ApiToken))
            assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
            stored = [str(value) for value in vars(token).values()]
            assert not any(secret in value for value in stored)
            assert token.prefix == secret[:16]

    def test_last_use_is_recorded(self, login_app):
        make_user(login_app, "ann", "analyst")
        secret = make_token(login_app, "ann")
        login_app.test_client().get("/api/jobs", headers=bearer(secret))
        with login_app.app_context():
            assert db.session.scalar(select(ApiToken)).last_used_at is not None

    @pytest.mark.parametrize("header", ["Bearer tagpulse_madeup", "Bearer ", "Bearer x" * 50])
    def test_an_unknown_token_is_401_even_in_open_mode(self, tmp_path, header):
        with secured_app(tmp_path / "instance") as app:
            response = app.test_client().get("/api/jobs", headers={"Authorization": header})
            assert response.status_code == 401

    def test_a_deactivated_accounts_tokens_are_refused(self, login_app):
        make_user(login_app, "ann", "analyst")
        make_user(login_app, "ada", "admin")
        secret = make_token(login_app, "ann")
        with login_app.app_context():
            accounts.set_active(accounts.find_user("ann"), False)
        assert login_app.test_client().get("/api/jobs", headers=bearer(secret)).status_code == 401

    def test_one_user_cannot_revoke_anothers_token(self, login_app):
        make_user(login_app, "ann", "analyst")
        make_user(login_app, "bob", "analyst")
        secret = make_token(login_app, "ann")
        with login_app.app_context():
            token_id = db.session.scalar(select(ApiToken.id))
        bob = login_app.test_client()
        sign_in(bob, "bob")
        assert bob.post(f"/account/tokens/{token_id}/revoke").status_code == 404
        assert login_app.test_client().get("/api/jobs", headers=bearer(secret)).status_code == 200

    def test_no_credentials_in_login_mode_is_a_401_json(self, login_app):
        response = login_app.test_client().get("/api/jobs")
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Authorization: Bearer" in response.get_json()["error"]


class TestSignInRateLimit:
    @pytest.fixture
    def limited_app(self, tmp_path):
        with secured_app(tmp_path / "instance", AUTH_MODE="login", WTF_CSRF_ENABLED=False,
                         RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                         SIGNIN_RATE_LIMIT="3/minute",
                         SIGNIN_ADDRESS_RATE_LIMIT="6/minute") as app:
            make_user(app, "ann", "analyst")
            make_user(app, "bob", "analyst")
            yield app

    def client_at(self, app, address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    def test_failed_attempts_on_one_account_are_limited_from_any_address(self, limited_app):
        for n in range(3):
            client = self.client_at(limited_app, f"203.0.113.{n}")
            assert sign_in(client, "ann", "wrong password").status_code == 422
        # Even the right password, from a new address, waits now: the account is limited.
        refused = sign_in(self.client_at(limited_app, "203.0.113.9"), "ann")
        assert refused.status_code == 429
        assert "Retry-After" in refused.headers
        # Another account is not.
        assert sign_in(self.client_at(limited_app, "203.0.113.9"), "bob").status_code == 303

    def test_failed_attempts_from_one_address_are_limited_across_accounts(self, limited_app):
        client = self.client_at(limited_app, "198.51.100.1")
        for n in range(6):
            sign_in(client, f"guess{n}", "wrong password")
        assert sign_in(client, "bob").status_code == 429

    def test_successful_sign_ins_do_not_count(self, limited_app):
        for _ in range(5):
            client = self.client_at(limited_app, "198.51.100.2")
            assert sign_in(client, "ann").status_code == 303


EVERY_INTERFACE = "0.0.0.0"  # noqa: S104  (the setting under test, nothing listens)


class TestStartUp:
    def test_open_mode_on_a_public_address_is_refused(self, tmp_path):
        with pytest.raises(SystemExit) as refused, fresh_app(tmp_path / "i",
                                                             env={"HOST": EVERY_INTERFACE}):
            pass
        message = str(refused.value)
        assert message.startswith("tagpulse cannot start: HOST=0.0.0.0")
        assert "AUTH_MODE=login" in message and "ALLOW_OPEN=1" in message
        assert "\n" not in message

    @pytest.mark.parametrize("env", [
        {"HOST": EVERY_INTERFACE, "ALLOW_OPEN": "1"},
        {"HOST": EVERY_INTERFACE, "AUTH_MODE": "login"},
        {"HOST": "::", "AUTH_MODE": "public-read"},
        {"HOST": "127.0.0.1"},
        {"HOST": "::1"},
        {"HOST": "localhost"},
    ])
    def test_starts_when_sign_in_is_required_or_only_loopback_listens(self, tmp_path, env):
        with fresh_app(tmp_path / "i", env=env) as app:
            assert app.config["HOST"] == env["HOST"]

    def test_an_unknown_mode_is_refused(self, tmp_path):
        with pytest.raises(SystemExit, match="AUTH_MODE='closed' is not one of"), \
                fresh_app(tmp_path / "i", env={"AUTH_MODE": "closed"}):
            pass


class TestCommandLine:
    def test_create_the_first_admin_with_the_password_on_stdin(self, login_app):
        runner = login_app.test_cli_runner()
        result = runner.invoke(args=["users", "create", "--admin", "--password-stdin"],
                               input="a long admin password\n")
        assert result.exit_code == 0, result.output
        assert "Created admin (admin)." in result.output
        with login_app.app_context():
            user = accounts.find_user("admin")
            assert user.role == "admin" and user.password_hash.startswith("scrypt:")
        assert sign_in(login_app.test_client(), "admin", "a long admin password") \
            .status_code == 303

    def test_create_list_set_role_and_delete(self, login_app):
        runner = login_app.test_cli_runner()
        made = runner.invoke(args=["users", "create", "Carol", "--role", "analyst"],
                             input="a long password\n")
        assert made.exit_code == 0, made.output
        listed = runner.invoke(args=["users", "list"])
        assert "carol\tanalyst\tactive" in listed.output
        assert runner.invoke(args=["users", "set-role", "carol", "viewer"]).exit_code == 0
        deleted = runner.invoke(args=["users", "delete", "carol", "--yes"])
        assert deleted.exit_code == 0, deleted.output
        with login_app.app_context():
            assert db.session.scalar(select(User)) is None

    def test_a_short_password_or_duplicate_name_is_a_clear_error(self, login_app):
        runner = login_app.test_cli_runner()
        short = runner.invoke(args=["users", "create", "dan"], input="short\n")
        assert short.exit_code == 1 and "at least 8 characters" in short.output
        runner.invoke(args=["users", "create", "dan"], input="a long password\n")
        again = runner.invoke(args=["users", "create", "dan"], input="a long password\n")
        assert again.exit_code == 1 and "already an account named dan" in again.output

    def test_the_last_admin_cannot_be_demoted(self, login_app):
        runner = login_app.test_cli_runner()
        runner.invoke(args=["users", "create", "--admin"], input="a long password\n")
        result = runner.invoke(args=["users", "set-role", "admin", "viewer"])
        assert result.exit_code == 1 and "only active admin" in result.output
