"""Excel driven (stage 10: may import ``format``, ``read``, ``check``, ``write``, ``consolidate``,
``archive``, ``register``, ``published`` and ``report``).

Owns the ribbon add-in: :mod:`addin` builds ``nianbao_addin.xlam`` from the installed xlwings and
installs it into XLSTART, and :mod:`button` is its 校验 button, which moves live values in and
marks out through xlwings.
"""
