"""Validation of the documents clients send again and again, once per document.

strawberry's ``ValidationCache`` keys its cache on the document's value, so every request
hashes the whole syntax tree; this one keys on the document's identity.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from hub.api.identity import ByIdentity

DOCUMENTS_KEPT = 512

_Rules = tuple[type[ASTValidationRule], ...]


class Validations:
    """Validation errors (often none) of recently seen documents, by document identity."""

    def __init__(self, maxsize: int = DOCUMENTS_KEPT) -> None:
        self._kept = ByIdentity[list[GraphQLError]](maxsize)

    def errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: _Rules
    ) -> list[GraphQLError]:
        return self._kept.kept(lambda: validate_document(schema, document, rules), rules, document)


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
