"""``flask users``: create the first admin and manage accounts from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from core.db import db
from core.models import ROLES
from webapp import accounts
from webapp.schema_state import schema_problem
from webapp.validation import ValidationError


@with_appcontext
def _require_current_schema() -> None:
    # Before any subcommand: on a database not upgraded yet, say what to run instead of failing
    # on a missing table with a traceback.
    problem = schema_problem(db.engine, Path(current_app.extensions["migrate"].directory))
    if problem:
        raise click.ClickException(problem)


users_cli = AppGroup("users", help="Manage tagpulse accounts.", callback=_require_current_schema)


def _password(from_stdin: bool) -> str:
    # Piped in (provisioning scripts), or typed twice without echo; never an argument, which
    # would land in the shell history and in `ps`.
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _user_or_exit(username: str):
    user = accounts.find_user(username)
    if user is None:
        raise click.ClickException(f"There is no account named {username.strip().lower()}.")
    return user


def _apply(action, *args):
    try:
        return action(*args)
    except ValidationError as error:
        raise click.ClickException(error.message) from None


@users_cli.command("create")
@click.argument("username", required=False)
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="viewer (reads), analyst (also submits jobs and trackers) or admin.")
@click.option("--admin", "make_admin", is_flag=True, help="The same as --role admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(username: str | None, role: str | None, make_admin: bool, password_stdin: bool):
    """Create an account (USERNAME defaults to "admin" with --admin)."""
    if make_admin and role not in (None, "admin"):
        raise click.UsageError("--admin and --role disagree.")
    role = "admin" if make_admin else (role or "viewer")
    if username is None:
        if role != "admin":
            raise click.UsageError("Name the account: flask users create USERNAME --role ROLE")
        username = "admin"
    user = _apply(accounts.create_user, username, _password(password_stdin), role)
    click.echo(f"Created {user.username} ({user.role}).")


@users_cli.command("list")
def list_users():
    """Every account: name, role, state, last sign-in."""
    for user in accounts.list_users():
        state = "active" if user.active else "deactivated"
        last = user.last_sign_in_at.isoformat(timespec="minutes") if user.last_sign_in_at else "-"
        click.echo(f"{user.username}\t{user.role}\t{state}\t{last}")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_role(username: str, role: str):
    """Change an account's role."""
    user = _apply(accounts.set_role, _user_or_exit(username), role)
    click.echo(f"{user.username} is now {user.role}.")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(username: str, password_stdin: bool):
    """Set a new password (signs the account out everywhere)."""
    user = _user_or_exit(username)
    _apply(accounts.set_password, user, _password(password_stdin))
    click.echo(f"New password set for {user.username}.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate(username: str):
    """Sign an account out everywhere and refuse its sign-ins and tokens."""
    user = _apply(accounts.set_active, _user_or_exit(username), False)
    click.echo(f"{user.username} is deactivated.")


@users_cli.command("activate")
@click.argument("username")
def activate(username: str):
    user = _apply(accounts.set_active, _user_or_exit(username), True)
    click.echo(f"{user.username} is active.")


@users_cli.command("delete")
@click.argument("username")
@click.confirmation_option(prompt="Delete this account and its API tokens?")
def delete(username: str):
    """Delete an account; its jobs and trackers stay, owned by nobody."""
    user = _user_or_exit(username)
    name = user.username
    _apply(accounts.delete_user, user)
    click.echo(f"Deleted {name}.")


def init_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
