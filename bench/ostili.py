#!/usr/bin/env python3
"""Time and peak memory of a Modena-size build whose texts and tables are as heavy as the input
budgets allow (issue 26: <= 10 s and <= 1 GiB whatever the texts and tables say).

Usage: bench/ostili.py [BINARY]   (default target/debug/relazione, the profile `make report` uses)

Each case copies data/ into a scratch folder, replaces the texts (and, with openpyxl installed, the
«Tabelle della Relazione» workbook), builds, and prints wall time, peak memory of the process tree
(bench/memoria.py) and the exit code. The cases:
- modena: the sample data as they are;
- ripetute: two texts at the per-text budget (48 kB), paragraphs of 3.900 characters of one word
  repeated (the shape that made Typst's line breaker slowest);
- parole-lunghe: the same with random words of 12-26 letters (many hyphenation points);
- tutto: two texts at the budget with 299 notes and 600 table cells each, and a Tabelle workbook at
  its row budget;
- oltre: a 250 kB text of long words, as accepted before the budgets (refused now, at once).
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/relazione")


def word(rng):
    return "".join(rng.choice("aeioulmnrstcp") for _ in range(rng.randint(12, 26)))


def paragraphs(rng, size, repeated):
    out = []
    while sum(len(p) + 2 for p in out) < size - 4000:
        if repeated:
            out.append(("abcdefghij " * 355).strip())
        else:
            out.append(" ".join(word(rng) for _ in range(200))[:3900])
    return "\n\n".join(out) + "\n"


def heavy_text(seed, size):
    rng = random.Random(seed)
    rows = 100
    table = "|" + "|".join(f"c{i}" for i in range(6)) + "|\n|" + "|".join("---" for _ in range(6)) + "|\n"
    table += "".join("|" + "|".join(word(rng)[:10] for _ in range(6)) + "|\n" for _ in range(rows - 1))
    notes = 299
    body = table + "\n" + " ".join(f"x[^{i}]" for i in range(notes)) + "\n\n"
    body += "\n\n".join(f"[^{i}]: {word(rng)}" for i in range(notes)) + "\n\n"
    return body + paragraphs(rng, size - len(body.encode()), False)


def heavy_tables(path):
    try:
        import openpyxl
    except ImportError:
        return False
    rng = random.Random(3)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tabelle"
    ws.append(["Sezione", "Tabella", "Voce", "2021", "2022", "2023", "2024"])
    sections = ["personale", "contesto", "customer_satisfaction", "bilancio_di_genere"]
    for r in range(599):
        t = r // 3
        ws.append([sections[t % 4], f"Tabella {t} con un titolo", "voce " + word(rng)[:12], 123456.78, 0.5,
                   "testo breve qui", 42])
    wb.save(path)
    return True


def case(name, texts, tables=False):
    work = tempfile.mkdtemp(prefix=f"ostili-{name}-")
    try:
        data = os.path.join(work, "data")
        shutil.copytree(os.path.join(ROOT, "data"), data)
        for file, text in texts.items():
            with open(os.path.join(data, "testi", file), "w", encoding="utf-8") as f:
                f.write(text)
        note = ""
        if tables:
            note = "" if heavy_tables(os.path.join(data, "Tabelle_Relazione_2024.xlsx")) else " (senza openpyxl: tabelle non generate)"
        cmd = [sys.executable, os.path.join(ROOT, "bench/memoria.py"), BINARY, "build", "--data", data,
               "--config", os.path.join(ROOT, "relazione.yaml"), "--out", os.path.join(work, "out")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        print(f"{name:14} {r.stdout.strip()}{note}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    case("modena", {})
    case("ripetute", {"premessa.md": paragraphs(random.Random(1), 47 * 1024, True),
                      "contesto.md": paragraphs(random.Random(2), 47 * 1024, True)})
    case("parole-lunghe", {"premessa.md": paragraphs(random.Random(1), 47 * 1024, False),
                           "contesto.md": paragraphs(random.Random(2), 47 * 1024, False)})
    case("tutto", {"premessa.md": heavy_text(1, 46 * 1024), "contesto.md": heavy_text(2, 46 * 1024)}, tables=True)
    case("oltre", {"premessa.md": paragraphs(random.Random(1), 250 * 1024, False)})


if __name__ == "__main__":
    main()
