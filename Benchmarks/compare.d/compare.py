#!/usr/bin/env python3
"""Measurements of Benchmarks/compare (the script starts the processes; this file drives the load and reports).

sync:  population.verify-citizen through the gateway, through nginx (mTLS termination + proxy) and straight to the
       population simulator, each with mtls-load (the C load generator in this folder) at every connection count.
queue: 1 KiB durable messages end to end: the gateway (POST /v1/messages → 202 → push delivery to the recipient
       simulator) against RabbitMQ (persistent messages on a durable queue, publisher confirms, manual acks), with
       every producer count (queue_rabbitmq.py holds the RabbitMQ clients).
memory: VmHWM of each process tree, read at the end.

Prints a table per part and a summary, and writes every figure as JSON to --out.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import ssl
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

LABOUR = "gov.labour.dongnai"
PURPOSE = "asxh.verify-beneficiary"
SOAP_ACTION = "urn:lienthong:sim:csdlqg-dc:v1/LayThongTinCongDan"
ID = "@@ID@@" + "@" * 30  # mtls-load's 36-character placeholder, replaced by a fresh UUID per request
MESSAGE_BYTES = 1024


def counts(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def write_bodies(work: str, citizens_path: str) -> tuple[str, str]:
    """One JSON body per line for the gateway and the SOAP envelope of the same citizen for nginx and direct."""
    people = [json.loads(l) for l in open(citizens_path, encoding="utf-8") if l.strip()]
    people = [p for p in people if p.get("personalId")]
    if len(people) < 10:
        raise SystemExit("compare: too few citizens with a personal id in " + citizens_path)
    json_path, soap_path = os.path.join(work, "verify.jsonl"), os.path.join(work, "verify-soap.txt")
    with open(json_path, "w", encoding="utf-8") as j, open(soap_path, "w", encoding="utf-8") as s:
        for p in people:
            j.write(json.dumps({"personalId": p["personalId"], "fullName": p["fullName"],
                                "dateOfBirth": p["dateOfBirth"]}, ensure_ascii=False) + "\n")
            s.write('<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
                    'envelope/"><soap:Body><dc:LayThongTinCongDan xmlns:dc="urn:lienthong:sim:csdlqg-dc:v1">'
                    f'<dc:SoDinhDanh>{p["personalId"]}</dc:SoDinhDanh></dc:LayThongTinCongDan></soap:Body>'
                    "</soap:Envelope>\n")
    return json_path, soap_path


def message_body(to: str) -> str:
    """A 1 KiB (1024-byte) asxh.account-opening-request with the id placeholder as its id and requestRef."""
    def build(pad: int) -> str:
        payload = {"requestRef": "BENCH-" + ID, "bank": {"bin": "970436"},
                   "person": {"fullName": "Nguoi Thu Nghiem", "personalId": "075090000001", "dateOfBirth": "1990-01-01"},
                   "note": "x" * pad}
        return json.dumps({"id": ID, "type": "asxh.account-opening-request", "to": to, "payload": payload},
                          separators=(",", ":"))
    base = len(build(0).encode())
    body = build(max(0, MESSAGE_BYTES - base))
    assert len(body.encode()) == MESSAGE_BYTES, len(body.encode())
    return body


class Runner:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.certs = args.certs

    def identity(self, member: str) -> list[str]:
        return ["--ca", os.path.join(self.certs, "ca.pem"), "--cert", os.path.join(self.certs, f"{member}.pem"),
                "--key", os.path.join(self.certs, f"{member}-key.pem")]

    def load(self, port: int, member: str, path: str, bodies: str, headers: list[str], connections: int,
             seconds: float, warmup: float, expect: int, rate: float = 0) -> dict:
        cmd = [self.args.mtls_load, "--port", str(port), *self.identity(member), "--path", path, "--bodies", bodies,
               "--connections", str(connections), "--seconds", str(seconds), "--warmup", str(warmup),
               "--expect", str(expect), "--rate", f"{rate:.1f}"]
        for h in headers:
            cmd += ["--header", h]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + warmup + 120)
        if done.returncode != 0:
            raise SystemExit(f"compare: mtls-load failed ({done.returncode}): {done.stderr.strip()[:500]}")
        return json.loads(done.stdout)


# ---------------------------------------------------------------------------------------------------------------- sync

def run_sync(r: Runner, args: argparse.Namespace, out: dict) -> None:
    json_bodies, soap_bodies = write_bodies(args.work, args.citizens)
    soap_headers = ["Content-Type: text/xml; charset=utf-8", f'SOAPAction: "{SOAP_ACTION}"']
    paths = [
        ("gateway", args.gateway_port, LABOUR, "/v1/services/population.verify-citizen", json_bodies,
         ["Content-Type: application/json", f"X-Purpose: {PURPOSE}", "X-User-Id: bench"]),
        ("nginx", args.nginx_port, LABOUR, "/soap", soap_bodies, soap_headers),
        ("direct", args.sim_port, "gateway", "/soap", soap_bodies, soap_headers),
    ]
    print(f"\n== sync: population.verify-citizen, mTLS keep-alive, {args.seconds:g} s per run after a "
          f"{args.warmup:g} s warm-up, closed loop (mtls-load: C, OpenSSL, one thread per connection)")
    print("   gateway: member cert → partner listener (mTLS, pinned identity, rights, purpose) → JSON→SOAP → simulator "
          "→ SOAP→JSON + comparison; audit record committed (fsync) before the answer")
    print("   nginx:   member cert → nginx (mTLS, client cert verified against the CA) → the SOAP request as is → "
          "simulator; no audit, no conversion")
    print("   direct:  gateway's client cert → simulator (SOAP)")
    print(f"{'conns':>5} | {'path':<8} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | {'client CPU':>10}")
    rows = []
    for n in counts(args.connections):
        for spec in paths:
            f = sync_row(r, args, spec, n)
            rows.append(f)
            name = f["path"]
            print(f"{n:>5} | {name:<8} | {f['rps']:>8.0f} | {f['p50_ms']:>7.2f} | {f['p99_ms']:>7.2f} | "
                  f"{f['errors']:>6} | {f['cpu_seconds'] / f['seconds'] * 100:>9.0f}%"
                  + (f"   first error: {f['first_error']}" if f["errors"] else ""), flush=True)
    ratios = []
    for n in counts(args.connections):
        by = {row["path"]: row for row in rows if row["connections"] == n}
        g, x, d = by["gateway"], by["nginx"], by["direct"]
        ratios.append({"connections": n,
                       "gateway_per_nginx": g["rps"] / x["rps"] if x["rps"] else None,
                       "gateway_per_direct": g["rps"] / d["rps"] if d["rps"] else None,
                       "nginx_per_direct": x["rps"] / d["rps"] if d["rps"] else None,
                       "gateway_added_p50_ms": g["p50_ms"] - d["p50_ms"],
                       "gateway_added_p99_ms": g["p99_ms"] - d["p99_ms"],
                       "nginx_added_p50_ms": x["p50_ms"] - d["p50_ms"],
                       "nginx_added_p99_ms": x["p99_ms"] - d["p99_ms"]})
    # Half load: an open loop at half the gateway's closed-loop rate at the most connections, the same rate on
    # every path; latency from each request's due instant. The latency aim is stated at this load.
    top = max(counts(args.connections))
    gateway_top = next(row for row in rows if row["connections"] == top and row["path"] == "gateway")
    rate = gateway_top["rps"] / 2
    half = []
    if rate >= 1:
        print(f"\n== sync at half load: open loop, {rate:.0f} requests/s (half the gateway's {gateway_top['rps']:.0f} "
              f"at {top} connections) on every path, spread over {top} connections, latency from the due instant")
        print(f"{'path':<8} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6}")
        for spec in paths:
            f = sync_row(r, args, spec, top, rate=rate)
            half.append(f)
            name = f["path"]
            print(f"{name:<8} | {f['rps']:>8.0f} | {f['p50_ms']:>7.2f} | {f['p99_ms']:>7.2f} | {f['errors']:>6}"
                  + (f"   first error: {f['first_error']}" if f["errors"] else ""), flush=True)
    cpu_table("sync CPU, closed loop", rows, "connections", "request")
    if half:
        cpu_table(f"sync CPU at half load ({rate:.0f} requests/s)", half, "connections", "request")
    out["sync"] = {"rows": rows, "ratios": ratios, "half_load": half}


def sync_row(r: Runner, args: argparse.Namespace, spec: tuple, connections: int, rate: float = 0) -> dict:
    """One sync measurement of one path (closed loop, or open at `rate`), with the CPU each server used meanwhile.
    The CPU window includes the warm-up at the same load, so CPU per request is cores / requests per second."""
    name, port, member, path, bodies, headers = spec
    window = CPUWindow(args)
    f = r.load(port, member, path, bodies, headers, connections, args.seconds, args.warmup, 200, rate=rate)
    return {"connections": connections, "path": name, **f, "cpu": window.close(rate=f["rps"]), "fsync": window.fsync,
            "client_cpu_ms": f["cpu_seconds"] * 1000 / f["requests"] if f["requests"] else 0}


# --------------------------------------------------------------------------------------------------------------- queue

def recipient_unique(args: argparse.Namespace) -> int:
    context = ssl.create_default_context(cafile=os.path.join(args.certs, "ca.pem"))
    context.load_cert_chain(os.path.join(args.certs, "gateway.pem"), os.path.join(args.certs, "gateway-key.pem"))
    with urllib.request.urlopen(f"https://127.0.0.1:{args.recipient_port}/_sim/received", context=context,
                                timeout=30) as answer:
        return int(json.load(answer)["unique"])


def gateway_queue(r: Runner, args: argparse.Namespace, n: int, seconds: float, body_file: str) -> dict:
    before = recipient_unique(args)
    f = r.load(args.gateway_port, LABOUR, "/v1/messages", body_file,
               ["Content-Type: application/json", "X-User-Id: bench"], n, seconds, 0, 202)
    target = f["accepted_total"]
    deadline = time.time() + args.drain_timeout
    delivered = recipient_unique(args) - before
    while delivered < target and time.time() < deadline:
        time.sleep(0.05)
        delivered = recipient_unique(args) - before
    end = time.time()
    return {"producers": n, "system": "gateway", "accepted": f["requests"], "accepts_per_s": f["rps"],
            "accept_p50_ms": f["p50_ms"], "accept_p99_ms": f["p99_ms"], "errors": f["errors"],
            "first_error": f["first_error"], "sent_total": target, "delivered": delivered,
            "complete": delivered >= target, "end_to_end_seconds": end - f["window_start"],
            "end_to_end_per_s": delivered / (end - f["window_start"]),
            "client_cpu_seconds": f["cpu_seconds"]}


def run_queue(r: Runner, args: argparse.Namespace, out: dict) -> None:
    import queue_rabbitmq
    body_file = os.path.join(args.work, "message.txt")
    with open(body_file, "w", encoding="utf-8") as f:
        f.write(message_body("bank.970436") + "\n")
    rabbit_body = message_body("bank.970436").replace(ID, "00000000-0000-4000-8000-000000000000").encode()
    print(f"\n== queue: {MESSAGE_BYTES}-byte messages, durable, end to end, {args.seconds:g} s of sending per run, "
          f"then until every accepted message has been consumed")
    print("   gateway:  POST /v1/messages (mTLS, labour → bank.970436) answered 202 once message + audit record are "
          "committed (fsync) → push delivery (mTLS, up to 32 in flight) to the recipient simulator, 200 = done")
    print("   rabbitmq: persistent messages (delivery mode 2) on a durable classic queue, one blocking publish per "
          "producer awaiting its confirm; consumers with manual acks (prefetch 256)")
    print("   accepts/s = 202s or confirms in the sending window; end to end = accepted messages / (first send → last "
          "one consumed)")
    # Warm-up: connections, caches, the delivery workers and the queue's files; not reported.
    first = counts(args.producers)[0]
    gateway_queue(r, args, first, min(1.0, args.seconds), body_file)
    queue_rabbitmq.run(args.amqp_port, first, min(1.0, args.seconds), rabbit_body, args.drain_timeout)
    print(f"{'producers':>9} | {'system':<8} | {'accepts/s':>9} | {'p50 ms':>7} | {'p99 ms':>7} | "
          f"{'end to end msg/s':>16} | {'errors':>6} | {'client CPU':>10}")
    rows = []
    for n in counts(args.producers):
        window = CPUWindow(args)
        g = with_cpu(gateway_queue(r, args, n, args.seconds, body_file), window)
        window = CPUWindow(args)
        # RabbitMQ's connection setup and the node's idle work are in the window too (small beside the load).
        q = with_cpu(queue_rabbitmq.run(args.amqp_port, n, args.seconds, rabbit_body, args.drain_timeout), window)
        # The consumers are RabbitMQ's counterpart of the recipient simulator: their CPU goes in the table.
        q["cpu"]["rabbitmq-consumers"] = {
            "cpu_seconds": q["consumer_cpu_seconds"],
            "cores": q["consumer_cpu_seconds"] / max(1e-6, q["end_to_end_seconds"]),
            "ms_per_unit": q["consumer_cpu_seconds"] * 1000 / q["delivered"] if q["delivered"] else None}
        for row in (g, q):
            rows.append(row)
            print(f"{n:>9} | {row['system']:<8} | {row['accepts_per_s']:>9.0f} | {row['accept_p50_ms']:>7.2f} | "
                  f"{row['accept_p99_ms']:>7.2f} | {row['end_to_end_per_s']:>16.0f} | {row['errors']:>6} | "
                  f"{row['client_cpu_seconds'] / args.seconds * 100:>9.0f}%"
                  + ("" if row["complete"] else f"   INCOMPLETE: {row['delivered']} of {row['sent_total']} consumed")
                  + (f"   first error: {row['first_error']}" if row["errors"] else ""), flush=True)
    ratios = []
    for n in counts(args.producers):
        by = {row["system"]: row for row in rows if row["producers"] == n}
        g, q = by["gateway"], by["rabbitmq"]
        ratios.append({"producers": n,
                       "end_to_end_gateway_per_rabbitmq": g["end_to_end_per_s"] / q["end_to_end_per_s"]
                       if q["end_to_end_per_s"] else None,
                       "accepts_gateway_per_rabbitmq": g["accepts_per_s"] / q["accepts_per_s"]
                       if q["accepts_per_s"] else None})
    cpu_table("queue CPU, sending and draining", rows, "producers", "message consumed")
    out["queue"] = {"rows": rows, "ratios": ratios, "message_bytes": MESSAGE_BYTES}


def with_cpu(row: dict, window: "CPUWindow") -> dict:
    """A queue row with the CPU each server used from the first send to the last consumption, per message consumed,
    and the load generator's per message sent."""
    row["cpu"] = window.close(units=row["delivered"])
    row["fsync"] = window.fsync
    row["client_cpu_ms"] = row["client_cpu_seconds"] * 1000 / row["sent_total"] if row["sent_total"] else 0
    return row


