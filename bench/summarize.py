#!/usr/bin/env python3
"""Turns the raw outputs of bench/run.sh into Markdown tables.

    python3 bench/summarize.py bench/results/<time>          # the whole summary
    python3 bench/summarize.py --timings FILE EXPECTED_CODE  # stats of "code seconds" lines

Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys


def pct(sorted_values: list[float], p: float) -> float:
    """Nearest rank, as bench/signup_rush.rs computes it."""
    return sorted_values[round((len(sorted_values) - 1) * p)]


def timings(path: str, expected: str) -> dict | None:
    if not os.path.exists(path):
        return None
    codes, times = [], []
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            codes.append(parts[0])
            times.append(float(parts[1]) * 1000)
    if not times:
        return None
    s = sorted(times)
    return {
        "n": len(s), "ok": sum(c == expected for c in codes), "median": statistics.median(s),
        "p95": pct(s, 0.95), "min": s[0], "max": s[-1],
    }


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")


def wrk(path: str) -> dict:
    text = open(path).read()
    out = {"file": os.path.basename(path)}
    m = re.search(r"Running (\S+) test @ (\S+)", text)
    out["duration"], out["url"] = (m.group(1), m.group(2)) if m else ("?", "?")
    m = re.search(r"(\d+) threads and (\d+) connections", text)
    out["threads"], out["connections"] = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", text, re.M)
        out[f"p{p}"] = ms(m.group(1)) if m else float("nan")
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else float("nan")
    m = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["errors"] = sum(map(int, m.groups())) if m else 0
    return out


def kib(n: int) -> str:
    return f"{n / 1024:.1f} KiB"


def mem_kb(path: str, key: str) -> int | None:
    if not os.path.exists(path):
        return None
    for line in open(path):
        if line.startswith(key):
            return int(line.split()[1])
    return None


def summary(results: str) -> str:
    out: list[str] = []
    w = out.append
    machine = os.path.join(results, "machine.txt")
    info = open(machine).read() if os.path.exists(machine) else ""
    get = lambda key: (re.search(rf"^{key}:\s*(.+)$", info, re.M) or [None, "?"])[1]
    model = (re.search(r"Model name:\s*(.+)", info) or [None, "?"])[1].strip()
    mem = (re.search(r"^Mem:\s+(\S+)", info, re.M) or [None, "?"])[1]
    w(f"## Ippo benchmarks, {get('date')} (git {get('git')})\n")
    w(f"Machine: {get('nproc')} CPUs ({model}), {mem} memory. Raw outputs: `{os.path.relpath(results)}`.\n")

    loads = []
    for b in ("sqlite", "postgres"):
        m = re.search(rf"^load before {b}:.*load average: (.+)$", info, re.M)
        if m:
            loads.append(f"{b} {m.group(1).strip()}")
    if loads:
        w(f"Load average (1, 5, 15 min) just before each backend's measurements: {'; '.join(loads)}. "
          "On 2 CPUs anything well above 0 means other work competed with the benchmark.\n")

    backends = [b for b in ("sqlite", "postgres") if os.path.isdir(os.path.join(results, b))]
    backends += sorted(b for b in os.listdir(results)
                       if os.path.isdir(os.path.join(results, b)) and b not in backends)

    gens = []
    for b in backends:
        path = os.path.join(results, b, "generate.txt")
        if os.path.exists(path):
            text = open(path).read()
            v = re.search(r"verify: (.*)", text)
            e = re.search(r"elapsed: (\d+) s", text)
            gens.append(f"| {b} | {e.group(1) + ' s' if e else '?'} | {v.group(1) if v else 'no verify line'} |")
    if gens:
        w("### Data (bench/generate.py)\n")
        w("| backend | generation | rows and checks |")
        w("|---|---|---|")
        out.extend(gens)
        w("")

    rows = []
    for b in backends:
        d = os.path.join(results, b)
        files = sorted(f for f in os.listdir(d) if re.match(r"wrk_.*_c\d+\.txt$", f))
        order = {"home": 0, "api": 1, "home-gzip": 2, "home-browser": 3, "nginx-browser": 4}
        files.sort(key=lambda f: (order.get(f.split("_")[1], 9), int(re.search(r"_c(\d+)", f).group(1))))
        for f in files:
            r = wrk(os.path.join(d, f))
            path = re.sub(r"^https?://[^/]+", "", r["url"])
            label = f"`{path}`" + (" (gzip)" if "gzip" in f else "") + (" as a browser asks" if "browser" in f else "")
            if f.startswith("wrk_nginx"):
                label = f"nginx, the same bytes ({open(os.path.join(d, 'nginx_page.txt')).read().strip()})"
                ippo = os.path.join(d, f.replace("nginx-browser", "home-browser"))
                if os.path.exists(ippo):
                    label += f"; Ippo reached {wrk(ippo)['rps'] / r['rps']:.1%} of it"
            problems = []
            if r["non2xx"]:
                problems.append(f"{r['non2xx']} non-2xx")
            if r["errors"]:
                problems.append(f"{r['errors']} socket errors")
            rows.append(f"| {b} | {label} | {r['connections']} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                        f"{r['requests']:,} | {', '.join(problems) or 'none'} |")
            duration = f"{r['threads']} threads, {r['duration']}"
    if rows:
        w(f"### Public session list: page and API (wrk, {duration} each)\n")
        w("| backend | path | connections | requests/s | p50 ms | p99 ms | requests | errors |")
        w("|---|---|---|---|---|---|---|---|")
        out.extend(rows)
        w("")
    pretix = os.path.join(results, "pretix", "wrk_pretix-browser_c64.txt")
    if os.path.exists(pretix):
        ratios = []
        for b in backends:
            ippo = os.path.join(results, b, "wrk_home-browser_c64.txt")
            if os.path.exists(ippo):
                ratios.append(f"{b} {wrk(ippo)['rps'] / wrk(pretix)['rps']:,.0f}×")
        if ratios:
            w(f"Ippo's list page against pretix's event page, both as a browser asks at 64 connections: "
              f"{', '.join(ratios)}.\n")

    exports = []
    for b in backends:
        path = os.path.join(results, b, "export.txt")
        if not os.path.exists(path):
            continue
        text = open(path).read()
        kb = lambda when, key: int((re.search(rf"^{when} {key}:\s+(\d+)", text, re.M) or [0, 0])[1])
        d = re.search(r"^download (\d+) (\d+) ([\d.]+)", text, re.M)
        if d:
            exports.append(f"| {b} | {d.group(1)} | {int(d.group(2)) / 2**20:,.1f} MiB | {float(d.group(3)):.1f} s | "
                          f"{kb('before', 'VmRSS') / 1024:.1f} → {kb('after', 'VmRSS') / 1024:.1f} MiB | "
                          f"{kb('before', 'VmHWM') / 1024:.1f} → {kb('after', 'VmHWM') / 1024:.1f} MiB |")
    if exports:
        w("### Survey answers as CSV (`GET /manage/exports/survey-answers.csv`, streamed)\n")
        w("| backend | HTTP | size | time | server VmRSS before → after | peak (VmHWM) before → after |")
        w("|---|---|---|---|---|---|")
        out.extend(exports)
        w("")

    for title, name, code in (("KPI report (`GET /api/v1/reports/kpi`, one request after another)", "kpi_times.txt", "200"),
                              ("Outcome report (`GET /api/v1/reports/outcomes`, one request after another)",
                               "outcomes_times.txt", "200"),
                              ("Single sign-up (`POST /api/v1/sessions/{id}/registrations`, one after another)",
                               "signup_times.txt", "201")):
        lines = []
        for b in backends:
            t = timings(os.path.join(results, b, name), code)
            if not t:
                continue
            extra = ""
            if name == "signup_times.txt" and os.path.exists(os.path.join(results, b, "signup_session.txt")):
                extra = "session " + open(os.path.join(results, b, "signup_session.txt")).read().strip()
            if name == "kpi_times.txt":
                try:
                    k = json.load(open(os.path.join(results, b, "kpi_response.json")))
                    extra = f"FY{k.get('fiscal_year')}: {k.get('sessions'):,} sessions, {k.get('responses'):,} responses"
                except (OSError, ValueError, TypeError):
                    extra = "?"
            if name == "outcomes_times.txt":
                try:
                    k = json.load(open(os.path.join(results, b, "outcomes_response.json")))
                    extra = (f"FY{k.get('fiscal_year')}: {k.get('followups_sent'):,} follow-ups, "
                             f"{k.get('answered'):,} answered, usage {k['usage_rate']['value']:.3f}")
                except (OSError, ValueError, TypeError, KeyError):
                    extra = "?"
            lines.append(f"| {b} | {t['n']} | {t['ok']}/{t['n']} | {t['median']:.1f} | {t['p95']:.1f} | {t['min']:.1f} | "
                         f"{t['max']:.1f} | {extra} |")
        if lines:
            w(f"### {title}\n")
            w(f"| backend | requests | HTTP {code} | median ms | p95 ms | min ms | max ms | covers |")
            w("|---|---|---|---|---|---|---|---|")
            out.extend(lines)
            w("")

    lines = []
    for b in backends:
        d = os.path.join(results, b)
        idle, peak = mem_kb(os.path.join(d, "memory_idle.txt"), "VmRSS"), mem_kb(os.path.join(d, "memory_peak.txt"), "VmHWM")
        if peak is None:
            continue
        rss_end = mem_kb(os.path.join(d, "memory_peak.txt"), "VmRSS")
        list_peak = mem_kb(os.path.join(d, "memory_list.txt"), "VmHWM")
        samples = []
        sp = os.path.join(d, "memory_samples.txt")
        if os.path.exists(sp):
            samples = [int(p[1]) for p in (l.split() for l in open(sp)) if len(p) == 3 and p[1].isdigit()]
        fmt = lambda kb: f"{kb / 1024:.1f} MiB" if kb is not None else "?"
        lines.append(f"| {b} | {fmt(idle)} | {fmt(list_peak)} | {fmt(max(samples) if samples else None)} | {fmt(peak)} | {fmt(rss_end)} |")
    if lines:
        w("### Server memory\n")
        w("| backend | RSS after start | peak after the list load (a) | highest RSS sample | peak (VmHWM), all of (a)–(e) | RSS at the end |")
        w("|---|---|---|---|---|---|")
        out.extend(lines)
        w("")

    for b in backends:
        path = os.path.join(results, b, "pageweight.json")
        if not os.path.exists(path):
            continue
        pages = json.load(open(path))
        w(f"### Page weight of the public pages (first load, {b} server)\n")
        w("| page | `<script>` tags | HTML raw / gzip / br, gzip | linked files (raw) | total raw | total gzip | total br, gzip |")
        w("|---|---|---|---|---|---|---|")
        files = [pg for pg in pages if pg.get("file")]
        for pg in pages:
            if pg.get("file"):
                continue
            h = pg["html"]
            linked = ", ".join(f"{k} {v['count']}× {kib(v['raw'])}" for k, v in sorted(pg["by_type"].items())) or "none"
            t = pg["total"]
            scripts = f"{pg['script_tags']} ({pg.get('external_scripts', 0)} external, {pg.get('inline_script_bytes', 0)} B inline)"
            w(f"| `{pg['path']}` | {scripts} | {kib(h['raw'])} / {kib(h['gzip'])} / {kib(h['br'])} | {linked} | "
              f"{kib(t['raw'])} | {kib(t['gzip'])} | {kib(t['br'])} |")
        w("")
        if files:
            w("Files under `/pkg` that no public page loads (the islands of the staff pages): " + "; ".join(
                f"`{f['path']}` {kib(f['total']['raw'])} raw, {kib(f['total']['gzip'])} gzip, {kib(f['total']['br'])} br"
                for f in files) + ".\n")
        break  # the pages are the same on both backends

    rush = os.path.join(results, "signup_rush.txt")
    if os.path.exists(rush):
        table = [l.rstrip() for l in open(rush) if l.startswith("|")]
        w("### Sign-up rush (`cargo bench --features ssr --bench signup_rush`)\n")
        out.extend(table or ["(no table in signup_rush.txt; see signup_rush.stderr)"])
        w("")
    return "\n".join(out)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--timings":
        t = timings(sys.argv[2], sys.argv[3])
        if not t:
            sys.exit(f"no timings in {sys.argv[2]}")
        print(f"{os.path.basename(sys.argv[2])}: {t['ok']}/{t['n']} HTTP {sys.argv[3]}, median {t['median']:.1f} ms, "
              f"p95 {t['p95']:.1f} ms, max {t['max']:.1f} ms")
        if t["ok"] != t["n"]:
            sys.exit(f"{t['n'] - t['ok']} requests did not answer {sys.argv[3]}")
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(summary(sys.argv[1]))


if __name__ == "__main__":
    main()
