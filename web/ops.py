"""Operator endpoints: the health check load balancers and `make run` ask."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from .db import get_session

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
