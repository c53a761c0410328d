#!/usr/bin/env python3
"""Unit tests of the soak's verdict (scripts/soak.py `judge`) on synthetic samples.

    python3 -m unittest discover -s scripts -p 'test_soak.py'

A one-minute run sampled every 5 s (12 samples, periods of 15 s, the first one the warm-up) of a gateway that is
flat must pass; one that leaks files, leaks sockets beyond the configuration's bound, opens more connections to an
upstream than its pool allows, grows its RSS or slows down must fail, each with the matching reason. The sockets
of the flat gateway still grow after the warm-up (the outbound pool and inbound keep-alive connections filling up,
as they do in real one-minute runs), within the bound: the old rule "fds at the end ≤ first + 5" failed that case.
"""
from __future__ import annotations

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import soak  # noqa: E402

LIMITS = soak.Limits(listen_ports=(8443, 9090), upstream_ports=(9443,), upstream_hosts=1, max_connections_per_host=16)
PERIOD = 15.0
CLIENT_CONNS = 44  # 32 + 8 + 4 drain connections, as soak.py holds them


def sample(t: float, *, files: int = 12, pipes: int = 4, eventfds: int = 6, inbound: int = CLIENT_CONNS,
           outbound: int = 10, other_sockets: int = 1, rss_kib: int = 80 * 1024, p99: float = 40.0,
           requests: int = 500, errors: int = 0, server_errors: int = 0, client_conns: int = CLIENT_CONNS) -> dict:
    """One 5-s sample as soak.py takes it (census_fields of a descriptor census, plus the load's figures)."""
    kinds = {"file": files, "pipe": pipes, "eventfd": eventfds, "eventpoll": 2, "sock_listen": 2,
             "sock_inbound": inbound, "sock_out:9443": outbound, "sock_other": other_sockets}
    latencies = [p99 / 4] * 98 + [p99] * 2  # percentile(…, 0.99) of this is p99
    return {"t_s": t, "requests": requests, "messages": requests // 10, "errors": errors,
            "status_5xx": server_errors, "_latencies": latencies, "rss_kib": rss_kib, **soak.census_fields(kinds),
            "threads": 7, "db_bytes": 0, "client_conns": client_conns, "gateway_cpu_pct": 50.0, "load1": 1.0}


def run(**over) -> list[dict]:
    """Twelve samples; each keyword is a function of the sample's index (0-11) giving that sample() argument."""
    return [sample(5.0 * (i + 1), **{k: f(i) for k, f in over.items()}) for i in range(12)]


