"""Build the demo park's plan document (tank_farm_fire_plan.docx) from its text source.

The text is a made-up plan (no real unit or person) written to GB/T 29639-2020's elements, so the
demo shows a plan imported from a Word document. Lines: "#1 " a level-1 heading, "#2 " level 2,
"a|b|c" a table row (consecutive rows make one table), "# " a comment, anything else a paragraph.
Run: python deploy/demo/plans/build_docx.py
"""

from __future__ import annotations

from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent


def build(src: Path = HERE / "tank_farm_fire_plan.txt", out: Path = HERE / "tank_farm_fire_plan.docx") -> Path:
    d = docx.Document()
    core = d.core_properties
    core.author, core.title = "Watchpost demo", ""
    lines = [ln.rstrip("\n") for ln in src.read_text(encoding="utf-8").splitlines()]
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            t = d.add_table(rows=0, cols=len(rows[0]))
            for r in rows:
                cells = t.add_row().cells
                for c, v in zip(cells, r):
                    c.text = v
            rows.clear()

    first = True
    for ln in lines:
        if ln.startswith("# ") or not ln.strip():
            continue
        if "|" in ln:
            rows.append(ln.split("|"))
            continue
        flush()
        if first:
            d.add_heading(ln, level=0)
            first = False
        elif ln.startswith("#1 "):
            d.add_heading(ln[3:], level=1)
        elif ln.startswith("#2 "):
            d.add_heading(ln[3:], level=2)
        else:
            d.add_paragraph(ln)
    flush()
    d.save(out)
    return out


if __name__ == "__main__":
    print(build())
