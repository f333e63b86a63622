"""The ``hub`` command: serve the API and manage the database schema.

The CLI stays thin: it reads settings, calls the app factory or the store, and turns a
:class:`~hub.errors.StartupError` into one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub import __version__, logs
from hub.actor import Actor
from hub.auth import clients
from hub.domain import file_sweep, rekeying, webhooks
from hub.domain.batch_matching import BatchMatcher, BatchSummary
from hub.domain.batch_matching import render as render_match
from hub.domain.change_log import sequence
from hub.domain.validation import system_name
from hub.errors import DatabaseUnavailable, HubError, RetryLater, StartupError
from hub.mastering import training
from hub.read import changes
from hub.read.cursors import CursorError, hub_cursors
from hub.serving import bind_socket, run_async, serve_alone, settle_heap
from hub.settings import Settings
from hub.store import Store, migrations
from hub.store.temporal import utc_now
from hub.stores import file_store, open_store
from hub.workers import serve_with_workers
from loaders.changes import ChangeSummary, run_changes
from loaders.changes import render as render_changes
from loaders.demo import load_demo
from loaders.export import FORMATS, ExportError, export
from loaders.formats import FormatError, check_encoding
from loaders.generate import generate
from loaders.invoice_lines import InvoiceSummary, check_files, holds_invoice_lines
from loaders.load import (
    ORDER,
    Loader,
    LoadError,
    Origin,
    Rejects,
    Stopped,
    Summary,
    default_rejects_path,
    kind_of,
)
from loaders.progress import LiveLine, MatchLine, render

log = logging.getLogger("hub")

EXIT_STARTUP = 2
EXIT_REJECTED = 1
# sysexits' EX_TEMPFAIL: the database could not take the load now; running it again works.
EXIT_TRY_AGAIN = 75


class _Parser(argparse.ArgumentParser):
    """Options only as spelt in full (``--partner`` is not ``--partners``), and an argument
    no command knows reported with the usage of the command it was given to."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, unknown = super().parse_known_args(args, namespace)
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}")
        return parsed, unknown


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hub",
        description="GraphQL master-data hub for business partners, vehicles, contracts, "
        "identification objects and documents. Configuration comes from HUB_* environment "
        "variables (and .env); see docs/configuration.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the GraphQL API",
        description="Run the API: GraphQL (and GraphiQL in a browser) at /graphql, probes at "
        "/healthz and /readyz, Prometheus metrics at /metrics. Without HUB_NEO4J_URI the "
        "embedded database starts with data under HUB_DATA_DIR.",
    )
    serve.add_argument("--host", help="address to listen on (default: HUB_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: HUB_PORT or 8000)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="on an empty store, first generate and load a sample world of about 1,000 partners",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="processes answering requests (default: HUB_WORKERS or 1)",
    )

    schema = commands.add_parser(
        "schema",
        help="apply or print the schema",
        description="Manage the database constraints and indexes, or print the GraphQL SDL.",
    )
    schema_commands = schema.add_subparsers(dest="schema_command", required=True, metavar="ACTION")
    schema_commands.add_parser(
        "apply",
        help="create missing constraints and indexes",
        description="Create the uniqueness constraints and indexes the model declares. Safe to "
        "repeat; works while `hub serve` runs on the same data dir.",
    )
    printer = schema_commands.add_parser(
        "print",
        help="write the GraphQL schema (SDL)",
        description="Write the GraphQL schema in SDL to stdout or to a file.",
    )
    printer.add_argument("-o", "--output", type=Path, help="file to write instead of stdout")
    load = commands.add_parser(
        "load",
        help="load extract files of a source system",
        description="Load CSV, NDJSON or SAP IDoc XML extracts (files or folders) of one "
        "source system through the same write path as the API, in batches. The kind of record "
        "comes from the file name (partners, materials, vehicles, contracts, "
        "identification_objects, documents, projects). Safe to repeat; an interrupted load "
        "finishes when run again. Bad rows go "
        "to the rejects file and make the exit code 1. Works while `hub serve` runs on the "
        "same data dir. File formats: docs/loading.md.",
    )
    load.add_argument("system", help="source system the files come from, e.g. CRM or ERP")
    load.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or folders; OTHER=PATH loads PATH as system OTHER in the same load",
    )
    load.add_argument(
        "--rejects", type=Path, help="rejects file (default: HUB_DATA_DIR/rejects/load-*.ndjson)"
    )
    load.add_argument("--kind", choices=ORDER, help="kind of all files, instead of their names")
    load.add_argument(
        "--encoding",
        default="utf-8",
        help="encoding of CSV and NDJSON files, e.g. latin-1 or cp1252 (default: utf-8; "
        "IDoc XML names its own)",
    )
    load.add_argument("--batch-size", type=int, default=1000, help="rows a transaction")
    load.add_argument(
        "--ignore-unknown",
        action="store_true",
        help="leave out CSV columns and NDJSON fields the kind does not know (and count them) "
        "instead of rejecting the file's rows for them",
    )

    clients = commands.add_parser(
        "clients",
        help="register, list and revoke API clients",
        description="Manage the clients that call the API with a bearer token. Works while "
        "`hub serve` runs on the same data dir; a change applies to its next request. Scopes: "
        "read, read:personal, write, steward, admin (docs/security.md).",
    )
    client_commands = clients.add_subparsers(
        dest="clients_command", required=True, metavar="ACTION"
    )
    add = client_commands.add_parser(
        "add",
        help="register a client and print its token",
        description="Register a client. Its token is printed once, alone on the last line of "
        "standard output; the hub keeps only its hash.",
    )
    add.add_argument("name", help="the client's name, e.g. crm-sync (the audit records it)")
    add.add_argument("--system", help="the source system it writes for, e.g. CRM")
    add.add_argument(
        "--scope",
        action="append",
        default=[],
        dest="scopes",
        metavar="SCOPE",
        help="a scope it holds; repeat for several",
    )
    client_commands.add_parser(
        "list",
        help="list the clients",
        description="List every client with its system, scopes, creation, last use (to the "
        "minute) and whether it is revoked.",
    )
    revoke = client_commands.add_parser(
        "revoke",
        help="refuse a client's token from now on",
        description="Revoke a client: its token is refused from the next request on, also by a "
        "running hub. The client stays listed, as the audit trail names it.",
    )
    revoke.add_argument("name", help="the client's name")

    _webhooks_parser(commands)
    _export_parser(commands)
    _change_parser(commands)
    _files_parser(commands)

    match = commands.add_parser(
        "match",
        help="find duplicate partners in the whole graph",
        description="Compare every business partner with the partners sharing its blocking "
        "keys (with shared vehicles and cards as evidence), merge sure pairs and queue "
        "uncertain ones for stewards. Commits page by page; an interrupted run goes on where "
        "it stopped. Works whether or not hub serve is running on the same data dir.",
    )
    match.add_argument("--restart", action="store_true", help="start from the first partner")
    match.add_argument("--page", type=int, default=None, help="partners per transaction (200)")
    match.add_argument(
        "--train",
        action="store_true",
        help="learn the comparison weights from the partners (no labels needed) and use them "
        "from then on; matches nothing",
    )
    match.add_argument(
        "--seed", type=int, default=None, help="with --train: which pairs to learn from (1)"
    )
    match.add_argument(
        "--pairs",
        type=int,
        default=None,
        help="with --train: pairs to learn from, of each kind (20000)",
    )
    match.add_argument("--model", action="store_true", help="print the weights in use and stop")

    generate = commands.add_parser(
        "generate",
        help="write a sample world of source-system extracts",
        description="Write CRM, ERP (SAP IDoc), VMS and PDM extracts of one made-up world into "
        "OUT_DIR, plus truth.csv listing which source records are the same real partner, "
        "and suppliers' invoice lines (OUT/invoices) with the verdict each should get. "
        "Deterministic for a seed. Load it with: hub load crm OUT/crm erp=OUT/erp vms=OUT/vms "
        "pdm=OUT/pdm; check the invoices with: hub load suppliers OUT/invoices",
    )
    generate.add_argument("out", type=Path, metavar="OUT_DIR")
    generate.add_argument("--partners", type=int, default=1000, help="customers to invent")
    generate.add_argument("--seed", type=int, default=1, help="same seed, same world")
    generate.add_argument(
        "--duplicate-rate",
        type=float,
        default=0.1,
        help="share of customers ERP also holds, spelt its own way (0 to 1)",
    )
    return parser


