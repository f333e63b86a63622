"""The schema the hub serves contains the API contract client teams code against."""

from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    is_non_null_type,
)

from tests.harness import RunningHub

# The contract as client teams keep it beside this checkout, and the copy kept in it (the one
# a clean clone checks against; a test below keeps the two alike).
SHARED = Path(__file__).resolve().parents[2] / "shared" / "api"
KEPT = Path(__file__).resolve().parents[1] / "contract"
CONTRACTS = SHARED if SHARED.is_dir() else KEPT


def differences(contract: GraphQLSchema, served: GraphQLSchema) -> list[str]:
    """Everything the contract declares that the served schema lacks or types differently."""
    found = []
    for name, wanted in contract.type_map.items():
        if name.startswith("__"):
            continue
        have = served.type_map.get(name)
        if have is None:
            found.append(f"missing type {name}")
            continue
        if type(have) is not type(wanted):
            found.append(
                f"{name} is a {type(have).__name__}, contract says {type(wanted).__name__}"
            )
            continue
        if isinstance(wanted, GraphQLObjectType | GraphQLInterfaceType):
            assert isinstance(have, GraphQLObjectType | GraphQLInterfaceType)
            for interface in wanted.interfaces:
                if interface.name not in {i.name for i in have.interfaces}:
                    found.append(f"{name} does not implement {interface.name}")
            for field_name, field in wanted.fields.items():
                served_field = have.fields.get(field_name)
                if served_field is None:
                    found.append(f"missing field {name}.{field_name}")
                    continue
                if str(served_field.type) != str(field.type):
                    found.append(f"{name}.{field_name}: {served_field.type} != {field.type}")
                for arg_name, arg in field.args.items():
                    served_arg = served_field.args.get(arg_name)
                    if served_arg is None:
                        found.append(f"missing argument {name}.{field_name}({arg_name})")
                    elif str(served_arg.type) != str(arg.type):
                        found.append(
                            f"{name}.{field_name}({arg_name}): {served_arg.type} != {arg.type}"
                        )
                for arg_name, arg in served_field.args.items():
                    if arg_name not in field.args and is_non_null_type(arg.type):
                        found.append(f"{name}.{field_name}({arg_name}) is required but extra")
        elif isinstance(wanted, GraphQLInputObjectType):
            assert isinstance(have, GraphQLInputObjectType)
            for field_name, input_field in wanted.fields.items():
                served_input = have.fields.get(field_name)
                if served_input is None:
                    found.append(f"missing input field {name}.{field_name}")
                elif str(served_input.type) != str(input_field.type):
                    found.append(f"{name}.{field_name}: {served_input.type} != {input_field.type}")
            for field_name, served_input in have.fields.items():
                if field_name not in wanted.fields and is_non_null_type(served_input.type):
                    found.append(f"input {name}.{field_name} is required but not in the contract")
        elif isinstance(wanted, GraphQLEnumType):
            assert isinstance(have, GraphQLEnumType)
            missing = set(wanted.values) - set(have.values)
            if missing:
                found.append(f"{name} lacks values {sorted(missing)}")
    return found


def served_schema(hub: RunningHub) -> GraphQLSchema:
    body: dict[str, Any] = hub.graphql(get_introspection_query(descriptions=True))
    return build_client_schema(body["data"])


def _contract(*files: str) -> GraphQLSchema:
    return build_schema("\n".join((CONTRACTS / f).read_text() for f in files))


def test_the_kept_contract_is_the_shared_one() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"the client teams' contract folder {SHARED} is not beside this checkout")
    shared = {p.name: p.read_text() for p in SHARED.glob("*.graphql")}
    kept = {p.name: p.read_text() for p in KEPT.glob("*.graphql")}
    assert kept == shared, "copy the contract from shared/api into contract/"


def test_served_schema_contains_the_core_contract(hub: RunningHub) -> None:
    assert differences(_contract("core.graphql"), served_schema(hub)) == []


def test_served_schema_contains_the_stewardship_contract(hub: RunningHub) -> None:
    contract = _contract("core.graphql", "stewardship.graphql")
    assert differences(contract, served_schema(hub)) == []


def test_the_check_notices_a_missing_field(hub: RunningHub) -> None:
    contract = build_schema(
        "type Query { vehicle(vin: String): Vehicle } type Vehicle { vin: String! colour: String }"
    )
    assert differences(contract, served_schema(hub)) == ["missing field Vehicle.colour"]
