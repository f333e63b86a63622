import pytest

from graph_schema import MODEL, Model, NodeType, Property, PropertyType


def test_every_golden_record_has_an_id_version_and_timestamps() -> None:
    golden = [MODEL.node(label) for label in MODEL.golden_labels]
    assert {node.label for node in golden} == {
        "BusinessPartner",
        "Material",
        "Project",
        "Vehicle",
        "Contract",
        "IdentificationObject",
        "Document",
    }
    for node in golden:
        assert {"version", "createdAt", "updatedAt"} <= set(node.property_names), node.label


def test_natural_keys_are_declared_as_the_business_knows_them() -> None:
    assert MODEL.node("Vehicle").natural_key == ("vin",)
    assert MODEL.node("Contract").natural_key == ("number",)
    assert MODEL.node("IdentificationObject").natural_key == ("kind", "number")
    assert MODEL.node("Document").natural_key == ("number", "revision")
    assert MODEL.node("SourceRecord").natural_key == ("entity", "system", "key")


def test_every_declaration_is_described() -> None:
    for node in MODEL.nodes:
        assert node.description, node.label
        for prop in node.properties:
            assert prop.description, f"{node.label}.{prop.name}"
    for rel in MODEL.relationships:
        assert rel.description, rel.type


def test_a_key_on_an_undeclared_property_is_rejected() -> None:
    broken = Model(
        nodes=(
            NodeType(
                "Thing",
                "A thing.",
                (Property("name", PropertyType.STRING, "Name."),),
                natural_key=("code",),
            ),
        )
    )
    with pytest.raises(ValueError, match="unknown"):
        broken.validate()
