"""The documents clients send again and again: parsed once, validated once.

The same query text gives the same document object, so everything kept by the document's
identity (its validation errors here, operation plans in :mod:`hub.engine`) is found
again on the next request. strawberry's own validation cache keys on the document's value,
which hashes the whole syntax tree on every request.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache, partial

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from hub.api.literals import placed
from hub.identity import ByIdentity

DOCUMENTS_KEPT = 512
# The largest document parsed: validation takes time that grows faster than a document's size.
MAX_TOKENS = 20_000

Rules = tuple[type[ASTValidationRule], ...]


class Documents:
    """Recently seen documents: parsed by text, their validation errors by identity."""

    def __init__(self, maxsize: int = DOCUMENTS_KEPT) -> None:
        self.maxsize = maxsize
        self._parsed = lru_cache(maxsize)(partial(parse, max_tokens=MAX_TOKENS))
        self._errors = ByIdentity[list[GraphQLError]](maxsize)

    def document(self, text: str) -> DocumentNode:
        """The document of ``text``; a :class:`GraphQLError` says why it is none."""
        try:
            return self._parsed(text)
        except RecursionError as exc:
            raise GraphQLError("Syntax Error: the document nests too deeply.") from exc

    def errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: Rules
    ) -> list[GraphQLError]:
        return self._errors.kept(
            lambda: validate_document(schema, document, rules), rules, document
        )


class KnownDocuments(SchemaExtension):
    """Parses and validates each document once; later requests reuse both."""

    def __init__(self, documents: Documents) -> None:
        super().__init__()
        self._documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = self._documents.document(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            context.pre_execution_errors = self._documents.errors(
                context.schema._schema, document, placed(context.validation_rules)
            )
        yield
