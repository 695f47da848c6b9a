"""The shared string table of an untrusted workbook (where Excel, WPS and LibreOffice keep a
workbook's text).

The usual table is only cut at its items when it is opened, and an item is decoded when a cell asks
for it (:class:`SharedStrings`): a reader looks up the strings its cells use, not every label and
text. Whatever would make expat refuse the table is checked at once when it is opened; anything
unusual (a DTD, CDATA, prefixes, rich structures the checks do not vouch for) is parsed by expat,
with DTDs and entity declarations refused as everywhere in :mod:`xmlparts`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from .xmlparts import _RPH, _T, _declares, _parser, _run, _xml_text, local, unescape

_TWICE_CLOSED = re.compile(rb"</si>[^<]*(?:<(?!/?si>)[^<]*)*</si>")
_UNKNOWN_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)")
_PLAIN_ITEM = re.compile(rb"<t(?:\s[^>/]*)?>([^<]*)</t>|<t(?:\s[^>/]*)?/>")


class SharedStrings(Sequence):
    """The shared string table, each item decoded when it is first asked for: a reader looks up
    only the strings its cells use, not every label and text of the workbook. An index out of range
    raises IndexError, as the list would."""

    __slots__ = ("_items", "_texts")

    def __init__(self, items: list[bytes]):
        self._items = items  # each item's XML, from just after <si> (its </si> and anything after follow)
        self._texts: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        text = self._texts.get(index)
        if text is None:
            text = self._texts[index] = _item_text(self._items[index])
        return text

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"SharedStrings({list(self)!r})"


def _item_text(piece: bytes) -> str:
    item = piece[:piece.find(b"</si>")]  # each piece has exactly one: see _fast_strings
    return _item(item) if len(item) <= _KEPT_ITEM else _item.__wrapped__(item)


_KEPT_ITEM = 1024  # labels and short texts are kept; a long narrative is decoded and not kept


@functools.lru_cache(maxsize=16384)
def _item(item: bytes) -> str:
    """An item's text; cached, since the template's labels recur in every workbook of a batch."""
    plain = _PLAIN_ITEM.fullmatch(item)
    if plain is not None:
        return unescape(_xml_text(plain.group(1) or b""))
    return unescape("".join(_xml_text(t.group(1) or b"") for t in _T.finditer(_RPH.sub(b"", item))))


def parse_shared_strings(data: bytes) -> Sequence[str]:
    """The shared string table; rich-text runs joined, phonetic runs (rPh) left out."""
    fast = _fast_strings(data)
    return fast if fast is not None else _parse_strings(data)


def _fast_strings(data: bytes) -> SharedStrings | None:
    """The usual table, cut at its items without parsing them (see :class:`SharedStrings`); None
    (use expat) for anything unusual: a DTD, CDATA, prefixed tags, items with attributes, items not
    closed one by one, a table not closed."""
    if _declares(data) or not data.rstrip().endswith(b"</sst>"):  # a DTD, CDATA or comments
        return None
    pieces = data.split(b"<si>")
    items = len(pieces) - 1
    # every item opened as <si> (no attributes, no prefix) and closed once, so that each piece is
    # exactly one item
    if (data.count(b"<si") != items or data.count(b"</si>") != items or data.count(b"si>") != 2 * items
            or b"</si>" in pieces[0] or _TWICE_CLOSED.search(data)):
        return None
    if b"&" in data and (b"&#" in data or _UNKNOWN_ENTITY.search(data)):
        return None  # character references (clients write UTF-8) are expat's to judge
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # what would make expat refuse the table is found here, at once: decoding an item later cannot fail
    return SharedStrings(pieces[1:])


def _parse_strings(data: bytes) -> list[str]:
    strings: list[str] = []
    parts: list[str] = []
    depth_rph = 0
    in_t = False

    def start(name, attrs):
        nonlocal depth_rph, in_t
        n = local(name)
        if n == "si":
            parts.clear()
        elif n == "rPh":
            depth_rph += 1
        elif n == "t" and not depth_rph:
            in_t = True

    def end(name):
        nonlocal depth_rph, in_t
        n = local(name)
        if n == "si":
            strings.append(unescape("".join(parts)))
        elif n == "rPh":
            depth_rph -= 1
        elif n == "t":
            in_t = False

    def text(data):
        if in_t:
            parts.append(data)

    _run(_parser(StartElementHandler=start, EndElementHandler=end, CharacterDataHandler=text), data)
    return strings