def _webhooks_parser(commands: Any) -> None:
    webhooks_parser = commands.add_parser(
        "webhooks",
        help="register, list, resume and remove webhooks",
        description="Manage the webhooks the change log is POSTed to (docs/events.md). Works "
        "while `hub serve` runs on the same data dir; a running hub delivers a new webhook "
        "within HUB_CHANGE_POLL_SECONDS.",
    )
    webhook_commands = webhooks_parser.add_subparsers(
        dest="webhooks_command", required=True, metavar="ACTION"
    )
    hook = webhook_commands.add_parser(
        "add",
        help="register a webhook and print its secret",
        description="Register a webhook. Its events are POSTed from now on (from the log's "
        "start with --from-start), signed with HMAC-SHA256 of the body under the secret, "
        "which is printed alone on the last line.",
    )
    hook.add_argument("name", help="the webhook's name, e.g. erp-sync")
    hook.add_argument("url", help="the http(s) URL events are POSTed to")
    hook.add_argument(
        "--kind",
        action="append",
        default=[],
        dest="kinds",
        metavar="KIND",
        help="a kind of record it wants, e.g. BUSINESS_PARTNER; repeat for several (none: all)",
    )
    hook.add_argument("--secret", help="the signing secret (default: a new random one)")
    hook.add_argument(
        "--personal", action="store_true", help="send personal values (hidden by default)"
    )
    hook.add_argument(
        "--from-start", action="store_true", help="deliver the whole log, not only what follows"
    )
    webhook_commands.add_parser(
        "list",
        help="list the webhooks",
        description="List every webhook with its kinds, lag (events not yet delivered), last "
        "delivery, failures and last error, whether it is paused, and its cursor.",
    )
    for action, text in (
        ("remove", "stop delivering to a webhook and forget it"),
        ("resume", "deliver to a paused webhook again, from its cursor"),
    ):
        webhook_commands.add_parser(action, help=text, description=text).add_argument(
            "name", help="the webhook's name"
        )


