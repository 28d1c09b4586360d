#!/usr/bin/env python3
"""Adds translation keys to locales/ja.yml and locales/en.yml.

Reads lines `section.key|日本語|English` from standard input; each key is added at the
end of its top-level section (a new section at the end of the file if there is none).
A key that is already there is left as it is.

    python3 scripts/add-translations.py < keys.txt
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "locales")


def add(path, section, key, text):
    lines = open(path, encoding="utf-8").read().split("\n")
    start = next((i for i, l in enumerate(lines) if l == f"{section}:"), None)
    quoted = json.dumps(text, ensure_ascii=False)
    if start is None:
        while lines and lines[-1] == "":
            lines.pop()
        lines += [f"{section}:", f"  {key}: {quoted}", ""]
    else:
        end = start + 1
        while end < len(lines) and (lines[end].startswith(" ") or lines[end] == ""):
            if lines[end].strip().split(":")[0] == key and lines[end].startswith("  ") and not lines[end].startswith("   "):
                return
            end += 1
        while lines[end - 1] == "":
            end -= 1
        lines.insert(end, f"  {key}: {quoted}")
    open(path, "w", encoding="utf-8").write("\n".join(lines))


for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        continue
    full, ja, en = line.split("|")
    section, key = full.split(".", 1)
    add(os.path.join(ROOT, "ja.yml"), section, key, ja)
    add(os.path.join(ROOT, "en.yml"), section, key, en)
