"""Years archived and compared (stage 6: may import ``format``, ``read``, ``check``, ``write`` and
``consolidate``).

Owns ``nianbao archive`` and ``nianbao compare``: every accepted report kept in a database (an
embedded SQLite file by default, PostgreSQL by URL, through SQLAlchemy Core) with its values, texts,
file hash and findings — :mod:`schema` declares and upgrades the tables, :mod:`records` is what a
report becomes there, :mod:`store` adds, lists and exports; last year's numbers for the cross-year
checks come from it. :mod:`changes` compares two years field by field (Y1, Y2 and the cross-year
rules) and :mod:`reuse` sentence by sentence; :mod:`comparebook` writes the comparison.
"""
