#!/usr/bin/env python3
"""Helper of scripts/contract-fuzz.sh (standard library only).

  contract-fuzz.py ports CONFIG.toml        rewrites the demo configuration's listeners and upstream URLs to fresh
                                            loopback ports; prints "partner admin population vss napas"
  contract-fuzz.py envelope OUT.json ID REF writes an account-opening request (synthetic, from Contracts/examples)
  contract-fuzz.py config OUT.toml CERTS MEMBER ID REF
                                            writes schemathesis's configuration: MEMBER's client certificate from
                                            CERTS (the CA there verifies the gateway), a granted X-Purpose per service
                                            (SPEC §3; X-User-Id is generated from the contract, or fixed with
                                            CONTRACT_FUZZ_FIXED_USER=1), the IOC member's certificate for the IOC
                                            feed, and the message ID / account opening REF sent before the run
  contract-fuzz.py summary EVENTS JUNIT     prints the failures and the one-line summary; exit 1 on any failure
"""
import json
import os
import re
import socket
import sys
import xml.etree.ElementTree as ET

# The officer code sent as X-User-Id (synthetic).
USER_ID = "fuzz-officer-01"

# The member that may read the IOC feed (labor.ioc_member of the demo configuration).
IOC_MEMBER = "gov.ioc.dongnai"

# X-Purpose per operation: a purpose the demo configuration grants gov.labour.dongnai for that service.
PURPOSES = {
    "verifyCitizen": "asxh.verify-beneficiary",
    "lookupCitizen": "asxh.verify-beneficiary",
    "requestPersonalId": "asxh.verify-beneficiary",
    "lookupParticipant": "asxh.verify-beneficiary",
    "verifyAccount": "asxh.verify-account",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ports(path):
    partner, admin, population, vss, napas, recipient = (free_port() for _ in range(6))
    urls = {"upstreams.population": population, "upstreams.vss": vss, "upstreams.napas": napas}
    section, lines = None, []
    for line in open(path, encoding="utf-8").read().splitlines():
        m = re.match(r"\s*\[+([^\]]+)\]+\s*(#.*)?$", line)
        if m:
            section = m.group(1)
        if section == "partner" and line.startswith("listen"):
            line = f'listen = "127.0.0.1:{partner}"'
        elif section == "admin" and line.startswith("listen"):
            line = f'listen = "127.0.0.1:{admin}"'
        elif section in urls and line.startswith("url"):
            line = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{urls[section]}", line)
        elif section == "members.delivery" and line.startswith("url"):
            line = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{recipient}", line)
        lines.append(line)
    open(path, "w", encoding="utf-8").write("\n".join(lines) + "\n")
    print(partner, admin, population, vss, napas)


def config(path, certs, member, message_id, request_ref):
    """The client certificate, the headers, the IOC feed's own member and the identifiers of a message sent before
    the run. The certificate is set here, not on the command line, as command-line options win over per-operation
    settings."""
    fixed_user = os.environ.get("CONTRACT_FUZZ_FIXED_USER", "0") == "1"
    user = f'"X-User-Id" = "{USER_ID}", ' if fixed_user else ""
    out = [
        f'request-cert = "{certs}/{member}.pem"',
        f'request-cert-key = "{certs}/{member}-key.pem"',
        f'tls-verify = "{certs}/ca.pem"',
    ]
    if fixed_user:
        out.append(f'headers = {{ "X-User-Id" = "{USER_ID}" }}')
    out.append("")
    for operation, purpose in PURPOSES.items():
        out += [
            "[[operations]]",
            f'include-operation-id = "{operation}"',
            f'headers = {{ {user}"X-Purpose" = "{purpose}" }}',
            "",
        ]
    # Only labor.ioc_member may read the IOC feed (everyone else is 403).
    out += [
        "[[operations]]",
        'include-operation-id = "laborIOCFeed"',
        f'request-cert = "{certs}/{IOC_MEMBER}.pem"',
        f'request-cert-key = "{certs}/{IOC_MEMBER}-key.pem"',
        "",
        # A message and an account opening that exist, so their reads answer 200 and not only 404.
        "[[operations]]",
        'include-operation-id = "messageStatus"',
        f'parameters = {{ "path.id" = "{message_id}" }}',
        "",
        "[[operations]]",
        'include-operation-id = "accountOpening"',
        f'parameters = {{ "path.requestRef" = "{request_ref}" }}',
        "",
    ]
    open(path, "w", encoding="utf-8").write("\n".join(out))


def envelope(path, message_id, request_ref):
    """An account-opening request to the pull bank bank.970418, from the contract's own example (synthetic)."""
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Contracts", "examples",
                           "MessageEnvelope-account-opening-request.json")
    with open(example, encoding="utf-8") as f:
        message = json.load(f)
    message["id"] = message_id
    message["to"] = "bank.970418"
    message["payload"]["bank"]["bin"] = "970418"
    message["payload"]["requestRef"] = request_ref
    with open(path, "w", encoding="utf-8") as f:
        json.dump(message, f, ensure_ascii=False)


def summary(events_path, junit_path):
    operations, examples, failures, errors = set(), 0, [], []
    try:
        root = ET.parse(junit_path).getroot()
    except (OSError, ET.ParseError) as error:
        print(f"contract-fuzz: no readable JUnit report ({error})", file=sys.stderr)
        print("contract-fuzz: 0 operations, 0 examples, 0 failures, 1 errors")
        return 1
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        operations.add(name)
        for failure in case.findall("failure"):
            failures.append((name, (failure.text or failure.get("message") or "").strip()))
        for error in case.findall("error"):
            errors.append((name, (error.text or error.get("message") or "").strip()))
    try:
        with open(events_path, encoding="utf-8") as f:
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                examples += count_requests(event)
    except OSError:
        pass
    for name, message in failures + errors:
        # The report names each failed check as "- STnnn Title" (the full text, with curl reproductions, is in
        # the JUnit report).
        checks = sorted({line.strip("- ").strip() for line in message.splitlines() if re.match(r"\s*- ST\d+", line)})
        print(f"  FAILED {name}: {'; '.join(checks) or (message.splitlines() or [''])[0][:300]}")
    print(f"contract-fuzz: {len(operations)} operations, {examples} examples, {len(failures)} failures, {len(errors)} errors")
    return 0 if operations and not failures and not errors else 1


def count_requests(event):
    """Counts the HTTP interactions recorded in one NDJSON event (ScenarioFinished carries the recorder)."""
    if not isinstance(event, dict):
        return 0
    for key, value in event.items():
        if key == "ScenarioFinished" and isinstance(value, dict):
            recorder = value.get("recorder") or {}
            interactions = recorder.get("interactions") or {}
            return len(interactions)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "ports":
        ports(argv[2])
        return 0
    if len(argv) >= 7 and argv[1] == "config":
        config(argv[2], argv[3], argv[4], argv[5], argv[6])
        return 0
    if len(argv) >= 5 and argv[1] == "envelope":
        envelope(argv[2], argv[3], argv[4])
        return 0
    if len(argv) >= 4 and argv[1] == "summary":
        return summary(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
