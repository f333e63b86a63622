"""Automatic persisted queries, as Apollo's clients speak them: a client sends a document's
SHA-256 instead of its text (``extensions.persistedQuery``); the first time, the hub answers
``PersistedQueryNotFound`` and the client sends the text with the hash once, which the hub
checks and keeps. Each hub process keeps the most recently used documents; a document it
has forgotten is simply asked for again."""

from __future__ import annotations

import hashlib
import string
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from hub.api.requests import GraphQLRequest, HttpProblem, bad_request

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
KEPT = 4096  # documents a process keeps


class PersistedQueries:
    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._documents: OrderedDict[str, str] = OrderedDict()

    def resolve(self, request: GraphQLRequest) -> GraphQLRequest:
        """``request`` with its document: its own (kept under its hash when it names one), or
        the one kept under the hash it sends instead."""
        wanted = _hash_of(request.persisted)
        if wanted is None:
            return request
        if request.query:
            if hashlib.sha256(request.query.encode()).hexdigest() != wanted:
                raise bad_request("provided sha does not match query: sha256Hash is the "
                                  "SHA-256 of the query's text, in hexadecimal")  # fmt: skip
            self._keep(wanted, request.query)
            return request
        found = self._documents.get(wanted)
        if found is None:
            # Apollo's clients look for this message, and then send the text.
            raise HttpProblem(200, NOT_FOUND, "PersistedQueryNotFound")
        self._documents.move_to_end(wanted)
        return replace(request, query=found)

    def _keep(self, digest: str, query: str) -> None:
        self._documents[digest] = query
        self._documents.move_to_end(digest)
        while len(self._documents) > self.size:
            self._documents.popitem(last=False)

    def __len__(self) -> int:
        return len(self._documents)


def _hash_of(persisted: Any) -> str | None:
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise bad_request("extensions.persistedQuery needs version 1 and a sha256Hash")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX:
        raise bad_request("extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits")
    return digest.lower()


_HEX = frozenset(string.hexdigits)
