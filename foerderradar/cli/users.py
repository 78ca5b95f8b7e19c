"""``users``: the accounts of the web app (``foerderradar/web/users.py``) — add, list, new password,
remove. City IT runs these on the server; there is no sign-up page. Every change is audited."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from foerderradar.cli.shared import ConfigOpt, config_or_exit, fail, guarded, key_column, open_store, out

app = typer.Typer(help="Benutzerkonten der Web-Oberfläche verwalten.", no_args_is_help=True)

PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Passwort als eine Zeile von der Standardeingabe lesen.")
]


def _password(from_stdin: bool) -> str:
    """One line from stdin, or asked twice without echo. Exit 2 for a password the policy refuses."""
    from foerderradar.web.users import password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        # asked twice by hand: click's own confirmation says "The two entered values do not match"
        password = typer.prompt("Passwort", hide_input=True)
        if typer.prompt("Passwort wiederholen", hide_input=True) != password:
            fail("Die beiden Eingaben stimmen nicht überein; nichts geändert.", 2)
    problem = password_problem(password)
    if problem:
        fail(problem, 2)
    return password


def _who() -> str:
    """The audit log's name for a change made on the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="E-Mail-Adresse (der Anmeldename).")],
    role: Annotated[str, typer.Option("--role", help="manager | it | admin")],
    kommune: Annotated[
        list[str] | None,
        typer.Option("--kommune", help="Kurzname einer Kommune, die das Konto sieht (mehrfach möglich)."),
    ] = None,
    password_stdin: PasswordStdinOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Ein Konto anlegen: manager und it sehen nur ihre Kommunen, admin alle."""
    from foerderradar.storage import audit
    from foerderradar.web.users import ROLES, UserExists, add_user, email_problem, normal_email

    address = normal_email(email)
    if problem := email_problem(address):
        fail(problem, 2)
    if role not in ROLES:
        fail(f"Unbekannte Rolle {role!r}; erlaubt: {', '.join(ROLES)}.", 2)
    cfg = config_or_exit(config, need_portals=False)
    known = [k.slug for k in cfg.kommunen]
    unknown = [slug for slug in kommune or () if slug not in known]
    if unknown:
        fail(f"Unbekannte Kommune {', '.join(map(repr, unknown))}. Bekannte Kommunen: {', '.join(known)}", 2)
    chosen = list(dict.fromkeys(kommune or ()))
    if role != "admin" and not chosen:
        if len(known) > 1:
            fail(f"Bitte --kommune KURZNAME angeben (bekannt: {', '.join(known)}).", 2)
        chosen = known
    password = _password(password_stdin)
    with open_store() as store:
        try:
            user = guarded(lambda: add_user(store, address, password, role, chosen))  # type: ignore[arg-type]
        except UserExists:
            fail(f"Ein Konto {address} gibt es schon (neues Passwort: foerderradar users passwd {address}).", 2)
        guarded(lambda: audit.record(store, _who(), "user_add", details={"email": user.email, "role": user.role,
                                                                         "kommunen": list(user.kommunen)}))
    where = "alle Kommunen" if role == "admin" else ", ".join(user.kommunen)
    out.print(f"Konto {user.email} angelegt: Rolle {user.role}, {where}.", markup=False)


@app.command("list")
def users_list() -> None:
    """Alle Konten mit Rolle, Kommunen und letzter Anmeldung."""
    from foerderradar.web.users import list_users

    with open_store() as store:
        accounts = guarded(lambda: list_users(store))
    table = Table(title=f"Konten ({len(accounts)})", title_justify="left")
    key_column(table, "E-Mail", (user.email for user in accounts))
    table.add_column("Rolle")
    table.add_column("Kommunen")  # slugs, one a line
    table.add_column("angelegt", no_wrap=True)
    table.add_column("letzte Anmeldung")
    for user in accounts:
        last = user.last_login_at.astimezone().strftime("%d.%m.%Y %H:%M") if user.last_login_at else "noch nie"
        table.add_row(user.email, user.role, "alle" if user.role == "admin" else "\n".join(user.kommunen) or "–",
                      user.created_at.astimezone().strftime("%d.%m.%Y"), last)
    out.print(table)


@app.command("passwd")
def users_passwd(
    email: Annotated[str, typer.Argument(help="E-Mail-Adresse des Kontos.")],
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Ein neues Passwort setzen (alle Sitzungen des Kontos enden, eine Sperre wird aufgehoben)."""
    from foerderradar.storage import audit
    from foerderradar.web.users import find, normal_email, set_password

    address = normal_email(email)
    with open_store() as store:
        if guarded(lambda: find(store, address)) is None:
            fail(f"Kein Konto {address} (alle Konten: foerderradar users list).", 2)
        password = _password(password_stdin)
        guarded(lambda: set_password(store, address, password))
        guarded(lambda: audit.record(store, _who(), "user_passwd", details={"email": address}))
    out.print(f"Neues Passwort für {address} gesetzt.", markup=False)


@app.command("remove")
def users_remove(email: Annotated[str, typer.Argument(help="E-Mail-Adresse des Kontos.")]) -> None:
    """Ein Konto löschen (seine Sitzungen enden; das Protokoll bleibt)."""
    from foerderradar.storage import audit
    from foerderradar.web.users import normal_email, remove_user

    address = normal_email(email)
    with open_store() as store:
        if not guarded(lambda: remove_user(store, address)):
            fail(f"Kein Konto {address} (alle Konten: foerderradar users list).", 2)
        guarded(lambda: audit.record(store, _who(), "user_remove", details={"email": address}))
    out.print(f"Konto {address} gelöscht.", markup=False)
