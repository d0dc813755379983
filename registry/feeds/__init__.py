"""Pulled feeds: lists regulators and platforms publish at a URL, fetched on a schedule and
applied as pushed batches (``kinds.py``: what each kind is and the service that applies it).
"""

from __future__ import annotations

from .kinds import FORMATS, KINDS, FeedKind
from .models import Feed, FeedRun
from .pull import Due, feed_retries, pull
from .service import OUTCOMES, FeedService

__all__ = [
    "FORMATS",
    "KINDS",
    "OUTCOMES",
    "Due",
    "Feed",
    "FeedKind",
    "FeedRun",
    "FeedService",
    "feed_retries",
    "pull",
]
