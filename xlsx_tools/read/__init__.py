"""Untrusted files read (stage 2: may import ``format``).

Owns every contact with the bytes of a workbook someone sent: :mod:`container` sniffs the file and
pre-checks its zip directory against the limits, :mod:`xmlparts` parses only the declared cells
without DTDs (:mod:`strings` holds the shared string table), :mod:`values` turns each cell into a
typed value or a located finding, :mod:`reader` reads the workbook against the declared layout into
a ``Report``, :mod:`live` reads Excel's live grids the same way, and :mod:`pool` gives each file a
worker process and a time limit of its own.
"""
