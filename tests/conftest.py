"""Shared fixtures: a real database per test (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from foerderradar.storage import Store

PROJECT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FOERDERRADAR_SHARED", PROJECT.parent / "shared"))
CAPTURES = SHARED / "captures"
EVAL = SHARED / "eval"
PG_ENV = "FOERDERRADAR_TEST_POSTGRES_URL"
REDIS_URL = os.environ.get("FOERDERRADAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_shared(path: Path) -> Path:
    """Third-party captures live in ../shared, never in the project: skip clearly without them."""
    if not path.exists():
        pytest.skip(f"{path} not present (a clone without ../shared); CI always has it")
    return path


@pytest.fixture
def captures() -> Path:
    return require_shared(CAPTURES)


@pytest.fixture
def eval_dir() -> Path:
    return require_shared(EVAL)


def _postgres_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("FOERDERRADAR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{PG_ENV} is not set but FOERDERRADAR_REQUIRE_POSTGRES=1")
        pytest.skip(f"{PG_ENV} not set: PostgreSQL variant skipped")
    return url


def _fresh_schema(url: str) -> tuple[str, str]:
    """A private schema per test, so concurrent test runs on one server cannot interfere."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("FOERDERRADAR_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL at {url} unreachable: {exc.orig}")
        pytest.skip(f"PostgreSQL at {url} unreachable")
    finally:
        engine.dispose()
    sep = "&" if "?" in url else "?"
    return schema, f"{url}{sep}options=-csearch_path%3D{schema}"


def _drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL; every test using it runs on both databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = _postgres_url()
    assert url is not None
    schema, scoped = _fresh_schema(url)
    yield scoped
    _drop_schema(url, schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.close()


@pytest.fixture
def redis_ns() -> Iterator[str]:
    """A fresh namespace on the test Redis (distributed crawling); every key under it is deleted afterwards."""
    from foerderradar.crawler.distributed import connect

    try:
        client = connect(REDIS_URL)
    except Exception as exc:
        if os.environ.get("FOERDERRADAR_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis at {REDIS_URL} unreachable but FOERDERRADAR_REQUIRE_REDIS=1: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} unreachable ({exc}): distributed crawling tests skipped")
    namespace = f"test-{uuid.uuid4().hex[:12]}"
    yield namespace
    for name in client.scan_iter(match=f"{namespace}:*", count=1000):
        client.delete(name)
    client.close()


# -- the web app (tests/web/, helpers in tests/web_site.py) -----------------------------------------


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[Any]:
    """The web app served on 127.0.0.1 for two municipalities, with calls and accounts."""
    from web_site import serve

    yield from serve(tmp_path, db_url)


@pytest.fixture
def signed_in(site: Any) -> Callable[[str], Any]:
    """Log an account in; its HTTP session."""
    from web_site import login

    def sign_in(email: str) -> Any:
        client, response = login(site, email)
        assert response.status_code == 303, response.text
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id hashing in every in-process test, at the lowest cost: the web tests hash and
    check hundreds of passwords, and the default cost (64 MiB, three passes — right for a server)
    made them the slowest part of the suite. Subprocesses (the CLI tests) keep the defaults."""
    from argon2 import PasswordHasher

    from foerderradar.web import users

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# -- where the suite's CPU goes (opt-in) ---------------------------------------------------------------
# On the shared 2-core machine the suite is bound by CPU, not by waiting: wall-clock durations of one
# test mostly measure its neighbours. FOERDERRADAR_TEST_CPU_LOG=FILE appends "cpu-seconds<TAB>test id"
# per test — the test's own CPU, that of the processes it started and waited for (CLI runs), and that
# its crawl workers reported (forked from the fork server, they are not its children). Servers in
# other processes (PostgreSQL, Redis) are not counted. bench/suite_cpu.py sums it by file.
_CPU_LOG = os.environ.get("FOERDERRADAR_TEST_CPU_LOG")


def _cpu() -> float:
    from foerderradar.crawler.runner import worker_cpu_seconds

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + worker_cpu_seconds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    if not _CPU_LOG:
        yield
        return
    before = _cpu()
    yield
    with open(_CPU_LOG, "a", encoding="utf-8") as log:
        log.write(f"{_cpu() - before:.3f}\t{item.nodeid}\n")


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    """One headless chromium per test module (tests/browser_pages.py; the browser tests' modules share
    an xdist group, so one worker runs them all)."""
    from browser_pages import launch_chromium

    with launch_chromium() as browser:
        yield browser
