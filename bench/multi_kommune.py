"""Several municipalities on one instance: match all, render and send all digests, kill and restart.

    .venv/bin/python bench/multi_kommune.py          # 400 municipalities × 15 measures, 5,000 calls: docs/benchmarks.md
    .venv/bin/python bench/multi_kommune.py --quick  # 6 × 4, 150 calls: a smoke run (tests/test_bench_multi_kommune.py)
    .venv/bin/python bench/multi_kommune.py --what match --kommunen 1,40,400

One instance serves a whole Kreis or Land (issue 12): every municipality has its own profile (city,
measures, recipients), all share the stored calls. What must hold, and what this measures:

- *Match all* (``jobs.each_match``, as the daily job) costs one municipality's matching per municipality — linear in
  municipalities × measures — and reads the stored calls once, not once per municipality. Reported:
  time as a ratio to the one-municipality run of the same bench, SQL statements per municipality,
  and how often the calls table is read in full (``Store.iter_calls``/``sources``/``calls_fingerprint``).
- *Render and send all digests* (``jobs.run_digests(send=True)``, verdicts already stored) to an
  aiosmtpd sink on 127.0.0.1: time ratio, and the SMTP connections the sink accepted (one for the
  whole run, ``notifier/smtp.Session``).
- *Peak memory*: every measurement runs in a fresh process (``--one …``), its ``ru_maxrss`` is its own.
- *Killed and restarted*: a sending run is killed with SIGKILL the moment it starts the message after
  half of them (its ledger row claimed and counted, the server not having accepted it), then run
  again; reported is the restart's time, and every (municipality, recipient) must have exactly one
  message at the sink.

The corpus is synthetic and deterministic. Calls: ``bench/match_scale.py``'s generator (the demo
portal's sentences recombined, a share limited to other Länder or to companies). Profiles: the
measures of the labelled set (``../shared/eval/measures.yaml``) and ``config/measures.yaml``,
shuffled and recombined per municipality, with the municipality's Kreis and name in some measures,
one digest recipient each; Länder and Kreise vary. SQLite always; PostgreSQL too when
``FOERDERRADAR_TEST_POSTGRES_URL`` is set (in a schema of its own, dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

AS_OF = dt.date(2026, 12, 1)
PG_ENV = "FOERDERRADAR_TEST_POSTGRES_URL"
SENDER = "foerderradar@kreis.example"
EVAL_MEASURES = ROOT.parent / "shared" / "eval" / "measures.yaml"
KREISE = [  # (Kreis, Land): where the invented municipalities lie
    ("Gütersloh", "DE-NW"), ("Lippe", "DE-NW"), ("Paderborn", "DE-NW"), ("Warendorf", "DE-NW"),
    ("Rhein-Sieg-Kreis", "DE-NW"), ("Borken", "DE-NW"), ("Steinfurt", "DE-NW"), ("Märkischer Kreis", "DE-NW"),
    ("Emsland", "DE-NI"), ("Osnabrück", "DE-NI"), ("Hildesheim", "DE-NI"), ("Rosenheim", "DE-BY"),
    ("Passau", "DE-BY"), ("Ortenaukreis", "DE-BW"), ("Ludwigsburg", "DE-BW"), ("Vogelsbergkreis", "DE-HE"),
    ("Main-Kinzig-Kreis", "DE-HE"), ("Erzgebirgskreis", "DE-SN"), ("Vorpommern-Greifswald", "DE-MV"),
    ("Uckermark", "DE-BB"),
]
NAME_HEADS = ["Holte", "Brake", "Linden", "Eichen", "Hassel", "Wester", "Oster", "Kirch", "Mühl", "Stein",
              "Berg", "Wald", "Rosen", "Buchen", "Hagen", "Feld"]
NAME_TAILS = ["dorf", "hausen", "feld", "berg", "stedt", "heim", "bach", "hagen", "rode", "beck", "wede", "burg"]


# -- the corpus ---------------------------------------------------------------------------------------


def _measure_templates() -> list[dict[str, Any]]:
    import yaml

    templates: list[dict[str, Any]] = []
    for path in (EVAL_MEASURES, ROOT / "config" / "measures.yaml"):
        if path.exists():
            templates += yaml.safe_load(path.read_text(encoding="utf-8"))["measures"]
    return templates


def make_calls(n: int, seed: int = 12) -> list[Any]:
    from match_scale import make_corpus

    calls, _ = make_corpus(n, 1, seed=seed)
    return calls


def municipality_name(i: int) -> str:
    head, tail = NAME_HEADS[i % len(NAME_HEADS)], NAME_TAILS[(i // len(NAME_HEADS)) % len(NAME_TAILS)]
    number = i // (len(NAME_HEADS) * len(NAME_TAILS))
    return f"{head}{tail}" + (f" {number + 1}" if number else "")


def slug(i: int) -> str:
    return f"k{i:04d}"


def recipient(i: int) -> str:
    return f"digital@{slug(i)}.example"


def make_profile(i: int, n_measures: int, templates: list[dict[str, Any]], seed: int = 3) -> dict[str, Any]:
    """Municipality ``i``: its Kreis and Land, ``n_measures`` measures recombined from the templates
    (a title of one, parts of others' descriptions and keywords, its own name or Kreis in some)."""
    rng = random.Random(seed * 100_003 + i)
    kreis, land = KREISE[i % len(KREISE)]
    name = municipality_name(i)
    keywords = sorted({k for t in templates for k in t.get("keywords", [])})
    measures = []
    for j in range(n_measures):
        first, second = rng.sample(templates, 2)
        description = " ".join(filter(None, [first.get("description", ""), second.get("description", "")[:160]]))
        if j % 5 == 0:
            description += f" Gemeinsam mit dem Kreis {kreis} und den Nachbarkommunen von {name}."
        measures.append({
            "id": f"m{j:02d}-{first['id']}"[:60],
            "title": first["title"] if j % 3 else f"{first['title']} in {name}",
            "description": description,
            "keywords": rng.sample(keywords, k=min(len(keywords), rng.randint(3, 7))),
        })
    return {
        "city": {"name": name, "region": land, "applicant_types": ["kommune"], "kreis": kreis},
        "measures": measures,
        "digest": {"recipients": [recipient(i)]},
    }


def write_config(directory: Path, n_kommunen: int, n_measures: int, port: int) -> Path:
    import yaml

    templates = _measure_templates()
    folder = directory / "kommunen"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_kommunen):
        profile = make_profile(i, n_measures, templates)
        (folder / f"{slug(i)}.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    (directory / "portals.yaml").write_text("portals: []\n", encoding="utf-8")
    (directory / "foerderradar.toml").write_text(
        f"[mail]\nhost = '127.0.0.1'\nport = {port}\nmail_from = '{SENDER}'\ntimeout_s = 30\n", encoding="utf-8"
    )
    return directory


def fill_store(url: str, n_calls: int) -> None:
    from foerderradar.storage import Store

    store = Store(url)
    try:
        calls = make_calls(n_calls)
        for start in range(0, len(calls), 500):
            store.upsert_calls(calls[start : start + 500], now=dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC))
    finally:
        store.close()


