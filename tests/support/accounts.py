"""Accounts for tests: users of each role, their API tokens, and signing a client in."""

from __future__ import annotations

from flask import Flask

PASSWORD = "correct horse battery staple"
ROLE_USERS = {"viewer": "vera", "analyst": "ann", "admin": "ada"}


def make_user(app: Flask, username: str, role: str, password: str = PASSWORD) -> int:
    from webapp import accounts

    with app.app_context():
        return accounts.create_user(username, password, role).id


def make_token(app: Flask, username: str, name: str = "script") -> str:
    """A new API token's secret for ``username``."""
    from webapp import accounts

    with app.app_context():
        _, secret = accounts.create_token(accounts.find_user(username), name)
        return secret


def sign_in(client, username: str, password: str = PASSWORD, csrf_token: str | None = None):
    data = {"username": username, "password": password}
    if csrf_token is not None:
        data["csrf_token"] = csrf_token
    return client.post("/sign-in", data=data)
