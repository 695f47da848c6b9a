"""LibreOffice headless as the tests' spreadsheet client.

It opens a workbook the way a user's client would, recalculates every formula and saves the result,
so tests can read back what a person would see. Each test session gets its own profile, set to
recalculate OOXML files on load (by default LibreOffice trusts cached values).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
#: LibreOffice silently skips files past about 247 per call (measured on this kind of machine)
CHUNK = 200


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class LibreOffice:
    def __init__(self, binary: str, profile: Path):
        self.binary = binary
        self.profile = profile
        user = profile / "user"
        user.mkdir(parents=True, exist_ok=True)
        (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")

    def convert(self, files: list[Path], outdir: Path, target: str = "xlsx") -> list[Path]:
        """Open, recalculate and save each file as ``target`` in ``outdir``; every output must exist."""
        outdir.mkdir(parents=True, exist_ok=True)
        outputs = []
        for start in range(0, len(files), CHUNK):
            chunk = files[start:start + CHUNK]
            cmd = [
                self.binary, f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
                "--norestore", "--convert-to", target, "--outdir", str(outdir), *map(str, chunk),
            ]
            env = {**os.environ, "HOME": str(self.profile)}
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
            for f in chunk:
                out = outdir / f"{f.stem}.{target.split(':')[0]}"
                if not out.exists():
                    raise RuntimeError(
                        f"LibreOffice did not convert {f.name}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
                    )
                outputs.append(out)
        return outputs
