"""Validators for values in the users' world."""
import re

from marshmallow import ValidationError

POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_district(value: str) -> str:
    return value.strip().upper()


def validate_district(value: str) -> None:
    """A UK postcode district (outward code): NN3, NN10, EC1A."""
    if not POSTCODE_DISTRICT.match(value):
        raise ValidationError("Not a postcode district (the first half of a postcode, e.g. NN3).")
