"""GraphQL-over-HTTP requests read strictly: whatever arrives becomes a request or a clear
:class:`HttpProblem`, never an exception that reaches the client as a plain-text 500.

- POST ``application/json``: an object with ``query`` (text), optional ``variables`` (an
  object), ``operationName`` (text) and ``extensions`` (an object). The body must be UTF-8
  JSON, at most ``HUB_MAX_BODY_KB``, and its values nest at most ``MAX_VALUE_DEPTH`` deep.
- POST ``multipart/form-data``: the GraphQL multipart request (``operations``, ``map`` and
  the files), at most ``HUB_MAX_UPLOAD_MB`` of files besides.
- GET: ``query``, ``variables``, ``operationName`` and ``extensions`` in the URL, for
  queries only.

``extensions.persistedQuery`` may stand in for ``query`` (:mod:`hub.api.persisted`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request

from hub.errors import HubError

MAX_VALUE_DEPTH = 32
MAX_FILES = 100
_FIELDS = frozenset({"query", "variables", "operationName", "extensions"})


class HttpProblem(HubError):
    """A request the hub answers with an HTTP error status and one GraphQL error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extensions = extensions or {}


def bad_request(message: str) -> HttpProblem:
    return HttpProblem(400, "BAD_REQUEST", message)


@dataclass
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    form: FormData | None = field(default=None, repr=False)  # to close once answered
    persisted: Any = None  # extensions.persistedQuery, as sent (see hub.api.persisted)


@dataclass(frozen=True)
class BodyLimits:
    body_bytes: int
    upload_bytes: int
    # How long a body may take to arrive: a client that stops sending holds a connection.
    read_seconds: float = 30.0


# Of a body above the limit, this much is read (and dropped) before the 413: a client that
# writes its whole body before reading sees the answer instead of a closed connection.
DRAINED_BYTES = 16 * 1024 * 1024


async def read_request(
    request: Request, headers: Mapping[str, str], limits: BodyLimits
) -> GraphQLRequest:
    """The GraphQL request in ``request`` (whose ``headers`` are given), or
    :class:`HttpProblem`."""
    if request.method == "GET":
        params = request.query_params
        variables, extensions = params.get("variables"), params.get("extensions")
        return _checked(
            {
                "query": params.get("query"),
                "variables": _json(variables.encode(), "variables") if variables else None,
                "operationName": params.get("operationName"),
                "extensions": _json(extensions.encode(), "extensions") if extensions else None,
            }
        )
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type in ("application/json", "multipart/form-data"):
        try:
            async with asyncio.timeout(limits.read_seconds):
                if media_type == "multipart/form-data":
                    return await _multipart(request, headers, limits)
                body = await _body(request, headers, limits.body_bytes)
        except TimeoutError:
            raise HttpProblem(
                408,
                "TIMEOUT",
                f"the request body did not arrive within {limits.read_seconds:g} s",
                headers={"Connection": "close"},
            ) from None
        return _checked(_json(body, "the body"))
    raise HttpProblem(
        415,
        "BAD_REQUEST",
        f"a GraphQL request is sent as application/json or multipart/form-data, not "
        f"{media_type or 'without a Content-Type'}",
    )


def _refuse_declared(headers: Mapping[str, str], limit: int) -> None:
    """413 at once when the body says it is larger than ``limit`` bytes."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)


async def _limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """The chunks, cut off with 413 as soon as they add up to more than ``limit`` bytes."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        yield chunk


def _too_large(limit: int) -> HttpProblem:
    return HttpProblem(
        413,
        "TOO_LARGE",
        f"the request body is larger than this hub accepts ({limit // 1024} KiB)",
        headers={"Connection": "close"},
    )


