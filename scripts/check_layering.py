#!/usr/bin/env python3
"""Checks the module layering against docs/architecture.md.

The table "Modules and their dependencies" in docs/architecture.md is the one statement of the
module graph. This check fails when:
  - a module folder's fhirgw_module() declares other fhirgw:: dependencies than the table says;
  - the graph has a cycle, or a module depends on `gateway` (the composition root);
  - a source or header of a module includes "fhirgw/<other>/..." for a module that is neither
    itself nor reachable through its declared dependencies (the include path would let some of
    these through transitively; the table is stricter than the compiler);
  - a pair the house style keeps apart knows each other (listed in FORBIDDEN below);
  - a source or header of a module includes a path with "..": its private headers are found
    from its own src/ (a private include folder, cmake/Warnings.cmake), so ".." could only reach
    into another module's private files.
A module may sit in a subfolder of another (connectors/engine/CMakeLists.txt declares
`connectors_engine`); its headers are "fhirgw/connectors/engine/...", and its files are not the
parent module's.
Usage: check_layering.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

# Pairs that must never depend on each other (house-style.md: rules, mapping, connectors and
# store do not know each other). Only the delivery engine (connectors_engine) talks to the store.
FORBIDDEN = [
    ("rules", "mapping"),
    ("mapping", "rules"),
    ("rules", "connectors"),
    ("rules", "store"),
    ("mapping", "connectors"),
    ("mapping", "store"),
    ("connectors", "rules"),
    ("connectors", "mapping"),
    ("store", "rules"),
    ("store", "mapping"),
    ("connectors", "store"),
    ("store", "connectors"),
    ("store", "fhir"),
    ("xds", "connectors"),
]

MODULE_RE = re.compile(r"fhirgw_module\(\s*(\w+)(.*?)\)\s*$", re.S | re.M)
DEP_RE = re.compile(r"fhirgw::(\w+)")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"fhirgw/(\w+)/(?:(\w+)/)?', re.M)
RELATIVE_INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]*\.\.[/\\][^"]*)"', re.M)
ROW_RE = re.compile(r"^\|\s*`(\w+)`\s*\|([^|]*)\|", re.M)


def declared_modules(root):
    modules = {}
    for cmake in sorted([*root.glob("*/CMakeLists.txt"), *root.glob("*/*/CMakeLists.txt")]):
        text = cmake.read_text(encoding="utf-8")
        for m in MODULE_RE.finditer(text):
            modules[m.group(1)] = (cmake.parent, set(DEP_RE.findall(m.group(2))))
    return modules


def documented_graph(root):
    doc = (root / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = doc.find("## Modules and their dependencies")
    if start < 0:
        raise SystemExit("docs/architecture.md: no '## Modules and their dependencies' section")
    section = doc[start:]
    end = section.find("\n## ", 3)
    section = section if end < 0 else section[:end]
    graph = {}
    for name, deps in ROW_RE.findall(section):
        graph[name] = set(re.findall(r"`(\w+)`", deps))
    return graph


def closure(graph, name):
    seen, todo = set(), list(graph.get(name, ()))
    while todo:
        d = todo.pop()
        if d not in seen:
            seen.add(d)
            todo.extend(graph.get(d, ()))
    return seen


def owner(path, folders):
    """The module whose folder holds the file most closely (a nested module owns its files)."""
    for parent in path.parents:
        if parent in folders:
            return folders[parent]
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    errors = []
    modules = declared_modules(root)
    doc = documented_graph(root)
    if not modules:
        errors.append("no fhirgw_module() found")
    for name in sorted(set(modules) | set(doc)):
        if name not in doc:
            errors.append(f"module {name}: missing from docs/architecture.md")
        elif name not in modules:
            errors.append(f"docs/architecture.md lists {name}, which no CMakeLists declares")
        elif modules[name][1] != doc[name]:
            errors.append(f"module {name}: CMake declares {sorted(modules[name][1])},"
                          f" docs/architecture.md says {sorted(doc[name])}")
    graph = {n: deps for n, (_, deps) in modules.items()}
    for name in graph:
        if name in closure(graph, name):
            errors.append(f"module {name}: dependency cycle")
        if "gateway" in graph[name]:
            errors.append(f"module {name}: depends on gateway, the composition root")
    for a, b in FORBIDDEN:
        if a in graph and b in closure(graph, a):
            errors.append(f"module {a} must not depend on {b} (house style)")
    folders = {folder: n for n, (folder, _) in modules.items()}
    for name, (folder, _) in sorted(modules.items()):
        allowed = closure(graph, name) | {name}
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".hpp", ".cpp", ".h") or not path.is_file():
                continue
            if owner(path, folders) != name:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for top, sub in INCLUDE_RE.findall(text):
                other = f"{top}_{sub}" if sub and f"{top}_{sub}" in modules else top
                if other not in allowed:
                    shown = f"{top}/{sub}" if other != top else top
                    errors.append(f"{path.relative_to(root)}: includes fhirgw/{shown}/, but"
                                  f" {name} does not depend on {other}")
            for relative in RELATIVE_INCLUDE_RE.findall(text):
                errors.append(f"{path.relative_to(root)}: includes \"{relative}\"; a module's"
                              f" private headers are included from its own src/, never by ..")
    for e in errors:
        print(f"layering: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"layering: {len(modules)} modules, graph matches docs/architecture.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
