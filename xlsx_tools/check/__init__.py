"""Reports checked (stage 3: may import ``format`` and ``read``).

Owns the rules run over reports: :mod:`schemas` (pandera schemas running every declared rule over
many reports at once, as a backend of the one walker), :mod:`equations` (the identities as linear
equations over cells, another backend), :mod:`narrative` (numbers stated in the text
compared with the tables), :mod:`identity` (the 基本信息 a command is given), :mod:`formulas` with
:mod:`spreadsheet` (what every formula of the template shows, computed as a spreadsheet computes
it), :mod:`validate` (``nianbao validate`` as a library: inputs collected, read in workers,
validated) and :mod:`render` (the text and JSON listing of its results).
"""
