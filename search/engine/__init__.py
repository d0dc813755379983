"""Everything of the search that touches Whoosh: the one door to it (see WHOOSH.md).

Code outside this package imports no ``whoosh``; code outside ``search/`` imports none of
this package, only what ``search`` exports.
"""