def reset(url: str, tables: tuple[str, ...]) -> None:
    """Forget stored verdicts (``matches``, ``match_state``) or sent digests before the next phase."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in tables:
            conn.execute(sa.text(f"DELETE FROM {table}"))
    engine.dispose()


# -- the SMTP sink ----------------------------------------------------------------------------------------


@dataclass
class Sink:
    """aiosmtpd handler on 127.0.0.1: keeps each accepted message's recipient, counts connections, and
    can kill a process at the start of the ``kill_at``-th transaction (its MAIL FROM)."""

    received: list[str] = field(default_factory=list)
    mails: int = 0
    kill_at: int | None = None
    victim: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.mails += 1
        if self.kill_at is not None and self.mails == self.kill_at and self.victim is not None:
            os.kill(self.victim, signal.SIGKILL)
            await asyncio.sleep(0.2)  # the client is gone before it could read a reply
            return "421 4.3.0 Testabbruch"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
        self.mails = 0


@contextmanager
def sink_server() -> Iterator[tuple[Sink, int, list[int]]]:
    """The sink, its port, and a one-element list counting the connections accepted."""
    from aiosmtpd.controller import Controller

    sink, opened = Sink(), [0]

    class Counting(Controller):
        def factory(self) -> Any:
            opened[0] += 1
            return super().factory()

    controller = Counting(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    opened[0] = 0  # start() connected once itself, to see the server is up
    try:
        yield sink, controller.port, opened
    finally:
        controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- one measurement, in a process of its own ------------------------------------------------------------


CALLS_TABLE = re.compile(r"\b(FROM|JOIN)\s+calls\b", re.IGNORECASE)


class Reads:
    """Counts what a run asks of the database: every SQL statement, those reading the calls table,
    and the full reads of the calls that must happen once per run whatever the municipalities."""

    FULL = ("iter_calls", "sources", "calls_fingerprint", "count_calls")

    def __init__(self, store: Any) -> None:
        import sqlalchemy as sa

        self.statements = 0
        self.calls_statements = 0
        self.full: Counter[str] = Counter()
        self.by_id = 0  # calls_by_id: the few records one digest shows, per municipality by design
        sa.event.listen(store.engine, "before_cursor_execute", self._statement)
        for name in (*self.FULL, "calls_by_id"):
            self._wrap(store, name)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements += 1
        if CALLS_TABLE.search(statement):
            self.calls_statements += 1

    def _wrap(self, store: Any, name: str) -> None:
        method = getattr(store, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            if name == "calls_by_id":
                self.by_id += 1
            else:
                self.full[name] += 1
            return method(*args, **kwargs)

        setattr(store, name, counted)


def measure(what: str, url: str, config_dir: Path, kommunen: int) -> dict[str, Any]:
    from foerderradar.jobs import each_match, run_digests
    from foerderradar.settings import load_config
    from foerderradar.storage import Store

    config = load_config(config_dir, need_portals=False)
    chosen = [k.slug for k in config.kommunen][:kommunen]
    store = Store(url)
    reads = Reads(store)
    before_mb = rss_mb()
    start, start_cpu = time.perf_counter(), time.process_time()
    if what == "match":
        # As the daily job does: each municipality's verdicts stored and counted, then let go.
        done = computed = 0
        for _, found in each_match(store, config, AS_OF, chosen, min_score=config.settings.digest.min_score):
            done, computed = done + len(found.matches), computed + found.computed
    else:
        outcomes = run_digests(store, config, AS_OF, chosen, send=True)
        statuses = Counter(r.status for _, outcome in outcomes for r in outcome.recipients)
        done, computed = statuses["sent"], statuses["already_sent"]
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    store.close()
    return {
        "what": what, "kommunen": len(chosen), "seconds": seconds, "cpu": cpu,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "before_mb": before_mb,
        "statements": reads.statements, "calls_statements": reads.calls_statements, "full_reads": dict(reads.full),
        "by_id": reads.by_id, "done": done, "computed": computed,
    }


def rss_mb() -> float:
    """Resident memory now (interpreter, imports, config, open store): what the peak is compared with."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(what: str, url: str, config_dir: Path, kommunen: int) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--one", what, "--url", url, "--config", str(config_dir),
               "--kommunen", str(kommunen)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def run_child(what: str, url: str, config_dir: Path, kommunen: int) -> dict[str, Any]:
    process = child(what, url, config_dir, kommunen)
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{what} × {kommunen} failed:\n{err}")
    row: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    print(f"  {what} {kommunen}: {row['seconds']:.1f} s (CPU {row['cpu']:.1f} s), {row['peak_mb']:.0f} MB, "
          f"{row['statements']} SQL statements", file=sys.stderr)
    return row


