"""Opening what the hub works on: the database, its schema brought up to date, and the
store of document files. Every command and the server open them the same way; this module
does not load the API, so commands that need no server start quickly."""

from __future__ import annotations

import logging

from hub.domain import rekeying
from hub.domain.files import FileStore
from hub.settings import Settings
from hub.store import Store, migrations

# Under the name it always had: operators filter the schema_applied lines by it.
log = logging.getLogger("hub.app")


def file_store(settings: Settings) -> FileStore:
    """Where document files live, by content: HUB_FILES_DIR, shared by every replica."""
    return FileStore(settings.files_root, settings.max_upload_mb * 1024 * 1024)


async def open_store(settings: Settings, *, attach: bool = False) -> Store:
    """Open the store and bring its schema up to date when the settings ask for it.

    With ``attach``, share the store of a hub already running on the same data dir.
    """
    store = await Store.open(settings, attach=attach)
    try:
        if settings.migrate_on_start:
            report = await migrations.apply(store)
            # Said when it changed something; every command opens the store, and a line on
            # each run of `hub export` would only be noise.
            log.log(
                logging.INFO if report.created else logging.DEBUG,
                "schema_applied",
                extra={
                    "schema_created": len(report.created),
                    "schema_present": len(report.existing),
                },
            )
            await rekeying.bring_up_to_date(store, settings.collation)
    except BaseException:
        await store.close()
        raise
    return store
