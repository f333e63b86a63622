"""Who a write is made for, as the audit trail and change events record it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The authenticated caller (a client, a JWT's subject, ``hub load``), the system it
    writes for, and the person it says it acts for."""

    name: str
    system: str | None = None
    on_behalf_of: str | None = None

    def event(self) -> dict[str, Any]:
        """The change-event properties that name the actor."""
        return {"by": self.name, "bySystem": self.system, "onBehalfOf": self.on_behalf_of}
