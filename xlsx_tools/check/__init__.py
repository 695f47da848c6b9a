"""Reports checked (stage 3: may import ``format`` and ``read``).

Owns the pandera schemas that run every declared rule over many reports at once, the narrative
statements compared with the tables, identity checks, ``nianbao validate`` as a library (inputs
collected, read in workers, validated) and the text and JSON listing of its results.
"""
