"""Untrusted files read (stage 2: may import ``format``).

Owns every contact with the bytes of a workbook someone sent: sniffing and the zip pre-check
against the limits, XML parsed without DTDs, each cell turned into a typed value or a located
finding, the workbook read against the declared layout into a ``Report``, live grids from Excel
read the same way, and the worker processes that give each file a time limit of its own.
"""
