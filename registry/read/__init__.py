"""The seller as the public reads it: one view (``view.py``), read by one query path, and
its projections: the profile page, the API record (``public.py``), the search document
(``search_docs.py``) and the badge's facts (``badges.py``). What the public is shown of a
seller's standing is decided in ``display.py``.

This package imports nothing at import time, so that any registry module may import from it.
"""