# ----------------------------------------------------------------------------------------------- memory and CPU

def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        if not os.path.exists(f"/proc/{p}"):
            continue
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return pids


def status_kib(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def cpu_seconds(specs: list[str]) -> dict[str, float]:
    """CPU seconds (user + system, every thread) used so far by each named process tree (`name=PID`)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for spec in specs:
        name, _, pid = spec.partition("=")
        if not pid:
            continue
        total = 0.0
        for p in tree(int(pid)):
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
            except (OSError, IndexError, ValueError):
                pass
        used[name] = total
    return used


class FsyncProbe(threading.Thread):
    """--fsync-probe: appends 4 KiB to a file in the work folder (the file system of the gateway's SQLite files and
    RabbitMQ's store) and fdatasyncs it every 4 ms, as a write-ahead log's group commits would, for the whole run; so
    each row can say what one fsync took on this disk while it ran. Off by default: its own syncs add to the disk's
    load."""

    def __init__(self, folder: str):
        super().__init__(daemon=True)
        self.path = os.path.join(folder, "fsync-probe.bin")
        self.samples: list[tuple[float, float]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        block, written = os.urandom(4096), 0
        try:
            while not self.stopped.is_set():
                os.write(fd, block)
                started = time.monotonic()
                os.fdatasync(fd)
                self.samples.append((started, (time.monotonic() - started) * 1000))
                written += 1
                if written % 2500 == 0:  # keep the file at most 10 MiB
                    os.ftruncate(fd, 0)
                    os.lseek(fd, 0, os.SEEK_SET)
                time.sleep(0.004)
        finally:
            os.close(fd)
            os.unlink(self.path)

    def between(self, start: float, end: float) -> dict | None:
        ms = sorted(d for t, d in self.samples if start <= t <= end)
        if not ms:
            return None
        at = lambda q: ms[min(len(ms) - 1, int(len(ms) * q))]
        return {"syncs": len(ms), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": ms[-1]}


PROBE: FsyncProbe | None = None


class CPUWindow:
    """The CPU each server process used between its creation and `close`: cores on average, and milliseconds of CPU
    per unit of work (a request or a message). Servers other than the one measured use next to nothing then."""

    def __init__(self, args: argparse.Namespace):
        self.specs = args.pid
        self.start = time.monotonic()
        self.before = cpu_seconds(self.specs)

    def close(self, units: float = 0, rate: float = 0) -> dict:
        """CPU per process, per unit: over `units` done in the window, or at `rate` units per second throughout.
        Also sets `fsync` to the probe's figures over the window (None without --fsync-probe)."""
        seconds = max(1e-6, time.monotonic() - self.start)
        self.fsync = PROBE.between(self.start, time.monotonic()) if PROBE else None
        after = cpu_seconds(self.specs)
        used = {name: after[name] - self.before.get(name, 0.0) for name in after}
        per_unit = (lambda cpu: cpu / seconds * 1000 / rate) if rate else (lambda cpu: cpu * 1000 / units if units else None)
        return {name: {"cpu_seconds": cpu, "cores": cpu / seconds, "ms_per_unit": per_unit(cpu)} for name, cpu in used.items()}


def cpu_table(title: str, rows: list[dict], key: str, unit: str) -> None:
    """Prints milliseconds of CPU per request or message, per process, for rows carrying `cpu` and `client_cpu_ms`."""
    names = []
    for row in rows:
        names += [n for n, v in row["cpu"].items() if n not in names and v["cores"] >= 0.05]
    print(f"\n== {title}: milliseconds of CPU per {unit} (cores on average in brackets); load generator = the "
          f"measuring client")
    width = max(9, len(key))
    probe = any(row.get("fsync") for row in rows)
    print(f"{key:>{width}} | {'path':<8} | " + " | ".join(f"{n:>20}" for n in names) + f" | {'load generator':>14}"
          + (f" | {'fsync p50/p99 ms':>16}" if probe else ""))
    for row in rows:
        cells = []
        for n in names:
            v = row["cpu"].get(n)
            cells.append(f"{v['ms_per_unit']:>11.3f} ({v['cores']:.2f})" if v and v["cores"] >= 0.05 and v["ms_per_unit"]
                         is not None else f"{'-':>20}")
        print(f"{row[key]:>{width}} | {row.get('path', row.get('system')):<8} | " + " | ".join(f"{c:>20}" for c in cells)
              + f" | {row['client_cpu_ms']:>14.3f}"
              + ((f" | {row['fsync']['p50_ms']:>7.2f}/{row['fsync']['p99_ms']:<8.2f}" if row.get("fsync") else f" | {'-':>16}")
                 if probe else ""))


def memory(args: argparse.Namespace, out: dict) -> None:
    rows = []
    for spec in args.pid:
        name, _, pid = spec.partition("=")
        if not pid:
            continue
        procs = [(p, comm(p), status_kib(p, "VmHWM"), status_kib(p, "VmRSS")) for p in tree(int(pid))]
        procs = [p for p in procs if p[2] is not None]
        if not procs:
            continue
        rows.append({"process": name, "pids": [{"pid": p, "name": c, "vmhwm_kib": h, "vmrss_kib": s}
                                                for p, c, h, s in procs],
                     "vmhwm_kib": sum(p[2] for p in procs), "vmrss_kib": sum(p[3] or 0 for p in procs)})
    print("\n== peak memory (VmHWM from /proc/PID/status, summed over the process and its children; shared pages "
          "count once per process)")
    print(f"{'process':<18} | {'peak MiB':>8} | {'now MiB':>8} | processes")
    for row in rows:
        names = {}
        for p in row["pids"]:
            names[p["name"]] = names.get(p["name"], 0) + 1
        print(f"{row['process']:<18} | {row['vmhwm_kib'] / 1024:>8.1f} | {row['vmrss_kib'] / 1024:>8.1f} | "
              + ", ".join(f"{k}×{v}" if v > 1 else k for k, v in names.items()))
    out["memory"] = rows


def ceilings(out: dict) -> None:
    """Prints, per row of the largest connection and producer counts, the CPU its whole path used per request or
    message (every measured process plus the load generator) and the rate this machine's cores could carry at that
    cost: the ceiling a path cannot pass here however its waiting is arranged."""
    cores = os.cpu_count() or 1
    rows = []
    if "sync" in out and out["sync"]["rows"]:
        top = max(r["connections"] for r in out["sync"]["rows"])
        rows += [(f"sync  {top:>3} connections, {r['path']}", r, "request") for r in out["sync"]["rows"]
                 if r["connections"] == top]
    if "queue" in out and out["queue"]["rows"]:
        top = max(r["producers"] for r in out["queue"]["rows"])
        rows += [(f"queue {top:>3} producers,   {r['system']}", r, "message") for r in out["queue"]["rows"]
                 if r["producers"] == top]
    for label, row, unit in rows:
        used = [v["ms_per_unit"] for v in row.get("cpu", {}).values() if v["ms_per_unit"] and v["cores"] >= 0.05]
        total = sum(used) + row.get("client_cpu_ms", 0)
        if total <= 0:
            continue
        rate = row.get("rps", row.get("end_to_end_per_s", 0))
        print(f"cpu   {label}: {total:.3f} ms of CPU per {unit} on the whole path → at most "
              f"{cores * 1000 / total:,.0f}/s on {cores} cores (measured {rate:,.0f}/s)"
              )


def summary(out: dict) -> None:
    print("\n== summary")
    if "sync" in out:
        for r in out["sync"]["ratios"]:
            print(f"sync  {r['connections']:>3} connections: gateway/nginx {r['gateway_per_nginx']:.2f}, "
                  f"gateway/direct {r['gateway_per_direct']:.2f} (nginx/direct {r['nginx_per_direct']:.2f}); "
                  f"added p50/p99 vs direct: gateway {r['gateway_added_p50_ms']:+.2f}/{r['gateway_added_p99_ms']:+.2f} ms, "
                  f"nginx {r['nginx_added_p50_ms']:+.2f}/{r['nginx_added_p99_ms']:+.2f} ms")
        half = {row["path"]: row for row in out["sync"].get("half_load", [])}
        if {"gateway", "direct", "nginx"} <= half.keys():
            g, d, x = half["gateway"], half["direct"], half["nginx"]
            print(f"sync  half load ({g['rate']:.0f} req/s): p99 added vs direct: gateway {g['p99_ms'] - d['p99_ms']:+.2f} ms, "
                  f"nginx {x['p99_ms'] - d['p99_ms']:+.2f} ms (p50: gateway {g['p50_ms'] - d['p50_ms']:+.2f}, "
                  f"nginx {x['p50_ms'] - d['p50_ms']:+.2f})")
        ratios = out["sync"]["ratios"]
        if ratios:
            worst = min((r["gateway_per_nginx"] or 0) for r in ratios)
            best = max((r["gateway_per_nginx"] or 0) for r in ratios)
            print(f"aim   sync gateway ≥ 0.6× nginx req/s at every connection count: "
                  f"{'met' if worst >= 0.6 else 'not met'} (range {worst:.2f}–{best:.2f})")
        if {"gateway", "direct"} <= half.keys():
            added = half["gateway"]["p99_ms"] - half["direct"]["p99_ms"]
            print(f"aim   sync p99 added < 5 ms at half load: {'met' if added < 5 else 'not met'} ({added:+.2f} ms)")
    if "queue" in out:
        for r in out["queue"]["ratios"]:
            e2e, acc = r["end_to_end_gateway_per_rabbitmq"], r["accepts_gateway_per_rabbitmq"]
            fmt = lambda x: "n/a" if x is None else f"{x:.2f}"
            print(f"queue {r['producers']:>3} producers:   end to end gateway/RabbitMQ {fmt(e2e)}, "
                  f"accepts gateway/RabbitMQ {fmt(acc)}")
        e2e = [r["end_to_end_gateway_per_rabbitmq"] or 0 for r in out["queue"]["ratios"]]
        if e2e:
            print(f"aim   queue gateway ≥ 1.0× RabbitMQ end to end: {'met' if min(e2e) >= 1 else 'not met'} "
                  f"(range {min(e2e):.2f}–{max(e2e):.2f})")
    ceilings(out)
    mem = {row["process"]: row["vmhwm_kib"] / 1024 for row in out.get("memory", [])}
    if mem:
        print("peak memory: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in mem.items()))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mtls-load", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--certs", required=True)
    p.add_argument("--citizens", required=True)
    p.add_argument("--gateway-port", type=int, required=True)
    p.add_argument("--nginx-port", type=int)
    p.add_argument("--sim-port", type=int)
    p.add_argument("--recipient-port", type=int)
    p.add_argument("--amqp-port", type=int)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--warmup", type=float, default=1)
    p.add_argument("--connections", default="1,16,64")
    p.add_argument("--producers", default="1,16,64")
    p.add_argument("--only", choices=["sync", "queue"])
    p.add_argument("--drain-timeout", type=float, default=180)
    p.add_argument("--fsync-probe", action="store_true", help="time an fdatasync every 4 ms beside the load")
    p.add_argument("--pid", action="append", default=[], help="name=PID for the memory table")
    p.add_argument("--info", action="append", default=[], help="key=value recorded in the JSON (versions, ...)")
    p.add_argument("--out", required=True)
    args = p.parse_args()

    out: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "machine": {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()},
                 "settings": {"seconds": args.seconds, "warmup": args.warmup, "connections": counts(args.connections),
                              "producers": counts(args.producers), "only": args.only},
                 "info": dict(i.partition("=")[::2] for i in args.info)}
    try:
        with open("/proc/cpuinfo") as f:
            out["machine"]["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        pass
    r = Runner(args)
    if args.fsync_probe:
        global PROBE
        PROBE = FsyncProbe(args.work)
        PROBE.start()
        time.sleep(3)
        idle = PROBE.between(0, time.monotonic())
        out["fsync_idle"] = idle
        if idle:
            print(f"\n== fsync probe, before any load: {idle['syncs']} syncs, p50 {idle['p50_ms']:.2f} ms, "
                  f"p99 {idle['p99_ms']:.2f} ms, max {idle['max_ms']:.2f} ms")
    runner_ok = True
    try:
        if args.only in (None, "sync"):
            run_sync(r, args, out)
        if args.only in (None, "queue"):
            run_queue(r, args, out)
    except BaseException:
        runner_ok = False
        raise
    finally:
        if PROBE:
            PROBE.stopped.set()
        memory(args, out)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
        if runner_ok:
            summary(out)
        print(f"\nraw figures: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
