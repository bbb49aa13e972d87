#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""make bench's report: medians and ratios from the bench guest's log.

Usage: bench_report.py <guest log> <host loadavg before> <host loadavg after>

The log holds OKVM-BENCH-BEGIN/END frames (scripts/guest/bench.sh) around
each benchmark's own output. Each figure is taken out of every run, the
median per hypervisor is printed with the ratio okvm speed / kvm_amd speed
(for times: kvm_amd's time / okvm's; for rates: okvm's / kvm_amd's), and
the "bench:" lines come last, one per figure.
"""
import re
import statistics
import sys

# (name, unit, lower is better, bench, regex whose group 1 is the value,
#  which match: an index into all matches, or "avg2" for the mean of all
#  but the first)
FIGURES = [
    ("pio_round_trip", "ns", True, "vmm", r"^PIO round trip .*: (\d+) ns average", 0),
    ("mmio_round_trip", "ns", True, "vmm", r"^MMIO round trip .*: (\d+) ns average", 0),
    ("cpuid_exit", "ns", True, "vmm", r"^CPUID exit .*: (\d+) ns average", 0),
    ("demand_paging_rate", "pg/s", False, "demand_paging",
     r"Overall demand paging rate:\s+([\d.]+) pgs/sec", 0),
    ("dirty_log_populate", "s", True, "dirty_log_perf", r"Populate memory time: ([\d.]+)s", 0),
    ("dirty_log_enable", "s", True, "dirty_log_perf", r"Enabling dirty logging time: ([\d.]+)s", 0),
    ("dirty_log_iter1_dirty", "s", True, "dirty_log_perf", r"Iteration 1 dirty memory time: ([\d.]+)s", 0),
    ("dirty_log_iterN_dirty", "s", True, "dirty_log_perf", r"Iteration \d+ dirty memory time: ([\d.]+)s", "avg2"),
    ("dirty_log_get", "s", True, "dirty_log_perf", r"Get dirty log over .*\(Avg ([\d.]+)s/iteration\)", 0),
    ("dirty_log_clear", "s", True, "dirty_log_perf", r"Clear dirty log over .*\(Avg ([\d.]+)s/iteration\)", 0),
    ("dirty_log_disable", "s", True, "dirty_log_perf", r"Disabling dirty logging time: ([\d.]+)s", 0),
    ("memslot_map", "s/iter", True, "memslot_perf", r"Best runtime result was ([\d.]+)s per iteration", 0),
    ("memslot_unmap", "s/iter", True, "memslot_perf", r"Best runtime result was ([\d.]+)s per iteration", 1),
    ("memslot_unmap_chunked", "s/iter", True, "memslot_perf", r"Best runtime result was ([\d.]+)s per iteration", 2),
    ("memslot_move_active", "s/iter", True, "memslot_perf", r"Best runtime result was ([\d.]+)s per iteration", 3),
    ("memslot_move_inactive", "s/iter", True, "memslot_perf", r"Best runtime result was ([\d.]+)s per iteration", 4),
    ("kvm_page_table_create", "s", True, "kvm_page_table", r"KVM_CREATE_MAPPINGS: total execution time: ([\d.]+)s", 0),
    ("kvm_page_table_update", "s", True, "kvm_page_table", r"KVM_UPDATE_MAPPINGS: total execution time: ([\d.]+)s", 0),
    ("kvm_page_table_adjust", "s", True, "kvm_page_table", r"KVM_ADJUST_MAPPINGS: total execution time: ([\d.]+)s", 0),
    ("access_tracking_mark_idle", "s", True, "access_tracking", r"Mark memory idle\s*: ([\d.]+)s", 0),
    ("access_tracking_write_idle", "s", True, "access_tracking", r"Writing to idle memory\s*: ([\d.]+)s", 0),
]
# okvm's bitmap API against idle-page tracking on the same amount of memory.
AGE_RE = r"^age bitmap: (\d+) MiB .*: ([\d.]+) GiB/s all accessed"
# access_tracking_perf_test's guest memory in scripts/guest/bench.sh (-b).
IDLE_MIB = 64


def runs(lines):
    """{(target, bench): [output of each run that exited 0]} and notes."""
    out, notrun, cur, buf = {}, {}, None, []
    for line in lines:
        m = re.match(r"OKVM-BENCH-BEGIN (\S+) (\S+) (\d+)$", line)
        if m:
            cur, buf = (m.group(1), m.group(2)), []
            continue
        m = re.match(r"OKVM-BENCH-END (\S+) (\S+) (\d+) rc=(\d+)$", line)
        if m and cur:
            if m.group(4) == "0":
                out.setdefault(cur, []).append(buf)
            else:
                notrun.setdefault(cur[1], "exit code %s on %s" % (m.group(4), cur[0]))
            cur = None
            continue
        m = re.match(r"OKVM-BENCH-NOTRUN (\S+) (.*)$", line)
        if m:
            notrun[m.group(1)] = m.group(2)
        if cur:
            buf.append(line)
    return out, notrun


def value(output, regex, which):
    vals = [float(m.group(1)) for line in output for m in [re.search(regex, line)] if m]
    if which == "avg2":
        return statistics.mean(vals[1:]) if len(vals) > 1 else None
    return vals[which] if len(vals) > which else None


def fmt(v):
    if v is None:
        return "n/a"
    return "%.4g" % v if abs(v) < 1000 else "%.0f" % v


def main():
    log, load0, load1 = sys.argv[1], sys.argv[2], sys.argv[3]
    lines = [l.rstrip("\r\n") for l in open(log, errors="replace")]
    out, notrun = runs(lines)
    guest_load = [l.split(" ", 1)[1] for l in lines if l.startswith("OKVM-BENCH-LOAD ")]
    rows, missing = [], False
    for name, unit, lower, bench, regex, which in FIGURES:
        med = {}
        for t in ("okvm", "kvm_amd"):
            vals = [v for o in out.get((t, bench), []) for v in [value(o, regex, which)] if v is not None]
            med[t] = (statistics.median(vals), len(vals)) if vals else (None, 0)
        (o, on), (k, kn) = med["okvm"], med["kvm_amd"]
        if o is None or k is None:
            why = notrun.get(bench, "no figure in the output")
            rows.append((name, "not-run", "not-run", unit, "n/a", why))
            if bench not in notrun:
                missing = True
            continue
        ratio = (k / o if lower else o / k) if o and k else None
        rows.append((name, fmt(o), fmt(k), unit, fmt(ratio), "runs %d/%d" % (on, kn)))
    # What a VMM has to learn a working set with: on okvm OKVM_AGE_BITMAP,
    # on kvm_amd idle-page tracking (access_tracking_perf_test's "mark
    # memory idle" pass over its IDLE_MIB, which goes through the MMU
    # notifier's clear_young).
    ages = [float(m.group(2)) for o in out.get(("okvm", "vmm"), []) for l in o
            for m in [re.search(AGE_RE, l)] if m]
    idle = [IDLE_MIB / 1024 / v for o in out.get(("kvm_amd", "access_tracking"), [])
            for v in [value(o, r"Mark memory idle\s*: ([\d.]+)s", 0)] if v]
    age = statistics.median(ages) if ages else None
    idle_k = statistics.median(idle) if idle else None
    rows.append(("age_bitmap_vs_idle_page",
                 fmt(age) if age else "not-run", fmt(idle_k) if idle_k else "not-run",
                 "GiB/s", fmt(age / idle_k) if age and idle_k else "n/a",
                 "okvm: OKVM_AGE_BITMAP over 64 MiB of 4K mappings, all accessed; "
                 "kvm_amd: idle-page tracking over %d MiB%s" %
                 (IDLE_MIB, "" if idle_k else " (" + notrun.get("access_tracking",
                                                              "no figure") + ")")))

    print("host load (1/5/15 min) before: %s; after: %s" % (" ".join(load0.split()[:3]),
                                                          " ".join(load1.split()[:3])))
    if guest_load:
        print("guest load at the start: %s" % " ".join(guest_load[0].split()[:3]))
    print("%-26s %12s %12s %7s %7s  %s" % ("figure", "okvm", "kvm_amd", "unit", "ratio", "note"))
    for r in rows:
        print("%-26s %12s %12s %7s %7s  %s" % r)
    for r in rows:
        print("bench: %s okvm %s kvm_amd %s %s ratio %s" % r[:5])
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
