"""``quantrac user add|passwd|role|disable|list|token|revoke``: bootstrap and manage accounts.

The first administrator is created here (``quantrac user add admin --role admin``); after that
the web administration can be used. Every change is audited with the actor ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from service.cli.common import app, console, fail, get_settings
from stations.timeutil import epoch_to_local_iso, now_epoch

user_app = typer.Typer(help="Tài khoản / staff accounts and API tokens.")
app.add_typer(user_app, name="user")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no passwd entry in some containers
        return "cli:unknown"


def _ask_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("Mật khẩu / password", hide_input=True)
    if typer.prompt("Nhập lại / repeat", hide_input=True) != first:
        raise fail("hai mật khẩu khác nhau / the passwords differ")
    return str(first)


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


@user_app.command("add")
def add(
    username: str,
    role: Annotated[str, typer.Option(help="viewer | operator | admin")] = "viewer",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    no_password: Annotated[bool, typer.Option(help="Token-only account.")] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Tạo tài khoản / create an account."""
    from service.auth.accounts import create_account
    from service.auth.errors import AccountError
    from service.bootstrap import prepare_database

    password = None if no_password else _ask_password(password_stdin)
    engine = prepare_database(get_settings())
    try:
        with engine.begin() as conn:
            account = create_account(
                conn,
                username=username,
                display_name=name,
                role=role,
                password=password,
                actor=_actor(),
                now=now_epoch(),
            )
    except (AccountError, ValueError) as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]Đã tạo / created[/] {account.username} ({account.role})")


@user_app.command("passwd")
def passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """Đặt mật khẩu / set a password (ends the user's sessions)."""
    from service.auth.accounts import set_password
    from service.auth.errors import AccountError
    from service.bootstrap import prepare_database

    password = _ask_password(password_stdin)
    engine = prepare_database(get_settings())
    try:
        with engine.begin() as conn:
            set_password(conn, username, password, actor=_actor(), now=now_epoch())
    except AccountError as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]Đã đổi mật khẩu / password set[/] for {username}")


@user_app.command("role")
def role(username: str, new_role: str) -> None:
    """Đổi vai trò / change a user's role."""
    _update(username, role=new_role)


@user_app.command("disable")
def disable(username: str) -> None:
    """Khoá tài khoản / disable an account (sessions and tokens stop at once)."""
    _update(username, active=False)


@user_app.command("enable")
def enable(username: str) -> None:
    """Mở khoá tài khoản / enable an account again."""
    _update(username, active=True)


def _update(username: str, **changes: object) -> None:
    from service.auth.accounts import update_account
    from service.auth.errors import AccountError
    from service.bootstrap import prepare_database

    engine = prepare_database(get_settings())
    try:
        with engine.begin() as conn:
            account = update_account(conn, username, actor=_actor(), now=now_epoch(), **changes)  # type: ignore[arg-type]
    except (AccountError, ValueError) as exc:
        raise fail(str(exc), code=2) from exc
    state = "active" if account.active else "disabled"
    console.print(f"[green]{account.username}[/]: {account.role}, {state}")


@user_app.command("list")
def list_cmd() -> None:
    """Danh sách tài khoản / list accounts."""
    from service.auth.accounts import list_accounts
    from service.bootstrap import prepare_database

    engine = prepare_database(get_settings())
    with engine.connect() as conn:
        for a in list_accounts(conn):
            last = epoch_to_local_iso(a.last_login_at) if a.last_login_at else "-"
            state = "" if a.active else " (disabled)"
            typer.echo(f"{a.username}\t{a.role}{state}\t{a.display_name}\tlast login {last}")


@user_app.command("token")
def token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for.")],
    role_cap: Annotated[
        str | None, typer.Option("--role", help="Cap below the owner's role.")
    ] = None,
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="Expires after N days.")] = None,
) -> None:
    """Tạo mã truy cập API / create an API token; it is printed once, on standard output."""
    from service.auth.credentials import issue_token
    from service.auth.errors import AccountError
    from service.bootstrap import prepare_database

    engine = prepare_database(get_settings())
    now = now_epoch()
    try:
        with engine.begin() as conn:
            info, secret = issue_token(
                conn,
                username=username,
                name=name,
                role=role_cap,
                expires_at=now + days * 86400 if days else None,
                actor=_actor(),
                now=now,
            )
    except (AccountError, ValueError) as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]Mã truy cập / token {info.id}[/] for {info.username}; store it now:")
    typer.echo(secret)


@user_app.command("revoke")
def revoke(token_id: int) -> None:
    """Thu hồi mã truy cập / revoke an API token."""
    from service.auth.credentials import revoke_token
    from service.auth.errors import AccountError
    from service.bootstrap import prepare_database

    engine = prepare_database(get_settings())
    try:
        with engine.begin() as conn:
            revoke_token(conn, token_id, actor=_actor(), now=now_epoch())
    except AccountError as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]Đã thu hồi / revoked[/] token {token_id}")