def _change_parser(commands: Any) -> None:
    change = commands.add_parser(
        "change",
        help="apply contract change processes from a file, a result per line",
        description="Apply the contract change processes of a file, one per line, each in its "
        "own transaction: NDJSON objects shaped like ContractChangeInput, or CSV with those "
        "fields as columns (nested ones with dots: contract.number, newLessee.source.key). "
        "Bad lines are reported and the others applied; a line without changeId is known by "
        "its content, so running the file again applies nothing twice. Exit code 1 when a "
        "line was rejected.",
    )
    change.add_argument("file", type=Path, help="the .ndjson or .csv file")


def _export_parser(commands: Any) -> None:
    export_parser = commands.add_parser(
        "export",
        help="write the partners that changed, for a source system to import",
        description="Write the business partners that changed since a cursor of the change "
        "log (all of them without one) under SYSTEM's own keys, as NDJSON shaped like the "
        "GraphQL input or as SAP IDoc XML (DEBMAS, CREMAS); deleted partners as deletions. "
        "The last line printed is the cursor the next export continues from.",
    )
    export_parser.add_argument("system", help="the system the files are for, e.g. ERP")
    export_parser.add_argument("out", type=Path, help="the folder to write into")
    export_parser.add_argument("--format", choices=FORMATS, default="ndjson", dest="form")
    export_parser.add_argument("--after", help="a cursor a previous export printed")


def _files_parser(commands: Any) -> None:
    files = commands.add_parser(
        "files",
        help="look after the stored document files",
        description="Look after the document files under HUB_FILES_DIR.",
    )
    actions = files.add_subparsers(dest="files_command", required=True, metavar="ACTION")
    sweep = actions.add_parser(
        "sweep",
        help="remove stored files nothing names",
        description="Remove the stored files that no document, no document source's "
        "delivery and no open rejected row names (a refused revision's upload, a replaced "
        "file no source gives any more), and what unfinished uploads left, when they were "
        "last written longer ago than --older-than. Safe beside a running hub; run it from "
        "one place on a schedule, say daily.",
    )
    sweep.add_argument(
        "--older-than",
        type=float,
        default=24.0,
        metavar="HOURS",
        help="leave files written within this many hours (default 24, at least 1)",
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="count what would be removed, remove nothing"
    )


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"HUB_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            if err["loc"]
            else err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        )
        raise StartupError(f"invalid configuration: {problems}") from exc


