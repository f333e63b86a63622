"""The GraphQL schema: types, the root query and the extensions every request passes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry.types.graphql import OperationType

from graph_schema import MODEL
from hub import __version__
from hub.api.access import describe_scopes, needs, root_scopes
from hub.api.changes import ChangeLogQuery, ChangeSubscription
from hub.api.console_queries import ConsoleQuery
from hub.api.context import Info
from hub.api.descriptions import describe
from hub.api.documents import Documents, KnownDocuments
from hub.api.errors import ErrorCodes
from hub.api.invoices import InvoiceMutation, InvoiceQuery
from hub.api.mutations import DeletionMutation, ErasureMutation, MasterDataMutation
from hub.api.operation import OperationName
from hub.api.queries import MasterDataQuery
from hub.api.rejected_rows import RejectedRowMutation, RejectedRowQuery
from hub.api.stewardship import MergeMutation, StewardshipMutation, StewardshipQuery
from hub.auth.principal import Scope
from hub.engine import PlanCache, executor_for
from hub.read import lookups

GOLDEN_LABELS = MODEL.golden_labels


@strawberry.type(description="The graph database the hub stores its records in.")
class DatabaseInfo:
    product: str = strawberry.field(description="'neo4j' or 'arcadedb' (the embedded store).")
    version: str = strawberry.field(description="Version the server reports.")
    name: str | None = strawberry.field(description="Database name; null for the server default.")


@strawberry.type(description="How many golden records of one kind the hub holds.")
class RecordCount:
    label: str = strawberry.field(description="Node label, e.g. BusinessPartner.")
    count: int = strawberry.field(description="Number of records with that label.")


@strawberry.type(description="Facts about this hub and the database behind it.")
class ServerInfo:
    hub_version: str = strawberry.field(description="Version of the hub software.")
    database: DatabaseInfo = strawberry.field(description="The database in use.")

    @strawberry.field(description="Golden records per kind, read from the database.")
    async def record_counts(self, info: Info) -> list[RecordCount]:
        counts = await lookups.record_counts(info.context.store, GOLDEN_LABELS)
        return [RecordCount(label=label, count=count) for label, count in counts.items()]


@strawberry.type(description="Read access to the master data.")
class Query(
    MasterDataQuery, StewardshipQuery, ChangeLogQuery, InvoiceQuery, RejectedRowQuery, ConsoleQuery
):
    @strawberry.field(
        metadata=needs(Scope.READ), description="Version of the hub and the database it runs on."
    )
    def server_info(self, info: Info) -> ServerInfo:
        store = info.context.store
        return ServerInfo(
            hub_version=__version__,
            database=DatabaseInfo(
                product=store.dialect.product.value,
                version=store.dialect.version,
                name=store.database,
            ),
        )


class HubSchema(strawberry.Schema):
    def __init__(
        self, *args: Any, documents: Documents, planned: bool = True, **kwargs: Any
    ) -> None:
        self.documents = documents
        self.plans = PlanCache()
        if planned:
            kwargs["execution_context_class"] = executor_for(self.plans)
        super().__init__(*args, **kwargs)
        describe_scopes(self._schema)
        describe(self._schema)
        self.scopes = root_scopes(self._schema)

    def process_errors(self, errors: object, execution_context: object = None) -> None:
        """Errors are logged once, with their classification, by :class:`ErrorCodes`."""

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> Any:
        """Subscriptions only: the WebSocket endpoint runs operations through here, and
        queries and mutations are sent over HTTP, where the guard measures them."""
        return await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types=(OperationType.SUBSCRIPTION,),
        )


@strawberry.type(description="What the hub tells its clients as it happens.")
class Subscription(ChangeSubscription):
    pass


@strawberry.type(description="Writes from source systems and business processes.")
class Mutation(
    MasterDataMutation,
    StewardshipMutation,
    MergeMutation,
    DeletionMutation,
    ErasureMutation,
    InvoiceMutation,
    RejectedRowMutation,
):
    pass


def build_schema(*, planned: bool = True) -> HubSchema:
    """The hub's schema; ``planned=False`` executes every request graphql-core's general way."""
    # Clients send the same few documents again and again: parse, validate and plan each once.
    documents = Documents()
    return HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        documents=documents,
        planned=planned,
        extensions=[ErrorCodes, OperationName, lambda: KnownDocuments(documents)],
    )
