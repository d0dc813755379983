"""Persisted scores: the current one per seller and one history point per change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime


class SellerScore(SQLModel, table=True):
    __tablename__ = "seller_score"
    seller_id: int = Field(foreign_key="seller.id", primary_key=True)
    value: float
    grade: str = Field(max_length=4)
    display_grade: str = Field(max_length=4)
    verified: bool = False
    limited_history: bool = False
    caps: list = Field(default_factory=list, sa_type=JSON)
    parts: dict = Field(default_factory=dict, sa_type=JSON)
    version: int
    computed_at: datetime = Field(sa_type=UTCDateTime)
    # Incremental state (scoring.SellerState) as of ``last_event_id``: a new event is applied
    # to it in O(1) instead of rereading the seller's history.
    state: dict | None = Field(default=None, sa_type=JSON)
    last_event_id: int = 0


class ScoreHistory(SQLModel, table=True):
    __tablename__ = "score_history"
    __table_args__ = (Index("ix_score_history_seller_time", "seller_id", "computed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id")
    value: float
    grade: str = Field(max_length=4)
    display_grade: str = Field(max_length=4)
    version: int
    computed_at: datetime = Field(sa_type=UTCDateTime)
