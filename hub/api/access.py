"""Which scope each root field needs: declared beside the field, checked before a request runs.

A root field declares its scope with ``metadata=needs(Scope.READ)``; the schema states it in
the field's description (:func:`describe_scopes`), and :func:`root_scopes` gives the guard
the table it checks every operation's root fields against. A root field that declares none
needs ``admin``: forgetting the declaration never opens a field.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLSchema
from strawberry.permission import BasePermission

from hub.auth.errors import Forbidden
from hub.auth.principal import Scope

_KEY = "hub_scope"


def needs(scope: Scope) -> dict[str, Scope]:
    """The metadata of a root field that needs ``scope``."""
    return {_KEY: scope}


class ReadsTheRecord(BasePermission):
    """The record in a write's answer: reading it, and what it links to, needs ``read``,
    as any query does. A write-only client learns what it wrote from ``created``,
    ``changed`` and ``userErrors``; the write stands either way."""

    message = "the record in a write's answer needs the read scope (the write stands)"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return bool(info.context.principal.allows(Scope.READ))

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message)


def _declared(schema: GraphQLSchema) -> dict[tuple[str, str], Scope | None]:
    declared: dict[tuple[str, str], Scope | None] = {}
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if root is None:
            continue
        for name, field in root.fields.items():
            definition = field.extensions.get("strawberry-definition")
            metadata = getattr(definition, "metadata", None) or {}
            scope = metadata.get(_KEY)
            declared[root.name, name] = scope if isinstance(scope, Scope) else None
    return declared


def root_scopes(schema: GraphQLSchema) -> dict[tuple[str, str], Scope]:
    """The scope every root field needs, by root type and field name."""
    return {key: scope or Scope.ADMIN for key, scope in _declared(schema).items()}


def undeclared(schema: GraphQLSchema) -> list[str]:
    """Root fields that declare no scope (a test keeps this empty)."""
    return [f"{root}.{name}" for (root, name), scope in _declared(schema).items() if not scope]


def describe_scopes(schema: GraphQLSchema) -> None:
    """End each root field's description with the scope it needs."""
    roots = {
        root.name: root
        for root in (schema.query_type, schema.mutation_type, schema.subscription_type)
        if root
    }
    for (root, name), scope in root_scopes(schema).items():
        field = roots[root].fields[name]
        field.description = f"{field.description or ''} Needs the `{scope.value}` scope.".strip()
