"""The name under which the narrative index's pickled schema finds its tokenizer.

Whoosh pickles a schema into each index's table of contents, and with it the tokenizer of
report narratives as ``search.schema.JiebaTokenizer``. The schemas live in
:mod:`search.engine.schema`; this name stays so that every index on disk stays readable.
"""

from __future__ import annotations

from search.engine.schema import JiebaTokenizer

__all__ = ["JiebaTokenizer"]
