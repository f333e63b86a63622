"""The shapes every list and record of the API shares: the Node interface and page info."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="A record with a global, opaque ID usable with node(id:).")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque identifier.")


@strawberry.type(description="Where a page lies in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")
