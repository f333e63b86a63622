"""Who may do what: clients and their tokens, JWTs of an identity provider, scopes."""

from hub.auth.authenticate import Authenticator
from hub.auth.errors import Forbidden, Unauthenticated
from hub.auth.principal import Principal, Scope

__all__ = ["Authenticator", "Forbidden", "Principal", "Scope", "Unauthenticated"]
