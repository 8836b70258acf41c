"""Small private helpers every subpackage may use: dates, text, geometry parts, units, colours.

Nothing here knows about files, workspaces or analyses; each module is a handful of pure
functions with one meaning each (one date parser, one "is this cell blank", one rule for
keeping the polygonal part of a geometry, one set of area units).
"""