class JudgeTests(unittest.TestCase):
    def verdict(self, samples: list[dict]) -> list[str]:
        _, reasons, _ = soak.judge(samples, PERIOD, LIMITS)
        return reasons

    def assertFailsWith(self, samples: list[dict], check: str, words: str) -> None:
        reasons = self.verdict(samples)
        self.assertTrue(any(r.startswith(check) and words in r for r in reasons),
                        f"expected a {check} reason with {words!r}, got {reasons}")

    def test_flat_passes(self):
        self.assertEqual(self.verdict(run()), [])

    def test_pool_filling_up_after_the_warm_up_passes(self):
        # Outbound connections 4 → 16 (the pool limit) and inbound 30 → 44 after the first quarter: not a leak.
        samples = run(outbound=lambda i: min(16, 4 + 2 * i), inbound=lambda i: min(CLIENT_CONNS, 30 + 2 * i))
        self.assertGreater(samples[-1]["socket_fds"], samples[2]["socket_fds"] + 5)
        self.assertEqual(self.verdict(samples), [])

    def test_a_file_open_for_a_moment_passes(self):
        self.assertEqual(self.verdict(run(files=lambda i: 12 + 5 * (i == 10))), [])

    def test_leaking_files_fails(self):
        self.assertFailsWith(run(files=lambda i: 12 + i), "(c) non-socket", "'file'")

    def test_leaking_pipes_fails(self):
        self.assertFailsWith(run(pipes=lambda i: 4 + (i // 3)), "(c) non-socket", "'pipe'")

    def test_leaking_eventfds_fails(self):
        self.assertFailsWith(run(eventfds=lambda i: 6 + (i // 2)), "(c) non-socket", "'eventfd'")

    def test_inbound_sockets_growing_beyond_the_bound_fails(self):
        # The gateway keeps connections the load generator has closed: 4 more per sample.
        self.assertFailsWith(run(inbound=lambda i: CLIENT_CONNS + 4 * i), "(c) sockets", "> bound")

    def test_inbound_leak_under_a_loose_pool_limit_fails(self):
        # The demo configures 64 connections per upstream host, so the total stays under the bound (2 + 44 + 64 + 1 +
        # 4 = 115); the inbound connections alone still show the leak.
        loose = soak.Limits(listen_ports=(8443, 9090), upstream_ports=(9443,), max_connections_per_host=64)
        samples = run(inbound=lambda i: CLIENT_CONNS + 2 * i)
        self.assertLess(samples[-1]["socket_fds"], 115)
        reasons = soak.judge(samples, PERIOD, loose)[1]
        self.assertTrue(any(r.startswith("(c) inbound connections") for r in reasons), reasons)
        self.assertEqual(soak.judge(run(), PERIOD, loose)[1], [])

    def test_outbound_connections_beyond_the_pool_limit_fail(self):
        reasons = self.verdict(run(outbound=lambda i: 10 + 3 * i))
        self.assertTrue(any("outbound.max_connections_per_host" in r for r in reasons), reasons)

    def test_leaking_unix_sockets_fails(self):
        self.assertFailsWith(run(other_sockets=lambda i: 1 + i), "(c) unclassified sockets", "→")

    def test_socket_bound_follows_the_load_generator(self):
        # The load generator holds fewer connections at the end, the gateway does not let go of its sockets.
        self.assertFailsWith(run(client_conns=lambda i: CLIENT_CONNS if i < 6 else 10), "(c) sockets", "> bound")

    def test_rss_growing_fails(self):
        self.assertFailsWith(run(rss_kib=lambda i: 80 * 1024 + i * 1024), "(b) RSS", "MiB")

    def test_rss_settling_in_the_warm_up_passes(self):
        self.assertEqual(self.verdict(run(rss_kib=lambda i: 60 * 1024 + min(i, 2) * 10 * 1024 + i * 100)), [])

    def test_p99_doubling_fails(self):
        self.assertFailsWith(run(p99=lambda i: 40.0 if i < 9 else 200.0), "(d) p99", "> 2 ×")

    def test_slow_warm_up_does_not_hide_a_slowdown(self):
        # A slow first quarter is not the reference: the period after it is.
        self.assertFailsWith(run(p99=lambda i: 500.0 if i < 3 else (40.0 if i < 9 else 200.0)), "(d) p99", "15-30 s")

    def test_one_slow_window_passes(self):
        # One 5-s window of the last period stalls (a checkpoint, the host's scheduler): not a slowdown.
        self.assertEqual(self.verdict(run(p99=lambda i: 300.0 if i == 10 else 40.0)), [])

    def test_stall_across_a_window_boundary_passes(self):
        self.assertEqual(self.verdict(run(p99=lambda i: 450.0 if i in (9, 10) else 40.0)), [])

    def test_lasting_slowdown_fails(self):
        # Every window of the last period, as when a queue grows: 40 → 120 ms.
        self.assertFailsWith(run(p99=lambda i: 40.0 if i < 9 else 120.0), "(d) p99", "> 2 ×")

    def test_small_absolute_p99_rise_passes(self):
        self.assertEqual(self.verdict(run(p99=lambda i: 8.0 if i < 9 else 50.0)), [])

    def test_errors_fail(self):
        self.assertFailsWith(run(errors=lambda i: 10 * (i == 7)), "(a) error share", "≥ 0.1%")
        self.assertFailsWith(run(server_errors=lambda i: 1 * (i == 7), errors=lambda i: 1 * (i == 7)), "(a)", "5xx")

    def test_ten_minute_run_keeps_the_twenty_mib_allowance(self):
        # 120 samples, periods of a minute: 15 MiB growth in 9 minutes passes, 25 MiB fails.
        def ten(growth_mib: float) -> list[dict]:
            return [sample(5.0 * (i + 1), rss_kib=int(100 * 1024 + growth_mib * 1024 * i / 119)) for i in range(120)]
        self.assertEqual(soak.judge(ten(15), 60.0, LIMITS)[1], [])
        self.assertTrue(any(r.startswith("(b)") for r in soak.judge(ten(25), 60.0, LIMITS)[1]))


class CensusTests(unittest.TestCase):
    def test_census_of_this_process(self):
        # A real census: this process has a file open and, after this, a listening socket on port 0.
        import socket
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        path = os.path.abspath(__file__)
        with open(path, "rb"):
            kinds = soak.fd_census(os.getpid(), soak.Limits(listen_ports=(port,)))
        listener.close()
        self.assertGreaterEqual(kinds.get("file", 0), 1)
        self.assertGreaterEqual(kinds.get("sock_listen", 0), 1)
        fields = soak.census_fields(kinds)
        self.assertEqual(fields["fds"], fields["socket_fds"] + fields["nonsocket_fds"])


if __name__ == "__main__":
    unittest.main()
