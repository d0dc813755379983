"""What kind of change a change-log entry records; jobs choose the kinds they act on."""

from __future__ import annotations

from enum import StrEnum


class ChangeKind(StrEnum):
    """A change to a seller's public record. The value is what ``change_log.kind`` stores, so
    a member compares equal to (and hashes like) the text the table holds."""

    #: a registration created or changed the seller, its identities, stores or domains
    REGISTRATION = "registration"
    #: new events (the score can be extended from the stored state)
    EVENT = "event"
    #: a recorded event changed (resolution, lifted sanction): the score is recomputed whole
    EVENT_UPDATE = "event_update"
    #: what a complaint shows changed without a new resolution (a late reply, a closing)
    COMPLAINT = "complaint"
    #: a domain was bound, or lost its proof
    DOMAIN = "domain"
    #: the stored score changed
    SCORE = "score"
    #: public copies of texts were derived again from their originals (rescrub)
    PUBLIC_TEXT = "public_text"
    #: a dispute of a record was filed or decided (what the profile shows beside the record)
    DISPUTE = "dispute"