# -- the bench --------------------------------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str
    cleanup: Any = None


@contextmanager
def backends(work: Path) -> Iterator[list[Backend]]:
    found = [Backend("SQLite", f"sqlite:///{work / 'bench.db'}")]
    pg = os.environ.get(PG_ENV)
    schema = None
    if pg:
        import sqlalchemy as sa

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        engine = sa.create_engine(pg)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        sep = "&" if "?" in pg else "?"
        found.append(Backend("PostgreSQL", f"{pg}{sep}options=-csearch_path%3D{schema}"))
    try:
        yield found
    finally:
        if pg and schema:
            import sqlalchemy as sa

            engine = sa.create_engine(pg)
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            engine.dispose()


def run_backend(backend: Backend, args: argparse.Namespace, config_dir: Path, sink: Sink, port_opened: list[int],
                sizes: list[int]) -> dict[str, Any]:
    url, total = backend.url, max(sizes)
    print(f"{backend.name}: {args.calls} calls", file=sys.stderr)
    fill_store(url, args.calls)
    out: dict[str, Any] = {"backend": backend.name, "match": [], "send": []}
    if args.what in ("all", "match"):
        for size in sizes:
            reset(url, ("matches", "match_state"))
            out["match"].append(run_child("match", url, config_dir, size))
    if args.what == "match":
        return out
    if not out["match"]:  # verdicts for the digests (not measured)
        run_child("match", url, config_dir, total)
    for size in (sizes[0], total):
        reset(url, ("sent_digests",))
        sink.clear()
        port_opened[0] = 0
        row = run_child("send", url, config_dir, size)
        row["connections"] = port_opened[0]
        row["received"] = len(sink.received)
        out["send"].append(row)
    out["restart"] = kill_and_restart(url, config_dir, sink, total)
    return out


