"""docker-compose.yml, Dockerfile and .dockerignore as a deployment people copy, checked without Docker.

The compose file is read as YAML and its ``${VAR…}`` references are checked with compose's own
interpolation rules (``${VAR:?msg}`` fails when unset or empty, ``${VAR:-x}`` defaults); the app's
environment, interpolated, is then loaded by the real settings code against the shipped config/. The
Dockerfile is read instruction by instruction. Figures the deployment must respect (the portal time
budget, the cache directory, the secret's variable) come from the code, not from copies here.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from forward_proxy import ForwardProxy

from foerderradar.background_http import BackgroundHTTPServer
from foerderradar.crawler.crawl_settings import CrawlerSettings
from foerderradar.crawler.runner import DEFAULT_CACHE_DIR
from foerderradar.settings import _ENV_MAIL, _ENV_WEB, CONFIG_ENV, load_app_settings
from foerderradar.web.context import SECRET_ENV

PROJECT = Path(__file__).resolve().parents[1]
COMPOSE = PROJECT / "docker-compose.yml"
DOCKERFILE = PROJECT / "Dockerfile"
DOCKERIGNORE = PROJECT / ".dockerignore"
SHIPPED_CONFIG = PROJECT / "config"
REFERENCE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SECRET = re.compile(r"PASSWORD|SECRET|TOKEN")
REQUIRED = {"POSTGRES_PASSWORD", SECRET_ENV}
# The least a `docker compose up` needs: the required values, nothing else.
MINIMAL_ENV = {"POSTGRES_PASSWORD": "pw", SECRET_ENV: "s" * 40}
PROXY_VARIABLES = {name for base in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY") for name in (base, base.lower())}
# How many numbers an exact release of each image has: postgres 16.8 is one release, 16 is a series;
# mailpit and python need three (3.11 is a series). An image not listed here fails the test below.
EXACT_RELEASE = {"postgres": 2, "axllent/mailpit": 3, "python": 3}


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def app() -> dict[str, Any]:
    service: dict[str, Any] = compose()["services"]["app"]
    return service


def references() -> list[tuple[str, str, str | None, str]]:
    """(service, variable, operator, argument) for every ``${…}`` in the services' environment."""
    found = []
    for service, spec in compose()["services"].items():
        for value in (spec.get("environment") or {}).values():
            for ref in REFERENCE.finditer(str(value)):
                found.append((service, ref["name"], ref["op"], ref["arg"] or ""))
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


def app_environment(env: dict[str, str]) -> dict[str, str]:
    """The app container's environment for a shell/.env of ``env``: pass-through entries (no value) only
    when set there, as compose does."""
    result = {}
    for name, value in (app().get("environment") or {}).items():
        if value is None:
            if env.get(name):
                result[name] = env[name]
        else:
            result[name] = interpolate(str(value), env)
    return result


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", "\n".join(
        line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    ))
    instructions = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def last(instruction: str) -> str:
    values = [rest for keyword, rest in dockerfile() if keyword == instruction]
    assert values, f"Dockerfile has no {instruction}"
    return values[-1]


def seconds(duration: str) -> float:
    """A compose duration (``1h5m``, ``35m``, ``90s``) in seconds."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, f"not a compose duration: {duration!r}"
    hours, minutes, secs = (int(p or 0) for p in parts.groups())
    return hours * 3600 + minutes * 60 + secs


# -- services and images ----------------------------------------------------------------------------


def test_services_and_dependencies() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "db", "mailpit"}
    assert services["app"]["command"] == ["serve"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["db"] == {"condition": "service_healthy"}


def images() -> list[tuple[str, str]]:
    """(where, image reference) of every image the deployment runs, the Dockerfile's base included."""
    found = [(f"service {name}", spec["image"]) for name, spec in compose()["services"].items() if "image" in spec]
    found += [("Dockerfile FROM", rest.split()[0]) for keyword, rest in dockerfile() if keyword == "FROM"]
    return found


@pytest.mark.parametrize(("where", "image"), images())
def test_every_image_is_an_exact_release(where: str, image: str) -> None:
    name, _, digest = image.partition("@")
    repository, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "")
    assert repository in EXACT_RELEASE, f"{where}: {image}: how are releases of {repository} numbered?"
    if digest:
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{where}: {image}: malformed digest"
        return
    version = re.fullmatch(r"v?(\d+(?:\.\d+)*)(?:-[a-z0-9.]+)?", tag)
    assert version, f"{where}: {image} names no version (latest or a moving tag)"
    numbers = version[1].split(".")
    assert len(numbers) == EXACT_RELEASE[repository], f"{where}: {image} is a series, not one release"


def test_every_service_has_a_build_or_an_image() -> None:
    for name, spec in compose()["services"].items():
        assert ("image" in spec) != ("build" in spec), name


# -- the app container ------------------------------------------------------------------------------


