#!/usr/bin/env python3
"""Grades the TLS of the gateway's partner listener with sslyze: fails on any high or critical finding.

    tls-grade.py --host 127.0.0.1 --port P --cert member.pem --key member-key.pem --ca ca.pem \\
                 [--foreign-cert F --foreign-key K] --out tls-report.json
    tls-grade.py --grade-only sslyze.json [--host H] [--out report.json]     # grade a saved sslyze report

The scan runs sslyze (PyPI) presenting the member's client certificate, with every scan command: certificate
information (validated against the example CA as well as the public stores), SSL 2.0 to TLS 1.3 cipher suites,
elliptic curves, compression, TLS 1.3 early data, OpenSSL CCS injection, TLS_FALLBACK_SCSV, Heartbleed, ROBOT,
renegotiation, resumption, extended master secret, HTTP headers. Beside it, three handshakes of our own check that
the client certificate is really required: with the member certificate (an HTTP answer comes back), without a
client certificate and with a certificate of another CA (both refused).

Severity of findings:
  critical  SSL 2/3 accepted; anonymous suites; Heartbleed; ROBOT strong oracle; no TLS 1.2/1.3 at all; a handshake
            without a client certificate (or with another CA's) accepted; no connection with the member certificate
  high      TLS 1.0/1.1 accepted; a suite without forward secrecy or without AEAD; keys under 128 bits; ephemeral
            ECDH under 224 bits or DH under 2048 bits; curves under 224 bits; chain not valid against the example
            CA; leaf expired or not yet valid; SHA-1/MD5 signatures; RSA under 2048 or EC under 256 bits; the
            target's name or address not in the certificate; a CA certificate as leaf; CCS injection; ROBOT weak
            oracle; compression (CRIME); insecure renegotiation or client-initiated renegotiation; a scan command
            that did not complete (the report would be incomplete)
  medium    no TLS 1.3; CCM_8 suites; curves of 224-232 bits; TLS 1.3 early data (0-RTT replay); no extended master
            secret with TLS 1.2; received chain out of order; leaf expiring within 30 days; leaf without serverAuth
  low       the chain sent includes its anchor; no TLS_FALLBACK_SCSV while only TLS 1.2/1.3 are accepted
  info      expected for a private example PKI and excluded from the verdict (each finding says why): the public
            trust stores do not know the example CA; no OCSP stapling / OCSP must-staple; no Certificate
            Transparency SCTs; not an EV certificate; no HSTS header

Exit status: 0 no high or critical finding, 1 at least one, 2 usage error or sslyze missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile

SEVERITIES = ["critical", "high", "medium", "low", "info"]
SCAN_COMMANDS = [
    "--certinfo", "--sslv2", "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", "--elliptic_curves",
    "--compression", "--early_data", "--openssl_ccs", "--fallback", "--heartbleed", "--robot", "--reneg", "--resum",
    "--ems", "--http_headers",
]
OLD_PROTOCOLS = [
    ("ssl_2_0_cipher_suites", "SSL 2.0", "critical"),
    ("ssl_3_0_cipher_suites", "SSL 3.0", "critical"),
    ("tls_1_0_cipher_suites", "TLS 1.0", "high"),
    ("tls_1_1_cipher_suites", "TLS 1.1", "high"),
]
PRIVATE_PKI = "expected for the private example PKI"


class Grader:
    def __init__(self) -> None:
        self.findings: list[dict] = []

    def add(self, severity: str, key: str, title: str, detail: str = "", excluded: str | None = None) -> None:
        finding = {"severity": severity, "id": key, "title": title}
        if detail:
            finding["detail"] = detail
        if excluded:
            finding["excludedBecause"] = excluded
        self.findings.append(finding)

    @property
    def failing(self) -> list[dict]:
        return [f for f in self.findings if f["severity"] in ("critical", "high") and "excludedBecause" not in f]


def result_of(scan: dict, name: str, grader: Grader) -> dict | None:
    attempt = scan.get(name)
    if not attempt or attempt.get("status") != "COMPLETED" or attempt.get("result") is None:
        status = attempt.get("status") if attempt else "NOT_SCHEDULED"
        trace = (attempt or {}).get("error_trace") or (attempt or {}).get("error_reason") or ""
        grader.add("high", f"scan.{name}", f"sslyze scan '{name}' did not complete ({status})", str(trace)[-300:])
        return None
    return attempt["result"]


def grade_protocols(scan: dict, grader: Grader) -> dict:
    accepted: dict[str, list[str]] = {}
    for key, label, severity in OLD_PROTOCOLS:
        result = result_of(scan, key, grader)
        if result and result["accepted_cipher_suites"]:
            names = [s["cipher_suite"]["name"] for s in result["accepted_cipher_suites"]]
            accepted[label] = names
            grader.add(severity, f"protocol.{label}", f"{label} accepted", f"{len(names)} suites, e.g. {names[0]}")
    modern = {}
    for key, label in (("tls_1_2_cipher_suites", "TLS 1.2"), ("tls_1_3_cipher_suites", "TLS 1.3")):
        result = result_of(scan, key, grader)
        if result is None:
            continue
        modern[label] = result
        if result["accepted_cipher_suites"]:
            accepted[label] = [s["cipher_suite"]["name"] for s in result["accepted_cipher_suites"]]
    if "TLS 1.2" in modern and "TLS 1.3" in modern and not accepted.get("TLS 1.2") and not accepted.get("TLS 1.3"):
        grader.add("critical", "protocol.none", "neither TLS 1.2 nor TLS 1.3 accepted")
    if "TLS 1.3" in modern and not accepted.get("TLS 1.3"):
        grader.add("medium", "protocol.no-tls13", "TLS 1.3 not supported")

    for label, result in modern.items():
        for suite in result["accepted_cipher_suites"]:
            cipher = suite["cipher_suite"]
            name = cipher["name"]
            if cipher.get("is_anonymous"):
                grader.add("critical", f"cipher.{name}", f"{label}: anonymous suite {name}")
                continue
            if label == "TLS 1.3":
                forward_secret = True   # every TLS 1.3 handshake with a certificate is (EC)DHE
                aead = True             # every TLS 1.3 suite is AEAD
            else:
                forward_secret = name.startswith(("TLS_ECDHE_", "TLS_DHE_"))
                aead = any(m in name for m in ("_GCM_", "_CHACHA20_POLY1305", "_CCM"))
            if not forward_secret:
                grader.add("high", f"cipher.{name}", f"{label}: {name} is not forward-secret (static key exchange)")
            if not aead:
                grader.add("high", f"cipher.{name}", f"{label}: {name} is not an AEAD suite (CBC or stream)")
            if "CCM_8" in name:
                grader.add("medium", f"cipher.{name}", f"{label}: {name} has a truncated 8-byte tag")
            if (cipher.get("key_size") or 0) < 128:
                grader.add("high", f"cipher.{name}", f"{label}: {name} has a {cipher.get('key_size')}-bit key")
            key = suite.get("ephemeral_key") or {}
            size, kind = key.get("size") or 0, key.get("type_name") or ""
            if kind == "ECDH" and size < 224:
                grader.add("high", f"kex.{name}", f"{label}: ephemeral ECDH key of {size} bits")
            if kind == "DH" and size < 2048:
                grader.add("high", f"kex.{name}", f"{label}: ephemeral DH key of {size} bits")
    return accepted


def curve_bits(name: str) -> int | None:
    digits = "".join(c for c in name if c.isdigit())
    if name.startswith(("secp", "sect", "prime", "brainpoolP")) and digits:
        return int(digits[:3])
    return {"X25519": 253, "X448": 448}.get(name)


def grade_curves(scan: dict, grader: Grader) -> list[str]:
    result = result_of(scan, "elliptic_curves", grader)
    if result is None:
        return []
    names = [c["name"] for c in result.get("supported_curves") or []]
    for name in names:
        bits = curve_bits(name)
        if bits is not None and bits < 224:
            grader.add("high", f"curve.{name}", f"weak elliptic curve {name} accepted")
        elif bits is not None and bits < 233:
            grader.add("medium", f"curve.{name}", f"elliptic curve {name} (about 112-bit security) accepted")
    return names


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def grade_certificates(scan: dict, host: str, grader: Grader, ca_label: str) -> list[dict]:
    result = result_of(scan, "certificate_info", grader)
    if result is None:
        return []
    summary = []
    now = dt.datetime.now(dt.timezone.utc)
    for index, deployment in enumerate(result.get("certificate_deployments") or []):
        chain = deployment.get("received_certificate_chain") or []
        if not chain:
            grader.add("high", "cert.none", "no certificate received")
            continue
        leaf = chain[0]
        subject = leaf["subject"]["rfc4514_string"]
        summary.append({"subject": subject, "issuer": leaf["issuer"]["rfc4514_string"],
                        "notValidAfter": leaf["not_valid_after"], "key": leaf["public_key"]})
        stores = deployment.get("path_validation_results") or []
        own = [p for p in stores if p["trust_store"]["name"] == ca_label]
        public = [p for p in stores if p["trust_store"]["name"] != ca_label]
        if not own:
            grader.add("high", "cert.chain", "the chain was not validated against the example CA (no CA file given)")
        elif not own[0]["was_validation_successful"]:
            grader.add("high", "cert.chain", "the certificate chain does not validate against the example CA",
                       str(own[0].get("validation_error")))
        untrusted = [p["trust_store"]["name"] for p in public if not p["was_validation_successful"]]
        if untrusted:
            grader.add("info", "cert.public-stores", f"not trusted by public stores: {', '.join(untrusted)}",
                       excluded=f"{PRIVATE_PKI}: the server certificate is issued by the deployment's own CA, which "
                                "partners configure as their trust anchor (lienthong certs init); no public CA issues "
                                "certificates for a loopback address or a government-internal name")
        if parse_time(leaf["not_valid_before"]) > now or parse_time(leaf["not_valid_after"]) < now:
            grader.add("high", "cert.validity", f"leaf {subject} is outside its validity period")
        elif parse_time(leaf["not_valid_after"]) - now < dt.timedelta(days=30):
            grader.add("medium", "cert.expiry", f"leaf {subject} expires within 30 days")
        algorithm = (leaf.get("signature_hash_algorithm") or {}).get("name", "")
        if algorithm in ("md5", "sha1"):
            grader.add("high", "cert.signature", f"leaf signed with {algorithm}")
        if deployment.get("verified_chain_has_sha1_signature"):
            grader.add("high", "cert.sha1-chain", "the verified chain has a SHA-1 signature")
        if deployment.get("verified_chain_has_legacy_symantec_anchor"):
            grader.add("high", "cert.symantec", "legacy Symantec anchor")
        key = leaf["public_key"]
        if key["algorithm"] == "RSAPublicKey" and key["key_size"] < 2048:
            grader.add("high", "cert.key", f"RSA key of {key['key_size']} bits")
        if key["algorithm"] == "ECPublicKey" and key["key_size"] < 256:
            grader.add("high", "cert.key", f"EC key of {key['key_size']} bits")
        names = leaf.get("subject_alternative_name") or {}
        if host not in (names.get("ip_addresses") or []) and host.lower() not in [n.lower() for n in names.get("dns_names") or []]:
            grader.add("high", "cert.name", f"{host} is not among the certificate's subject alternative names")
        if deployment.get("received_chain_has_valid_order") is False:
            grader.add("medium", "cert.order", "the received chain is out of order")
        if deployment.get("received_chain_contains_anchor_certificate"):
            grader.add("low", "cert.anchor-sent", "the server sends its trust anchor in the chain")
        grade_leaf_extensions(leaf.get("as_pem"), grader)
        excluded_private = f"{PRIVATE_PKI}: there is no OCSP responder and no CT log for a private CA; revocation " \
                           "of member certificates is by the CA's signed CRL, which the gateway reloads"
        if deployment.get("ocsp_response") is None:
            grader.add("info", "cert.ocsp-stapling", "no OCSP response stapled", excluded=excluded_private)
        if not deployment.get("leaf_certificate_has_must_staple_extension"):
            grader.add("info", "cert.must-staple", "no OCSP must-staple extension", excluded=excluded_private)
        if not deployment.get("leaf_certificate_signed_certificate_timestamps_count"):
            grader.add("info", "cert.sct", "no Certificate Transparency SCTs", excluded=excluded_private)
        if not deployment.get("leaf_certificate_is_ev"):
            grader.add("info", "cert.ev", "not an EV certificate",
                       excluded="EV is a browser-era public-CA product, meaningless for machine-to-machine mTLS")
        break   # the SNI-less deployment, when sslyze lists one, is the same certificate here
    return summary


def grade_leaf_extensions(pem: str | None, grader: Grader) -> None:
    if not pem:
        return
    try:
        from cryptography import x509
        from cryptography.x509.oid import ExtendedKeyUsageOID
    except ImportError:
        return
    certificate = x509.load_pem_x509_certificate(pem.encode())
    try:
        if certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            grader.add("high", "cert.leaf-is-ca", "the server's leaf certificate is a CA certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.SERVER_AUTH not in usages:
            grader.add("medium", "cert.eku", "the leaf certificate lacks the serverAuth extended key usage")
    except x509.ExtensionNotFound:
        pass


def grade_vulnerabilities(scan: dict, accepted: dict, grader: Grader) -> None:
    if (r := result_of(scan, "heartbleed", grader)) and r["is_vulnerable_to_heartbleed"]:
        grader.add("critical", "vuln.heartbleed", "vulnerable to Heartbleed (CVE-2014-0160)")
    if (r := result_of(scan, "openssl_ccs_injection", grader)) and r["is_vulnerable_to_ccs_injection"]:
        grader.add("high", "vuln.ccs", "vulnerable to OpenSSL CCS injection (CVE-2014-0224)")
    if r := result_of(scan, "robot", grader):
        robot = r["robot_result"]
        if robot == "VULNERABLE_STRONG_ORACLE":
            grader.add("critical", "vuln.robot", "ROBOT: strong Bleichenbacher oracle")
        elif robot == "VULNERABLE_WEAK_ORACLE":
            grader.add("high", "vuln.robot", "ROBOT: weak Bleichenbacher oracle")
        elif robot.startswith("UNKNOWN"):
            grader.add("medium", "vuln.robot", f"ROBOT: {robot}")
    if (r := result_of(scan, "tls_compression", grader)) and r["supports_compression"]:
        grader.add("high", "vuln.crime", "TLS compression enabled (CRIME)")
    if r := result_of(scan, "session_renegotiation", grader):
        if accepted.get("TLS 1.2") and not r["supports_secure_renegotiation"]:
            grader.add("high", "vuln.renegotiation", "insecure renegotiation (no RFC 5746)")
        if r["is_vulnerable_to_client_renegotiation_dos"]:
            grader.add("high", "vuln.client-renegotiation", "client-initiated renegotiation accepted (DoS)",
                       f"{r.get('client_renegotiations_success_count')} renegotiations succeeded")
    if (r := result_of(scan, "tls_1_3_early_data", grader)) and r["supports_early_data"]:
        grader.add("medium", "vuln.early-data", "TLS 1.3 early data accepted (0-RTT replay)")
    if (r := result_of(scan, "tls_extended_master_secret", grader)) and accepted.get("TLS 1.2") and not r["supports_ems_extension"]:
        grader.add("medium", "vuln.ems", "no extended master secret with TLS 1.2 (triple handshake)")
    if (r := result_of(scan, "tls_fallback_scsv", grader)) and not r["supports_fallback_scsv"]:
        old = any(label in accepted for _, label, _ in OLD_PROTOCOLS)
        grader.add("medium" if old else "low", "vuln.fallback-scsv", "no TLS_FALLBACK_SCSV",
                   "" if old else "only TLS 1.2/1.3 are accepted and TLS 1.3 carries its own downgrade protection")
    result_of(scan, "session_resumption", grader)
    if r := result_of(scan, "http_headers", grader):
        if not r.get("strict_transport_security_header"):
            grader.add("info", "http.hsts", "no Strict-Transport-Security header",
                       excluded="the partner listener serves an API to machine clients over mTLS with pinned "
                                "certificates; no browser connects and there is no plain-HTTP listener to downgrade to")


def grade(report: dict, host: str) -> tuple[Grader, dict]:
    grader = Grader()
    results = report.get("server_scan_results") or []
    if not results:
        grader.add("critical", "scan.none", "sslyze reported no server")
        return grader, {}
    server = results[0]
    if server.get("connectivity_status") != "COMPLETED" or server.get("scan_status") != "COMPLETED":
        grader.add("critical", "scan.connectivity", "no TLS connection with the member certificate",
                   str(server.get("connectivity_error_trace"))[-300:])
        return grader, {}
    scan = server["scan_result"]
    accepted = grade_protocols(scan, grader)
    curves = grade_curves(scan, grader)
    certificates = grade_certificates(scan, host, grader, "Supplied CA file")
    grade_vulnerabilities(scan, accepted, grader)
    return grader, {"accepted": accepted, "curves": curves, "certificates": certificates}


def handshake(host: str, port: int, ca: str, cert: str | None, key: str | None) -> tuple[bool, str]:
    """Whether an HTTP answer comes back over TLS with this client identity (or none)."""
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False   # the scan checks the names; here only the client side matters
    if cert:
        context.load_cert_chain(cert, key)
    try:
        with socket.create_connection((host, port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                tls.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                data = tls.recv(64)
                if data.startswith(b"HTTP/"):
                    return True, data.split(b"\r\n", 1)[0].decode(errors="replace")
                return False, "connection closed without an answer"
    except (ssl.SSLError, ConnectionError, OSError) as error:
        return False, f"{type(error).__name__}: {error}"


def probe_client_authentication(args, grader: Grader) -> list[dict]:
    probes = []
    ok, detail = handshake(args.host, args.port, args.ca, args.cert, args.key)
    probes.append({"client": "member certificate", "answered": ok, "detail": detail})
    if not ok:
        grader.add("critical", "mtls.member", "no HTTP answer over TLS with the member certificate", detail)
    ok, detail = handshake(args.host, args.port, args.ca, None, None)
    probes.append({"client": "no client certificate", "answered": ok, "detail": detail})
    if ok:
        grader.add("critical", "mtls.optional", "the listener answers without a client certificate", detail)
    if args.foreign_cert:
        ok, detail = handshake(args.host, args.port, args.ca, args.foreign_cert, args.foreign_key)
        probes.append({"client": "certificate of another CA", "answered": ok, "detail": detail})
        if ok:
            grader.add("critical", "mtls.foreign", "the listener answers a certificate of another CA", detail)
    return probes


def run_sslyze(args) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "sslyze.json")
        command = [sys.executable, "-m", "sslyze", "--cert", args.cert, "--key", args.key,
                   "--certinfo_ca_file", args.ca, *SCAN_COMMANDS, "--mozilla_config", "disable",
                   "--json_out", out, "--quiet", f"{args.host}:{args.port}"]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if not os.path.exists(out):
            print(completed.stdout[-2000:], completed.stderr[-2000:], sep="\n", file=sys.stderr)
            raise SystemExit(f"tls-grade: sslyze wrote no report (exit {completed.returncode})")
        with open(out, encoding="utf-8") as handle:
            return json.load(handle)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Grade the partner listener's TLS with sslyze.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int)
    parser.add_argument("--cert", help="member client certificate (PEM)")
    parser.add_argument("--key", help="member private key (PEM)")
    parser.add_argument("--ca", help="the example CA (PEM): the deployment's trust anchor")
    parser.add_argument("--foreign-cert", help="a client certificate of another CA (must be refused)")
    parser.add_argument("--foreign-key")
    parser.add_argument("--grade-only", help="grade this saved sslyze JSON report instead of scanning")
    parser.add_argument("--out", default=os.environ.get("TLS_REPORT", "tls-report.json"), help="report (JSON)")
    args = parser.parse_args(argv)

    probes: list[dict] = []
    if args.grade_only:
        with open(args.grade_only, encoding="utf-8") as handle:
            raw = json.load(handle)
        grader, facts = grade(raw, args.host)
    else:
        if not (args.port and args.cert and args.key and args.ca):
            parser.error("--port, --cert, --key and --ca are needed to scan")
        try:
            import sslyze  # noqa: F401
        except ImportError:
            print("tls-grade: sslyze is not installed (python3 -m pip install sslyze)", file=sys.stderr)
            return 2
        raw = run_sslyze(args)
        grader, facts = grade(raw, args.host)
        probes = probe_client_authentication(args, grader)

    counts = {s: sum(1 for f in grader.findings if f["severity"] == s) for s in SEVERITIES}
    failing = grader.failing
    report = {
        "scanner": {"name": "sslyze", "version": raw.get("sslyze_version")},
        "target": f"{args.host}:{args.port}" if args.port else args.host,
        "verdict": "fail" if failing else "pass",
        "counts": counts,
        "failing": len(failing),
        "findings": grader.findings,
        "accepted": facts.get("accepted", {}),
        "curves": facts.get("curves", []),
        "certificates": facts.get("certificates", []),
        "clientAuthentication": probes,
        "notes": [
            "sslyze's connectivity_result.client_auth_requirement reads DISABLED whenever sslyze itself presents a "
            "client certificate (it only probes the requirement when the server asks a client that has none); the "
            "clientAuthentication handshakes above are what shows that a client certificate is required.",
        ],
        "sslyze": raw,
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")

    print(f"tls-grade: sslyze {raw.get('sslyze_version')} against {report['target']}")
    for label, suites in report["accepted"].items():
        print(f"  {label}: {', '.join(suites)}")
    if report["curves"]:
        print(f"  curves: {', '.join(report['curves'])}")
    for probe in probes:
        print(f"  handshake with {probe['client']}: {'answered' if probe['answered'] else 'refused'} ({probe['detail'][:90]})")
    for finding in sorted(grader.findings, key=lambda f: SEVERITIES.index(f["severity"])):
        note = " [expected, excluded]" if "excludedBecause" in finding else ""
        print(f"  {finding['severity']:<8} {finding['title']}{note}")
    print(f"tls-grade: {', '.join(f'{n} {s}' for s, n in counts.items())}; "
          f"{len(failing)} high/critical counted -> {report['verdict'].upper()}; report: {args.out}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
