#!/usr/bin/env python3
"""Independent verifier of a Lienthong audit export (SPEC section 5).

Usage: verify-audit-export.py [--first-seq N --prev HASH] RECORDS.jsonl CHECKPOINTS.jsonl PUBKEY.pem

--first-seq/--prev start the chain at an anchor instead of genesis: an export taken after archiving, or an archive
segment after the first (its header's first seq and prev; `Contracts/audit.md`). The anchor itself is what the
previous segment's last record (verified the same way) must end with.

Re-derives everything from the files with the Python standard library and `cryptography`:
- each record's hash = lowercase hex SHA-256 of the RFC 8785 (JCS) canonical JSON of the record
  without "hash" (records hold only strings and integers: keys sorted by UTF-16 code units, strings
  escaped per RFC 8785, integers in decimal);
- prev links (64 zeros for seq 1), seq contiguity from 1;
- every checkpoint: keyId = first 16 hex of SHA-256(SubjectPublicKeyInfo DER), signature (base64 DER
  ECDSA P-256/SHA-256) over "lienthong-checkpoint:v1:{seq}:{hash}:{ts}", and its hash equals the
  record's; a checkpoint beyond the last record means a truncated log.

Exit 0 when intact; exit 1 printing "first bad seq N: reason"; exit 2 on usage or file errors.
"""

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

RECORD_MEMBERS = {"seq", "ts", "actor", "user", "action", "target", "ref", "purpose",
                  "outcome", "status", "subject", "prev", "hash"}
CHECKPOINT_MEMBERS = {"seq", "hash", "ts", "keyId", "sig"}
INTEGER_MEMBERS = {"seq", "status"}
GENESIS = "0" * 64
OUTCOMES = {"ok", "denied", "error"}


def jcs_string(s):
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def utf16_key(s):
    return s.encode("utf-16-be")