def serve(
    settings: Settings, host: str | None, port: int | None, demo: bool, workers: int | None
) -> int:
    started = time.perf_counter()
    if workers is not None:
        if workers < 1:
            raise StartupError("--workers must be at least 1")
        settings = settings.model_copy(update={"workers": workers})
    port = settings.port if port is None else port
    sock = bind_socket(host or settings.host, port, settings.workers)

    async def prepare(store: Store) -> None:
        if demo:
            await load_demo(store, settings.data_dir, file_store(settings))

    try:
        if settings.workers > 1:
            run_async(serve_with_workers(settings, sock, started, prepare))
        else:
            run_async(serve_alone(settings, sock, started, prepare))
    finally:
        sock.close()
    return 0


async def _apply_schema(settings: Settings) -> tuple[migrations.MigrationReport, int]:
    store = await Store.open(settings, attach=True)
    try:
        report = await migrations.apply(store)
        return report, await rekeying.bring_up_to_date(store, settings.collation)
    finally:
        await store.close()


def apply_schema(settings: Settings) -> int:
    report, keyed = run_async(_apply_schema(settings))
    print(f"created {len(report.created)}, already present {len(report.existing)}")
    for name in report.created:
        print(f"  + {name}")
    if keyed:
        print(f"search and sort keys written for {keyed} records ({settings.collation})")
    return 0


class LoadFailed(HubError):
    """The database could not take the load (conflicts that outlasted every retry, or the
    database went away); the rows ``summary`` counts are committed."""

    def __init__(self, summary: Summary, cause: RetryLater | DatabaseUnavailable) -> None:
        super().__init__(cause.message)
        self.code = cause.code
        self.summary = summary


class LoadStopped(Exception):
    """A signal stopped the load; the rows ``summary`` counts are committed, and when it did
    not stop ``at_once``, no others."""

    def __init__(self, summary: Summary, signum: int, *, at_once: bool) -> None:
        super().__init__(signal.Signals(signum).name)
        self.summary = summary
        self.signum = signum
        self.at_once = at_once


class _Stopper:
    """What Ctrl-C and SIGTERM do to a load: the first lets the batch being written commit
    and starts no other, the next stops at once; once the load is over, they wait for the
    store to close."""

    def __init__(self, live: LiveLine) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._live = live
        self.loader: Loader | None = None
        self.received: list[int] = []
        self.closing = False

    def __enter__(self) -> _Stopper:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._on_signal, signum)
        return self

    def __exit__(self, *_: object) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)

    def _on_signal(self, signum: int) -> None:
        self.received.append(signum)
        if self.closing:
            self._live.note("closing the store; a moment")
        elif self.loader is not None and len(self.received) == 1:
            self.loader.stop()
            again = "Ctrl-C again" if signum == signal.SIGINT else "another signal"
            self._live.note(f"stopping after the batch being written; {again} stops at once")
        else:
            self._task.cancel()

    def stopped(self, summary: Summary, *, at_once: bool) -> LoadStopped:
        return LoadStopped(summary, (self.received or [signal.SIGINT])[0], at_once=at_once)


def _split_invoice_files(
    targets: list[Path | tuple[str, Path]],
) -> tuple[list[Path | tuple[str, Path]], list[Path]]:
    """The targets the loader takes, and the invoice-line files among them and in their
    folders (checked, not loaded)."""
    others: list[Path | tuple[str, Path]] = []
    invoices: list[Path] = []
    for target in targets:
        path = target[1] if isinstance(target, tuple) else target
        if path.is_file() and holds_invoice_lines(path):
            invoices.append(path)
            continue
        if path.is_dir():
            invoices.extend(p for p in sorted(path.rglob("*")) if holds_invoice_lines(p))
        others.append(target)
    return others, invoices


async def _check_invoices(store: Store, files: list[Path], rejects: Path) -> InvoiceSummary:
    summary = await check_files(store, files, by="hub load")
    summary.rejects = rejects
    written = Rejects(rejects)
    try:
        for file, line, raw, problems in summary.rejected:
            written.write(Origin(file, line, raw), problems)
    finally:
        written.close()
    return summary


