#!/usr/bin/env python3
"""Modena end to end against `typst compile` of the emitted source, the two runs alternating (one
pair after the other, the order swapped every pair) so that the machine's drift falls on both:
prints both medians, the ratio of the medians and the median of the paired ratios.
Usage: bench/paired.py WORKDIR [PAIRS]; WORKDIR holds typst/relazione.typ and typst/fonts
(`relazione build --typst-sorgente WORKDIR/typst/relazione.typ`)."""
import subprocess, time, statistics, sys
W=sys.argv[1]
import os
a=[os.environ.get('BIN', 'target/release/relazione'),'build','--data','data','--config','relazione.yaml','--out',W+'/out']
b=['typst','compile','--ignore-system-fonts','--font-path',W+'/typst/fonts','--pdf-standard','a-2b','--pdf-standard','ua-1',W+'/typst/relazione.typ',W+'/typst/cli.pdf']
def t(cmd):
    s=time.perf_counter(); subprocess.run(cmd,stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,check=True); return time.perf_counter()-s
for _ in range(2): t(a); t(b)
n=int(sys.argv[2]) if len(sys.argv)>2 else 20
ra,rb,ratios=[],[],[]
for i in range(n):
    x,y=(t(a),t(b)) if i%2==0 else tuple(reversed((t(b),t(a))))
    ra.append(x); rb.append(y); ratios.append(x/y)
print(f"relazione median {statistics.median(ra):.3f} s, typst CLI median {statistics.median(rb):.3f} s, ratio of medians {statistics.median(ra)/statistics.median(rb):.3f}, median of paired ratios {statistics.median(ratios):.3f} (n={n}, alternating)")
