"""Regenerate the bundled samples: five real published reports imported into workbooks.

    python samples/generate.py

The reports in 原文/ are five real 政府信息公开工作年度报告 as published (plain text, with the
artefacts of copying them off the web). 名录.xlsx lists their agencies; their 统一社会信用代码 are
made-up examples with a valid check digit (the published reports do not carry one). Each report is
imported with the roster, exactly as a consolidator would:

    nianbao import samples/原文/<报告>.txt -o samples/报表/<年度>/<报告>.xlsx --roster samples/名录.xlsx

and, when LibreOffice is installed, opened and saved by it, so the workbooks carry cached formula
results as a file saved in Excel or WPS does. Workbooks go into a folder per reporting year.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from openpyxl import Workbook  # noqa: E402

from xlsx_tools.consolidate.roster import read_roster  # noqa: E402
from xlsx_tools.format.uscc import complete  # noqa: E402
from xlsx_tools.published.conversion import import_paths  # noqa: E402

#: name (as in the report's title), example code base, 单位类型, 所属地区
AGENCIES = [
    ("洛龙区科技园街道办事处", "11410311MB0000001", "乡镇街道", "河南省洛阳市洛龙区"),
    ("卫东区东工人镇街道办事处", "11410403MB0000002", "乡镇街道", "河南省平顶山市卫东区"),
    ("洛龙区定鼎门街道办事处", "11410311MB0000003", "乡镇街道", "河南省洛阳市洛龙区"),
    ("凤泉区科学技术局", "11410704MB0000004", "部门", "河南省新乡市凤泉区"),
    ("偃师区伊洛街道办事处", "11410307MB0000005", "乡镇街道", "河南省洛阳市偃师区"),
]


def write_roster(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "名录"
    ws.append(["序号", "单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for n, (name, base, kind, region) in enumerate(AGENCIES, 1):
        ws.append([n, name, complete(base), kind, region])
    wb.save(path)
    return path


def main() -> None:
    roster = read_roster(write_roster(HERE / "名录.xlsx"))
    target = HERE / "报表"
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = import_paths([HERE / "原文"], Path(tmp) / "imported", roster)
        written = [o.target for o in outcomes if o.target is not None]
        assert len(written) == len(AGENCIES), [f.render() for o in outcomes for f in o.findings]
        years = {o.target.name: o.imported.values["id.year"] for o in outcomes}
        soffice = shutil.which("soffice")
        if soffice:
            from libreoffice import LibreOffice

            written = LibreOffice(soffice, Path(tmp) / "profile").convert(written, Path(tmp) / "saved")
        for path in written:
            folder = target / str(years[path.name])
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, folder / path.name)
    print(f"wrote {len(written)} workbooks under {target} and the roster {HERE / '名录.xlsx'}")


if __name__ == "__main__":
    main()
