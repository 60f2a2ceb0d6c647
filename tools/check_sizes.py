#!/usr/bin/env python3
"""Fail when a source file has more than 600 lines of non-test code or a function more than
120 lines (docs/architecture.md, Conventions).

Test code is left out: files under a `tests/` folder or named `tests.rs`, and everything from
a `#[cfg(test)]` that opens an inline block (`mod tests {`) to the end of the file. A
`#[cfg(test)] mod tests;` declaration does not end the code above it. Braces inside string
and character literals are not counted.

    python3 tools/check_sizes.py            # every crate
    python3 tools/check_sizes.py crates/crosslag-sem
"""
import glob
import os
import re
import sys

MAX_FILE, MAX_FN = 600, 120
FN = re.compile(r"\s*(pub(\([a-z:]+\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_only(line):
    """The line without its comment and without string and char literals."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return line.split("//")[0]


def check(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    cut = len(lines)
    for i, l in enumerate(lines):
        if l.strip().startswith("#[cfg(test)]") and i + 1 < len(lines) and "{" in lines[i + 1]:
            cut = i
            break
    out = []
    if cut > MAX_FILE:
        out.append(f"{path}: {cut} lines of non-test code (at most {MAX_FILE})")
    i = 0
    while i < cut:
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, j, opened = 0, i, False
        while j < cut:
            code = code_only(lines[j])
            if not opened and ";" in code and "{" not in code:
                break  # a declaration without a body (trait method)
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                break
            j += 1
        if j - i + 1 > MAX_FN:
            out.append(f"{path}:{i + 1}: fn {m.group(6)} has {j - i + 1} lines (at most {MAX_FN})")
        i = j + 1
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    crates = sys.argv[1:] or sorted(glob.glob(os.path.join(root, "crates", "*")))
    failures = []
    for crate in crates:
        for path in sorted(glob.glob(os.path.join(crate, "src", "**", "*.rs"), recursive=True)):
            rel = os.path.relpath(path, root)
            if "/tests/" in rel or rel.endswith("tests.rs"):
                continue
            failures += [f.replace(path, rel) for f in check(path)]
    for f in failures:
        print(f)
    if failures:
        sys.exit(1)
    print(f"no file over {MAX_FILE} lines of non-test code, no function over {MAX_FN} lines")


if __name__ == "__main__":
    main()
