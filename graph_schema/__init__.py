"""The hub's graph model: labels, properties, keys and relationships, declared once."""

from graph_schema.entities import MODEL
from graph_schema.model import (
    Cardinality,
    Form,
    Model,
    NodeType,
    Property,
    PropertyType,
    Relationship,
    Side,
)

__all__ = [
    "MODEL",
    "Cardinality",
    "Form",
    "Model",
    "NodeType",
    "Property",
    "PropertyType",
    "Relationship",
    "Side",
]