def test_the_web_app_is_served_from_the_shipped_config() -> None:
    """No edit of config/foerderradar.toml: the environment enables [web] and sets its address."""
    shipped = load_app_settings(SHIPPED_CONFIG, env={})
    assert shipped.web.enabled is False  # what makes the environment necessary
    settings = load_app_settings(SHIPPED_CONFIG, env=app_environment(MINIMAL_ENV))
    assert settings.web.enabled is True
    assert settings.web.host == "0.0.0.0"  # inside the container; the host publishes 127.0.0.1 only
    published = [str(p).rsplit(":", 1)[-1] for p in app()["ports"]]
    assert published == [str(settings.web.port)]
    assert f"'127.0.0.1', {settings.web.port}" in " ".join(app()["healthcheck"]["test"])


def test_base_url_is_settable_and_optional() -> None:
    assert load_app_settings(SHIPPED_CONFIG, env=app_environment(MINIMAL_ENV)).web.base_url is None
    env = {**MINIMAL_ENV, "FOERDERRADAR_WEB_BASE_URL": "https://foerderradar.kreis.example"}
    settings = load_app_settings(SHIPPED_CONFIG, env=app_environment(env))
    assert settings.web.base_url == "https://foerderradar.kreis.example"


def test_every_published_port_is_on_loopback_only() -> None:
    for name, spec in compose()["services"].items():
        for port in spec.get("ports") or []:
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} would be reachable from the network"


