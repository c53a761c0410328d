#!/usr/bin/env python3
"""Soak load generator and judge for a running gateway (driven by scripts/soak.sh).

Open-loop HTTP/1.1 over mTLS (keep-alive connection pools, asyncio, standard library only):

1. capacity: a closed-loop burst (CONNECTIONS loops, SECONDS) of the same request mix, unless --rate is given;
2. soak: requests started at a fixed rate (70% of the capacity by default) for --minutes. A request's latency is
   measured from the instant it was *scheduled*, not from when a connection was free, so a stall of the gateway
   shows in the percentiles instead of silently lowering the load (no coordinated omission);
3. every --interval seconds: the gateway process's RSS (/proc/PID/status VmRSS), open file descriptors by kind
   (fd_census: files, pipes, eventfds, ... from the /proc/PID/fd link targets; sockets classified as listeners,
   inbound, outbound per upstream and other with /proc/PID/net/tcp), threads, the size of its SQLite files, and the
   window's requests, errors, 5xx, p50/p99;
4. at the end: a table per period (one minute; a quarter of the run when it is shorter than two minutes), the
   verdict of judge() (PASS / FAIL with reasons; the checks are listed in scripts/soak.sh's header, the first
   period is the warm-up), samples.csv and report.txt in --out. Exit 0 on PASS, 1 on FAIL.

The socket bounds come from the gateway's configuration (--config: listeners, upstream URLs,
outbound.max_connections_per_host). scripts/test_soak.py tests judge() on synthetic samples:

    python3 -m unittest discover -s scripts -p 'test_soak.py'

The mix: population.verify-citizen as gov.labour.dongnai (purpose asxh.verify-beneficiary, X-User-Id) and a share of
POST /v1/messages vss.participant-sync from gov.vss.dongnai to gov.labour.dongnai (a pull recipient) carrying
records of synthetic citizens. A drain loop leases and acknowledges those messages from gov.labour.dongnai's inbox,
so the queue reaches a steady state instead of growing for the whole run. Synthetic data only; no personal data
is printed.
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import dataclasses
import json
import os
import random
import ssl
import sys
import time
import uuid

LABOUR = "gov.labour.dongnai"
VSS = "gov.vss.dongnai"


class HTTPError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection over TLS."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.last_used = time.monotonic()

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, bool]:
        head = [f"{method} {path} HTTP/1.1", "Host: gateway"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise HTTPError("connection closed")
        parts = status_line.split(b" ", 2)
        status = int(parts[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        if chunked:
            data = bytearray()
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            payload = bytes(data)
        elif length is not None:
            payload = await self.reader.readexactly(length)
        else:
            payload = await self.reader.read()
            close = True
        return status, payload, close

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass


class Pool:
    """A fixed number of keep-alive connections of one member, used in turn (least recently used first).

    The soak opens them all before the load starts and keeps the count constant: a connection that fails or that the
    gateway closed is replaced by a new one, and callers wait when all are busy (their latency still runs from the
    scheduled instant). Used in turn, no connection sits idle long enough for the gateway's idle timeout
    (`partner.idle_timeout_seconds`, default 60), so the gateway's file descriptors do not follow the load
    generator's pool and check (c) measures the gateway alone. Requests are never retried: every failure counts.
    """

    def __init__(self, host: str, port: int, context: ssl.SSLContext, size: int, max_idle: float = 30):
        self.host, self.port, self.context, self.max_idle = host, port, context, max_idle
        self.idle: collections.deque[Connection] = collections.deque()
        self.slots = asyncio.Semaphore(size)
        self.size = size
        self.opened = self.closed = 0

    async def _open(self) -> Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self.context, server_hostname=self.host)
        self.opened += 1
        return Connection(reader, writer)

    async def open_all(self) -> None:
        """Opens every connection of the pool."""
        for _ in range(self.size - len(self.idle)):
            self.idle.append(await self._open())

    async def call(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        async with self.slots:
            conn = self.idle.popleft() if self.idle else None
            if conn is not None and (conn.reader.at_eof() or time.monotonic() - conn.last_used > self.max_idle):
                conn.close()
                self.closed += 1
                conn = None
            if conn is None:
                conn = await self._open()
            try:
                status, payload, close = await conn.request(method, path, headers, body)
            except BaseException:
                conn.close()
                self.closed += 1
                raise
            if close:
                conn.close()
                self.closed += 1
            else:
                conn.last_used = time.monotonic()
                self.idle.append(conn)
            return status, payload

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
            self.closed += 1
        self.idle.clear()

    @property
    def open(self) -> int:
        return self.opened - self.closed


def tls_context(certs: str, member: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=os.path.join(certs, "ca.pem"))
    context.load_cert_chain(os.path.join(certs, f"{member}.pem"), os.path.join(certs, f"{member}-key.pem"))
    return context


class Mix:
    """Request bodies from the synthetic population, and the choice between a verify call and a message."""

    def __init__(self, citizens_path: str, message_share: float, seed: int = 7):
        citizens = [json.loads(l) for l in open(citizens_path, encoding="utf-8") if l.strip()]
        adults = [c for c in citizens if c.get("personalId")]
        if len(adults) < 10:
            raise SystemExit("soak: too few citizens with a personal id in " + citizens_path)
        self.verify = [json.dumps({"personalId": c["personalId"], "fullName": c["fullName"],
                                   "dateOfBirth": c["dateOfBirth"]}, ensure_ascii=False).encode() for c in adults]
        self.records = [{"personalId": c["personalId"], "socialInsuranceNumber": "75" + c["personalId"][-8:],
                         "fullName": c["fullName"], "dateOfBirth": c["dateOfBirth"], "sex": c["sex"],
                         "participation": "participating", "scheme": "compulsory", "since": "2012-09-01"}
                        for c in adults if c["dateOfBirth"] < "1994-09-01"]  # of working age by `since`
        self.share = message_share
        self.random = random.Random(seed)
        self.i = 0

    def next(self) -> tuple[str, str, dict[str, str], bytes]:
        """(kind, path, headers, body) of the next request; kind is 'verify' or 'message'."""
        self.i += 1
        if self.random.random() < self.share:
            records = self.random.sample(self.records, 3)
            body = json.dumps({"id": str(uuid.uuid4()), "type": "vss.participant-sync", "to": LABOUR,
                               "payload": {"asOf": "2025-07-01", "records": records}}, ensure_ascii=False).encode()
            return "message", "/v1/messages", {"Content-Type": "application/json", "X-User-Id": "soak"}, body
        body = self.verify[self.i % len(self.verify)]
        return "verify", "/v1/services/population.verify-citizen", {
            "Content-Type": "application/json", "X-Purpose": "asxh.verify-beneficiary", "X-User-Id": "soak"}, body


class Window:
    """What completed during one sampling window."""

    def __init__(self) -> None:
        self.latencies: list[float] = []   # ms, successful and failed requests alike
        self.requests = self.errors = self.server_errors = self.messages = 0
        self.error_kinds: dict[str, int] = {}

    def add(self, kind: str, latency_ms: float, status: int | None, error: str | None) -> None:
        self.requests += 1
        self.latencies.append(latency_ms)
        if kind == "message":
            self.messages += 1
        expected = 202 if kind == "message" else 200
        if status != expected:
            self.errors += 1
            key = error or f"HTTP {status}"
            self.error_kinds[key] = self.error_kinds.get(key, 0) + 1
            if status is not None and status >= 500:
                self.server_errors += 1


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


class Recorder:
    def __init__(self) -> None:
        self.window = Window()

    def take(self) -> Window:
        window, self.window = self.window, Window()
        return window


async def one(pools: dict[str, Pool], mix_item, scheduled: float, recorder: Recorder, timeout: float) -> None:
    kind, path, headers, body = mix_item
    pool = pools[VSS] if kind == "message" else pools[LABOUR]
    status, error = None, None
    try:
        status, _ = await asyncio.wait_for(pool.call("POST", path, headers, body), timeout)
    except asyncio.TimeoutError:
        error = "timeout"
    except Exception as e:  # connection refused/reset, TLS, protocol
        error = type(e).__name__
    recorder.window.add(kind, (time.monotonic() - scheduled) * 1000, status, error)


async def capacity(pools, mix: Mix, seconds: float, connections: int, timeout: float) -> tuple[float, Window]:
    recorder = Recorder()
    deadline = time.monotonic() + seconds

    async def loop() -> None:
        while time.monotonic() < deadline:
            await one(pools, mix.next(), time.monotonic(), recorder, timeout)

    start = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(connections)))
    elapsed = time.monotonic() - start
    window = recorder.take()
    return (window.requests - window.errors) / elapsed, window


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load1() -> float:
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


@dataclasses.dataclass(frozen=True)
class Limits:
    """What the gateway's sockets may number, from its configuration, and the slack of the descriptor checks.

    listen_ports: the gateway's listeners (partner, admin); upstream_ports: the configured upstreams' ports (an
    outbound connection is one whose remote port is one of them); upstream_hosts: how many upstream hosts the soak's
    mix exercises (population); max_connections_per_host: `outbound.max_connections_per_host` (AsyncHTTPClient's
    pool limit per host).
    """
    listen_ports: tuple[int, ...] = ()
    upstream_ports: tuple[int, ...] = ()
    upstream_hosts: int = 1
    max_connections_per_host: int = 16
    # Non-socket descriptors and unclassified sockets (unix, UDP, anything that is neither a listener, an inbound nor
    # an outbound connection) may exceed their warm-up value by this much at the end (a file opened for a moment).
    strict_slack: int = 2
    # Sockets over the configuration's bound: connections being closed when the sample was taken.
    socket_slack: int = 4


def fd_census(pid: int, limits: Limits) -> dict[str, int]:
    """The open file descriptors of a process, by kind.

    Non-socket kinds come from the /proc/PID/fd link targets: `file` (a path), `pipe`, `eventfd`, `epoll`,
    `timerfd`, ... (`anon_inode:[x]` → x). Sockets (`socket:[inode]`) are classified with /proc/PID/net/tcp{,6}:
    `sock_listen` (LISTEN state), `sock_inbound` (local port is a listener's), `sock_self` (remote port is a
    listener's: the registry's and labour module's loopback client), `sock_out:<port>` (remote port is an upstream's),
    `sock_other` (unix, UDP, any other TCP). Keys starting with `sock_` are sockets.
    """
    links: list[str] = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:
            pass  # closed meanwhile
    tcp: dict[str, tuple[int, int, str]] = {}  # inode → (local port, remote port, state)
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}", encoding="ascii") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if len(fields) > 9:
                        tcp[fields[9]] = (int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16),
                                          fields[3])
        except OSError:
            pass
    kinds: dict[str, int] = collections.Counter()
    for link in links:
        if link.startswith("socket:["):
            entry = tcp.get(link[8:-1])
            if entry is None:
                kind = "sock_other"
            elif entry[2] == "0A":
                kind = "sock_listen"
            elif entry[0] in limits.listen_ports:
                kind = "sock_inbound"
            elif entry[1] in limits.listen_ports:
                kind = "sock_self"  # the gateway's own client of its partner listener (registry, labour)
            elif entry[1] in limits.upstream_ports:
                kind = f"sock_out:{entry[1]}"
            else:
                kind = "sock_other"
        elif link.startswith("anon_inode:"):
            kind = link[len("anon_inode:"):].strip("[]")
        elif link.startswith("pipe:"):
            kind = "pipe"
        elif link.startswith("/"):
            kind = "file"
        else:
            kind = link.split(":", 1)[0]
        kinds[kind] += 1
    return dict(kinds)


def census_fields(kinds: dict[str, int]) -> dict:
    """The sample's descriptor columns from a census."""
    sockets = {k: v for k, v in kinds.items() if k.startswith("sock_")}
    outbound = [v for k, v in sockets.items() if k.startswith("sock_out:")]
    return {"fds": sum(kinds.values()), "socket_fds": sum(sockets.values()),
            "nonsocket_fds": sum(v for k, v in kinds.items() if not k.startswith("sock_")),
            "sock_listen": sockets.get("sock_listen", 0), "sock_inbound": sockets.get("sock_inbound", 0),
            "sock_outbound": sum(outbound), "sock_outbound_max": max(outbound, default=0),
            "sock_other": sockets.get("sock_other", 0) + sockets.get("sock_self", 0),
            "sock_self": sockets.get("sock_self", 0), "_fd_kinds": dict(kinds)}


