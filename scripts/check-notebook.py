"""Fails when an executed notebook has an error output or shows no figure.

usage: check-notebook.py [--every-figure] NOTEBOOK.ipynb

With --every-figure, every code cell that displays a figure (nb.Show,
nb.Square, nb.LayerFigure, gonbui.Display...) must hold one among its outputs,
and "Error" on stderr fails too (the browser test's stricter reading).
"""
import json
import re
import sys

args = sys.argv[1:]
every = "--every-figure" in args
args = [a for a in args if a != "--every-figure"]
path = args[0]
shows = re.compile(r"\bnb\.(Show|Square|LayerFigure)\(|gonbui\.Display(PNG|Image|SVG)\(")
nb = json.load(open(path))
errors, pngs = [], 0
for i, cell in enumerate(nb["cells"]):
    figures = 0
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}\n" + "\n".join(out.get("traceback", [])))
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            text = "".join(out.get("text", ""))
            if "panic:" in text or (every and "Error" in text):
                errors.append(f"cell {i}: panic or Error on stderr:\n" + text)
        if "image/png" in out.get("data", {}):
            pngs += 1
            figures += 1
    if every and cell["cell_type"] == "code" and figures == 0 and shows.search("".join(cell["source"])):
        errors.append(f"cell {i}: displays a figure but has no image output")
if errors:
    print(f"{path}: {len(errors)} failing cell(s)")
    for e in errors:
        print(e[:4000])
    sys.exit(1)
if pngs == 0:
    print(f"{path}: no image/png output")
    sys.exit(1)
print(f"{path}: ok, {pngs} figure(s)")
