#!/usr/bin/env python3
"""Checks the log events against the one naming rule and against docs/operations.md.

The rule (house style): an event is named `<module>.<kebab-event>`, where <module> is the
top-level folder of the source that logs it; fields are camelCase, a field naming an entity
is `xxxId` (never a bare `connector`, `delivery`, `client`, ...), and a duration is always
`durationUs`. The table under "## Logs" in docs/operations.md lists every event with its fields;
this check fails when the code logs an event or a field the table does not list, when the
table lists one the code never logs, or when an event name is not a string literal.
Usage: check_log_events.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

MODULES = {"common", "fhir", "domain", "rules", "mapping", "mappings", "xds", "store",
           "connectors", "gateway"}
CALL_RE = re.compile(r"\bLog::(debug|info|warning|warn|error|write)\s*\(")
EVENT_RE = re.compile(r"^([a-z]+)\.[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELD_RE = re.compile(r'\{\s*"([^"]+)"\s*,')
STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
BARE_ENTITIES = {"connector", "delivery", "record", "document", "client", "request", "instance",
                 "lease", "key", "attempt"}
ROW_RE = re.compile(r"^\|\s*`([^`]+)`[^|]*\|[^|]*\|([^|]*)\|\s*$", re.M)


def call_text(text, start):
    """The argument text of the call whose '(' ends at start, up to its matching ')'."""
    depth, i, in_string = 1, start, False
    while i < len(text) and depth:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        i += 1
    return text[start:i - 1]


def code_events(root, problems):
    events = {}
    for module in sorted(MODULES):
        folder = root / module
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.[ch]pp")):
            rel = path.relative_to(root).as_posix()
            if rel == "common/src/log.cpp":
                continue
            text = path.read_text(encoding="utf-8")
            for m in CALL_RE.finditer(text):
                args = call_text(text, m.end())
                line = text.count("\n", 0, m.start()) + 1
                where = f"{rel}:{line}"
                if m.group(1) == "write":
                    # Log::write(level, "event", {...}): the event is the second argument.
                    args = args.split(",", 1)[1] if "," in args else ""
                literal = re.match(r'\s*"((?:[^"\\]|\\.)*)"', args)
                if not literal:
                    problems.append(f"{where}: the event name must be a string literal")
                    continue
                event = literal.group(1)
                em = EVENT_RE.match(event)
                if not em:
                    problems.append(f"{where}: event '{event}' is not <module>.<kebab-event>")
                elif em.group(1) != module:
                    problems.append(f"{where}: event '{event}' is logged by module '{module}'")
                fields = set(FIELD_RE.findall(args))
                for field in sorted(fields):
                    if not re.match(r"^[a-z][A-Za-z0-9]*$", field):
                        problems.append(f"{where}: field '{field}' is not camelCase")
                    if field in BARE_ENTITIES:
                        problems.append(f"{where}: field '{field}' names an entity: use '{field}Id'")
                    if field.startswith("duration") and field != "durationUs":
                        problems.append(f"{where}: field '{field}': durations are 'durationUs'")
                events.setdefault(event, set()).update(fields)
    return events


def documented_events(root, problems):
    doc = (root / "docs" / "operations.md").read_text(encoding="utf-8")
    start = doc.find("\n## Logs")
    if start < 0:
        problems.append("docs/operations.md: no '## Logs' section")
        return {}
    end = doc.find("\n## ", start + 1)
    section = doc[start:end if end > 0 else len(doc)]
    events = {}
    for m in ROW_RE.finditer(section):
        if m.group(1) == "event":
            continue
        events[m.group(1)] = set(re.findall(r"`([^`]+)`", m.group(2)))
    return events


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    code = code_events(root, problems)
    docs = documented_events(root, problems)
    for event in sorted(code.keys() - docs.keys()):
        problems.append(f"event '{event}' is logged but not in docs/operations.md")
    for event in sorted(docs.keys() - code.keys()):
        problems.append(f"docs/operations.md lists '{event}', which nothing logs")
    for event in sorted(code.keys() & docs.keys()):
        for field in sorted(code[event] - docs[event]):
            problems.append(f"event '{event}': field '{field}' is not in docs/operations.md")
        for field in sorted(docs[event] - code[event]):
            problems.append(f"event '{event}': docs/operations.md lists field '{field}', "
                            "which is never logged")
    for p in problems:
        print(p)
    print(f"{len(code)} log events checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
