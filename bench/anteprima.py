#!/usr/bin/env python3
"""Latency of `relazione anteprima`: from saving a staff text to the refreshed preview.

Starts the preview on a copy of the sample data, then saves texts one after the other (a new
paragraph at the end of a chapter's text, a different chapter each time) and measures, as a browser
would see it, the time from the save (the file closed) to the state that lists the new pages and
every changed page's SVG downloaded. Drawing the SVG in the browser is not included.

    bench/anteprima.py BINARY DATA_DIR CONFIG [RUNS]
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

binary, data, config = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 20
work = tempfile.mkdtemp(prefix="anteprima-bench-")
shutil.copytree(data, os.path.join(work, "data"))
texts = [os.path.join(work, "data", "testi", t) for t in ("premessa.md", "contesto.md", "processo.md", "scostamenti.md")]

proc = subprocess.Popen([binary, "anteprima", "--porta", "0", "--data", os.path.join(work, "data"), "--config", config],
                        stderr=subprocess.PIPE, text=True)
port = None
for line in proc.stderr:
    if "http://127.0.0.1:" in line:
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        break


def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:
        return r.read()


try:
    state = json.loads(get("/stato?dopo=0"))
    seen = {p["hash"] for p in state["pagine"]}
    times, changed = [], []
    for i in range(runs + 2):
        time.sleep(0.5)
        with open(texts[i % len(texts)], "a", encoding="utf-8") as f:
            f.write(f"\nParagrafo {i} aggiunto dalla misura dei tempi dell'anteprima.\n")
        saved = time.perf_counter()
        state = json.loads(get(f"/stato?dopo={state['generazione']}"))
        assert state["errore"] is None, state["errore"]
        new = [p["hash"] for p in state["pagine"] if p["hash"] not in seen]
        for h in new:
            get(f"/pagina/{h}.svg")
        elapsed = (time.perf_counter() - saved) * 1000
        seen = {p["hash"] for p in state["pagine"]}
        if os.environ.get("DETTAGLIO"):
            print(os.path.basename(texts[i % len(texts)]), f"{elapsed:.0f} ms", len(new), file=sys.stderr)
        if i >= 2:  # the first two saves warm the caches of the changed chapters
            times.append(elapsed)
            changed.append(len(new))
    q = statistics.quantiles(times, n=10)
    print(f"| salvataggio → anteprima aggiornata ({runs} salvataggi, 4 testi a turno) | "
          f"mediana {statistics.median(times):.0f} ms | p90 {q[-1]:.0f} ms | min {min(times):.0f} ms | "
          f"max {max(times):.0f} ms | pagine cambiate per salvataggio: mediana {statistics.median(changed):.0f} |")
finally:
    proc.terminate()
    proc.wait()
    shutil.rmtree(work, ignore_errors=True)
