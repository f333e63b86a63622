"""Hub identifiers."""

from __future__ import annotations

import uuid

from hub.ids import from_global, new_id, to_global


def test_new_ids_are_random_version_4_uuids() -> None:
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == len(ids)
    for hub_id in ids:
        parsed = uuid.UUID(hex=hub_id)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert parsed.hex == hub_id


def test_a_global_id_names_its_label_and_hub_id() -> None:
    hub_id = new_id()
    assert from_global(to_global("Vehicle", hub_id)) == ("Vehicle", hub_id)
    assert from_global("not an id") is None
