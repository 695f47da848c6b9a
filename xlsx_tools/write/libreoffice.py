"""Documents converted by LibreOffice headless, when it is installed: reports' .docx to PDF, and
Word 97 / WPS documents to .docx so the importer can read them.

One LibreOffice call converts up to :data:`CHUNK` files (past about 250 it silently skips files),
with a private profile so a LibreOffice the user has open is not disturbed. Each result is written
into a scratch folder and moved into place only once it exists, so a failed conversion never
leaves half a file behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

CHUNK = 200


def soffice() -> str | None:
    """The LibreOffice binary, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def fontconfig(folder: Path, fallbacks: dict[str, str]) -> Path:
    """A fontconfig file that keeps the system's fonts and renders each named font that is not
    installed with its fallback (仿宋_GB2312 → a serif CJK face), instead of whatever face
    fontconfig would pick for an unknown name."""
    aliases = "".join(
        f'<match target="pattern"><test name="family"><string>{escape(name)}</string></test>'
        f'<edit name="family" mode="prepend" binding="strong"><string>{escape(face)}</string></edit></match>'
        for name, face in fallbacks.items())
    path = folder / "fonts.conf"
    path.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f"<include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>{aliases}</fontconfig>",
                    encoding="utf-8")
    return path


def convert(documents: list[Path], outdir: Path, binary: str | None = None, timeout: int = 600,
            fallbacks: dict[str, str] | None = None, target: str = "pdf") -> dict[Path, Path]:
    """Each document converted to ``target`` (pdf, docx) into ``outdir`` with the same stem:
    document → result, for those converted."""
    binary = binary or soffice()
    if binary is None or not documents:
        return {}
    done: dict[Path, Path] = {}
    with tempfile.TemporaryDirectory(prefix="nianbao-pdf-") as scratch:
        profile = Path(scratch) / "profile"
        out = Path(scratch) / "out"
        out.mkdir()
        for start in range(0, len(documents), CHUNK):
            chunk = documents[start:start + CHUNK]
            cmd = [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--convert-to", target, "--outdir", str(out), *map(str, chunk)]
            env = {**os.environ, "HOME": scratch}
            if fallbacks:
                env["FONTCONFIG_FILE"] = str(fontconfig(Path(scratch), fallbacks))
            try:
                subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
            except (OSError, subprocess.TimeoutExpired):
                continue
            for doc in chunk:
                made = out / f"{doc.stem}.{target}"
                if made.exists() and made.stat().st_size > 0:
                    placed = outdir / made.name
                    shutil.move(str(made), str(placed))
                    done[doc] = placed
    return done
