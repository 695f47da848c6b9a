"""Text recognised in a picture (OCR): the words of a scanned page or of a table pasted as an image,
each with its box and the engine's confidence.

The engine is RapidOCR on onnxruntime with the PP-OCR Chinese models its wheel carries
(``pip install 'nianbao[ocr]'``): it runs offline on the CPU and downloads nothing. It is loaded once
per process. Without it, a picture cannot be read and :class:`document.Unreadable` says how to
install it, in Chinese.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from .document import Unreadable

MISSING = ("这是扫描件或图片（没有文字层），读取需要文字识别（OCR）组件，本机没有安装；"
           "请安装：pip install \"nianbao[ocr]\"（离线可用，不需要联网下载模型）")
#: a cell the recogniser read as letters that look like digits: 「O」「Q」「D」「o」 are 0 in a number
_DIGIT_LIKE = re.compile(r"[0-9OQDo]+")
_AS_DIGITS = str.maketrans("OQDo", "0000")


@dataclass(frozen=True)
class Word:
    """One piece of text the recogniser found: its box (pixels), text and confidence (0–1)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float

    @property
    def middle(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


def available() -> bool:
    """Whether the OCR engine is installed (without loading it: onnxruntime's threads and address
    space would then be in every process this one forks)."""
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None  # found, not loaded


@functools.cache
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise Unreadable(MISSING, "IMP-SCANNED") from exc
    return RapidOCR()


def words(image: Any, turn: bool = True) -> list[Word]:
    """The words of an image (a numpy array, grey or colour), top to bottom; ``turn``: the
    recogniser turns lines it finds upside down."""
    found, _ = _engine()(image, use_cls=turn)
    out = []
    for box, text, confidence in found or []:
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        out.append(Word(min(xs), min(ys), max(xs), max(ys), text.strip(), float(confidence)))
    return sorted(out, key=lambda w: (w.y0, w.x0))


def read_line(image: Any) -> tuple[str, float]:
    """The text of a picture that is one line of text already cut out (no detection), and its confidence."""
    import numpy as np

    found, _ = _engine()(np.dstack([image] * 3) if image.ndim == 2 else image, use_det=False, use_cls=False)
    text, confidence = (found or [["", 0.0]])[0]
    return str(text).strip(), float(confidence)


#: a line of text is at least this many times as wide as it is high (digits alone read the same either way up)
ELONGATED = 2


def upside_down(image: Any, found: list[Word]) -> bool:
    """Whether most lines of text of a page (a grey numpy array) stand upside down, by the
    engine's direction classifier on the page's wide boxes (numbers read the same either way up,
    so a table of zeros reads well upside down: their confidence cannot tell)."""
    import numpy as np

    crops = [np.dstack([image[int(w.y0):int(w.y1), int(w.x0):int(w.x1)]] * 3)
             for w in found if w.x1 - w.x0 > ELONGATED * (w.y1 - w.y0)][:40]
    if not crops:
        return False
    _, labels, _ = _engine().text_cls(crops)
    return 2 * sum(label == "180" for label, _ in labels) > len(labels)


def as_number(text: str) -> str:
    """A cell's text with letters that look like digits read as digits, when the whole cell is such
    (「O」 → 「0」, 「1O」 → 「10」); any other text as it is."""
    return text.translate(_AS_DIGITS) if _DIGIT_LIKE.fullmatch(text) else text