def jcs(value):
    """RFC 8785 for objects of strings and integers (all an audit record holds)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("unexpected literal")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return jcs_string(value)
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda kv: utf16_key(kv[0]))
        return "{" + ",".join(jcs_string(k) + ":" + jcs(v) for k, v in members) + "}"
    raise ValueError("unexpected type")


def reject_constant(name):
    raise ValueError("non-JSON constant")


def integral_float(text):
    """JSON numbers with a fraction or exponent: accepted when they denote an exact integer
    (JCS would write 1.0 as 1), so both verifiers read the same values."""
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")) or not value.is_integer() or abs(value) >= 2 ** 53:
        raise ValueError("not an integer")
    return int(value)


def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key")
        obj[k] = v
    return obj


def parse_object(line, members):
    obj = json.loads(line.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=reject_constant,
                     parse_float=integral_float)
    if not isinstance(obj, dict) or set(obj) != members:
        raise ValueError("members differ")
    if "outcome" in members and obj["outcome"] not in OUTCOMES:
        raise ValueError("outcome is not ok, denied or error")
    for k, v in obj.items():
        if k in INTEGER_MEMBERS:
            if not isinstance(v, int) or isinstance(v, bool):
                raise ValueError(k + " is not an integer")
        elif not isinstance(v, str):
            raise ValueError(k + " is not a string")
        else:
            v.encode("utf-8")  # refuses lone surrogates from \\u escapes
    return obj


def lines(path):
    with open(path, "rb") as f:
        for raw in f:
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            yield raw


def main(argv):
    args = argv[1:]
    first_seq, anchor = 1, GENESIS
    while args and args[0].startswith("--"):
        if len(args) < 2 or args[0] not in ("--first-seq", "--prev"):
            print(__doc__.strip().splitlines()[2], file=sys.stderr)
            return 2
        if args[0] == "--first-seq":
            try:
                first_seq = int(args[1])
            except ValueError:
                print("--first-seq must be a whole number", file=sys.stderr)
                return 2
        else:
            anchor = args[1].lower()
            if len(anchor) != 64 or any(c not in "0123456789abcdef" for c in anchor):
                print("--prev must be 64 hex digits", file=sys.stderr)
                return 2
        args = args[2:]
    if len(args) != 3 or first_seq < 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    records_path, checkpoints_path, key_path = args
    try:
        with open(key_path, "rb") as f:
            public_key = serialization.load_pem_public_key(f.read())
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != "secp256r1":
            print("public key is not P-256", file=sys.stderr)
            return 2
        spki = public_key.public_bytes(serialization.Encoding.DER,
                                       serialization.PublicFormat.SubjectPublicKeyInfo)
        key_id = hashlib.sha256(spki).hexdigest()[:16]

        failures = []  # (seq, reason)
        expected = {}  # seq -> [hash] of valid checkpoints
        checkpoint_count = 0
        for number, line in enumerate(lines(checkpoints_path), 1):
            try:
                cp = parse_object(line, CHECKPOINT_MEMBERS)
            except ValueError as e:
                print("checkpoints line %d unreadable: %s" % (number, e), file=sys.stderr)
                return 2
            checkpoint_count += 1
            seq = cp["seq"]
            message = "lienthong-checkpoint:v1:%d:%s:%s" % (seq, cp["hash"], cp["ts"])
            if seq < 1:
                failures.append((seq, "checkpoint with invalid seq"))
                continue
            if cp["keyId"] != key_id:
                failures.append((seq, "checkpoint at seq %d names another signing key" % seq))
                continue
            try:
                public_key.verify(base64.b64decode(cp["sig"], validate=True), message.encode("utf-8"),
                                  ec.ECDSA(hashes.SHA256()))
            except (InvalidSignature, ValueError):
                failures.append((seq, "checkpoint at seq %d has an invalid signature" % seq))
                continue
            if seq < first_seq:
                # An archived record's checkpoint (verified with its segment); the one at the anchor must sign it.
                if seq == first_seq - 1 and cp["hash"] != anchor:
                    failures.append((seq, "checkpoint at seq %d does not sign the anchor given by --prev" % seq))
                continue
            expected.setdefault(seq, []).append(cp["hash"])

        expected_seq = first_seq
        prev = anchor
        broken = False
        record_count = 0
        for line in lines(records_path):
            record_count += 1
            try:
                record = parse_object(line, RECORD_MEMBERS)
            except ValueError as e:
                failures.append((expected_seq, "record at position of seq %d is unreadable: %s" % (expected_seq, e)))
                broken = True
                break
            seq = record["seq"]
            if seq != expected_seq:
                if seq > expected_seq:
                    reason = "record seq %d is missing (next record has seq %d)" % (expected_seq, seq)
                else:
                    reason = "record at position of seq %d has seq %d" % (expected_seq, seq)
                failures.append((expected_seq, reason))
                broken = True
                break
            if record["prev"] != prev:
                failures.append((seq, "prev of record seq %d is not the hash of the preceding record" % seq))
                broken = True
                break
            content = {k: v for k, v in record.items() if k != "hash"}
            digest = hashlib.sha256(jcs(content).encode("utf-8")).hexdigest()
            if digest != record["hash"]:
                failures.append((seq, "hash of record seq %d does not match its content" % seq))
                broken = True
                break
            hashes_at = expected.pop(seq, None)
            if hashes_at is not None and any(h != record["hash"] for h in hashes_at):
                failures.append((seq, "checkpoint at seq %d commits to another hash" % seq))
                broken = True
                break
            prev = record["hash"]
            expected_seq += 1

        if not broken:
            for seq in expected:
                failures.append((seq, "checkpoint at seq %d is beyond the last record (seq %d): log truncated"
                                 % (seq, expected_seq - 1)))
    except OSError as e:
        print("cannot read: %s" % e.filename, file=sys.stderr)
        return 2

    if failures:
        seq, reason = min(failures, key=lambda f: f[0])
        print("first bad seq %d: %s" % (seq, reason))
        return 1
    print("intact: %d records, %d checkpoints" % (record_count, checkpoint_count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
