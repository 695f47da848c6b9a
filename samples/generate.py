"""Regenerate the bundled samples: five agency workbooks and the roster they are checked against.

    python samples/generate.py

The numbers are the tests' hand-written fill (tests/fills.py), shifted per agency so each report is
its own and every statutory identity holds. When LibreOffice is installed, each workbook is opened
and saved by it, so it carries cached formula results as a file saved in Excel or WPS does.
The roster lists one more agency (民政局) that sends nothing, so 未报送 has something to show.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from agencies import agency, write  # noqa: E402
from openpyxl import Workbook  # noqa: E402

REPORTS = {0: "科学技术局", 1: "教育局", 2: "某某街道办事处", 3: "财政局", 5: "文化旅游局"}
ROSTER = [0, 1, 2, 3, 5, 6]  # 6 (民政局) sends nothing


def main() -> None:
    target = HERE / "报表"
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        written = [write(Path(tmp) / f"{name}.xlsx", agency(n)) for n, name in REPORTS.items()]
        soffice = shutil.which("soffice")
        if soffice:
            from libreoffice import LibreOffice

            written = LibreOffice(soffice, Path(tmp) / "profile").convert(written, Path(tmp) / "saved")
        target.mkdir()
        for path in written:
            shutil.copyfile(path, target / path.name)
    wb = Workbook()
    ws = wb.active
    ws.title = "名录"
    ws.append(["序号", "单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for row, n in enumerate(ROSTER, 1):
        v = agency(n)
        ws.append([row, v["id.name"], v["id.code"], v["id.kind"], v["id.region"]])
    wb.save(HERE / "名录.xlsx")
    print(f"wrote {len(REPORTS)} reports to {target} and the roster {HERE / '名录.xlsx'}")


if __name__ == "__main__":
    main()