def proc_sample(pid: int) -> tuple[int, int]:
    """(RSS KiB, threads) of a process."""
    rss = threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, threads


def db_bytes(data_dir: str | None) -> int:
    if not data_dir:
        return 0
    total = 0
    for name in os.listdir(data_dir):
        if name.startswith("lienthong.sqlite"):
            total += os.path.getsize(os.path.join(data_dir, name))
    return total


async def drain(pool: Pool, stop: asyncio.Event, counters: dict[str, int]) -> None:
    """Leases and acknowledges the soak's messages from the labour department's inbox."""
    while not stop.is_set():
        try:
            status, body = await asyncio.wait_for(
                pool.call("GET", "/v1/inbox?limit=100&type=vss.participant-sync", {"X-User-Id": "soak"}), 10)
            if status != 200:
                counters["drain_errors"] += 1
            else:
                async def ack(message) -> None:
                    token = json.dumps({"leaseToken": message["leaseToken"]}).encode()
                    try:
                        s, _ = await asyncio.wait_for(pool.call(
                            "POST", f"/v1/inbox/{message['id']}/ack",
                            {"Content-Type": "application/json", "X-User-Id": "soak"}, token), 10)
                    except Exception:
                        s = None
                    counters["acked" if s == 200 else "drain_errors"] += 1
                await asyncio.gather(*(ack(m) for m in json.loads(body).get("messages", [])))
        except Exception:
            counters["drain_errors"] += 1
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass


async def soak(args, pools, mix: Mix, rate: float, limits: Limits) -> tuple[list[dict], dict[str, int], dict[str, int]]:
    recorder = Recorder()
    duration = args.minutes * 60
    samples: list[dict] = []
    error_kinds: dict[str, int] = {}
    counters = {"acked": 0, "drain_errors": 0}
    stop = asyncio.Event()
    tasks: set[asyncio.Task] = set()
    start = time.monotonic()
    drainer = asyncio.create_task(drain(pools["drain"], stop, counters))

    async def sampler() -> None:
        n = 1
        cpu, wall = cpu_seconds(args.gateway_pid), time.monotonic()
        while True:
            target = start + n * args.interval
            await asyncio.sleep(max(0, target - time.monotonic()))
            window = recorder.take()
            rss, threads = proc_sample(args.gateway_pid)
            fds = census_fields(fd_census(args.gateway_pid, limits))
            cpu_now, wall_now = cpu_seconds(args.gateway_pid), time.monotonic()
            cpu_pct = 100 * (cpu_now - cpu) / (wall_now - wall)
            cpu, wall = cpu_now, wall_now
            for k, v in window.error_kinds.items():
                error_kinds[k] = error_kinds.get(k, 0) + v
            samples.append({
                "t_s": round(n * args.interval, 1), "requests": window.requests, "messages": window.messages,
                "errors": window.errors, "status_5xx": window.server_errors,
                "p50_ms": round(percentile(window.latencies, 0.5), 2),
                "p99_ms": round(percentile(window.latencies, 0.99), 2),
                "max_ms": round(max(window.latencies), 2) if window.latencies else float("nan"),
                "rss_kib": rss, **fds, "threads": threads, "db_bytes": db_bytes(args.data_dir),
                "in_flight": len(tasks), "client_conns": sum(p.open for p in pools.values()),
                "gateway_cpu_pct": round(cpu_pct, 1), "load1": load1(), "_latencies": window.latencies})
            write_sample(samples[-1])
            if n * args.interval >= duration:
                return
            n += 1

    csv_file = open(os.path.join(args.out, "samples.csv"), "w", newline="", encoding="utf-8")
    writer: list[csv.DictWriter] = []

    def write_sample(sample: dict) -> None:
        """Appends a sample to samples.csv as soon as it is taken (kept even if the run is interrupted)."""
        if not writer:
            writer.append(csv.DictWriter(csv_file, fieldnames=[k for k in sample if not k.startswith("_")],
                                         extrasaction="ignore"))
            writer[0].writeheader()
        writer[0].writerow(sample)
        csv_file.flush()

    sampling = asyncio.create_task(sampler())
    i = 0
    interval = 1.0 / rate
    while True:
        scheduled = start + i * interval
        if scheduled - start >= duration:
            break
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(pools, mix.next(), scheduled, recorder, args.timeout))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
    await sampling
    csv_file.close()
    stop.set()
    await drainer
    # Requests still running at the end are not in any window; wait for them so connections close cleanly.
    if tasks:
        await asyncio.wait(tasks, timeout=args.timeout + 1)
    return samples, error_kinds, counters


