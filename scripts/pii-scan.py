#!/usr/bin/env python3
"""Scans files for the personal data of the synthetic population: zero hits expected.

    pii-scan.py --citizens DIR/data/citizens.jsonl [--extra-ids FILE] [--summary-json F] FILE...

What is searched (from the citizens file written by `lienthong demo` / `lienthong sim seed`):
  - every personal id number (`personalId`, 12 digits), every number assigned to a child (`assignedPersonalId`)
    and, if present, every 9-digit CMND (any member whose key contains `cmnd`); `--extra-ids` adds numbers from a
    file, one per line (e.g. social-insurance numbers). A number is found inside any run of ASCII digits that
    contains it, so `0751656358661` (an id with one digit too many) is a hit too.
  - every full name of two words or more (`fullName`, and the parents' `fatherName` / `motherName`), in any
    Unicode normalisation form (the text is composed to NFC before matching, so NFD text is found), in any case
    while it carries Vietnamese diacritics, with either tone-mark style (hoà / hòa: tone marks are ignored, the
    vowel marks â ă ê ô ơ ư and đ are kept), and in the diacritic-free bank form (`VietnameseName.asciiKey`:
    `NGUYEN THI HOA`) or its title-case ASCII form (`Nguyen Thi Hoa`). Single-word names are not searched (they
    are common words); an all-lower-case ASCII text is not taken for a name.
  - each line is also searched after decoding JSON `\\uXXXX` escapes and URL `%XX` escapes when it has any.

Matching is a set lookup over the word n-grams of each line (n = 2 … the longest name), so thousands of names
cost one hash lookup per n-gram. A hit prints `file:line: kind (form) sha256:<12 hex>` — the value itself is never
printed; the hash prefix lets the owner of the synthetic data find which value it was.

Exit status: 0 no hit, 1 at least one hit, 2 usage or input error (a missing file, or a citizens file without
any id or name: a scan for nothing must not pass).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
import urllib.parse
from dataclasses import dataclass, field

# The five Vietnamese tone marks as combining characters: grave, acute, hook above, tilde, dot below.
TONE_MARKS = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
WORD = re.compile(r"[^\W\d_]+")
DIGITS = re.compile(r"[0-9]+")
JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
URL_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def value_hash(value: str) -> str:
    """The printed stand-in for a value: the first 12 hex digits of SHA-256 of its NFC UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(unicodedata.normalize("NFC", value).encode("utf-8")).hexdigest()[:12]


def ascii_key(word: str) -> str:
    """`VietnameseName.asciiKey` of one word: decomposed, every combining mark dropped, đ → D, upper-case."""
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D").replace("Ð", "D").replace("ð", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def toneless_key(word: str) -> str:
    """One word without its tone mark (vowel marks and đ kept), case-folded: equal for hoà and hòa."""
    decomposed = unicodedata.normalize("NFD", word.replace("Ð", "Đ").replace("ð", "đ"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS)).casefold()


def words(text: str) -> list[str]:
    """The words of `text` (letters only), after composition to NFC."""
    return WORD.findall(unicodedata.normalize("NFC", text))


@dataclass
class Patterns:
    """What to search for: numbers by length, names by word-tuple keys; each key maps to (kind, hash)."""

    numbers: dict[int, dict[str, tuple[str, str]]] = field(default_factory=dict)
    marked_names: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    ascii_names: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    longest_name: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add_number(self, kind: str, value: str) -> None:
        value = value.strip()
        if not value.isdigit() or not value.isascii() or len(value) < 6:
            return
        bucket = self.numbers.setdefault(len(value), {})
        if value not in bucket:
            bucket[value] = (kind, value_hash(value))
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def add_name(self, kind: str, name: str) -> None:
        parts = words(name)
        if len(parts) < 2:
            return
        marked = tuple(toneless_key(w) for w in parts)
        plain = tuple(ascii_key(w) for w in parts)
        entry = (kind, value_hash(" ".join(parts)))
        if marked not in self.marked_names:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        self.marked_names.setdefault(marked, entry)
        self.ascii_names.setdefault(plain, entry)
        self.longest_name = max(self.longest_name, len(parts))


def load_patterns(citizens_path: str, extra_ids: list[str]) -> Patterns:
    patterns = Patterns()
    with open(citizens_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                citizen = json.loads(line)
            except json.JSONDecodeError as error:
                raise SystemExit(f"pii-scan: {citizens_path}:{number}: not JSON ({error.msg})")
            for key, value in citizen.items():
                if not isinstance(value, str):
                    continue
                if key == "personalId":
                    patterns.add_number("personal-id", value)
                elif key == "assignedPersonalId":
                    patterns.add_number("assigned-personal-id", value)
                elif "cmnd" in key.lower():
                    patterns.add_number("cmnd", value)
                elif key == "fullName":
                    patterns.add_name("full-name", value)
                elif key in ("fatherName", "motherName"):
                    patterns.add_name("parent-name", value)
    for path in extra_ids:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                patterns.add_number("extra-id", line)
    return patterns


@dataclass
class Hit:
    path: str
    line: int
    kind: str
    form: str
    digest: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} ({self.form}) {self.digest}"