async def _load(settings: Settings, args: argparse.Namespace) -> tuple[Summary, InvoiceSummary]:
    # The constraints and indexes must exist before bulk writes look records up by key.
    store = await open_store(settings, attach=True)
    live = LiveLine()
    with _Stopper(live) as stopper:
        try:
            settle_heap()
            rejects = args.rejects or default_rejects_path(settings.data_dir)
            targets, invoice_files = _split_invoice_files(list(map(_system_path, args.paths)))
            loader = stopper.loader = Loader(
                store,
                args.system,
                rejects,
                batch_size=args.batch_size,
                progress=live,
                files=file_store(settings),
                encoding=args.encoding,
                ignore_unknown=args.ignore_unknown,
            )
            try:
                loaded = await loader.load(targets, args.kind) if targets else Summary()
                return loaded, await _check_invoices(store, invoice_files, rejects)
            except Stopped:
                raise stopper.stopped(loader.summary, at_once=False) from None
            except (RetryLater, DatabaseUnavailable) as exc:
                raise LoadFailed(loader.summary, exc) from exc
        except asyncio.CancelledError:
            summary = stopper.loader.summary if stopper.loader else Summary()
            raise stopper.stopped(summary, at_once=True) from None
        finally:
            stopper.closing = True
            live.finish()
            await store.close()


def _system_path(text: str) -> Path | tuple[str, Path]:
    system, sep, path = text.partition("=")
    return (system, Path(path)) if sep and system.isidentifier() else Path(text)


def _check_targets(args: argparse.Namespace) -> None:
    """The systems and paths of a load, checked: a system name, a path after each =, files
    and folders that exist, files whose names tell what they hold."""
    targets = [(given, _system_path(given)) for given in args.paths]
    others = [target[0] for _, target in targets if isinstance(target, tuple)]
    for system in [args.system, *others]:
        if not system_name(system):
            raise StartupError(f"{system!r} is not a system name (letters, digits, _ and -)")
    for given, target in targets:
        path = target[1] if isinstance(target, tuple) else target
        if given.endswith("="):
            raise StartupError(f"{given}: give the path after the =")
        if not path.exists():
            raise StartupError(f"{path}: no such file or folder")
        if path.is_file() and args.kind is None and not holds_invoice_lines(path):
            try:
                kind_of(path)
            except LoadError as exc:
                raise StartupError(str(exc)) from exc


