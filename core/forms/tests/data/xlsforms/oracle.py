"""The reference converter's view of each test workbook, for tests/xlsform_corpus.

Runs pyxform (ODK's XLSForm converter, `python3 -m pip install pyxform`) on
every `.xlsx` and `.xls` below this directory and writes `oracle.json`: for each file,
whether pyxform accepts it and, when it does, its questions in document order
(name, pyxform type, choice names; for `select_one_external`, the names its
list has on the `external_choices` sheet, as pyxform's workbook reader reads
them). Metadata rows (`start`, `end`, …) are left
out, as Doorstep records those itself. Re-run after adding a workbook:

    python3 core/forms/tests/data/xlsforms/oracle.py

With `--check` it writes nothing and fails (exit 1, with the differences) when
pyxform's reading differs from the committed `oracle.json`: `scripts/test.sh`
runs it with the pyxform version the snapshot names.
"""

import difflib
import json
import pathlib
import sys

import pyxform
from pyxform.xls2json import parse_file_to_json
from pyxform.xls2json_backends import xls_to_dict, xlsx_to_dict

HERE = pathlib.Path(__file__).parent
METADATA = {
    "start", "end", "today", "deviceid", "username", "phonenumber", "simserial",
    "subscriberid", "audit", "email", "start-geopoint", "background-audio", "imei",
    "uri:deviceid", "uri:email", "uri:username",
}


def questions(children, choices, out):
    for c in children:
        kind = c.get("type", "")
        if kind in METADATA or c.get("name") == "meta":
            continue
        entry = {"name": c.get("name"), "type": kind}
        listed = c.get("itemset") or c.get("list_name")
        if c.get("choices") or (listed and listed in choices):
            entry["choices"] = [x["name"] for x in (c.get("choices") or choices[listed])]
        out.append(entry)
        start = len(out)
        questions(c.get("children", []), choices, out)
        if kind == "loop":
            # A loop is asked once per choice of its list (`columns`); its
            # `size` questions below it are asked in each.
            entry["columns"] = [x["name"] for x in c.get("columns", [])]
            entry["size"] = len(out) - start


def external_lists(path):
    """The `external_choices` sheet's lists, as pyxform's workbook reader reads them."""
    read = xlsx_to_dict if path.suffix == ".xlsx" else xls_to_dict
    lists = {}
    for row in read(str(path)).get("external_choices", []):
        if row.get("list_name") and row.get("name"):
            lists.setdefault(row["list_name"], []).append({"name": row["name"]})
    return lists


def read_corpus():
    """pyxform's reading of every workbook, as `oracle.json` holds it."""
    result = {"pyxform": pyxform.__version__, "forms": {}}
    for path in sorted(p for p in HERE.rglob("*") if p.suffix in (".xlsx", ".xls")):
        key = str(path.relative_to(HERE))
        try:
            form = parse_file_to_json(str(path), warnings=[])
        except Exception as e:  # pyxform refuses with PyXFormError and friends
            result["forms"][key] = {"accepted": False, "error": str(e).splitlines()[0][:200]}
            continue
        out = []
        lists = {**external_lists(path), **form.get("choices", {})}
        questions(form.get("children", []), lists, out)
        result["forms"][key] = {"accepted": True, "questions": out}
    return json.dumps(result, ensure_ascii=False, indent=1) + "\n"


def main():
    text = read_corpus()
    snapshot = HERE / "oracle.json"
    if "--check" not in sys.argv[1:]:
        snapshot.write_text(text)
        return
    committed = snapshot.read_text()
    if text != committed:
        sys.stdout.writelines(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                text.splitlines(keepends=True),
                "oracle.json (committed)",
                "pyxform now",
            )
        )
        sys.exit(f"pyxform reads the XLSForm corpus differently from {snapshot}: re-run oracle.py and review")
    print(f"pyxform {pyxform.__version__} reads the {len(json.loads(text)['forms'])} corpus workbooks as oracle.json says")


if __name__ == "__main__":
    main()
