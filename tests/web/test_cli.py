"""``foerderradar users`` and ``foerderradar web`` (and ``serve`` with ``[web] enabled``): German
messages, exit 2 for usage and configuration errors, a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner
from web_site import PASSWORD, SECRET, SHS_SLUG, config_dir

from foerderradar.cli import app
from foerderradar.storage import Store
from foerderradar.web import users
from foerderradar.web.context import SECRET_ENV


@pytest.fixture
def cfg(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FOERDERRADAR_DATABASE_URL", db_url)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    return config_dir(tmp_path)


def cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_users_round_trip(cfg: Path, db_url: str) -> None:
    c = ("--config", str(cfg))
    code, out, _ = cli("users", "add", "DM@Verl.example", "--role", "manager", "--kommune", "verl",
                       "--password-stdin", *c, input=PASSWORD + "\n")
    assert code == 0 and "Konto dm@verl.example angelegt: Rolle manager, verl." in out
    code, out, _ = cli("users", "add", "admin@kreis.example", "--role", "admin", *c,
                       input="admin-passwort-lang\nadmin-passwort-lang\n")  # asked twice, hidden
    assert code == 0 and "alle Kommunen" in out
    code, out, _ = cli("users", "list")
    assert code == 0 and "dm@verl.example" in out and "manager" in out and "verl" in out
    assert "admin@kreis.example" in out and "alle" in out and "noch nie" in out
    store = Store(db_url)
    assert users.check_password(store, "dm@verl.example", PASSWORD) is not None
    assert cli("users", "passwd", "dm@verl.example", "--password-stdin", input="ein-neues-passwort\n")[0] == 0
    assert users.check_password(store, "dm@verl.example", PASSWORD) is None
    assert users.check_password(store, "dm@verl.example", "ein-neues-passwort") is not None
    code, out, _ = cli("users", "remove", "dm@verl.example")
    assert code == 0 and "gelöscht" in out
    assert users.find(store, "dm@verl.example") is None
    from foerderradar.storage.audit import entries

    assert [e.action for e in reversed(entries(store))] == ["user_add", "user_add", "user_passwd", "user_remove"]
    store.close()


# (arguments after `users`, stdin, fragment of the German message) — each exit 2, nothing stored
MISTAKES = [
    (["add", "keine-adresse", "--role", "manager", "--kommune", "verl"], PASSWORD, "keine E-Mail-Adresse"),
    (["add", "a@verl.example", "--role", "chef", "--kommune", "verl"], PASSWORD, "Unbekannte Rolle 'chef'"),
    (["add", "a@verl.example", "--role", "manager", "--kommune", "gütersloh"], PASSWORD,
     f"Bekannte Kommunen: {SHS_SLUG}, verl"),
    (["add", "a@verl.example", "--role", "manager"], PASSWORD, "Bitte --kommune"),
    (["add", "a@verl.example", "--role", "manager", "--kommune", "verl"], "kurz", "zu kurz"),
    (["passwd", "niemand@verl.example"], PASSWORD, "Kein Konto niemand@verl.example"),
    (["remove", "niemand@verl.example"], "", "Kein Konto niemand@verl.example"),
]


@pytest.mark.parametrize(("args", "stdin", "message"), MISTAKES)
def test_users_mistakes_exit_2(cfg: Path, db_url: str, args: list[str], stdin: str, message: str) -> None:
    extra = ["--config", str(cfg)] if args[0] == "add" else []
    code, _, err = cli("users", *args, *extra, *(["--password-stdin"] if args[0] != "remove" else []),
                       input=stdin + "\n")
    assert code == 2 and message in " ".join(err.split()) and "Traceback" not in err
    store = Store(db_url)
    assert users.list_users(store) == []
    store.close()


def test_users_add_twice_exit_2(cfg: Path) -> None:
    args = ("users", "add", "a@verl.example", "--role", "it", "--kommune", "verl", "--password-stdin",
            "--config", str(cfg))
    assert cli(*args, input=PASSWORD + "\n")[0] == 0
    code, _, err = cli(*args, input=PASSWORD + "\n")
    assert code == 2 and "gibt es schon" in err


@pytest.mark.parametrize("secret", [None, "", "zu-kurz"])
@pytest.mark.parametrize("command", [["web"], ["serve"]])
def test_web_without_secret_is_a_config_error(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, secret: str | None, command: list[str]
) -> None:
    (cfg / "foerderradar.toml").write_text("[web]\nenabled = true\n", encoding="utf-8")
    if secret is not None:
        monkeypatch.setenv(SECRET_ENV, secret)
    code, _, err = cli(*command, "--config", str(cfg))
    assert code == 2 and "Konfigurationsfehler" in err and SECRET_ENV in err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@pytest.mark.parametrize("command", ["web", "serve"])
def test_server_answers_and_stops_cleanly_on_sigterm(cfg: Path, db_url: str, command: str) -> None:
    port = _free_port()
    (cfg / "foerderradar.toml").write_text(f"[web]\nenabled = true\nport = {port}\n", encoding="utf-8")
    env = {**os.environ, SECRET_ENV: SECRET, "FOERDERRADAR_DATABASE_URL": db_url}
    proc = subprocess.Popen([sys.executable, "-m", "foerderradar.cli", command, "--config", str(cfg)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and 'name="csrf_token"' in login.text
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Beendet." in out and "Traceback" not in err
