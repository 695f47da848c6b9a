"""workbook/ holds the built master template; it must match what the generator produces now."""

from __future__ import annotations

import re
import zipfile

from conftest import ROOT

from xlsx_tools.write import template

MASTER = ROOT / "workbook" / "nianbao-template.xlsx"
# creation and save times differ between any two builds; nothing else may
_TIMESTAMPS = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def content(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["docProps/core.xml"] = _TIMESTAMPS.sub(b"", parts["docProps/core.xml"])
    return parts


def test_committed_master_matches_the_generator(tmp_path):
    fresh = template.write(tmp_path / "fresh.xlsx")
    committed, built = content(MASTER), content(fresh)
    assert list(committed) == list(built)
    stale = [name for name in built if committed[name] != built[name]]
    assert not stale, (
        f"workbook/{MASTER.name} is out of date in {stale}; "
        f"regenerate it with: nianbao template -o workbook/{MASTER.name}"
    )


def test_the_comparison_notices_a_change(tmp_path):
    """Guard against a comparison that cannot fail: a one-label change is detected."""
    wb = template.build()
    wb[wb.sheetnames[0]]["A1"] = "changed"
    wb.save(tmp_path / "changed.xlsx")
    assert content(tmp_path / "changed.xlsx") != content(MASTER)
