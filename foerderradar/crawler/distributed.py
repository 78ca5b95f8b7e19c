"""One portal's crawl shared by several worker processes through Redis (scrapy-redis).

Why: a Land-wide service crawls hundreds of portals for hundreds of municipalities; one machine
and one process per portal is then not enough. Every worker runs the normal spider, middlewares
and pipeline (crawler/worker.py); only the scheduler is shared. docs/scale-out.md has the set-up;
this docstring is the protocol, which is what the correctness of the crawl-run record rests on.

Keys (``{ns}`` is the namespace, ``{c}`` = ``{ns}:crawl:{portal key}``):

- ``{ns}:crawls`` set of portals with a published crawl; ``{c}:job`` the crawl's job (JSON);
  ``{c}:coordinator`` alive while the coordinating process runs (a key with a TTL).
- ``{c}:requests`` the shared request queue (scrapy-redis ``PriorityQueue``, a sorted set) and
  ``{c}:dupefilter`` the fingerprints of every request ever queued (scrapy-redis ``RFPDupeFilter``):
  a page linked from many list pages is queued, hence fetched, once across all workers. Marking a
  request seen and queuing it is one atomic step, or a worker dying in between would lose it.
- ``{c}:leases:{worker}`` what a worker has taken from the queue and not finished; ``{c}:alive:{worker}``
  a key the worker keeps refreshing; ``{c}:workers`` the set of workers that joined.
- ``{c}:seen`` the call ids listed by the crawl (gone detection, and "stored once" counting);
  ``{c}:stats``, ``{c}:filled``, ``{c}:messages``, ``{c}:worker:{worker}`` the run's figures.

Leases make the crawl complete even when a worker dies. Taking a request moves it atomically from
the queue into the worker's lease hash (a Lua script). The lease is released only when Scrapy's
engine is done with the request — its response parsed, every request the callback yielded already
pushed to the queue and every item already through the pipeline (that is, stored). So at any moment
all outstanding work is in the queue or in a lease, and:

- a worker that dies (SIGKILL, OOM, lost machine) leaves its leases; they go back into the queue as
  soon as its process is seen gone (the coordinator watches its own children) or its alive key has
  expired (any worker or the coordinator notices), and another worker does them. A page the dead
  worker had already parsed may then be fetched a second time; storing is idempotent, so a call is
  still stored once (the store's upsert is race-safe, see ``Store._upsert``);
- the crawl is finished exactly when the queue is empty and no live worker holds a lease — then no
  new work can appear. Workers wait (rather than close) while other workers still hold leases, and
  all close within a poll interval of that moment.

A worker's own figures (requests, errors, filled fields) reach Redis when it closes; a worker that
died takes them with it. The coordinator therefore never declares calls gone after a run in which a
worker died (the run's error count is incomplete), although every page was fetched.

Requests travel as JSON (:class:`JsonCodec`), not scrapy-redis's default pickle, so whoever can write
to Redis still cannot make a worker run code.

(Over 600 lines on purpose: the protocol above — the Redis keys, the lease script, the shared
scheduler, the request codec — is implemented in one place, so a change to one key can be checked
against every use of it; the processes that drive it are in crawler/coordinator.py.)
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from foerderradar.crawler.failures import MAX_MESSAGES

log = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "foerderradar"
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")

# Scrapy settings a distributed worker gets (see worker_settings).
REDIS_URL_SETTING = "FOERDERRADAR_REDIS_URL"
NAMESPACE_SETTING = "FOERDERRADAR_REDIS_NAMESPACE"
WORKER_SETTING = "FOERDERRADAR_WORKER_ID"
LEASE_TTL_SETTING = "FOERDERRADAR_LEASE_TTL_S"
POLL_SETTING = "FOERDERRADAR_POLL_S"


class DistributedError(RuntimeError):
    """Redis unreachable, a crawl already running: a German message."""


class DistributedConfigError(DistributedError):
    """A bad Redis URL or namespace, a database that cannot be shared: the user must fix the set-up."""


@dataclass(frozen=True)
class Cluster:
    """How to reach the shared queue, and its timing.

    ``lease_ttl_s``: a worker that has not refreshed its alive key for this long counts as dead and
    its leases are put back. Longer than any stall of a live worker (a blocked event loop), short
    enough that a dead machine's pages are redone soon. ``poll_s``: how often an idle worker looks
    for new work, and how soon all workers close once the crawl is finished.
    """

    redis_url: str
    namespace: str = DEFAULT_NAMESPACE
    lease_ttl_s: float = 60.0
    poll_s: float = 0.5

    def __post_init__(self) -> None:
        if not _NAME.match(self.namespace):
            raise DistributedConfigError(
                f"Ungültiger Redis-Namensraum {self.namespace!r}: erlaubt sind Buchstaben, Ziffern und _ . : -"
            )

    def settings(self, worker_id: str) -> dict[str, Any]:
        """Scrapy settings that turn a worker into a member of the shared crawl."""
        return {
            "SCHEDULER": "foerderradar.crawler.distributed.LeasingScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            REDIS_URL_SETTING: self.redis_url,
            NAMESPACE_SETTING: self.namespace,
            WORKER_SETTING: worker_id,
            LEASE_TTL_SETTING: self.lease_ttl_s,
            POLL_SETTING: self.poll_s,
        }

    def as_job(self, worker_id: str) -> dict[str, Any]:
        return {"redis_url": self.redis_url, "namespace": self.namespace, "worker_id": worker_id,
                "lease_ttl_s": self.lease_ttl_s, "poll_s": self.poll_s}

    @classmethod
    def from_job(cls, data: dict[str, Any]) -> tuple[Cluster, str]:
        cluster = cls(data["redis_url"], data["namespace"], float(data["lease_ttl_s"]), float(data["poll_s"]))
        return cluster, str(data["worker_id"])


def connect(url: str) -> redis.Redis:
    """A client for ``url``, checked with PING so a wrong address fails here, in German."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True)
        client.ping()
    except ValueError as exc:
        raise DistributedConfigError(
            f"Ungültige Redis-URL {url!r}: {exc} (erwartet z. B. redis://127.0.0.1:6379/0)"
        ) from None
    except redis.RedisError as exc:
        raise DistributedError(
            f"Redis unter {url} nicht erreichbar: {exc}. Läuft der Server, stimmen Adresse und Passwort?"
        ) from None
    return client


