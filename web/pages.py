"""Pages for consumers: home, seller profile and the health check."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import text

from registry.sellers import SellerService

from .db import get_session

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/sellers/<public_id>")
def seller(public_id: str):
    service = SellerService(get_session())
    record = service.public(service.get(public_id))
    return render_template("seller.html", seller=record)


@bp.get("/healthz")
def healthz():
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
