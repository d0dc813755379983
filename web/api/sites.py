"""Sites nobody has identified: what consumers reported of a domain, and the regulators'
queue of such domains by report count."""

from __future__ import annotations

from registry.complaints.sites import SiteReports, SiteSummary
from registry.core.types import utcnow

from ..auth import authenticate
from ..db import get_session
from ..envelope import paged
from ..request import page_args, paging
from . import bp
from .contract import answer, operation
from .responses import SiteReportCount

#: what every answer about an unidentified site says first
WARNING = (
    "No registered seller is bound to this site: nobody has verified who runs it. "
    "The reports below are consumers' own and have not been moderated. Do not pay a seller "
    "you cannot identify."
)


def site_json(summary: SiteSummary) -> dict:
    """A domain's unattached reports as the API shows them (counts, kinds, dates only)."""
    return {
        "domain": summary.domain,
        "registered": False,
        "reports": summary.reports,
        "categories": summary.categories,
        "first_seen": summary.first_seen,
        "last_seen": summary.last_seen,
    }


@bp.get("/sites/unidentified")
@operation(
    "Regulators: reported domains no registered seller is bound to, most reported first",
    query=paging(50, 200),
    roles=("regulator",),
    answers=[answer(200, SiteReportCount, many=True, paged=True)],
)
def unidentified_sites():
    """Regulators: domains with consumer reports and no registered seller, most reported first."""
    authenticate("regulator")
    reports = SiteReports(get_session(), utcnow())
    page = page_args(default=50, most=200)
    rows = reports.queue(page.size, page.offset)
    return paged([site_json(s) for s in rows], page, reports.queue_total())
