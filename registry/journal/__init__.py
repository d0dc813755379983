"""What changed and who changed it: the audit log and the change log, together.

Services write through ``journal.record``: the audit entries of a change and the change-log
marks of the sellers it touched, in the caller's transaction.
"""

from __future__ import annotations

from .audit import Change
from .history import history
from .kinds import ChangeKind
from .writes import record

__all__ = ["Change", "ChangeKind", "history", "record"]
