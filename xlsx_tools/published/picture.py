"""A picture of a page made ready to be read: grey, a red seal's ink taken out, turned upright when
it was scanned a quarter or a half turn round, and straightened when it was scanned a little askew
— so that the ruling lines :mod:`scan` looks for run straight across and down — and its words.
"""

from __future__ import annotations

from typing import Any

from .ocr import Word, upside_down, words

#: red ink (a seal) is this much redder than green and blue; it is taken out before reading
RED = 60
#: a skew is measured on lines at least this share of the page's width, and corrected above this (degrees)
LONG, SKEW = 0.3, 0.1
#: a picture narrower than this (pixels) is enlarged to it before reading: a 150 dpi scan or a table
#: pasted at screen resolution has characters too small for the recogniser to find every 「0」
WIDE = 1600
#: the lines of text run across when the ink's row profile varies this much more than its column profile
ACROSS = 1.0


def upright(image: Any) -> tuple[Any, list[Word]]:
    """The page as a grey numpy array, seal removed, turned and straightened, and its words."""
    import numpy as np

    rgb = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    if rgb.ndim == 3:
        r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
        grey = (0.299 * r + 0.587 * g + 0.114 * b).astype(np.uint8)
        grey[(r - g > RED) & (r - b > RED)] = 255  # a red seal over the text: its ink is not text
    else:
        grey = rgb.astype(np.uint8)
    if max(grey.shape) < WIDE:
        import cv2

        scale = WIDE / max(grey.shape)
        size = (round(grey.shape[1] * scale), round(grey.shape[0] * scale))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC)
    if _sideways(grey):  # a quarter turn either way: the one whose text reads better the right way up
        grey = max((np.ascontiguousarray(np.rot90(grey, k)) for k in (-1, 1)), key=_legibility)
    grey = _straightened(grey)
    found = words(grey, turn=False)
    if upside_down(grey, found):  # scanned a half turn round: its lines read the other way up
        grey = np.ascontiguousarray(np.rot90(grey, 2))
        found = words(grey, turn=False)
    return grey, found


def _mean(found: list[Word]) -> float:
    return sum(w.confidence for w in found) / len(found) if found else 0.0


def _legibility(grey) -> float:
    """How well a page reads as it stands: the recogniser's mean confidence at half size, without
    its own turning of upside-down lines."""
    import cv2

    return _mean(words(cv2.resize(grey, (grey.shape[1] // 2, grey.shape[0] // 2)), turn=False))


def _sideways(grey) -> bool:
    """Whether the page lies on its side: its lines of text (and rulings) run down, not across."""
    import numpy as np

    ink = (grey < 128).astype(np.float32)
    rows, columns = ink.mean(axis=1), ink.mean(axis=0)
    return float(columns.std()) > ACROSS * 1.5 * float(rows.std())


def _straightened(grey):
    """The page turned by the median angle of its long near-horizontal lines (ruling lines, the
    baselines of a table, found to a quarter of a degree), when that is more than ``SKEW`` degrees."""
    import cv2
    import numpy as np

    height, width = grey.shape
    small = cv2.resize(grey, (width // 2, height // 2))  # measured at half size: 0.2 s, not 3 s, a page
    edges = cv2.Canny(small, 50, 150)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=100, minLineLength=int(width / 2 * LONG), maxLineGap=5)
    if lines is None:
        return grey
    angles = [np.degrees(np.arctan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in lines.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) < 10]
    if not angles:
        return grey
    angle = float(np.median(angles))
    if abs(angle) <= SKEW:
        return grey
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(grey, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=255)
