import pytest
from neo4j.exceptions import ConstraintError

from graph_schema import MODEL
from hub.store import migrations
from tests.harness import RunningHub


def test_plan_derives_constraints_and_indexes_from_the_model() -> None:
    statements = {s.name: s for s in migrations.plan()}
    assert "vehicle_vin_unique" in statements
    assert "identification_object_kind_number_unique" in statements
    assert statements["identification_object_kind_number_unique"].cypher.endswith(
        "REQUIRE (n.kind, n.number) IS UNIQUE"
    )
    for node in MODEL.nodes:
        if "id" in node.property_names:
            assert f"{migrations._snake(node.label)}_id_unique" in statements
    indexed = [p for n in MODEL.nodes for p in n.properties if p.indexed]
    composite = [i for n in MODEL.nodes for i in n.indexes]
    assert sum(s.kind == "index" for s in statements.values()) == len(indexed) + len(composite)


def test_applying_twice_creates_nothing_the_second_time(hub: RunningHub) -> None:
    planned = [s.name for s in migrations.plan()]
    again = hub.run(migrations.apply(hub.store))
    assert again.created == []
    assert sorted(again.existing) == sorted(planned)
    assert set(planned) <= hub.run(migrations.existing_names(hub.store))


def test_natural_key_constraint_rejects_a_second_vehicle_with_the_same_vin(
    hub: RunningHub, unique: str
) -> None:
    vin = f"TEST{unique}"[:17]

    async def create() -> None:
        await hub.store.query("CREATE (:Vehicle {id: randomUUID(), vin: $vin})", {"vin": vin})

    hub.run(create())
    try:
        with pytest.raises(ConstraintError):
            hub.run(create())
    finally:
        hub.run(hub.store.query("MATCH (v:Vehicle {vin: $vin}) DETACH DELETE v", {"vin": vin}))
