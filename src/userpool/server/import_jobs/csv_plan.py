"""The CSV a pool's import accepts: GetCSVHeader's columns, and each row checked against
the pool's schema before anything is inserted.

Cognito fails the whole job on a bad header, and counts a bad row in ``FailedUsers`` with
its reason; :func:`parse_row` answers a row ready to insert or that reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from userpool.server import pools, users
from userpool.server.db import UserPool

USERNAME_COLUMN = "cognito:username"
MFA_COLUMN = "cognito:mfa_enabled"
# GetCSVHeader's order for the standard attributes (custom ones follow, then the two cognito: columns).
STANDARD_ORDER = (
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+[0-9]{4,15}$")
_BOOL = {"true": "true", "false": "false", "": ""}


def csv_header(pool: UserPool) -> list[str]:
    """GetCSVHeader: the pool's attributes in Cognito's order, then cognito:mfa_enabled and cognito:username."""
    schema = pools.schema_of(pool)
    standard = [n for n in STANDARD_ORDER if n in schema]
    custom = [n for n in schema if n not in STANDARD_ORDER and n not in ("sub", "identities")]
    return [*standard, *custom, MFA_COLUMN, USERNAME_COLUMN]


class HeaderError(ValueError):
    pass


@dataclass
class Plan:
    """What one pass over the CSV needs to know about the pool, computed once."""

    pool: UserPool
    username_col: int
    mfa_col: int | None
    columns: list[tuple[int, str, Callable[[str], str | None]]]  # index, attribute, check -> error or None
    width: int
    case_sensitive: bool
    sign_in_attrs: list[str]
    unique_attrs: list[str]  # sign-in attributes and aliases: at most one user each
    required: list[str]
    auto_verified: list[str]
    seen: dict[str, set[str]] = field(default_factory=dict)


def _checker(name: str, spec: dict[str, Any]) -> Callable[[str], str | None]:
    kind = spec.get("AttributeDataType", "String")
    limits = spec.get("StringAttributeConstraints") or {}
    max_len = int(limits["MaxLength"]) if kind == "String" and "MaxLength" in limits else None

    def check(value: str) -> str | None:
        if name == "email" and not _EMAIL.match(value):
            return "Invalid email address format."
        if name == "phone_number" and not _PHONE.match(value):
            return "Invalid phone number format."
        if kind == "Boolean" and value not in ("true", "false"):
            return f"{name}: Attribute value must be true or false."
        if kind == "Number":
            try:
                float(value)
            except ValueError:
                return f"{name}: Attribute value must be a number."
        if max_len is not None and len(value) > max_len:
            return f"{name}: String must be no longer than {max_len} characters"
        return None

    return check


def plan(pool: UserPool, header: list[str]) -> Plan:
    """Check the header row against the pool (Cognito fails the whole job on a bad header)."""
    allowed = set(csv_header(pool))
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise HeaderError(f"The header contains {unknown[0]!r}, which is not an attribute of the user pool.")
    if len(set(header)) != len(header):
        raise HeaderError("The header names a column twice.")
    for needed in (USERNAME_COLUMN, MFA_COLUMN):
        if needed not in header:
            raise HeaderError(f"The header must contain {needed}.")
    schema = pools.schema_of(pool)
    columns = [
        (i, h, _checker(h, schema[h])) for i, h in enumerate(header) if h not in (USERNAME_COLUMN, MFA_COLUMN)
    ]
    return Plan(
        pool=pool,
        username_col=header.index(USERNAME_COLUMN),
        mfa_col=header.index(MFA_COLUMN),
        columns=columns,
        width=len(header),
        case_sensitive=pools.case_sensitive(pool),
        sign_in_attrs=pools.username_attributes(pool),
        unique_attrs=[*pools.username_attributes(pool), *[a for a in pools.alias_attributes(pool) if a not in pools.username_attributes(pool)]],
        required=[a["Name"] for a in pool.config.get("SchemaAttributes", []) if a.get("Required") and a["Name"] != "sub"],
        auto_verified=pools.auto_verified(pool),
    )


@dataclass
class Row:
    line: int
    username: str
    key: str
    attrs: dict[str, str]
    mfa: bool


def parse_row(p: Plan, line: int, row: list[str]) -> Row | str:
    """A row ready to insert, or why it fails (Cognito's FailedUsers)."""
    if len(row) != p.width:
        return f"The row has {len(row)} columns; the header has {p.width}."
    given = row[p.username_col]
    if not given or len(given) > 128 or any(c.isspace() for c in given):
        return "cognito:username is missing or invalid."
    attrs: dict[str, str] = {}
    for i, name, check in p.columns:
        value = row[i]
        if value:
            if name in ("email_verified", "phone_number_verified"):
                value = value.lower()
            problem = check(value)
            if problem:
                return problem
            attrs[name] = value
    mfa_value = row[p.mfa_col].lower() if p.mfa_col is not None else ""
    if mfa_value not in _BOOL:
        return "cognito:mfa_enabled must be true or false."
    username = given
    if p.sign_in_attrs:
        kind = "email" if _EMAIL.match(given) else "phone_number" if _PHONE.match(given) else None
        if kind is None or kind not in p.sign_in_attrs:
            return "cognito:username must be the user's " + " or ".join(p.sign_in_attrs) + "."
        if attrs.get(kind, given) != given:
            return f"cognito:username and {kind} differ."
        attrs[kind] = given
        username = ""  # the sub, chosen at insert time
    for name in p.required:
        if not attrs.get(name):
            return f"Attributes did not conform to the schema: {name}: The attribute {name} is required"
    if p.auto_verified and not any(attrs.get(users.VERIFIED_FLAG[a]) == "true" and attrs.get(a) for a in p.auto_verified if a in users.VERIFIED_FLAG):
        return "The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to be set to true)"
    if mfa_value == "true" and not attrs.get("phone_number"):
        return "cognito:mfa_enabled is true but the user has no phone_number."
    key = username if p.case_sensitive else username.lower()
    return Row(line, username, key, attrs, mfa_value == "true")


# ------------------------------------------------------------------ running a job
