"""Validation of the documents clients send again and again, once per document.

strawberry's ``ValidationCache`` keys its cache on the document's value, so every request
hashes the whole syntax tree. The parser cache already hands out the same document object for
the same query text, so the object's identity is the cheaper key.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

DOCUMENTS_KEPT = 512

_Rules = tuple[type[ASTValidationRule], ...]
_Key = tuple[int, _Rules]


class Validations:
    """Validation errors (often none) of recently seen documents, by document identity."""

    def __init__(self, maxsize: int = DOCUMENTS_KEPT) -> None:
        self._maxsize = maxsize
        self._kept: OrderedDict[_Key, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()

    def errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: _Rules
    ) -> list[GraphQLError]:
        key = (id(document), rules)
        kept = self._kept.get(key)
        if kept is not None and kept[0] is document:
            self._kept.move_to_end(key)
            return kept[1]
        errors = validate_document(schema, document, rules)
        # The kept document keeps its identity from being reused while the entry lives.
        self._kept[key] = (document, errors)
        if len(self._kept) > self._maxsize:
            self._kept.popitem(last=False)
        return errors


class ValidatedOnce(SchemaExtension):
    """Validates each document once; later requests with the same document reuse the result."""

    def __init__(self, validations: Validations) -> None:
        super().__init__()
        self._validations = validations

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            context.pre_execution_errors = self._validations.errors(
                context.schema._schema, document, tuple(context.validation_rules)
            )
        yield
