#!/usr/bin/env python3
"""Runs a command and prints its wall time and the peak of the resident memory of the command and
all its child processes together (sampled every 20 ms): `/usr/bin/time` gives only the largest
single process, and a build lays parts out in child processes at the same time.

    bench/memoria.py CMD [ARGS...]   →   «tempo 12.34 s, memoria di picco (processi insieme) 812 MiB»
"""
import os, subprocess, sys, time

def tree_rss(root):
    children = {}
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/statm") as f:
                rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append((int(pid), rss))
    stack, seen = [root], set()
    try:
        with open(f"/proc/{root}/statm") as f:
            total = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0
    while stack:
        p = stack.pop()
        for c, rss in children.get(p, []):
            if c not in seen:
                seen.add(c)
                total += rss
                stack.append(c)
    return total

start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss(proc.pid))
    time.sleep(0.02)
wall = time.monotonic() - start
print(f"tempo {wall:.2f} s, memoria di picco (processi insieme) {peak / 2**20:.0f} MiB, uscita {proc.returncode}")
sys.exit(proc.returncode)
