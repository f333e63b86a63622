"""Constraints and indexes derived from :mod:`graph_schema`, applied idempotently.

Each node type gets a uniqueness constraint on its hub ``id`` and on its natural key, and a
range index on every property declared ``indexed`` and every declared composite index.
Statements use ``IF NOT EXISTS``, so applying them twice, or from two hubs at once, is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph_schema import MODEL, Model, NodeType
from hub.store.store import Store

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True)
class SchemaStatement:
    """One constraint or index, by name, with the Cypher that creates it."""

    name: str
    kind: str  # "constraint" or "index"
    cypher: str


@dataclass
class MigrationReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def _object_name(node: NodeType, properties: tuple[str, ...], suffix: str) -> str:
    return "_".join([_snake(node.label), *(_snake(p) for p in properties), suffix])


def _property_list(properties: tuple[str, ...]) -> str:
    names = ", ".join(f"n.{p}" for p in properties)
    return names if len(properties) == 1 else f"({names})"


def plan(model: Model = MODEL) -> list[SchemaStatement]:
    """Every constraint and index the model asks for, in a stable order."""
    statements: list[SchemaStatement] = []
    for node in model.nodes:
        keys: list[tuple[str, ...]] = [("id",)] if "id" in node.property_names else []
        if node.natural_key:
            keys.append(node.natural_key)
        for key in keys:
            name = _object_name(node, key, "unique")
            statements.append(
                SchemaStatement(
                    name,
                    "constraint",
                    f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{node.label}) "
                    f"REQUIRE {_property_list(key)} IS UNIQUE",
                )
            )
        indexed = [(p.name,) for p in node.properties if p.indexed] + list(node.indexes)
        for props in indexed:
            name = _object_name(node, props, "index")
            statements.append(
                SchemaStatement(
                    name,
                    "index",
                    f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{node.label}) "
                    f"ON ({', '.join(f'n.{p}' for p in props)})",
                )
            )
    return statements


async def existing_names(store: Store) -> set[str]:
    """Names of the constraints and indexes the database has now."""
    constraints = await store.query("SHOW CONSTRAINTS YIELD name RETURN name")
    indexes = await store.query("SHOW INDEXES YIELD name RETURN name")
    return {row["name"] for row in constraints + indexes}


async def apply(store: Store, model: Model = MODEL) -> MigrationReport:
    """Create what is missing; leave what exists. Returns what was created and what was there."""
    report = MigrationReport()
    present = await existing_names(store)
    for statement in plan(model):
        if statement.name in present:
            report.existing.append(statement.name)
            continue
        await store.query(statement.cypher)
        report.created.append(statement.name)
    if report.created and store.dialect.await_indexes:
        await store.query(store.dialect.await_indexes)
    return report
