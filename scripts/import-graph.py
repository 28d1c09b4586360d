#!/usr/bin/env python3
"""Draws the import graph of the files under src/ and reports its circles.

A file imports another when it names an item of that file's module through
`crate::`, `super::` or `self::` (in a `use` tree or inline). A `mod` declaration is
containment, not an import. Prints the largest circle (strongly connected set of
files) and the imports that run from infrastructure (`src/server/`) to a feature.

    python3 scripts/import-graph.py [--list] [--with-mod]

`--with-mod` also counts a `mod child;` declaration as an import of the child.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
# Modules that are not features: infrastructure, vocabulary, UI kit and the root.
NOT_FEATURES = {"server", "domain", "time", "i18n", "ui", "policy", "notify", "forms", "app", "routes",
                "cli", "jobs", "lib", "main", "text", "web"}


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


def strip_comments(src):
    src = re.sub(r"//[^\n]*", "", src)
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', src)


def expand_use(tree):
    """Expands a `use` tree (`a::{b, c::d}`) into paths."""
    tree = tree.strip()
    depth = 0
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                prefix, inner = tree[:i], tree[i + 1:tree.rindex("}")]
                parts, cur, d = [], "", 0
                for c in inner:
                    if c == "," and d == 0:
                        parts.append(cur); cur = ""
                        continue
                    d += c == "{"
                    d -= c == "}"
                    cur += c
                parts.append(cur)
                out = []
                for p in parts:
                    if p.strip():
                        out += [prefix + q for q in expand_use(p)]
                return out
            depth += 1
    return [re.sub(r"\s+as\s+\w+$", "", tree)]


def main():
    files = {}
    for d, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(".rs"):
                p = os.path.join(d, n)
                files[module_of(p)] = os.path.relpath(p, os.path.join(ROOT, ".."))
    edges = {f: set() for f in files.values()}
    for mod, f in files.items():
        src = strip_comments(open(os.path.join(ROOT, "..", f), encoding="utf-8").read())
        paths = []
        for m in re.finditer(r"\buse\s+([^;]+);", src):
            paths += expand_use(m.group(1))
        paths += re.findall(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", src)
        is_mod_file = f.endswith(("mod.rs", "lib.rs", "main.rs"))
        if "--with-mod" in sys.argv:
            for m in re.finditer(r"\bmod\s+(\w+)\s*;", src):
                child = (mod if is_mod_file else mod[:-1]) + (m.group(1),)
                if is_mod_file and child in files:
                    edges[f].add(files[child])
        for p in paths:
            segs = [s.strip() for s in p.split("::")]
            if segs[0] == "crate":
                base, rest = (), segs[1:]
            elif segs[0] in ("super", "self"):
                base = mod if is_mod_file else mod[:-1]
                rest = segs
                while rest and rest[0] == "super":
                    base, rest = base[:-1], rest[1:]
                if rest and rest[0] == "self":
                    rest = rest[1:]
            else:
                continue
            target = base
            for s in rest:
                if base + (s,) in files or any(k[:len(base) + 1] == base + (s,) for k in files):
                    base = base + (s,)
                    if base in files:
                        target = base
                else:
                    break
            if target in files and files[target] != f and target != ():
                # A parent module named only on the way to its child is not an import of it.
                edges[f].add(files[target])
    # Tarjan's strongly connected components.
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    for v in edges:
        if v not in index:
            visit(v)
    big = max(comps, key=len)
    infra_to_feature = [(a, b) for a in edges for b in edges[a]
                        if a.startswith("src/server/") and b.split("/")[1].removesuffix(".rs") not in NOT_FEATURES]
    print(f"files: {len(files)}")
    print(f"largest import circle: {len(big)} files")
    if "--list" in sys.argv:
        for c in sorted(comps, key=len, reverse=True):
            if len(c) > 1:
                print("  circle:", ", ".join(sorted(c)))
    print(f"imports from infrastructure (src/server/) to a feature: {len(infra_to_feature)}")
    for a, b in sorted(infra_to_feature):
        print(f"  {a} -> {b}")


if __name__ == "__main__":
    main()
