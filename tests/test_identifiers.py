"""The one spelling identifying numbers are kept in, whatever a source printed."""

import pytest

from hub.identifiers import material_number, printed_code, vin


@pytest.mark.parametrize(
    ("printed", "kind", "kept"),
    [
        ("7005 9999 0001", "FUEL_CARD", "700599990001"),
        ("7005-9999-0001", "FUEL_CARD", "700599990001"),
        ("7005.9999/0001", "SERVICE_CARD", "700599990001"),
        ("obu-12 34", "TOLL_TAG", "OBU1234"),
        ("M-AB 1234", "LICENSE_PLATE", "M-AB1234"),
        ("m ab 1234", "LICENSE_PLATE", "M-AB1234"),
        ("M AB1234", "LICENSE_PLATE", "M-AB1234"),
        ("B-MW 1E", "LICENSE_PLATE", "B-MW1E"),
        # Without a separator the district cannot be told from the letters: kept as printed.
        ("MAB 1234", "LICENSE_PLATE", "MAB1234"),
        # Not a German plate: only the spaces go.
        ("AB-123-CD", "LICENSE_PLATE", "AB-123-CD"),
        ("京A 12345", "LICENSE_PLATE", "京A12345"),
    ],
)
def test_a_number_is_kept_in_one_spelling(printed: str, kind: str, kept: str) -> None:
    assert printed_code(printed, kind) == kept


def test_plates_split_differently_stay_different() -> None:
    assert printed_code("M-AB 1", "LICENSE_PLATE") != printed_code("MA-B 1", "LICENSE_PLATE")


def test_vins_and_material_numbers_are_kept_as_their_systems_show_them() -> None:
    assert vin(" wba12345678901234 ") == "WBA12345678901234"
    assert material_number("000000000009000001") == "9000001"
    assert material_number("000") == "0"
    assert material_number("MAT-007") == "MAT-007"