# -- requests as JSON --------------------------------------------------------------------------

_BYTES = "__fr_bytes__"
_PAIRS = "__fr_pairs__"


def _plain(value: Any) -> Any:
    """JSON-able form of a request dict: bytes (bodies, headers) tagged, dicts with bytes keys as pairs."""
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _plain(v) for k, v in value.items()}
        return {_PAIRS: [[_plain(k), _plain(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a queued request cannot carry a {type(value).__name__} ({value!r:.80})")


def _restore(value: dict[str, Any]) -> Any:
    if _BYTES in value and len(value) == 1:
        return base64.b64decode(value[_BYTES])
    if _PAIRS in value and len(value) == 1:
        return {k: v for k, v in value[_PAIRS]}
    return value


class JsonCodec:
    """scrapy-redis serializer (``loads``/``dumps``): requests as JSON instead of pickle.

    Keys are sorted, so one request always has one encoding (the lease id is a hash of it).
    """

    @staticmethod
    def dumps(obj: dict[str, Any]) -> str:
        return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def loads(data: str | bytes) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(data, object_hook=_restore)
        return loaded


# -- Redis side ----------------------------------------------------------------------------------

# Queue a request unless its fingerprint was seen, atomically: a worker killed between marking a
# request seen and queuing it would lose it for good (a redo of its parent page finds it "seen").
# ARGV[1] = '' for requests that bypass the filter (dont_filter: retries, mirror rewrites).
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Take the highest-priority request and lease it to the worker, atomically. Nothing if stopped.
_POP = """
if redis.call('EXISTS', KEYS[5]) == 1 then return false end
local item = redis.call('ZPOPMIN', KEYS[1])
if #item == 0 then return false end
local sha = redis.sha1hex(item[1])
redis.call('HSET', KEYS[2], sha, item[2] .. '|' .. item[1])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
return {sha, item[1]}
"""

# Put a worker's leases back into the queue and forget the worker. Returns how many. ``dead``: the
# key counting workers that died (a normal close passes '' and is not counted).
_REQUEUE_BODY = """
local function requeue(queue, leases, workers, lost, worker, stop, dead)
  local all = redis.call('HGETALL', leases)
  local n = 0
  for i = 1, #all, 2 do
    local v = all[i + 1]
    local sep = string.find(v, '|', 1, true)
    if redis.call('EXISTS', stop) == 0 then
      redis.call('ZADD', queue, tonumber(string.sub(v, 1, sep - 1)), string.sub(v, sep + 1))
    end
    n = n + 1
  end
  redis.call('DEL', leases)
  redis.call('SREM', workers, worker)
  if dead ~= '' then
    redis.call('INCR', dead)
    if n > 0 then redis.call('INCRBY', lost, n) end
  end
  return n
end
"""
_REQUEUE = _REQUEUE_BODY + """
return requeue(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], KEYS[5], ARGV[2])
"""

# Is any work outstanding? Requeues the leases of workers whose alive key expired on the way.
# Returns {outstanding requests (queued + leased by live workers), requeued now, live workers}.
_SETTLE = _REQUEUE_BODY + """
local requeued = 0
local reaped = 0
local live = 0
local leased = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local leases = ARGV[1] .. 'leases:' .. w
  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. w) == 0 then
    reaped = reaped + 1
    requeued = requeued + requeue(KEYS[1], leases, KEYS[2], KEYS[3], w, KEYS[4], KEYS[5])
  else
    live = live + 1
    leased = leased + redis.call('HLEN', leases)
  end
end
return {redis.call('ZCARD', KEYS[1]) + leased, requeued, live, reaped}
"""


@dataclass(frozen=True)
class Settled:
    outstanding: int  # requests queued or leased by a live worker
    requeued: int  # leases of dead workers put back by this call
    live_workers: int
    reaped: int  # dead workers found by this call


@dataclass
class WorkerShare:
    """What one worker did (reported when it closed)."""

    requests: int = 0
    downloads: int = 0
    items: int = 0  # calls this worker listed first (so the shares add up to the run's items)
    errors: int = 0
    finish_reason: str = ""


@dataclass
class CrawlFigures:
    """The run's figures as the workers left them in Redis."""

    stats: dict[str, int] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    workers: dict[str, WorkerShare] = field(default_factory=dict)
    items: int = 0
    lost: int = 0  # leases of dead workers that had to be put back
    dead: int = 0  # workers that died during the crawl (seen by the coordinator or by expiry)


class SharedCrawl:
    """The Redis side of one portal's distributed crawl (every operation of the protocol above)."""

    def __init__(self, client: redis.Redis, namespace: str, portal: str) -> None:
        if not _NAME.match(portal):
            raise DistributedError(f"Portal-Schlüssel {portal!r} taugt nicht als Redis-Schlüssel")
        self.client = client
        self.namespace = namespace
        self.portal = portal
        self.prefix = f"{namespace}:crawl:{portal}:"
        self._enqueue = client.register_script(_ENQUEUE)
        self._pop = client.register_script(_POP)
        self._requeue = client.register_script(_REQUEUE)
        self._settle = client.register_script(_SETTLE)

    def key(self, name: str) -> str:
        return self.prefix + name

    @property
    def crawls_key(self) -> str:
        return f"{self.namespace}:crawls"

    # -- publishing (coordinator) ----------------------------------------------------------------

    def job(self) -> dict[str, Any] | None:
        raw = self.client.get(self.key("job"))
        return json.loads(raw) if raw else None

    def publish(self, job: dict[str, Any]) -> None:
        self.client.set(self.key("job"), json.dumps(job))
        self.client.sadd(self.crawls_key, self.portal)

    def seed(self, spider: Spider, requests: Iterable[Request]) -> int:
        """Queue the start requests (once: the dupefilter drops those already queued)."""
        queue = self.queue(spider)
        dupefilter = RFPDupeFilter(self.client, self.key("dupefilter"))
        return sum(self.enqueue(request, queue, dupefilter) for request in requests)

    def enqueue(self, request: Request, queue: Any, dupefilter: RFPDupeFilter) -> bool:
        """Mark the request seen and queue it in one step; False if it was seen before."""
        fingerprint = "" if request.dont_filter else dupefilter.request_fingerprint(request)
        data = queue._encode_request(request)
        keys = [self.key("dupefilter"), self.key("requests")]
        return bool(self._enqueue(keys=keys, args=[fingerprint, -request.priority, data]))

    def queue(self, spider: Spider) -> Any:
        return PriorityQueue(self.client, spider, self.key("requests"), serializer=JsonCodec)

    def coordinator_alive(self) -> bool:
        return bool(self.client.exists(self.key("coordinator")))

    def coordinator_ttl_s(self) -> float:
        """Seconds until the coordinator's alive key expires (0 when there is none)."""
        return max(0, int(self.client.pttl(self.key("coordinator")))) / 1000

    def keep_coordinator_alive(self, ttl_s: float) -> None:
        self.client.set(self.key("coordinator"), "1", px=int(ttl_s * 1000))

    def stop(self) -> None:
        """End the crawl early (time budget): the queue is dropped, leased work may finish."""
        self.client.set(self.key("stop"), "1")
        self.client.delete(self.key("requests"))

    def stopped(self) -> bool:
        return bool(self.client.exists(self.key("stop")))

    def cleanup(self) -> None:
        """Delete every key of this crawl (after the coordinator has recorded the run)."""
        batch: list[Any] = []
        for name in self.client.scan_iter(match=self.prefix + "*", count=500):
            batch.append(name)
            if len(batch) >= 500:
                self.client.delete(*batch)
                batch.clear()
        if batch:
            self.client.delete(*batch)
        self.client.srem(self.crawls_key, self.portal)

    # -- leases (workers) --------------------------------------------------------------------------

    def pop_lease(self, worker: str, ttl_s: float) -> tuple[str, bytes] | None:
        keys = [self.key("requests"), self.key(f"leases:{worker}"), self.key(f"alive:{worker}"),
                self.key("workers"), self.key("stop")]
        found = self._pop(keys=keys, args=[int(ttl_s * 1000), worker])
        if not found:
            return None
        sha, data = found
        return (sha.decode() if isinstance(sha, bytes) else str(sha)), data

    def ack(self, worker: str, lease: str) -> None:
        self.client.hdel(self.key(f"leases:{worker}"), lease)

    def join(self, worker: str, ttl_s: float) -> None:
        self.client.set(self.key(f"alive:{worker}"), "1", px=int(ttl_s * 1000))
        self.client.sadd(self.key("workers"), worker)

    def beat(self, worker: str, ttl_s: float) -> None:
        self.client.set(self.key(f"alive:{worker}"), "1", px=int(ttl_s * 1000))

    def leave(self, worker: str) -> int:
        """A worker closes: its unfinished leases (none after a normal close) go back; it is forgotten."""
        put_back = self.requeue(worker, dead=False)
        self.client.delete(self.key(f"alive:{worker}"))
        return put_back

    def requeue(self, worker: str, *, dead: bool = True) -> int:
        """The worker died (or is leaving): put its leases back into the queue; returns how many."""
        keys = [self.key("requests"), self.key(f"leases:{worker}"), self.key("workers"), self.key("lost"),
                self.key("stop")]
        put_back = int(self._requeue(keys=keys, args=[worker, self.key("dead") if dead else ""]))
        if dead:
            self.client.delete(self.key(f"alive:{worker}"))
        return put_back

    def settle(self) -> Settled:
        """Whether work is outstanding; reaps workers whose alive key expired on the way."""
        keys = [self.key("requests"), self.key("workers"), self.key("lost"), self.key("stop"), self.key("dead")]
        outstanding, requeued, live, reaped = self._settle(keys=keys, args=[self.prefix])
        return Settled(int(outstanding), int(requeued), int(live), int(reaped))

    def queued(self) -> int:
        return int(self.client.zcard(self.key("requests")))

    # -- what the crawl found ----------------------------------------------------------------------

    def add_seen(self, call_id: str) -> bool:
        """Record that the crawl listed ``call_id``; True for the first worker to do so."""
        return bool(self.client.sadd(self.key("seen"), call_id))

    def seen_ids(self) -> set[str]:
        """Every call id the crawl listed — O(portal size) by design: gone detection needs all."""
        members = self.client.sscan_iter(self.key("seen"), count=1000)
        return {v.decode() if isinstance(v, bytes) else str(v) for v in members}

    def report_worker(
        self, worker: str, stats: dict[str, int], filled: dict[str, int], messages: list[str], share: WorkerShare
    ) -> None:
        """A worker's figures at close, added to the run's (one round trip)."""
        pipe = self.client.pipeline()
        for name, value in stats.items():
            if value:
                pipe.hincrby(self.key("stats"), name, value)
        for name, value in filled.items():
            pipe.hincrby(self.key("filled"), name, value)
        if messages:
            pipe.rpush(self.key("messages"), *messages[:MAX_MESSAGES])
            pipe.ltrim(self.key("messages"), 0, MAX_MESSAGES - 1)
        pipe.hset(self.key(f"worker:{worker}"), mapping={
            "requests": share.requests, "downloads": share.downloads, "items": share.items,
            "errors": share.errors, "finish_reason": share.finish_reason,
        })
        pipe.execute()

    def figures(self) -> CrawlFigures:
        def text(value: Any) -> str:
            return value.decode() if isinstance(value, bytes) else str(value)

        stats = {text(k): int(v) for k, v in self.client.hgetall(self.key("stats")).items()}
        filled = {text(k): int(v) for k, v in self.client.hgetall(self.key("filled")).items()}
        messages = [text(m) for m in self.client.lrange(self.key("messages"), 0, MAX_MESSAGES - 1)]
        workers: dict[str, WorkerShare] = {}
        for name in self.client.scan_iter(match=self.prefix + "worker:*", count=100):
            data = {text(k): text(v) for k, v in self.client.hgetall(name).items()}
            workers[text(name)[len(self.prefix + "worker:"):]] = WorkerShare(
                requests=int(data.get("requests", 0)), downloads=int(data.get("downloads", 0)),
                items=int(data.get("items", 0)), errors=int(data.get("errors", 0)),
                finish_reason=data.get("finish_reason", ""),
            )
        lost = int(self.client.get(self.key("lost")) or 0)
        dead = int(self.client.get(self.key("dead")) or 0)
        items = int(self.client.scard(self.key("seen")))
        return CrawlFigures(stats, filled, messages, dict(sorted(workers.items())), items, lost, dead)


def open_shared(settings: Any, portal: str) -> tuple[SharedCrawl, str] | None:
    """The shared crawl this Scrapy process belongs to (and its worker id), or None when it crawls alone."""
    url = settings.get(REDIS_URL_SETTING)
    if not url:
        return None
    shared = SharedCrawl(connect(url), settings.get(NAMESPACE_SETTING) or DEFAULT_NAMESPACE, portal)
    return shared, str(settings.get(WORKER_SETTING))


# -- Scrapy side ---------------------------------------------------------------------------------


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler (shared queue and dupefilter) with leases and a shared end.

    - ``next_request`` leases instead of popping; the lease is released when the engine is done
      with the request (see :meth:`_hook_engine`).
    - ``spider_idle``: the worker stays open while the crawl has outstanding work anywhere, and
      looks for it every ``poll_s``; it closes when there is none (queue empty, no live leases).
    - Never flushes the shared queue on close (``persist``): the coordinator cleans up.
    """

    def __init__(self, crawler: Crawler, client: redis.Redis) -> None:
        super().__init__(client, persist=True, serializer=JsonCodec)
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.namespace = settings.get(NAMESPACE_SETTING) or DEFAULT_NAMESPACE
        self.worker = str(settings.get(WORKER_SETTING))
        self.ttl_s = settings.getfloat(LEASE_TTL_SETTING, 60.0)
        self.poll_s = settings.getfloat(POLL_SETTING, 0.5)
        self.shared: SharedCrawl | None = None
        self.leases: dict[Request, str] = {}
        self._heartbeat: task.LoopingCall | None = None
        crawler.signals.connect(self._idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasingScheduler:
        return cls(crawler, connect(crawler.settings.get(REDIS_URL_SETTING)))

    def open(self, spider: Spider) -> None:
        portal = getattr(spider, "portal", None)
        if portal is None:
            raise DistributedError(f"Spider {spider.name} hat kein Portal: verteiltes Crawlen nicht möglich")
        self.shared = SharedCrawl(self.server, self.namespace, portal.key)
        self.queue_key = self.shared.key("requests")
        self.dupefilter_key = self.shared.key("dupefilter")
        self.df = RFPDupeFilter(self.server, self.dupefilter_key)
        super().open(spider)
        self._hook_engine()
        self.shared.join(self.worker, self.ttl_s)
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(max(self.ttl_s / 4, 0.1), now=False)

    def _hook_engine(self) -> None:
        """Release a lease when the engine removes the request from its in-progress set.

        That is the one moment after which nothing more happens for the request: the response
        has been parsed and its output (requests queued, items stored) handled, or the download
        failed for good, or the request came back as a new one (redirect, retry, mirror rewrite)
        that is already queued. Scrapy has no signal for it, so the engine's method is wrapped
        (checked at start-up, and covered by tests/crawler/test_distributed.py).
        """
        engine = self.crawler.engine
        remove = getattr(engine, "_remove_request", None)
        if engine is None or remove is None or not hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            raise DistributedError(
                "Verteiltes Crawlen: diese Scrapy-Version wird nicht unterstützt (getestet mit Scrapy 2.19)"
            )

        def remove_request(result: Any, request: Request) -> Any:
            self._ack(request)
            return remove(result, request=request)

        engine._remove_request = remove_request  # type: ignore[method-assign,assignment]
        # An idle worker asks for new work every poll_s instead of Scrapy's default 5 s.
        engine._SLOT_HEARTBEAT_INTERVAL = self.poll_s

    def _ack(self, request: Request) -> None:
        lease = self.leases.pop(request, None)
        if lease is not None and self.shared is not None:
            self.shared.ack(self.worker, lease)

    def _beat(self) -> None:
        if self.shared is not None:
            try:
                self.shared.beat(self.worker, self.ttl_s)
            except redis.RedisError as exc:  # the next beat may succeed; a missed one is not fatal
                log.warning("Redis heartbeat failed: %s", exc)

    def next_request(self) -> Request | None:
        assert self.shared is not None
        found = self.shared.pop_lease(self.worker, self.ttl_s)
        if found is None:
            return None
        lease, data = found
        request: Request = self.queue._decode_request(data)
        self.leases[request] = lease
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request: Request) -> bool:
        assert self.shared is not None
        if not self.shared.enqueue(request, self.queue, self.df):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _idle(self, spider: Spider) -> None:
        assert self.shared is not None
        if self.shared.settle().outstanding > 0:
            raise DontCloseSpider

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.shared is not None:
            put_back = self.shared.leave(self.worker)
            if put_back:
                log.warning("%d unfinished requests put back into the shared queue (%s)", put_back, reason)


def worker_spider_class(spider_class: type[Spider]) -> type[Spider]:
    """The portal's spider without start requests: the coordinator queued them (see seed_requests)."""

    async def start(self: Spider) -> AsyncIterator[Request]:
        return
        yield  # an async generator that yields nothing

    def start_requests(self: Spider) -> Iterator[Request]:
        return iter(())

    return type(spider_class.__name__, (spider_class,), {
        "start": start, "start_requests": start_requests, "__module__": spider_class.__module__,
        "__doc__": spider_class.__doc__,
    })


async def _collect(requests: AsyncIterator[Request]) -> list[Request]:
    return [r async for r in requests]


def start_requests(spider: Spider) -> list[Request]:
    """The spider's start requests, outside Scrapy (they depend on the portal entry only)."""
    import asyncio

    return asyncio.run(_collect(spider.start()))