# (b) RSS: the 10-minute run's allowance, max(10% of the warm-up's RSS, 20 MiB) over its 540 s after the warm-up,
# scaled to the judged span of a shorter run but never below this floor (the allocator's and SQLite's page cache
# move by a few MiB on a loaded host).
RSS_ALLOWANCE_SPAN_S = 540
RSS_FLOOR_KIB = 6 * 1024
# (d) p99: a rise of less than this over the reference is never a failure (5-s windows of 300 requests at 60/s:
# a window's p99 is its third-slowest request).
P99_FLOOR_MS = 50.0


def typical_p99(chunk: list[dict]) -> float:
    """The p99 of the period's best sampling window: a stall of the host of a few hundred ms (another process, a
    checkpoint) spoils one or two 5-s windows and not this, while a slowdown that lasts the whole period (a queue
    that grows, a lookup that slows as the data grows) raises every window and so this too."""
    values = [v for v in (percentile(s["_latencies"], 0.99) for s in chunk) if v == v]
    return min(values) if values else float("nan")


def judge(samples: list[dict], period_s: float, limits: Limits) -> tuple[list[dict], list[str], dict]:
    """Rows per period and the reasons to fail (empty: PASS).

    The first period is the warm-up: the descriptor and RSS baselines are the last sample in it, the p99 reference
    is the period after it (the first one when there are only two); a period's p99 for (d) is typical_p99(). A sample is a dict with t_s, requests, errors,
    status_5xx, _latencies (ms), rss_kib, the census_fields() columns, client_conns (connections the load generator
    held), threads, db_bytes, gateway_cpu_pct and load1. End values of descriptors are the smallest in the last
    period, so a descriptor open for a moment is not a leak while a leak, which only grows, still shows.
    """
    rows = []
    periods = int(round(samples[-1]["t_s"] / period_s))
    for p in range(periods):
        chunk = [s for s in samples if p * period_s < s["t_s"] <= (p + 1) * period_s + 1e-6]
        if not chunk:
            continue
        lat = [x for s in chunk for x in s["_latencies"]]
        requests = sum(s["requests"] for s in chunk)
        rows.append({"from_s": p * period_s, "to_s": (p + 1) * period_s, "requests": requests,
                     "rate": requests / period_s, "errors": sum(s["errors"] for s in chunk),
                     "status_5xx": sum(s["status_5xx"] for s in chunk),
                     "p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99), "max": max(lat) if lat else float("nan"),
                     "p99_typical": typical_p99(chunk),
                     "rss_kib": chunk[-1]["rss_kib"], "fds": chunk[-1]["fds"], "sockets": chunk[-1]["socket_fds"],
                     "nonsocket": chunk[-1]["nonsocket_fds"], "threads": chunk[-1]["threads"],
                     "db_bytes": chunk[-1]["db_bytes"], "conns": chunk[-1]["client_conns"],
                     "cpu": sum(s["gateway_cpu_pct"] for s in chunk) / len(chunk),
                     "load1": max(s["load1"] for s in chunk), "_samples": chunk})
    total = sum(s["requests"] for s in samples)
    errors = sum(s["errors"] for s in samples)
    server_errors = sum(s["status_5xx"] for s in samples)
    reasons = []
    if total == 0:
        reasons.append("no request completed")
    if server_errors:
        reasons.append(f"(a) {server_errors} answers with a 5xx status")
    if total and errors / total >= 0.001:
        reasons.append(f"(a) error share {errors / total:.4%} ≥ 0.1%")
    if len(rows) < 2:
        reasons.append("fewer than two periods: nothing to compare with the warm-up")
        return rows, reasons, {"requests": total, "errors": errors, "status_5xx": server_errors,
                               "error_share": errors / total if total else 1.0}
    warm, last = rows[0], rows[-1]
    reference = rows[1] if len(rows) >= 3 else rows[0]
    base = warm["_samples"][-1]
    tail = last["_samples"]

    # (b) RSS.
    span = samples[-1]["t_s"] - base["t_s"]
    allowance = max(0.10 * base["rss_kib"], 20 * 1024) * min(1.0, span / RSS_ALLOWANCE_SPAN_S)
    allowance = max(allowance, RSS_FLOOR_KIB)
    growth = samples[-1]["rss_kib"] - base["rss_kib"]
    if growth >= allowance:
        reasons.append(f"(b) RSS grew {growth / 1024:.1f} MiB in {span:.0f} s after the warm-up "
                       f"(allowance {allowance / 1024:.1f} MiB)")

    # (c) descriptors. Non-socket ones (files, pipes, eventfds, epoll) strictly against the warm-up.
    end_ns = min(tail, key=lambda s: s["nonsocket_fds"])
    if end_ns["nonsocket_fds"] > base["nonsocket_fds"] + limits.strict_slack:
        grew = {k: v - base["_fd_kinds"].get(k, 0) for k, v in end_ns["_fd_kinds"].items()
                if not k.startswith("sock_") and v > base["_fd_kinds"].get(k, 0)}
        reasons.append(f"(c) non-socket descriptors {base['nonsocket_fds']} → {end_ns['nonsocket_fds']} "
                       f"(more than +{limits.strict_slack}; grew: {grew})")
    end_other = min(s["sock_other"] for s in tail)
    if end_other > base["sock_other"] + limits.strict_slack:
        reasons.append(f"(c) unclassified sockets (unix, UDP, other TCP) {base['sock_other']} → {end_other} "
                       f"(more than +{limits.strict_slack})")
    # Sockets against the configuration: listeners + the load generator's connections + the outbound pool limit per
    # upstream host the mix exercises + the unclassified sockets of the warm-up + slack.
    def bound(s: dict) -> int:
        return (len(limits.listen_ports) + s["client_conns"] + limits.upstream_hosts * limits.max_connections_per_host
                + base["sock_other"] + limits.socket_slack)
    end_sock = min(tail, key=lambda s: s["socket_fds"] - bound(s))
    if end_sock["socket_fds"] > bound(end_sock):
        reasons.append(
            f"(c) sockets {end_sock['socket_fds']} > bound {bound(end_sock)} = {len(limits.listen_ports)} listeners + "
            f"{end_sock['client_conns']} load-generator connections + {limits.upstream_hosts} × "
            f"{limits.max_connections_per_host} outbound + {base['sock_other']} other + {limits.socket_slack} "
            f"(inbound {end_sock['sock_inbound']}, outbound {end_sock['sock_outbound']})")
    end_in = min(tail, key=lambda s: s["sock_inbound"] - s["client_conns"] - s["sock_self"])
    if end_in["sock_inbound"] > end_in["client_conns"] + end_in["sock_self"] + limits.socket_slack:
        reasons.append(f"(c) inbound connections {end_in['sock_inbound']} > {end_in['client_conns']} held by the load "
                       f"generator + {end_in['sock_self']} of the gateway's own client + {limits.socket_slack}")
    end_out = min(s["sock_outbound_max"] for s in tail)
    if end_out > limits.max_connections_per_host + limits.strict_slack:
        reasons.append(f"(c) {end_out} connections to one upstream host > outbound.max_connections_per_host "
                       f"{limits.max_connections_per_host}")

    # (d) p99 of the period's best window, after the warm-up.
    if not (last["p99_typical"] <= 2 * reference["p99_typical"]
            or last["p99_typical"] <= reference["p99_typical"] + P99_FLOOR_MS):
        reasons.append(f"(d) p99 of the last period {last['p99_typical']:.2f} ms > 2 × {reference['p99_typical']:.2f} ms "
                       f"({reference['from_s']:.0f}-{reference['to_s']:.0f} s; p99 of each period's best {samples[0]['t_s']:.0f}-s window)")
    if reasons and last["load1"] > warm["load1"] + 1.5:
        reasons.append(f"note: the host's 1-minute load average rose {warm['load1']:.1f} → {last['load1']:.1f}: "
                       "another process may have taken the CPU")
    figures = {"requests": total, "errors": errors, "status_5xx": server_errors,
               "error_share": errors / total if total else 1.0, "span_s": span,
               "rss_base_kib": base["rss_kib"], "rss_end_kib": samples[-1]["rss_kib"], "rss_allowance_kib": allowance,
               "nonsocket_base": base["nonsocket_fds"], "nonsocket_end": end_ns["nonsocket_fds"],
               "sockets_base": base["socket_fds"], "sockets_end": end_sock["socket_fds"],
               "socket_bound": bound(end_sock), "outbound_max": end_out, "inbound_end": end_in["sock_inbound"],
               "conns_end": end_in["client_conns"],
               "p99_reference_ms": reference["p99_typical"],
               "reference": f"{reference['from_s']:.0f}-{reference['to_s']:.0f} s", "p99_last_ms": last["p99_typical"]}
    return rows, reasons, figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True, help="partner listener port")
    ap.add_argument("--certs", required=True, help="example PKI folder (ca.pem, <member>.pem, <member>-key.pem)")
    ap.add_argument("--citizens", required=True, help="synthetic population (JSON Lines)")
    ap.add_argument("--gateway-pid", type=int, required=True)
    ap.add_argument("--data-dir", help="the gateway's data folder (size of lienthong.sqlite* is sampled)")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, help="requests/s (default: --load × measured capacity)")
    ap.add_argument("--load", type=float, default=0.7, help="share of the capacity (default 0.7)")
    ap.add_argument("--capacity-seconds", type=float, default=15)
    ap.add_argument("--capacity-connections", type=int, default=16)
    ap.add_argument("--connections", type=int, default=32,
                    help="connections of gov.labour.dongnai in the soak (gov.vss.dongnai: a quarter; constant)")
    ap.add_argument("--message-share", type=float, default=0.1)
    ap.add_argument("--interval", type=float, default=5)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--config", help="the gateway's lienthong.toml: listeners, upstreams and "
                    "outbound.max_connections_per_host bound the sockets of check (c) (default: the partner port only, "
                    "16 per host)")
    ap.add_argument("--upstreams", default="population",
                    help="comma-separated upstreams the mix exercises (each adds max_connections_per_host sockets)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return asyncio.run(run(args))


def load_limits(config: str | None, partner_port: int, exercised: list[str]) -> Limits:
    """Limits from the gateway's configuration (listeners, upstream ports, outbound.max_connections_per_host)."""
    if not config:
        return Limits(listen_ports=(partner_port,), upstream_hosts=len(exercised))
    from urllib.parse import urlsplit
    try:
        import tomllib
        with open(config, "rb") as f:
            doc = tomllib.load(f)
    except ImportError:  # Python < 3.11: the few `key = "string" | integer` lines needed here
        import re
        doc, table = {}, {}
        for line in open(config, encoding="utf-8"):
            line = line.split("#", 1)[0].strip() if not line.lstrip().startswith(("url", "listen")) else line.strip()
            if m := re.match(r"\[([^\]]+)\]$", line):
                table = doc
                for part in m.group(1).split("."):
                    table = table.setdefault(part, {})
            elif m := re.match(r'(\w+)\s*=\s*(?:"([^"]*)"|(\d+))', line):
                table[m.group(1)] = m.group(2) if m.group(2) is not None else int(m.group(3))
    listen = []
    for section in ("partner", "admin"):
        address = doc.get(section, {}).get("listen")
        if address:
            listen.append(int(address.rsplit(":", 1)[1]))
    upstreams = doc.get("upstreams", {})
    ports = []
    for name, table in upstreams.items():
        url = urlsplit(table.get("url", ""))
        if url.hostname:
            ports.append(url.port or (443 if url.scheme == "https" else 80))
    hosts = {urlsplit(upstreams[n]["url"]).netloc for n in exercised if n in upstreams and "url" in upstreams[n]}
    return Limits(listen_ports=tuple(listen) or (partner_port,), upstream_ports=tuple(ports),
                  upstream_hosts=max(1, len(hosts)),
                  max_connections_per_host=int(doc.get("outbound", {}).get("max_connections_per_host", 16)))


async def run(args) -> int:
    mix = Mix(args.citizens, args.message_share)
    limits = load_limits(args.config, args.port, [u for u in args.upstreams.split(",") if u])
    labour, vss = tls_context(args.certs, LABOUR), tls_context(args.certs, VSS)
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    if args.rate:
        rate = args.rate
        say(f"rate: {rate:.0f} requests/s (given)")
    else:
        pools = {LABOUR: Pool(args.host, args.port, labour, args.capacity_connections),
                 VSS: Pool(args.host, args.port, vss, args.capacity_connections)}
        cap, window = await capacity(pools, mix, args.capacity_seconds, args.capacity_connections, args.timeout)
        for p in pools.values():
            p.close()
        say(f"capacity: {cap:.0f} requests/s (closed loop, {args.capacity_connections} connections, "
            f"{args.capacity_seconds:.0f} s, {window.requests} requests, {window.errors} errors, "
            f"p50 {percentile(window.latencies, 0.5):.2f} ms, p99 {percentile(window.latencies, 0.99):.2f} ms)")
        if cap <= 0:
            say("soak: no successful request during the capacity burst")
            return 2
        rate = cap * args.load
        say(f"rate: {rate:.0f} requests/s ({args.load:.0%} of capacity)")
    say(f"soak: {args.minutes:g} min open loop, {args.message_share:.0%} POST /v1/messages (vss.participant-sync → "
        f"{LABOUR}, pull, drained), the rest population.verify-citizen; gateway pid {args.gateway_pid}")

    pools = {LABOUR: Pool(args.host, args.port, labour, args.connections),
             VSS: Pool(args.host, args.port, vss, max(2, args.connections // 4)),
             "drain": Pool(args.host, args.port, labour, 4)}
    for p in pools.values():
        await p.open_all()
    samples, error_kinds, counters = await soak(args, pools, mix, rate, limits)
    for p in pools.values():
        p.close()
    opened = pools[LABOUR].opened + pools[VSS].opened

    csv_path = os.path.join(args.out, "samples.csv")

    duration = args.minutes * 60
    period = 60.0 if duration >= 120 else duration / 4
    rows, reasons, figures = judge(samples, period, limits)
    say()
    say(f"{'period':>11} | {'req/s':>7} {'errors':>6} {'5xx':>4} | {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} | "
        f"{'RSS MiB':>7} {'sock':>4} {'other':>5} {'thr':>4} {'db MiB':>7} | {'conns':>5} {'cpu %':>5} {'load':>5}")
    for r in rows:
        say(f"{r['from_s']:5.0f}-{r['to_s']:<4.0f}s | {r['rate']:7.1f} {r['errors']:6d} {r['status_5xx']:4d} | "
            f"{r['p50']:7.2f} {r['p99']:7.2f} {r['max']:8.1f} | {r['rss_kib'] / 1024:7.1f} {r['sockets']:4d} "
            f"{r['nonsocket']:5d} {r['threads']:4d} {r['db_bytes'] / 1048576:7.1f} | {r['conns']:5d} {r['cpu']:5.0f} "
            f"{r['load1']:5.1f}")
    say("(sock: the gateway's sockets; other: its other descriptors (files, pipes, eventfds, epoll); conns: "
        "connections the load generator held; cpu %: the gateway's CPU, 100 = one core; load: the host's 1-minute "
        "load average, highest in the period; the first period is the warm-up)")
    say()
    say(f"requests {figures['requests']} (target rate {rate:.0f}/s, achieved {figures['requests'] / duration:.1f}/s), "
        f"errors {figures['errors']} ({figures['error_share']:.4%}), 5xx {figures['status_5xx']}"
        + (f", kinds {error_kinds}" if error_kinds else ""))
    if "span_s" in figures:
        say(f"RSS {figures['rss_base_kib'] / 1024:.1f} MiB after the warm-up → {figures['rss_end_kib'] / 1024:.1f} MiB "
            f"at the end (allowance +{figures['rss_allowance_kib'] / 1024:.1f} MiB in {figures['span_s']:.0f} s); "
            f"non-socket fds {figures['nonsocket_base']} → {figures['nonsocket_end']}; sockets "
            f"{figures['sockets_base']} → {figures['sockets_end']} (bound {figures['socket_bound']}: "
            f"{len(limits.listen_ports)} listeners + load-generator connections + {limits.upstream_hosts} × "
            f"{limits.max_connections_per_host} outbound + other + {limits.socket_slack}; inbound "
            f"{figures['inbound_end']} for {figures['conns_end']} load-generator connections; most to one upstream "
            f"{figures['outbound_max']}); p99 (best window) {figures['p99_reference_ms']:.2f} ms "
            f"({figures['reference']}) → {figures['p99_last_ms']:.2f} ms (last period)")
    say(f"client connections opened {opened}; inbox messages acknowledged {counters['acked']}, "
        f"drain errors {counters['drain_errors']}")
    say(f"samples: {csv_path}")
    if reasons:
        say("verdict: FAIL: " + "; ".join(reasons))
    else:
        say("verdict: PASS")
    with open(os.path.join(args.out, "report.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return 1 if reasons else 0


if __name__ == "__main__":
    sys.exit(main())
