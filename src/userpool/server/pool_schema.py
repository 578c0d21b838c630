"""A pool's attribute schema as Cognito builds and checks it (CreateUserPool's ``Schema``,
AddCustomAttributes), and the names it gives attributes on the wire.

Pure functions on SchemaAttributeType dicts. Stored entries keep the name they always had
(``custom:x``, with ``DeveloperOnlyAttribute``); a developer-only attribute is called
``dev:custom:x`` wherever Cognito names it (DescribeUserPool, messages, the user attribute an
admin call writes), so the prefix is computed when read and pools stored before it still work.
A user's value of one is stored, and listed by AdminGetUser / ListUsers, under ``custom:x``.
"""

from __future__ import annotations

import copy
from typing import Any

from userpool.server import errors
from userpool.server.pools import STANDARD_ATTRIBUTES

DEV_PREFIX = "dev:"
CUSTOM_PREFIX = "custom:"
MAX_STRING_LENGTH = 2048
_CONSTRAINTS = {"String": "StringAttributeConstraints", "Number": "NumberAttributeConstraints"}
# (minimum, maximum, how Cognito words a maximum below the minimum) per constraint member
_BOUNDS = {
    "StringAttributeConstraints": ("MinLength", "MaxLength", "Max length cannot be less than min length."),
    "NumberAttributeConstraints": ("MinValue", "MaxValue", "Max value cannot be less than min value."),
}


def wire_name(spec: dict[str, Any]) -> str:
    """The name Cognito gives a schema attribute: ``dev:custom:x`` for a developer-only one."""
    name: str = spec["Name"]
    if spec.get("DeveloperOnlyAttribute") and not name.startswith(DEV_PREFIX):
        return DEV_PREFIX + name
    return name


def described(schema: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SchemaAttributes as DescribeUserPool answers them (new entries; nested members shared
    with ``schema``, which DescribeUserPool has already copied from the pool)."""
    return [{**a, "Name": wire_name(a)} for a in schema]


def entry_for(schema: dict[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The schema entry a request's attribute ``name`` designates, or None; the entry's own
    ``Name`` is where the user's value is stored. A developer-only attribute answers to Cognito's
    ``dev:custom:x`` and also to ``custom:x``, the name user reads here report its value under
    (so what AdminGetUser lists can be written back); ``dev:`` before any other name is unknown."""
    spec = schema.get(name.removeprefix(DEV_PREFIX))
    if spec is None or (name.startswith(DEV_PREFIX) and not spec.get("DeveloperOnlyAttribute")):
        return None
    return spec


def _limit(value: Any, member: str, name: str, *, signed: bool) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.InvalidParameter(f"Invalid {member} for schema attribute {name}") from None
    if not signed and number < 0:
        raise errors.InvalidParameter(f"Invalid {member} for schema attribute {name}")
    return number


def check_constraints(kind: str, spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The constraints member for ``kind`` (String, Number), checked as Cognito checks it: whole
    numbers, a string length of at most 2048, a minimum not above the maximum."""
    member = _CONSTRAINTS.get(kind)
    if member is None or member not in spec:
        return None
    constraints = dict(spec.get(member) or {})
    low_key, high_key, inverted = _BOUNDS[member]
    signed = member == "NumberAttributeConstraints"
    low = _limit(constraints.get(low_key), member, name, signed=signed)
    high = _limit(constraints.get(high_key), member, name, signed=signed)
    if not signed and any(v is not None and v > MAX_STRING_LENGTH for v in (low, high)):
        raise errors.InvalidParameter(f"user.{name}: String attributes cannot have a length of more than {MAX_STRING_LENGTH}")
    if low is not None and high is not None and low > high:
        raise errors.InvalidParameter(f"user.{name}: {inverted}")
    return constraints


def custom_attribute(spec: dict[str, Any]) -> dict[str, Any]:
    """A custom attribute's stored entry (``custom:`` prefixed) from its Schema / CustomAttributes item."""
    name = spec.get("Name", "")
    kind = spec.get("AttributeDataType")
    if not kind:
        raise errors.InvalidParameter("Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
    if spec.get("Required"):
        raise errors.InvalidParameter("Required custom attributes are not supported currently.")
    attr: dict[str, Any] = {
        "Name": name if name.startswith(CUSTOM_PREFIX) else CUSTOM_PREFIX + name,
        "AttributeDataType": kind,
        "DeveloperOnlyAttribute": bool(spec.get("DeveloperOnlyAttribute", False)),
        "Mutable": bool(spec.get("Mutable", True)),
        "Required": False,
    }
    member = _CONSTRAINTS.get(kind)
    if member is not None:
        attr[member] = check_constraints(kind, spec, wire_name(attr)) or {}
    return attr


def standard_override(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """What a Schema item may change of a standard attribute: Mutable, Required, its constraints.
    Its data type and developer-only flag are Cognito's."""
    standard = STANDARD_ATTRIBUTES[name]
    kind = standard["AttributeDataType"]
    if spec.get("AttributeDataType", kind) != kind or spec.get("DeveloperOnlyAttribute"):
        raise errors.InvalidParameter(
            f"You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute {name}"
        )
    change: dict[str, Any] = {k: spec[k] for k in ("Mutable", "Required") if k in spec}
    constraints = check_constraints(kind, spec, name)
    if constraints is not None:
        change[_CONSTRAINTS[kind]] = constraints
    if name == "sub" and (change.get("Mutable") or change.get("Required") is False):
        raise errors.InvalidParameter("sub is an immutable, required attribute.")
    return change


def build(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CreateUserPool's SchemaAttributes: every standard attribute (with the overrides asked
    for), then the custom ones, in request order."""
    overrides: dict[str, dict[str, Any]] = {}
    custom: list[dict[str, Any]] = []
    seen: set[str] = set()
    for spec in specs:
        name = spec.get("Name", "")
        if name in seen:
            raise errors.InvalidParameter(f"Duplicate attribute name: {name}")
        seen.add(name)
        if name in STANDARD_ATTRIBUTES:
            overrides[name] = standard_override(name, spec)
        else:
            custom.append(custom_attribute(spec))
    out = [{"Name": name, **copy.deepcopy(base), **overrides.get(name, {})} for name, base in STANDARD_ATTRIBUTES.items()]
    return [*out, *custom]


def added(existing: list[dict[str, Any]], specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """AddCustomAttributes: the new entries, none sharing a name with the pool's or each other's
    (a developer-only ``dev:custom:x`` and a ``custom:x`` are the same name)."""
    taken = {a["Name"].removeprefix(DEV_PREFIX): a for a in existing}
    new = []
    for spec in specs:
        attr = custom_attribute(spec)
        other = taken.get(attr["Name"])
        if other is not None:
            raise errors.InvalidParameter(f"{attr['Name']}: Existing attribute already has name {wire_name(other)}.")
        taken[attr["Name"]] = attr
        new.append(attr)
    return new
