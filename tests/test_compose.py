"""docker-compose.yml as a deployment people copy: secrets required, database healthy before the app.

Docker is not needed: the file is read as YAML and its ``${VAR…}`` references are checked with
compose's own interpolation rules (``${VAR:?msg}`` fails when unset or empty, ``${VAR:-x}`` defaults).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from foerderradar.settings import _ENV_MAIL

COMPOSE = Path(__file__).resolve().parents[1] / "docker-compose.yml"
REFERENCE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN|_USER$")


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def references() -> list[tuple[str, str, str | None]]:
    """(service, variable, operator) for every ``${…}`` in the services' environment."""
    found = []
    for service, spec in compose()["services"].items():
        for value in (spec.get("environment") or {}).values():
            for ref in REFERENCE.finditer(str(value)):
                found.append((service, ref["name"], ref["op"]))
    return found


def interpolate(value: str, env: dict[str, str]) -> str:
    def one(ref: re.Match[str]) -> str:
        name, op, arg = ref["name"], ref["op"], ref["arg"]
        got = env.get(name, "")
        if op == ":?" and not got:
            raise LookupError(f"{name}: {arg}")
        if op == ":-" and not got:
            return arg
        return got

    return REFERENCE.sub(one, value)


def test_services_and_healthcheck() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "db", "mailpit"}
    assert services["app"]["command"] == ["serve"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_every_secret_is_required_and_has_no_default() -> None:
    secrets = [(service, name, op) for service, name, op in references() if SECRET.search(name)]
    assert {name for _, name, _ in secrets} >= {
        "POSTGRES_PASSWORD", "FOERDERRADAR_SMTP_USER", "FOERDERRADAR_SMTP_PASSWORD"
    }
    for service, name, op in secrets:
        assert op == ":?", f"{service}: ${{{name}}} must be written ${{{name}:?…}} (no default)"


@pytest.mark.parametrize("missing", ["POSTGRES_PASSWORD", "FOERDERRADAR_SMTP_USER", "FOERDERRADAR_SMTP_PASSWORD"])
def test_compose_refuses_to_start_without_a_secret(missing: str) -> None:
    env = {"POSTGRES_PASSWORD": "pw", "FOERDERRADAR_SMTP_USER": "u", "FOERDERRADAR_SMTP_PASSWORD": "s"}
    del env[missing]
    app = compose()["services"]["app"]["environment"]
    with pytest.raises(LookupError, match=missing):
        for value in app.values():
            interpolate(str(value), env)


def test_app_environment_is_what_foerderradar_reads() -> None:
    env = {"POSTGRES_PASSWORD": "pw", "FOERDERRADAR_SMTP_USER": "u", "FOERDERRADAR_SMTP_PASSWORD": "s"}
    app = {k: interpolate(str(v), env) for k, v in compose()["services"]["app"]["environment"].items()}
    known = set(_ENV_MAIL) | {"FOERDERRADAR_DATABASE_URL", "FOERDERRADAR_CONFIG"}
    assert set(app) <= known, set(app) - known
    assert app["FOERDERRADAR_DATABASE_URL"] == "postgresql+psycopg://foerderradar:pw@db:5432/foerderradar"
    assert app["FOERDERRADAR_SMTP_HOST"] == "mailpit"
