"""Excel driven (stage 9: may import ``format``, ``read``, ``check``, ``write``, ``consolidate``,
``archive``, ``register`` and ``published``).

Owns the ribbon add-in: ``nianbao_addin.xlam`` built from the installed xlwings and installed into
XLSTART, and its 校验 button, which moves live values in and marks out through xlwings.
"""