def load_files(settings: Settings, args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise StartupError("--batch-size must be at least 1")
    _check_targets(args)  # mistakes are told before the store starts
    try:
        check_encoding(args.encoding)
    except FormatError as exc:
        raise StartupError(f"--encoding: {exc}") from exc
    try:
        summary, invoices = run_async(_load(settings, args))
    except (LoadError, FormatError) as exc:
        raise StartupError(str(exc)) from exc
    except LoadStopped as stopped:
        print(render(stopped.summary))
        committed = (
            "the rows counted above are committed, and the batch being written may be too"
            if stopped.at_once
            else "the rows counted above are committed, and no others"
        )
        print(
            f"hub: load stopped ({stopped}): {committed}; run the same command again to finish",
            file=sys.stderr,
        )
        return 128 + stopped.signum
    except LoadFailed as failed:
        print(render(failed.summary))
        print(
            f"hub: load stopped: {failed}; the rows counted above are committed, and the batch "
            "being written was not; run the same command again to finish",
            file=sys.stderr,
        )
        return EXIT_TRY_AGAIN
    checked = bool(invoices.verdicts or invoices.rejected)
    if summary.counts or not checked:  # a folder of invoice files alone loads no records
        print(render(summary))
    if checked:
        print(invoices.render())
    return EXIT_REJECTED if summary.rejected or invoices.rejected else 0


async def _match(settings: Settings, args: argparse.Namespace) -> BatchSummary:
    store = await open_store(settings, attach=True)
    live = MatchLine()
    try:
        return await BatchMatcher(store, args.page or 200, live).run(restart=args.restart)
    finally:
        live.finish()
        await store.close()


async def _model(settings: Settings, args: argparse.Namespace) -> list[str]:
    store = await open_store(settings, attach=True)
    try:
        if not args.train:
            return training.render(await training.current(store))
        trained = await training.train(
            store, utc_now(), seed=args.seed or 1, pairs=args.pairs or 20_000
        )
        return [
            f"learnt from {trained.blocked:,} pairs sharing a blocking key and {trained.random:,} "
            f"random pairs (seed {trained.seed}); matching uses it from now on",
            *training.render(trained.weights),
        ]
    finally:
        await store.close()


def _options_fit(args: argparse.Namespace) -> None:
    """Options of one way of ``hub match`` given with another, or out of range, are refused:
    a run that ignored them would do what was not asked (a whole match instead of training)."""
    for name in ("page", "pairs", "seed"):
        value = getattr(args, name)
        if value is not None and value < 1 and name != "seed":
            raise StartupError(f"--{name} must be at least 1")
    training_only = [f"--{n}" for n in ("seed", "pairs") if getattr(args, n) is not None]
    matching_only = [f"--{n}" for n in ("restart", "page") if getattr(args, n) not in (None, False)]
    if training_only and not args.train:
        raise StartupError(f"{' and '.join(training_only)} go with --train")
    if matching_only and (args.train or args.model):
        way = "--train" if args.train else "--model"
        raise StartupError(f"{' and '.join(matching_only)} go with a match, not with {way}")


def match_partners(settings: Settings, args: argparse.Namespace) -> int:
    _options_fit(args)
    if args.train or args.model:
        try:
            lines = run_async(_model(settings, args))
        except training.TrainingError as exc:
            print(f"hub: {exc}", file=sys.stderr)
            return 1
        print("\n".join(lines))
        return 0
    print(render_match(run_async(_match(settings, args))))
    return 0


async def _on_clients(settings: Settings, args: argparse.Namespace) -> list[str]:
    if args.clients_command == "add":  # a mistake is told before the store is opened
        clients.checked(args.name, args.system, args.scopes)
    store = await Store.open(settings, attach=True)
    try:
        await migrations.apply(store)  # a client's name is unique by a constraint
        if args.clients_command == "add":
            token = await clients.add(store, args.name, args.system, args.scopes, utc_now())
            clients.mark_changed(settings.data_dir)
            return [
                f"client {args.name} added: system {args.system.upper() if args.system else '-'}, "
                f"scopes {', '.join(sorted(set(args.scopes)))}",
                "its token follows; it is shown this once (the hub keeps only its hash):",
                token,
            ]
        if args.clients_command == "revoke":
            await clients.revoke(store, args.name, utc_now())
            clients.mark_changed(settings.data_dir)
            return [f"client {args.name} revoked: its token is refused from now on"]
        return clients.table(await clients.listed(store))
    finally:
        await store.close()


def manage_clients(settings: Settings, args: argparse.Namespace) -> int:
    try:
        lines = run_async(_on_clients(settings, args))
    except clients.ClientError as exc:
        print(f"hub: error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    print("\n".join(lines))
    return 0


async def _on_webhooks(settings: Settings, args: argparse.Namespace) -> list[str]:
    action = args.webhooks_command
    if action == "add":  # a mistake is told before the store is opened
        webhooks.checked(args.name, args.url, args.kinds)
    store = await Store.open(settings, attach=True)
    try:
        await migrations.apply(store)  # a webhook's name is unique by a constraint
        if action == "add":
            secret = await webhooks.add(
                store,
                args.name,
                args.url,
                args.kinds,
                args.secret,
                args.personal,
                args.from_start,
                utc_now(),
            )
            return [
                f"webhook {args.name} added: {args.url}",
                "its signing secret follows (X-Hub-Signature-256: sha256=HMAC of the body):",
                secret,
            ]
        if action == "remove":
            await webhooks.remove(store, args.name)
            return [f"webhook {args.name} removed"]
        if action == "resume":
            if await webhooks.resume(store, args.name):
                return [f"webhook {args.name} resumed from its cursor"]
            return [f"webhook {args.name} was not paused: it goes on from its cursor"]
        cursors = await hub_cursors(store, settings.cursor_secret)
        await sequence(store)
        head = await changes.head(store)
        return webhooks.table(await webhooks.listed(store), head, cursors.bound("changes"))
    finally:
        await store.close()


def manage_webhooks(settings: Settings, args: argparse.Namespace) -> int:
    try:
        lines = run_async(_on_webhooks(settings, args))
    except webhooks.WebhookError as exc:
        print(f"hub: error: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    print("\n".join(lines))
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> list[str]:
    store = await Store.open(settings, attach=True)
    try:
        cursors = (await hub_cursors(store, settings.cursor_secret)).bound("changes")
        after = 0
        if args.after:
            try:
                (after,) = cursors.decode(args.after, "--after")
            except CursorError as exc:
                raise StartupError(str(exc)) from exc
        try:
            done = await export(store, args.system, args.out, args.form, int(after))
        except ExportError as exc:
            raise StartupError(exc.message) from exc
    finally:
        await store.close()
    return [
        f"{done.partners:,} partners and {done.deleted:,} deletions written to "
        + (", ".join(str(path) for path in done.files) or str(args.out)),
        "continue with --after:",
        cursors.encode([done.position]),
    ]


async def _change(settings: Settings, path: Path) -> ChangeSummary:
    store = await Store.open(settings, attach=True)
    try:
        return await run_changes(store, path, Actor("hub change"))
    finally:
        await store.close()


def change_contracts(settings: Settings, args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise StartupError(f"{args.file}: no such file")
    summary = run_async(_change(settings, args.file))
    print("\n".join(render_changes(args.file, summary)))
    return EXIT_REJECTED if summary.count("rejected") else 0


async def _sweep(settings: Settings, grace_hours: float, dry_run: bool) -> list[str]:
    store = await Store.open(settings, attach=True)
    try:
        report = await file_sweep.sweep(
            store, file_store(settings), grace_hours * 3600, dry_run=dry_run
        )
    finally:
        await store.close()
    return report.lines(dry_run)


def manage_files(settings: Settings, args: argparse.Namespace) -> int:
    least = file_sweep.LEAST_GRACE_HOURS
    if not math.isfinite(args.older_than) or args.older_than < least:
        raise StartupError(
            f"--older-than must be at least {least:g} hour{'' if least == 1 else 's'}: a file "
            "written more recently may belong to an upload whose document is still being written"
        )
    try:
        lines = run_async(_sweep(settings, args.older_than, args.dry_run))
    except file_sweep.SweepRunning as exc:
        print(f"hub: stopped: {exc.message}", file=sys.stderr)
        return EXIT_TRY_AGAIN
    print("\n".join(lines))
    return 0


def export_changes(settings: Settings, args: argparse.Namespace) -> int:
    print("\n".join(run_async(_export(settings, args))))
    return 0


def generate_world(args: argparse.Namespace) -> int:
    try:
        counts = generate(args.out, args.partners, args.seed, args.duplicate_rate)
    except ValueError as exc:
        raise StartupError(str(exc)) from exc
    except OSError as exc:  # a file where the folder should be, no permission, a full disk
        raise StartupError(f"cannot write the world into {args.out}: {exc.strerror}") from exc
    print(", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in counts.items()))
    print(
        f"written to {args.out}; load with: hub load crm {args.out / 'crm'} "
        f"erp={args.out / 'erp'} vms={args.out / 'vms'} pdm={args.out / 'pdm'}; then check "
        f"the invoices with: hub load suppliers {args.out / 'invoices'}"
    )
    return 0


def print_schema(output: Path | None) -> int:
    from hub.api import build_schema  # noqa: PLC0415 - the API loads only where it is used

    sdl = build_schema().as_str() + "\n"
    if output is None:
        sys.stdout.write(sdl)
    else:
        try:
            output.write_text(sdl, encoding="utf-8")
        except OSError as exc:
            raise StartupError(f"cannot write {output}: {exc.strerror}") from exc
    return 0


def _run(args: argparse.Namespace) -> int:
    """Run the chosen command; commands that need no settings do not read them."""
    if args.command == "schema" and args.schema_command == "print":
        return print_schema(args.output)
    if args.command == "generate":
        return generate_world(args)
    settings = _load_settings()
    logs.configure(settings)
    if args.command == "serve":
        return serve(settings, args.host, args.port, args.demo, args.workers)
    commands = {
        "load": load_files,
        "match": match_partners,
        "clients": manage_clients,
        "webhooks": manage_webhooks,
        "export": export_changes,
        "change": change_contracts,
        "files": manage_files,
    }
    if args.command in commands:
        return commands[args.command](settings, args)
    return apply_schema(settings)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except StartupError as exc:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            log.exception("startup_failed")
        print(f"hub: error: {exc.message}", file=sys.stderr)
        return EXIT_STARTUP
    except (RetryLater, DatabaseUnavailable) as exc:
        # Two runs of hub match at once, a store that went away: no fault of the command's,
        # and no traceback to read; what was committed stays.
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            log.exception("database_could_not_take_it")
        print(
            f"hub: stopped: {exc.message}; what was committed stays; run the command again "
            "once other writers are done or the database is back",
            file=sys.stderr,
        )
        return EXIT_TRY_AGAIN
    except KeyboardInterrupt:
        return 130
