"""Accounts: users with hashed passwords and roles, and the API tokens scripts sign in with.

Plain service functions (no request in sight): the pages, the API policy and ``flask users``
all call these.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from core.db import db
from core.models import ROLES, ApiToken, User, utcnow
from webapp.validation import ValidationError

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # hashing a megabyte of "password" is a cheap denial of service
# A recognisable prefix: secret scanners (and people) can tell a leaked tagpulse token at once.
TOKEN_PREFIX = "tagpulse_"  # noqa: S105  (a label, not a secret)
TOKEN_SHOWN_CHARS = 16
# Compared against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")


def hash_password(password: str) -> str:
    """scrypt (werkzeug's default), with a per-password random salt."""
    return generate_password_hash(password, method="scrypt")


def parse_username(value: str | None) -> str:
    username = (value or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise ValidationError("A username is 1 to 64 lower-case letters, digits, '.', '_' or '-', "
                              "starting with a letter or digit.", "username")
    return username


def parse_password(value: str | None) -> str:
    password = value or ""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"A password needs at least {MIN_PASSWORD} characters.", "password")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"A password may have at most {MAX_PASSWORD} characters.",
                              "password")
    return password


def parse_role(value: str | None) -> str:
    if value not in ROLES:
        raise ValidationError(f"The role must be one of {', '.join(ROLES)}.", "role")
    return value


def new_nonce() -> str:
    return secrets.token_hex(16)


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def create_user(username: str, password: str, role: str = "viewer") -> User:
    username, password, role = parse_username(username), parse_password(password), parse_role(role)
    if find_user(username) is not None:
        raise ValidationError(f"There is already an account named {username}.", "username",
                              status=409)
    user = User(username=username, password_hash=hash_password(password), role=role, active=True,
                session_nonce=new_nonce(), created_at=utcnow())
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str | None, password: str | None) -> User | None:
    """The active account with this name and password, else None (never says which was wrong)."""
    user = find_user(username or "")
    candidate = user.password_hash if user is not None else _DUMMY_HASH
    password_ok = check_password_hash(candidate, password or "")
    if user is None or not password_ok or not user.active:
        return None
    user.last_sign_in_at = utcnow()
    db.session.commit()
    return user


def _active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True))) or 0


def _keep_an_admin(user: User) -> None:
    if user.role == "admin" and user.active and _active_admins() <= 1:
        raise ValidationError("This is the only active admin; make another admin first.", "role",
                              status=409)


def set_role(user: User, role: str) -> User:
    role = parse_role(role)
    if role != "admin":
        _keep_an_admin(user)
    user.role = role
    db.session.commit()
    return user


def set_active(user: User, active: bool) -> User:
    """Deactivating also signs the account out everywhere; its tokens stop working with it."""
    if not active:
        _keep_an_admin(user)
        user.session_nonce = new_nonce()
    user.active = active
    db.session.commit()
    return user


def set_password(user: User, password: str) -> User:
    """A new password signs the account out of every other browser (new session nonce)."""
    user.password_hash = hash_password(parse_password(password))
    user.session_nonce = new_nonce()
    db.session.commit()
    return user


def delete_user(user: User) -> None:
    """Its tokens go with it; its jobs and trackers stay, owned by nobody."""
    _keep_an_admin(user)
    db.session.delete(user)
    db.session.commit()


def token_digest(secret: str) -> str:
    # A fast hash is right here: the secret has 256 bits of entropy, nothing to brute-force.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str | None) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("Give the token a name of 1 to 100 characters.", "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:TOKEN_SHOWN_CHARS],
                     token_hash=token_digest(secret), created_at=utcnow())
    db.session.add(token)
    db.session.commit()
    return token, secret


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())))


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def find_token(secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, its account active), else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # At most one write a minute per token, not one per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        db.session.commit()
    return token


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.commit()
