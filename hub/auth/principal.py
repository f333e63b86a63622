"""The caller of a request: a registered client, a JWT's subject or the local developer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Scope(Enum):
    """What a caller may do; each scope is granted on its own (none implies another)."""

    READ = "read"
    READ_PERSONAL = "read:personal"
    WRITE = "write"
    STEWARD = "steward"
    ADMIN = "admin"

    @classmethod
    def parse(cls, names: object) -> frozenset[Scope]:
        """The known scopes among ``names`` (a space-separated text or a list of texts);
        others, such as an identity provider's ``openid`` or ``profile``, are ignored."""
        if isinstance(names, str):
            names = names.split()
        if not isinstance(names, list | tuple | set | frozenset):
            return frozenset()
        known = {scope.value: scope for scope in cls}
        return frozenset(known[name] for name in names if isinstance(name, str) and name in known)


EVERY_SCOPE = frozenset(Scope)


@dataclass(frozen=True)
class Principal:
    """Who is asking: the name the audit records, the source system it writes for (None:
    any, for the local developer) and its scopes."""

    name: str
    system: str | None
    scopes: frozenset[Scope]
    kind: str  # "client", "jwt" or "local"

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes

    @property
    def lane(self) -> str:
        """What its database sessions and its cost budget are counted under."""
        return f"{self.kind}:{self.name}"

    def writes_for(self, system: str) -> bool:
        """Whether it may write records under ``system``'s keys: the local developer any
        system's, anyone else only its own."""
        if self.system is None:
            return self.kind == "local"
        return self.system == system.strip().upper()


LOCAL_DEVELOPER = Principal("local-developer", None, EVERY_SCOPE, "local")
