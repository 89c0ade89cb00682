"""Fails when an executed notebook has an error output or shows no figure."""
import json
import sys

path = sys.argv[1]
nb = json.load(open(path))
errors, pngs = [], 0
for i, cell in enumerate(nb["cells"]):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}\n" + "\n".join(out.get("traceback", [])))
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and "panic:" in "".join(out.get("text", "")):
            errors.append(f"cell {i}: panic on stderr:\n" + "".join(out["text"]))
        if "image/png" in out.get("data", {}):
            pngs += 1
if errors:
    print(f"{path}: {len(errors)} failing cell(s)")
    for e in errors:
        print(e[:4000])
    sys.exit(1)
if pngs == 0:
    print(f"{path}: no image/png output")
    sys.exit(1)
print(f"{path}: ok, {pngs} figure(s)")