def test_healthcheck_asks_healthz_with_python_and_no_proxy() -> None:
    test = app()["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test  # the slim image has no curl or wget
    assert "/healthz" in test[3]
    assert "urllib" not in test[3]  # urllib would send the check to HTTP_PROXY


class _Healthz(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Broken(_Healthz):
    status = 503


@pytest.mark.parametrize(("handler", "healthy"), [(_Healthz, True), (_Broken, False)])
def test_healthcheck_command_runs(handler: type[_Healthz], healthy: bool) -> None:
    """The check itself, run with this Python against a server on another port, a proxy in the environment."""
    code = app()["healthcheck"]["test"][3]
    with BackgroundHTTPServer("127.0.0.1", 0, handler) as server, ForwardProxy({}) as proxy:
        port = server.httpd.server_address[1]
        env = {"HTTP_PROXY": proxy.base_url, "http_proxy": proxy.base_url, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", code.replace(", 8080,", f", {port},")], env=env,
                              timeout=30, check=False, capture_output=True)
    assert (done.returncode == 0) == healthy, done.stderr
    assert proxy.seen == []


def test_grace_period_outlasts_a_portals_crawl_budget() -> None:
    """serve finishes its running job on SIGTERM; a portal's crawl may take portal_timeout_s."""
    budget = max(CrawlerSettings().portal_timeout_s, load_app_settings(SHIPPED_CONFIG, env={}).crawler.portal_timeout_s)
    assert seconds(str(app()["stop_grace_period"])) > budget


def test_config_is_mounted_writable_where_the_image_reads_it() -> None:
    env = dict(rest.split("=", 1) for keyword, rest in dockerfile() if keyword == "ENV" and "=" in rest
               and rest.startswith(CONFIG_ENV))
    config_dir = env[CONFIG_ENV]
    mounts = {m.split(":")[1]: m for m in app()["volumes"] if m.startswith("./config:")}
    assert config_dir in mounts, app()["volumes"]
    assert not mounts[config_dir].endswith(":ro"), "the web app writes measures and portals files"


def test_http_cache_is_a_named_volume_where_the_crawler_writes_it() -> None:
    workdir = PurePosixPath(last("WORKDIR"))
    cache = str(workdir / DEFAULT_CACHE_DIR)
    named = {m.split(":")[1]: m.split(":")[0] for m in app()["volumes"] if not m.startswith((".", "/"))}
    assert cache in named, f"{cache} (WORKDIR + runner.DEFAULT_CACHE_DIR) is no named volume: {app()['volumes']}"
    assert named[cache] in compose()["volumes"]


def test_image_runs_as_a_user_that_owns_only_its_working_directory() -> None:
    user = last("USER").split(":")[0]
    assert user not in ("", "0", "root"), "the image must not run as root"
    workdir = last("WORKDIR")
    runs = " ".join(rest for keyword, rest in dockerfile() if keyword == "RUN")
    assert f"--uid {user}" in runs
    owned = re.search(rf"install -d -o {user} -g \d+ -m \d+ (?P<dirs>[^&]+)", runs)
    assert owned is not None, "the working directory is created with its owner"
    assert set(owned["dirs"].split()) == {workdir, str(PurePosixPath(workdir) / DEFAULT_CACHE_DIR)}
    assert not any(keyword == "RUN" and "chown" in rest for keyword, rest in dockerfile()), "owns code or config"
    before = [keyword for keyword, _ in dockerfile()]
    assert before.index("USER") > max(i for i, k in enumerate(before) if k in ("COPY", "RUN"))


# -- variables --------------------------------------------------------------------------------------


def test_required_values_have_no_default() -> None:
    ops = {(name, op) for _, name, op, _ in references() if name in REQUIRED}
    assert {name for name, _ in ops} == REQUIRED
    assert all(op == ":?" for _, op in ops), ops


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_start_without_a_required_value(missing: str) -> None:
    env = {k: v for k, v in MINIMAL_ENV.items() if k != missing}
    with pytest.raises(LookupError, match=missing):
        app_environment(env)


def test_no_secret_has_a_default() -> None:
    for service, name, op, arg in references():
        if SECRET.search(name):
            assert op == ":?" or (op == ":-" and arg == ""), f"{service}: ${{{name}}} has a default secret"


def test_smtp_login_is_optional_and_tls_passed_through() -> None:
    """Mailpit and many relays in a town hall's network take mail without a login."""
    refs = {name: op for _, name, op, _ in references()}
    assert refs["FOERDERRADAR_SMTP_USER"] != ":?" and refs["FOERDERRADAR_SMTP_PASSWORD"] != ":?"
    mail = load_app_settings(SHIPPED_CONFIG, env=app_environment(MINIMAL_ENV)).mail
    assert (mail.host, mail.port, mail.user, mail.password, mail.tls, mail.starttls) == (
        "mailpit", 1025, None, None, False, False
    )
    env = {**MINIMAL_ENV, "FOERDERRADAR_SMTP_HOST": "mail.kreis.example", "FOERDERRADAR_SMTP_PORT": "465",
           "FOERDERRADAR_SMTP_TLS": "true", "FOERDERRADAR_SMTP_USER": "radar", "FOERDERRADAR_SMTP_PASSWORD": "pw"}
    mail = load_app_settings(SHIPPED_CONFIG, env=app_environment(env)).mail
    assert (mail.host, mail.port, mail.tls) == ("mail.kreis.example", 465, True)
    assert (mail.user, mail.password) == ("radar", "pw")
    env = {**MINIMAL_ENV, "FOERDERRADAR_SMTP_PORT": "587", "FOERDERRADAR_SMTP_STARTTLS": "true"}
    assert load_app_settings(SHIPPED_CONFIG, env=app_environment(env)).mail.starttls is True


def test_proxy_variables_are_passed_through_only_when_set() -> None:
    environment = app()["environment"]
    assert {name for name in PROXY_VARIABLES if name in environment} == PROXY_VARIABLES
    for name in PROXY_VARIABLES:
        # A value or default (even empty) would set the variable; an empty lower-case one disables the proxy.
        assert environment[name] is None, f"{name}: pass it through without a value"
    assert "HTTP_PROXY" not in app_environment(MINIMAL_ENV)
    env = {**MINIMAL_ENV, "HTTPS_PROXY": "http://proxy.stadt:3128", "NO_PROXY": ".stadt.de"}
    assert {k: v for k, v in app_environment(env).items() if k in PROXY_VARIABLES} == {
        "HTTPS_PROXY": "http://proxy.stadt:3128", "NO_PROXY": ".stadt.de"
    }


def test_app_environment_is_what_foerderradar_reads() -> None:
    environment = app_environment({**MINIMAL_ENV, "HTTP_PROXY": "http://p:1"})
    known = set(_ENV_MAIL) | set(_ENV_WEB) | {"FOERDERRADAR_DATABASE_URL", CONFIG_ENV, SECRET_ENV} | PROXY_VARIABLES
    assert set(environment) <= known, set(environment) - known
    assert environment["FOERDERRADAR_DATABASE_URL"] == "postgresql+psycopg://foerderradar:pw@db:5432/foerderradar"
    assert environment["FOERDERRADAR_SMTP_HOST"] == "mailpit"


# -- what goes into the image -----------------------------------------------------------------------


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` (relative, top-level or below) out of the build context."""
    patterns = [p.strip() for p in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if p.strip() and not p.startswith("#")]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/").rstrip("/")
        parts = PurePosixPath(path).parts
        if any(fnmatch.fnmatch(part, pattern) for part in parts) or fnmatch.fnmatch(path, pattern):
            result = not negate
    return result


@pytest.mark.parametrize("path", [".env", ".env.production", ".venv", ".git", "out", ".foerderradar-cache",
                                  "foerderradar.db", "foerderradar.db-wal", "tests", ".pytest_cache",
                                  "foerderradar/__pycache__/x.pyc"])
def test_dockerignore_keeps_out(path: str) -> None:
    assert ignored(path), path


def test_dockerignore_keeps_what_the_image_copies() -> None:
    copied = [rest.split()[:-1] for keyword, rest in dockerfile() if keyword == "COPY"]
    sources = [source for sources in copied for source in sources]
    assert {"pyproject.toml", "README.md", "foerderradar", "config"} <= set(sources)
    for source in sources:
        assert not ignored(source), f"{source} is copied but .dockerignore leaves it out"
