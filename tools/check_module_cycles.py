#!/usr/bin/env python3
"""Report import loops between the modules of each crate under crates/.

A module is a file under src/ (src/a.rs and src/a/mod.rs are `a`, src/a/b.rs is `a::b`; the
crate root lib.rs/main.rs is `crate`). Module X depends on module Y when X's code names a path
into Y: `use crate::y::...`, `super::...`, `self::...`, `crate::y::f(...)` in code, or a path
that starts with a child module of the current module (`lexer::tokenize`). Inline `mod m { }`
blocks belong to the file they are in (`use super::*` in an inline test module is the file
itself). A path is resolved to the deepest module it names; an item that module only
re-exports (`pub use sub::Item`) is followed to the module it comes from. `mod x;`
declarations are not dependencies. Comments and string literals are ignored.

Usage: tools/check_module_cycles.py [CRATE_DIR ...]   (default: every crates/*/ with a src/)
Exit status: 0 when no crate has a loop, 1 otherwise (each loop is printed), 2 on bad usage.
Python 3 standard library only.
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def strip_code(text):
    """Blank out comments, string and char literals, keeping line structure."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
            out.append(" ")
            continue
        m = re.match(r'b?r(#*)"', text[i:])
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = m.group(1)
            end = text.find('"' + hashes, i + m.end())
            end = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
            continue
        if c == "'":
            # char literal ('a', '\n', '\u{..}') versus lifetime ('a)
            m = re.match(r"'(\\[^']*|[^'\\])'", text[i:])
            if m:
                out.append("' '")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def split_top(s, sep=","):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def expand_use_raw(tree):
    """`a::{b, c::d as e, self}` -> [(['a','b'], 'b'), (['a','c','d'], 'e'), (['a'], 'a')]."""
    tree = tree.strip()
    m = re.match(r"^(.*?)\s+as\s+(" + IDENT + r")$", tree, re.S)
    if m and "{" not in tree:
        path = [p for p in re.sub(r"\s+", "", m.group(1)).split("::") if p]
        return [(path, m.group(2))]
    if "{" in tree and tree.rstrip().endswith("}"):
        k = tree.index("{")
        prefix = [p for p in re.sub(r"\s+", "", tree[:k]).split("::") if p]
        out = []
        for part in split_top(tree[k + 1 : tree.rstrip().rindex("}")]):
            for path, alias in expand_use_raw(part):
                if path == ["self"]:
                    out.append((prefix, prefix[-1] if prefix else "self"))
                else:
                    out.append((prefix + path, alias))
        return out
    path = [p for p in re.sub(r"\s+", "", tree).split("::") if p]
    return [(path, path[-1] if path else "")]


