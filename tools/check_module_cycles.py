#!/usr/bin/env python3
"""Fail when the modules of a crate import each other in a loop.

For every crate under crates/, at two levels:
  1. the top-level modules of the crate (a file `src/x.rs` or a folder `src/x/`), and
  2. inside every folder, its files (`mod.rs` and the siblings),
an edge A -> B is a path `crate::B...` (level 1), or `super::B` / `crate::<folder>::B`
(level 2), written in A's code (comments, `mod` declarations and `pub use` re-exports of
a parent are not dependencies: a parent declares its children). `#[cfg(test)]` code is left
out (from the first `#[cfg(test)]` that is not a `mod x;` declaration to the end of the file). Prints every cycle and exits 1 if there is one; prints the layer order otherwise.

    python3 tools/check_module_cycles.py            # every crate
    python3 tools/check_module_cycles.py -v crates/crosslag-sem   # with the edges
"""
import os
import re
import sys


def code_of(path):
    src = open(path, encoding="utf-8").read()
    # a test module declared by `#[cfg(test)] mod tests;` does not end the code above it
    src = re.sub(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*;", "", src)
    cut = src.find("#[cfg(test)]")
    if cut >= 0:
        src = src[:cut]
    src = re.sub(r"//[^\n]*", "", src)
    src = re.sub(r'"(\\.|[^"\\])*"', '""', src)
    return src


def strip_declarations(src):
    """Drop `mod x;` and `pub use x::...;` lines (a parent declaring or re-exporting its
    children)."""
    src = re.sub(r"^\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*;", "", src, flags=re.M)
    src = re.sub(r"^\s*pub(\([^)]*\))?\s+use\s+[^;]*;", "", src, flags=re.M | re.S)
    return src


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def layers(graph):
    """Topological layers (modules that depend on nothing left come first)."""
    done, order = set(), []
    while len(done) < len(graph):
        layer = sorted(v for v in graph if v not in done and graph[v] <= done | {v})
        if not layer:
            break
        order.append(layer)
        done |= set(layer)
    return order


def module_files(src_dir):
    """top-level module -> list of (file path, path of modules inside the crate)."""
    mods = {}
    for dirpath, _, files in os.walk(src_dir):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, src_dir)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]) or "tests" in rel:
                continue
            mods.setdefault(rel[0], []).append((path, rel))
    return mods


def check_crate(crate, verbose):
    src_dir = os.path.join(crate, "src")
    mods = module_files(src_dir)
    failures = []
    # level 1: top-level modules
    graph = {m: set() for m in mods}
    for m, files in mods.items():
        for path, rel in files:
            code = code_of(path)
            graph[m] |= {d for d in re.findall(r"\bcrate::(\w+)", code) if d in mods and d != m}
    for c in cycles(graph):
        failures.append(f"{crate}: top-level modules import each other in a loop: {' -> '.join(c)}")
    if verbose:
        for m in sorted(graph):
            print(f"  {m} -> {', '.join(sorted(graph[m])) or '-'}")
        print(f"  layers: {' | '.join(' '.join(l) for l in layers(graph))}")
    # level 2: files inside each folder
    folders = {}
    for m, files in mods.items():
        for path, rel in files:
            parent = tuple(rel[:-1]) if not path.endswith("mod.rs") else tuple(rel[:-1])
            name = rel[-1] if not path.endswith("mod.rs") else "mod"
            if path.endswith("mod.rs"):
                folders.setdefault(tuple(rel), {})["mod"] = path
            else:
                folders.setdefault(parent, {})[name] = path
    for folder, files in folders.items():
        if not folder:
            continue
        # subfolders are siblings too
        for sub in folders:
            if len(sub) == len(folder) + 1 and sub[: len(folder)] == folder:
                files.setdefault(sub[-1], None)
        if len(files) < 2:
            continue
        g = {n: set() for n in files}
        prefix = "crate::" + "::".join(folder) + "::"
        for n, path in files.items():
            if path is None:
                continue
            code = code_of(path)
            if n == "mod":
                code = strip_declarations(code)
                refs = set(re.findall(r"\b(\w+)::", code)) | set(
                    re.findall(re.escape(prefix) + r"(\w+)", code)
                )
            else:
                refs = set(re.findall(r"\bsuper::(\w+)", code)) | set(
                    re.findall(re.escape(prefix) + r"(\w+)", code)
                )
                # super::X where X is not a sibling file is an item of mod.rs
                refs = {r if r in files else "mod" for r in refs}
                if re.search(r"\bsuper::\{", code):
                    inner = re.findall(r"\bsuper::\{([^}]*)\}", code)
                    for group in inner:
                        for item in group.split(","):
                            head = item.strip().split("::")[0]
                            if head:
                                refs.add(head if head in files else "mod")
            g[n] = {r for r in refs if r in files and r != n}
        for c in cycles(g):
            failures.append(
                f"{crate}/src/{'/'.join(folder)}: files import each other in a loop: {' -> '.join(c)}"
            )
    return failures


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv[1:]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    crates = args or sorted(
        os.path.join(root, "crates", c)
        for c in os.listdir(os.path.join(root, "crates"))
        if os.path.isdir(os.path.join(root, "crates", c, "src"))
    )
    failures = []
    for crate in crates:
        if verbose:
            print(os.path.basename(os.path.normpath(crate)))
        failures += check_crate(crate, verbose)
    for f in failures:
        print(f)
    if failures:
        sys.exit(1)
    print(f"no import loops in {len(crates)} crate(s)")


if __name__ == "__main__":
    main()