async def _body(request: Request, headers: Mapping[str, str], limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes; it mostly arrives in one message."""
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        if int(declared) <= DRAINED_BYTES:
            await _drain(request, DRAINED_BYTES)
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] != "http.request":
            raise bad_request("the client went away before the body arrived")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            if message.get("more_body", False):
                await _drain(request, DRAINED_BYTES - size)
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunk if len(chunks) == 1 else b"".join(chunks)


async def _drain(request: Request, at_most: int) -> None:
    """Read and drop the rest of the body, up to ``at_most`` bytes."""
    size = 0
    while size <= at_most:
        message = await request.receive()
        if message["type"] != "http.request":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _json(data: bytes, what: str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"{what} is not JSON in UTF-8: {exc}") from exc


def too_deep(value: Any) -> bool:
    """Whether lists and objects nest deeper in ``value`` than a request may."""
    return isinstance(value, dict | list) and _depth(value) > MAX_VALUE_DEPTH


def _depth(value: Any) -> int:
    """How deep lists and objects nest in ``value``, without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            if depth <= MAX_VALUE_DEPTH:
                pending.extend((child, depth + 1) for child in item)
    return deepest


def _checked(body: Any) -> GraphQLRequest:
    if isinstance(body, list):
        raise bad_request("batched requests are not supported: send one operation a request")
    if not isinstance(body, dict):
        raise bad_request(
            "the body must be a JSON object with query, and optionally variables and operationName"
        )
    query, variables, name = body.get("query"), body.get("variables"), body.get("operationName")
    extensions = body.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise bad_request("extensions must be a JSON object")
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is not None and query is None:
        query = ""  # the document is the one kept under the hash it sends
    elif query is not None and not isinstance(query, str):
        raise bad_request("query must be text: the GraphQL document")
    elif not isinstance(query, str) or not query.strip():
        raise bad_request("query is missing: give the GraphQL document as text")
    if variables is not None and not isinstance(variables, dict):
        raise bad_request("variables must be a JSON object")
    nested = variables and any(isinstance(v, dict | list) for v in variables.values())
    if nested and _depth(variables) > MAX_VALUE_DEPTH:
        raise bad_request(f"variables nest values deeper than {MAX_VALUE_DEPTH} levels")
    for key, value in body.items():
        # Members the hub does not read are held to the same depth as the ones it does.
        if (
            key != "variables"
            and isinstance(value, dict | list)
            and _depth(value) > MAX_VALUE_DEPTH
        ):
            raise bad_request(f"{key[:40]} nests values deeper than {MAX_VALUE_DEPTH} levels")
    if name is not None and not isinstance(name, str):
        raise bad_request("operationName must be text")
    if not isinstance(query, str):
        raise bad_request("query must be text")
    return GraphQLRequest(query, variables, name or None, persisted=persisted)


class _LimitedRequest(Request):
    """A request whose body stream is cut off past a limit, for the multipart parser."""

    limit: int

    async def stream(self) -> AsyncGenerator[bytes, None]:
        async for chunk in _limited(super().stream(), self.limit):
            yield chunk


async def _multipart(
    request: Request, headers: Mapping[str, str], limits: BodyLimits
) -> GraphQLRequest:
    limit = limits.upload_bytes + limits.body_bytes
    _refuse_declared(headers, limit)
    limited = _LimitedRequest(request.scope, request.receive)
    limited.limit = limit
    try:
        form = await limited.form(
            max_files=MAX_FILES, max_fields=MAX_FILES + 2, max_part_size=limits.body_bytes
        )
    except MultiPartException as exc:
        raise bad_request(f"the multipart body cannot be read: {exc.message}") from exc
    except ClientDisconnect as exc:
        raise bad_request("the client went away before the body arrived") from exc
    try:
        operations = _json(_text_field(form, "operations"), "operations")
        files_map = _json(_text_field(form, "map"), "map")
        request_ = _checked(operations)
        _place_files(request_, files_map, form)
    except BaseException:
        await form.close()
        raise
    request_.form = form
    return request_


def _text_field(form: FormData, name: str) -> bytes:
    value = form.get(name)
    if not isinstance(value, str):
        raise bad_request(f"the multipart request needs the field {name!r} (GraphQL multipart)")
    return value.encode()


def _place_files(request: GraphQLRequest, files_map: Any, form: FormData) -> None:
    """Put each file where ``map`` says: ``{"0": ["variables.file"]}``."""
    if not isinstance(files_map, dict):
        raise bad_request("map must be a JSON object of field names to lists of paths")
    variables = request.variables = dict(request.variables or {})
    declared = _declared_variables(request)
    placed: dict[str, str] = {}
    for name, paths in files_map.items():
        upload = form.get(name)
        if not isinstance(upload, UploadFile):
            raise bad_request(f"map names the file field {name!r}, which the request lacks")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise bad_request(f"map: the paths of {name!r} must be a list of texts")
        for path in paths:
            if path in placed:
                # One of the two files would be dropped unseen.
                raise bad_request(f"map puts the files {placed[path]!r} and {name!r} at {path!r}")
            placed[path] = name
            _place(variables, path, upload, declared)
    unmapped = [
        key
        for key, value in form.multi_items()
        if isinstance(value, UploadFile) and key not in files_map
    ]
    if unmapped:
        raise bad_request(f"map names no place for the file field {unmapped[0]!r}")


def _declared_variables(request: GraphQLRequest) -> frozenset[str] | None:
    """The variables the request's operation declares; None when that is not known here (a
    persisted query sent by its hash, a document GraphQL will refuse anyway)."""
    if not request.query:
        return None
    try:
        document = parse(request.query, no_location=True)
    except GraphQLError:
        return None
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (request.operation_name is None or (d.name and d.name.value == request.operation_name))
    ]
    return frozenset(
        v.variable.name.value for op in operations for v in op.variable_definitions or ()
    )


def _place(
    variables: dict[str, Any], path: str, upload: UploadFile, declared: frozenset[str] | None
) -> None:
    head, *steps = path.split(".")
    if head != "variables" or not steps:
        raise bad_request(f"map: {path!r} must lead into variables, e.g. 'variables.file'")
    if declared is not None and steps[0] not in declared:
        # GraphQL would ignore the variable, and the file with it.
        raise bad_request(f"map: {path!r} names a variable the operation does not declare")
    target: Any = variables
    for step in steps[:-1]:
        target = _step(target, step, path)
    last = steps[-1]
    # The spec has the operations hold null where each file goes; a declared variable left
    # out is taken as that null.
    if isinstance(target, dict) and (last in target or (target is variables and declared)):
        target[last] = upload
    elif isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target[int(last)] = upload
    else:
        raise bad_request(
            f"map: {path!r} leads nowhere in the variables (they hold null where a file goes)"
        )


def _step(target: Any, step: str, path: str) -> Any:
    if isinstance(target, dict) and step in target:
        return target[step]
    if isinstance(target, list) and step.isdigit() and int(step) < len(target):
        return target[int(step)]
    raise bad_request(f"map: {path!r} leads nowhere in the variables")