class Crate:
    def __init__(self, root):
        self.root = root
        self.src = os.path.join(root, "src")
        self.files = {}  # module tuple -> path
        for dirpath, dirnames, filenames in os.walk(self.src):
            rel = os.path.relpath(dirpath, self.src)
            parts = [] if rel == "." else rel.split(os.sep)
            if parts[:1] == ["bin"]:
                dirnames[:] = []
                continue
            for f in filenames:
                if not f.endswith(".rs"):
                    continue
                stem = f[:-3]
                if not parts and stem in ("lib", "main"):
                    mod = ()
                elif stem == "mod":
                    mod = tuple(parts)
                else:
                    mod = tuple(parts) + (stem,)
                if mod == () and () in self.files:
                    continue  # lib.rs and main.rs: one root
                self.files[mod] = os.path.join(dirpath, f)
        self.code = {m: strip_code(open(p, encoding="utf-8").read()) for m, p in self.files.items()}
        # inline modules: logical path -> file module
        self.inline = {}
        for m, code in self.code.items():
            for logical in self.inline_modules(m, code).values():
                self.inline.setdefault(logical, m)
        self.modules = set(self.files) | set(self.inline)
        self.reexports = {m: self.pub_uses(m) for m in self.files}

    def node_of(self, logical):
        """The file module a logical module path lives in."""
        while logical not in self.files:
            if logical in self.inline:
                return self.inline[logical]
            logical = logical[:-1]
        return logical

    @staticmethod
    def inline_modules(file_mod, code):
        """Map the offset of each inline `mod name {` body to its logical module path."""
        found = {}
        stack = []  # (brace depth at which the inline module closes, logical path)
        depth = 0
        pattern = re.compile(r"\bmod\s+(" + IDENT + r")\s*\{|[{}]")
        for m in pattern.finditer(code):
            tok = m.group(0)
            if tok == "}":
                depth -= 1
                while stack and stack[-1][0] > depth:
                    stack.pop()
            elif tok == "{":
                depth += 1
            else:
                parent = stack[-1][1] if stack else file_mod
                logical = parent + (m.group(1),)
                depth += 1
                stack.append((depth, logical))
                found[m.end()] = logical
        return found

    def logical_at(self, file_mod, code):
        """A function: offset -> logical module path at that offset."""
        spans = []
        stack = [(0, file_mod)]
        depth = 0
        pattern = re.compile(r"\bmod\s+(" + IDENT + r")\s*\{|[{}]")
        events = []
        for m in pattern.finditer(code):
            tok = m.group(0)
            if tok == "}":
                depth -= 1
                if len(stack) > 1 and stack[-1][0] > depth:
                    stack.pop()
                    events.append((m.end(), stack[-1][1]))
            elif tok == "{":
                depth += 1
            else:
                depth += 1
                stack.append((depth, stack[-1][1] + (m.group(1),)))
                events.append((m.end(), stack[-1][1]))
        spans = [(0, file_mod)] + events

        def at(offset):
            cur = file_mod
            for start, logical in spans:
                if start <= offset:
                    cur = logical
                else:
                    break
            return cur

        return at

    def pub_uses(self, m):
        out = {}
        code = self.code[m]
        at = self.logical_at(m, code)
        for u in re.finditer(r"\bpub(?:\s*\([^)]*\))?\s+use\s+([^;]+);", code):
            here = at(u.start())
            for path, alias in expand_use_raw(u.group(1)):
                if path and path[-1] != "*":
                    out[alias] = (here, path)
        return out

    def resolve(self, here, path, seen=None):
        """The file module a path written in logical module `here` refers to, or None."""
        if not path:
            return None
        segs = list(path)
        if segs[0] == "crate":
            base, segs = (), segs[1:]
        elif segs[0] in ("super", "self"):
            base = here
            while segs and segs[0] in ("super", "self"):
                if segs[0] == "super":
                    base = base[:-1]
                segs = segs[1:]
        elif here + (segs[0],) in self.modules:
            base = here
        else:
            return None
        cur = base
        while segs and cur + (segs[0],) in self.modules:
            cur = cur + (segs[0],)
            segs = segs[1:]
        node = self.node_of(cur)
        # follow a re-export of the next item to where it is defined
        if segs and segs[0] not in ("*",) and node in self.reexports:
            seen = seen or set()
            key = (node, segs[0])
            if segs[0] in self.reexports[node] and key not in seen:
                seen.add(key)
                src_here, src_path = self.reexports[node][segs[0]]
                target = self.resolve(src_here, src_path, seen)
                if target is not None:
                    return target
        return node

    def edges(self):
        graph = {m: set() for m in self.files}
        path_re = re.compile(r"(?<![A-Za-z0-9_:])((?:" + IDENT + r")(?:\s*::\s*(?:" + IDENT + r"|\*))+)")
        for m, code in self.code.items():
            at = self.logical_at(m, code)
            for u in re.finditer(r"\buse\s+([^;]+);", code):
                here = at(u.start())
                for path, _ in expand_use_raw(u.group(1)):
                    t = self.resolve(here, path)
                    if t is not None and t != m:
                        graph[m].add(t)
            for p in path_re.finditer(code):
                path = [s for s in re.split(r"\s*::\s*", p.group(1)) if s]
                t = self.resolve(at(p.start()), path)
                if t is not None and t != m:
                    graph[m].add(t)
        return graph


def name(mod):
    return "::".join(mod) if mod else "crate"


def cycles(graph):
    """One loop per strongly connected component with more than one module (Tarjan)."""
    index, low, on, stack, comps, counter = {}, {}, set(), [], [], [0]

    def strong(v):
        work = [(v, iter(sorted(graph[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    comps.append(comp)

    for v in sorted(graph):
        if v not in index:
            strong(v)
    loops = []
    for comp in comps:
        members = set(comp)
        start = min(comp)
        # shortest loop through `start` inside the component (breadth-first)
        prev, frontier, found = {start: None}, [start], None
        while frontier and found is None:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v]):
                    if w == start:
                        found = v
                        break
                    if w in members and w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if found is not None:
                    break
            frontier = nxt
        path = [start]
        v = found
        while v is not None and v != start:
            path.insert(1, v)
            v = prev[v]
        loops.append((sorted(comp), path + [start]))
    return loops


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    dirs = argv[1:] or sorted(
        os.path.join(repo, "crates", d)
        for d in os.listdir(os.path.join(repo, "crates"))
        if os.path.isdir(os.path.join(repo, "crates", d, "src"))
    )
    bad = False
    for d in dirs:
        if not os.path.isdir(os.path.join(d, "src")):
            print(f"{d}: no src/ folder", file=sys.stderr)
            return 2
        crate = Crate(d)
        graph = crate.edges()
        loops = cycles(graph)
        nedges = sum(len(v) for v in graph.values())
        label = os.path.basename(os.path.normpath(d))
        if not loops:
            print(f"{label}: {len(graph)} modules, {nedges} dependencies, no loops")
            continue
        bad = True
        print(f"{label}: {len(graph)} modules, {nedges} dependencies, {len(loops)} loop(s):")
        for comp, path in loops:
            print(f"  loop: {' -> '.join(name(m) for m in path)}")
            if len(comp) > len(path) - 1:
                print(f"    (modules in this tangle: {', '.join(name(m) for m in comp)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
