#!/usr/bin/env python3
"""Soak load generator and judge for a running gateway (driven by scripts/soak.sh).

Open-loop HTTP/1.1 over mTLS (keep-alive connection pools, asyncio, standard library only):

1. capacity: a closed-loop burst (CONNECTIONS loops, SECONDS) of the same request mix, unless --rate is given;
2. soak: requests started at a fixed rate (70% of the capacity by default) for --minutes. A request's latency is
   measured from the instant it was *scheduled*, not from when a connection was free, so a stall of the gateway
   shows in the percentiles instead of silently lowering the load (no coordinated omission);
3. every --interval seconds: the gateway process's RSS (/proc/PID/status VmRSS), open file descriptors
   (/proc/PID/fd), threads, the size of its SQLite files, and the window's requests, errors, 5xx, p50/p99;
4. at the end: a table per period (one minute; a quarter of the run when it is shorter than two minutes), the
   verdict (PASS / FAIL with reasons), samples.csv and report.txt in --out. Exit 0 on PASS, 1 on FAIL.

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


def socket_fds(pid: int) -> int:
    """Open file descriptors of a process that are sockets (the rest: files, pipes, eventfds, epoll)."""
    count = 0
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{name}").startswith("socket:")
        except OSError:
            pass
    return count


def proc_sample(pid: int) -> tuple[int, int, int]:
    """(RSS KiB, open fds, threads) of a process."""
    rss = threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


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


async def soak(args, pools, mix: Mix, rate: float) -> tuple[list[dict], dict[str, int], dict[str, int]]:
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
            rss, fds, threads = proc_sample(args.gateway_pid)
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
                "rss_kib": rss, "fds": fds, "socket_fds": socket_fds(args.gateway_pid), "threads": threads, "db_bytes": db_bytes(args.data_dir),
                "in_flight": len(tasks), "client_conns": pools[LABOUR].open + pools[VSS].open,
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


def judge(samples: list[dict], period_s: float) -> tuple[list[dict], list[str], dict]:
    """Rows per period and the reasons to fail (empty: PASS)."""
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
                     "rss_kib": chunk[-1]["rss_kib"], "fds": chunk[-1]["fds"], "threads": chunk[-1]["threads"],
                     "db_bytes": chunk[-1]["db_bytes"], "conns": chunk[-1]["client_conns"],
                     "cpu": sum(s["gateway_cpu_pct"] for s in chunk) / len(chunk),
                     "load1": max(s["load1"] for s in chunk)})
    total = sum(s["requests"] for s in samples)
    errors = sum(s["errors"] for s in samples)
    server_errors = sum(s["status_5xx"] for s in samples)
    first, last = rows[0], rows[-1]
    figures = {"requests": total, "errors": errors, "status_5xx": server_errors,
               "error_share": errors / total if total else 1.0,
               "rss_first_kib": first["rss_kib"], "rss_end_kib": last["rss_kib"],
               "fds_first": first["fds"], "fds_end": last["fds"],
               "p99_first_ms": first["p99"], "p99_last_ms": last["p99"]}
    reasons = []
    if total == 0:
        reasons.append("no request completed")
    if server_errors:
        reasons.append(f"(a) {server_errors} answers with a 5xx status")
    if total and errors / total >= 0.001:
        reasons.append(f"(a) error share {errors / total:.4%} ≥ 0.1%")
    growth = last["rss_kib"] - first["rss_kib"]
    if growth >= 0.10 * first["rss_kib"] and growth >= 20 * 1024:
        reasons.append(f"(b) RSS grew {growth / 1024:.1f} MiB ({growth / first['rss_kib']:.1%}) after the first period")
    if last["fds"] > first["fds"] + 5:
        reasons.append(f"(c) open fds {first['fds']} → {last['fds']} (more than +5; the load generator held "
                       f"{first['conns']} → {last['conns']} connections)")
    if not (last["p99"] <= 2 * first["p99"]):
        reasons.append(f"(d) p99 of the last period {last['p99']:.2f} ms > 2 × {first['p99']:.2f} ms (first period)")
    if reasons and last["load1"] > first["load1"] + 1.5:
        reasons.append(f"note: the host's 1-minute load average rose {first['load1']:.1f} → {last['load1']:.1f}: "
                       "another process may have taken the CPU")
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
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    return asyncio.run(run(args))


async def run(args) -> int:
    mix = Mix(args.citizens, args.message_share)
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
    samples, error_kinds, counters = await soak(args, pools, mix, rate)
    for p in pools.values():
        p.close()
    opened = pools[LABOUR].opened + pools[VSS].opened

    csv_path = os.path.join(args.out, "samples.csv")

    duration = args.minutes * 60
    period = 60.0 if duration >= 120 else duration / 4
    rows, reasons, figures = judge(samples, period)
    say()
    say(f"{'period':>11} | {'req/s':>7} {'errors':>6} {'5xx':>4} | {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} | "
        f"{'RSS MiB':>7} {'fds':>4} {'thr':>4} {'db MiB':>7} | {'conns':>5} {'cpu %':>5} {'load':>5}")
    for r in rows:
        say(f"{r['from_s']:5.0f}-{r['to_s']:<4.0f}s | {r['rate']:7.1f} {r['errors']:6d} {r['status_5xx']:4d} | "
            f"{r['p50']:7.2f} {r['p99']:7.2f} {r['max']:8.1f} | {r['rss_kib'] / 1024:7.1f} {r['fds']:4d} "
            f"{r['threads']:4d} {r['db_bytes'] / 1048576:7.1f} | {r['conns']:5d} {r['cpu']:5.0f} {r['load1']:5.1f}")
    say("(conns: connections the load generator held; cpu %: the gateway's CPU, 100 = one core; load: the host's "
        "1-minute load average, highest in the period)")
    say()
    say(f"requests {figures['requests']} (target rate {rate:.0f}/s, achieved {figures['requests'] / duration:.1f}/s), "
        f"errors {figures['errors']} ({figures['error_share']:.4%}), 5xx {figures['status_5xx']}"
        + (f", kinds {error_kinds}" if error_kinds else ""))
    say(f"RSS {figures['rss_first_kib'] / 1024:.1f} MiB after the first period → {figures['rss_end_kib'] / 1024:.1f} MiB "
        f"at the end; fds {figures['fds_first']} → {figures['fds_end']}; p99 {figures['p99_first_ms']:.2f} ms "
        f"(first period) → {figures['p99_last_ms']:.2f} ms (last period)")
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