def line_variants(line: str) -> list[tuple[str, str]]:
    """The line itself and, when it has escapes, its JSON-unescaped and URL-decoded forms."""
    variants = [("", line)]
    if JSON_ESCAPE.search(line):
        variants.append(("json-escaped ", JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), line)))
    if URL_ESCAPE.search(line):
        variants.append(("url-encoded ", urllib.parse.unquote(line)))
    return variants


def scan_text(text: str, patterns: Patterns) -> list[tuple[str, str, str]]:
    """(kind, form, digest) of every match in one line of text."""
    found: list[tuple[str, str, str]] = []
    # Numbers: every window of each known length inside every digit run.
    for match in DIGITS.finditer(text):
        run = match.group(0)
        for length, bucket in patterns.numbers.items():
            if len(run) < length:
                continue
            for start in range(len(run) - length + 1):
                entry = bucket.get(run[start:start + length])
                if entry:
                    form = "exact" if len(run) == length else "inside a longer digit run"
                    found.append((entry[0], form, entry[1]))
    # Names: word n-grams.
    if patterns.longest_name >= 2:
        nfd = text != unicodedata.normalize("NFC", text)
        tokens = words(text)
        for start in range(len(tokens) - 1):
            for n in range(2, min(patterns.longest_name, len(tokens) - start) + 1):
                gram = tokens[start:start + n]
                if all(w.isascii() for w in gram):
                    if all(w.isupper() for w in gram):
                        form = "ASCII upper-case (bank form)"
                    elif all(w[:1].isupper() and (len(w) == 1 or w[1:].islower()) for w in gram):
                        form = "ASCII title-case"
                    else:
                        continue
                    entry = patterns.ascii_names.get(tuple(w.upper() for w in gram))
                else:
                    form = "NFD" if nfd else "NFC"
                    entry = patterns.marked_names.get(tuple(toneless_key(w) for w in gram))
                if entry:
                    found.append((entry[0], form, entry[1]))
    return found


def scan_file(path: str, patterns: Patterns) -> tuple[int, list[Hit]]:
    hits: list[Hit] = []
    lines = 0
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, 1):
            lines = number
            seen: set[tuple[str, str, str]] = set()
            for prefix, variant in line_variants(line):
                for kind, form, digest in scan_text(variant, patterns):
                    key = (kind, digest, prefix)
                    if key in seen or (kind, digest, "") in seen:
                        continue
                    seen.add(key)
                    hits.append(Hit(path, number, kind, prefix + form, digest))
    return lines, hits


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Find the synthetic population's ids and names in files.")
    parser.add_argument("--citizens", required=True, help="citizens.jsonl of the synthetic population")
    parser.add_argument("--extra-ids", action="append", default=[], help="file of further numbers, one per line")
    parser.add_argument("--summary-json", help="write the figures (counts, files, lines, hits) to this file")
    parser.add_argument("--quiet", action="store_true", help="print hits and the summary line only")
    parser.add_argument("files", nargs="+", help="files to scan")
    args = parser.parse_args(argv)

    try:
        patterns = load_patterns(args.citizens, args.extra_ids)
    except OSError as error:
        print(f"pii-scan: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    numbers = sum(len(b) for b in patterns.numbers.values())
    if numbers == 0 or not patterns.marked_names:
        print(f"pii-scan: {args.citizens} gave {numbers} numbers and {len(patterns.marked_names)} names: nothing to search for",
              file=sys.stderr)
        return 2

    total_lines = 0
    hits: list[Hit] = []
    per_file: dict[str, dict[str, int]] = {}
    for path in args.files:
        try:
            lines, file_hits = scan_file(path, patterns)
        except OSError as error:
            print(f"pii-scan: cannot read {path}: {error.strerror}", file=sys.stderr)
            return 2
        total_lines += lines
        hits.extend(file_hits)
        per_file[path] = {"lines": lines, "hits": len(file_hits)}
        if not args.quiet:
            print(f"  {path}: {lines} lines, {len(file_hits)} hits")

    for hit in hits:
        print(str(hit))
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(patterns.counts.items()))
    print(f"pii-scan: searched {numbers} numbers and {len(patterns.marked_names)} names ({kinds}); "
          f"{len(args.files)} files, {total_lines} lines; {len(hits)} hits")
    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as out:
            json.dump({
                "numbers": numbers, "names": len(patterns.marked_names), "byKind": patterns.counts,
                "files": per_file, "lines": total_lines,
                "hits": [{"file": h.path, "line": h.line, "kind": h.kind, "form": h.form, "hash": h.digest} for h in hits],
            }, out, indent=2, ensure_ascii=False)
            out.write("\n")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
