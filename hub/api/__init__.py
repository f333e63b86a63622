"""The GraphQL API of the hub."""

from hub.api.schema import build_schema

__all__ = ["build_schema"]