def kill_and_restart(url: str, config_dir: Path, sink: Sink, total: int) -> dict[str, Any]:
    """Send to all, SIGKILL the sender as it starts message ``total // 2 + 1``, send again."""
    reset(url, ("sent_digests",))
    sink.clear()
    sink.kill_at = total // 2 + 1
    process = child("send", url, config_dir, total)
    sink.victim = process.pid
    process.communicate()
    killed = process.returncode == -signal.SIGKILL
    before = len(sink.received)
    sink.kill_at = sink.victim = None
    start = time.perf_counter()
    row = run_child("send", url, config_dir, total)
    restart_s = time.perf_counter() - start
    counts = Counter(sink.received)
    expected = {recipient(i) for i in range(total)}
    exactly_once = set(counts) == expected and set(counts.values()) == {1}
    return {"killed": killed, "before_kill": before, "after_restart": row["done"], "restart_s": restart_s,
            "restart_run_s": row["seconds"], "exactly_once": exactly_once,
            "duplicates": sum(c - 1 for c in counts.values()), "missing": len(expected - set(counts))}


def machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        model = platform.processor() or platform.machine()
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {dt.date.today().isoformat()}"


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [f"{args.calls:,} calls, municipalities × {args.measures} measures; {machine()}", ""]
    for res in results:
        lines.append(f"**{res['backend']}**")
        lines.append("")
        if res["match"]:
            lines += _phase_table("Match all (`each_match`, as the daily job)", res["match"])
        if res["send"]:
            lines += _phase_table("Render and send all digests (`run_digests --send`)", res["send"], send=True)
        if "restart" in res:
            r = res["restart"]
            killed = "Killed" if r["killed"] else "NOT killed"
            lines.append(f"{killed} (SIGKILL) as it started message {r['before_kill'] + 1}: {r['before_kill']} mails "
                         f"had been accepted; the restart sent {r['after_restart']} more in {r['restart_s']:.1f} s "
                         f"({r['restart_run_s']:.1f} s after start-up); exactly one mail per (municipality, "
                         f"recipient): {'yes' if r['exactly_once'] else 'NO'} ({r['duplicates']} duplicates, "
                         f"{r['missing']} missing).")
            lines.append("")
    return "\n".join(lines)


def _phase_table(title: str, rows: list[dict[str, Any]], *, send: bool = False) -> list[str]:
    first = rows[0]
    extra = " SMTP connections |" if send else ""
    out = [title, "", "| municipalities | wall s | CPU s | CPU ratio | per-municipality ratio | peak MB "
           f"| SQL statements | of them on calls | full reads of the calls |{extra}",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---|" + ("---:|" if send else "")]
    # peak MB: the process's peak RSS; in brackets the RSS before the run (interpreter, imports, config).
    for r in rows:
        ratio = r["cpu"] / first["cpu"]
        reads = ", ".join(f"{name} {n}×" for name, n in sorted(r["full_reads"].items())) or "none"
        out.append(f"| {r['kommunen']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | {ratio:.1f} | "
                   f"{ratio / (r['kommunen'] / first['kommunen']):.2f} | {r['peak_mb']:.0f} ({r['before_mb']:.0f}) | "
                   f"{r['statements']:,} | "
                   f"{r['calls_statements']:,} | {reads} |" + (f" {r['connections']} |" if send else ""))
    out.append("")
    return out


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--what", choices=["all", "match", "send"], default="all")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--kommunen", default="1,40,400", help="sizes of the match runs; the largest is 'all'")
    parser.add_argument("--measures", type=int, default=15)
    parser.add_argument("--work", type=Path, help="keep the store and the profiles here (default: a temp dir)")
    parser.add_argument("--one", choices=["match", "send"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args.url, args.config, int(args.kommunen))))
        return []
    if args.quick:
        args.calls, args.measures = min(args.calls, 150), min(args.measures, 4)
        args.kommunen = "1,6" if args.kommunen == parser.get_default("kommunen") else args.kommunen
    sizes = [int(s) for s in args.kommunen.split(",")]
    with tempfile.TemporaryDirectory(prefix="multi-kommune-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        with sink_server() as (sink, port, opened), backends(work) as found:
            config_dir = write_config(work / "config", max(sizes), args.measures, port)
            for backend in found:
                results.append(run_backend(backend, args, config_dir, sink, opened, sizes))
    print(report(results, args))
    return results


if __name__ == "__main__":
    main()
