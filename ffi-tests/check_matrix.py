#!/usr/bin/env python3
"""Checks the compatibility matrix (docs/compatibility-matrix.md) against the library.

* Every export of `nm -D --defined-only libsecur32.so` has exactly one row in
  the secur32 or crypt32 export tables, and every row names an export.
* Every attribute row names a SECPKG_ATTR_* constant of include/secur32.h,
  with the value the header gives it.
* Every status is one of: implemented, partial, unsupported, in progress.

Usage: check_matrix.py [docs/compatibility-matrix.md] [libsecur32.so]
"""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
STATUSES = {"implemented", "partial", "unsupported", "in progress"}
EXPORT_SECTIONS = ("secur32 exports", "crypt32 exports")
ATTRIBUTE_SECTIONS = (
    "QueryContextAttributes attributes",
    "SetContextAttributes attributes",
    "QueryCredentialsAttributes attributes",
    "SetCredentialsAttributes attributes",
)


def heading(line):
    """(level, title) of a Markdown heading line, else None."""
    m = re.match(r"(#+) (.*)", line)
    return (len(m.group(1)), m.group(2).strip()) if m else None


def matrix_rows(text, name):
    """{section title: [(name, value or None, status, line number)]} of the matrix: the tables
    under the headings one level below the 'Compatibility matrix' heading."""
    lines = text.splitlines()
    try:
        start, level = next((i, h[0]) for i, h in enumerate(map(heading, lines)) if h and h[1] == "Compatibility matrix")
    except StopIteration:
        sys.exit(f"check_matrix: {name} has no 'Compatibility matrix' heading")
    sections, current = {}, None
    for n, line in enumerate(lines[start + 1 :], start + 2):
        h = heading(line)
        if h and h[0] <= level:
            break
        if h and h[0] == level + 1:
            current = h[1]
            sections[current] = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if current is None or len(cells) < 2 or not cells[0].startswith("`"):
            continue
        m = re.fullmatch(r"`([A-Za-z0-9_]+)`(?:\s*\((0x[0-9A-Fa-f]+|\d+)\))?", cells[0])
        if not m:
            sys.exit(f"check_matrix: {name}:{n}: cannot parse the name cell {cells[0]!r}")
        value = int(m.group(2), 0) if m.group(2) else None
        sections[current].append((m.group(1), value, cells[1].lower(), n))
    return sections


def exports(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", str(lib)], check=True, capture_output=True, text=True).stdout
    return {parts[2] for parts in (l.split() for l in out.splitlines()) if len(parts) == 3 and parts[1] in "TW"}


def header_constants(header):
    values = {}
    for m in re.finditer(r"^#define (SECPKG_\w+) (0x[0-9A-Fa-f]+|\d+)\s*$", header.read_text(), re.M):
        values[m.group(1)] = int(m.group(2), 0)
    return values


def main():
    matrix = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "compatibility-matrix.md"
    lib = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "target/release/libsecur32.so"
    if not lib.exists():
        sys.exit(f"check_matrix: {lib} does not exist: run `make build` first")
    where = matrix.name
    sections = matrix_rows(matrix.read_text(), where)
    errors = []
    for title in EXPORT_SECTIONS + ATTRIBUTE_SECTIONS:
        if title not in sections:
            errors.append(f"the matrix has no '{title}' table")
    for title, rows in sections.items():
        seen = set()
        for name, _, status, n in rows:
            if status not in STATUSES:
                errors.append(f"{where}:{n}: {name}: status {status!r} is not one of {sorted(STATUSES)}")
            if name in seen:
                errors.append(f"{where}:{n}: {name} is listed twice in '{title}'")
            seen.add(name)

    rows = {name: n for title in EXPORT_SECTIONS for name, _, _, n in sections.get(title, [])}
    real = exports(lib)
    for name in sorted(real - rows.keys()):
        errors.append(f"export {name} (nm -D {lib.name}) has no row in the matrix")
    for name in sorted(rows.keys() - real):
        errors.append(f"{where}:{rows[name]}: {name} is in the matrix but {lib.name} does not export it")

    constants = header_constants(ROOT / "include/secur32.h")
    n_attrs = 0
    for title in ATTRIBUTE_SECTIONS:
        for name, value, _, n in sections.get(title, []):
            n_attrs += 1
            if name not in constants:
                errors.append(f"{where}:{n}: {name} is not a SECPKG_* constant of include/secur32.h")
            elif value is not None and constants[name] != value:
                errors.append(f"{where}:{n}: {name} is {constants[name]:#x} in the header, not {value:#x}")

    if errors:
        print("check_matrix: the compatibility matrix does not match the library:", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        sys.exit(1)
    print(f"check_matrix: ok ({len(real)} exports, {n_attrs} attributes)")


if __name__ == "__main__":
    main()
