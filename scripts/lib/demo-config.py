#!/usr/bin/env python3
"""Sets keys in a configuration written by `lienthong demo` (one `key = value` per line), for the suites and the
benchmark that serve the demo's configuration on fresh loopback ports.

    python3 scripts/lib/demo-config.py FILE 'SECTION[@MEMBER]:KEY=VALUE' ...

SECTION is the table as written (`partner`, `upstreams.population`, `members.delivery`); `@MEMBER` limits it to the
`[[members]]` entry with that id. VALUE is written as it is (quote strings yourself); each `{free}` in it becomes a
free loopback port. The ports are printed in order, space-separated, for `read -r`. A key that the file does not
have is an error naming it (exit 2), so a renamed key cannot be skipped silently.
"""
import re
import socket
import sys


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path, settings = sys.argv[1], []
    ports: list[int] = []
    for argument in sys.argv[2:]:
        m = re.fullmatch(r"([\w.]+)(?:@([\w.]+))?:(\w+)=(.*)", argument)
        if not m:
            print(f"demo-config: {argument!r} is not SECTION[@MEMBER]:KEY=VALUE", file=sys.stderr)
            return 2
        section, member, key, value = m.groups()
        while "{free}" in value:
            ports.append(free_port())
            value = value.replace("{free}", str(ports[-1]), 1)
        settings.append({"section": section, "member": member, "key": key, "value": value, "done": False})

    section, member, lines = None, None, []
    for line in open(path, encoding="utf-8").read().splitlines():
        header = re.match(r"\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$", line)
        if header:
            section = header.group(1).strip()
            if section == "members":
                member = None
        elif section == "members" and re.match(r"id\s*=", line):
            member = line.split('"')[1]
        for s in settings:
            if s["section"] == section and s["member"] in (None, member) and re.match(rf"{s['key']}\s*=", line):
                line = f"{s['key']} = {s['value']}"
                s["done"] = True
        lines.append(line)
    missing = [s for s in settings if not s["done"]]
    if missing:
        names = ", ".join(f"[{s['section']}{'@' + s['member'] if s['member'] else ''}] {s['key']}" for s in missing)
        print(f"demo-config: {path} has no {names}", file=sys.stderr)
        return 2
    open(path, "w", encoding="utf-8").write("\n".join(lines) + "\n")
    print(" ".join(map(str, ports)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
