"""The reports' PDFs: each written .docx converted by LibreOffice, in one batch at the end.

A machine without LibreOffice gets the .docx and .html only, and is told how to get the PDFs. The
fonts the .docx names that a machine lacks (仿宋_GB2312 …) are rendered with the declared
fallbacks. A .docx written only on the way to its PDF is removed once the PDF exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..format.declaration import Format
from ..write import libreoffice


class Written(Protocol):
    """What :func:`add_pdfs` needs of an outcome (``batch.Outcome``)."""

    targets: list[Path]
    status: str
    note: str


def add_pdfs(outcomes: list[Written], outdir: Path, fmt: Format, keep_docx: bool = True) -> bool:
    """Convert every outcome's .docx to a PDF in ``outdir`` and add it to the outcome's targets;
    an outcome whose conversion failed becomes ``failed``. True when LibreOffice is missing."""
    documents = {o.targets[0]: o for o in outcomes if o.targets and o.targets[0].suffix == ".docx"}
    if documents and libreoffice.soffice() is None:
        return True
    made = libreoffice.convert(list(documents), outdir, fallbacks=fmt.report["fallback_fonts"])
    for document, outcome in documents.items():
        if document in made:
            outcome.targets.append(made[document])
        else:
            outcome.note = "LibreOffice 未能把 .docx 转换为 PDF"
            outcome.status = "failed"
    if not keep_docx:  # the .docx was only the way to the PDF
        for document, outcome in documents.items():
            document.unlink(missing_ok=True)
            outcome.targets.remove(document)
    return False
