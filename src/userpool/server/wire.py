"""The Cognito JSON 1.1 wire protocol, validated against botocore's service model.

botocore ships the official definition of every cognito-idp operation: its input
shape (types, required members, lengths, patterns, enums), whether it is signed,
and the errors it may raise. Requests are checked here against that model instead
of hand-written schemas, so the server refuses exactly what Cognito refuses, with
Cognito's ``InvalidParameterException`` / ``SerializationException`` wording.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import botocore.session
import regex
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    OperationNotFoundError,
    ServiceModel,
    Shape,
    StructureShape,
)

from userpool.server import errors

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_BODY_BYTES = 1024 * 1024  # far above any legitimate Cognito request
MAX_JSON_DEPTH = 32


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("cognito-idp")


@functools.cache
def operation_model(name: str) -> OperationModel | None:
    try:
        return service_model().operation_model(name)
    except OperationNotFoundError:
        return None


def is_public(op: OperationModel) -> bool:
    """Operations the model marks unsigned (``authtype: none``): called with no AWS credentials."""
    return op.auth_type == "none"


def parse_target(header: str | None) -> str:
    if not header or not header.startswith(TARGET_PREFIX):
        raise errors.UnknownOperation("Missing or invalid X-Amz-Target header")
    return header[len(TARGET_PREFIX) :]


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise errors.Serialization("Request body is nested too deeply")
    if isinstance(value, dict):
        for v in value.values():
            _check_depth(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_depth(v, depth + 1)


def parse_body(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BODY_BYTES:
        raise errors.Serialization("Request body is too large")
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.Serialization("Request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise errors.Serialization("Start of list found where not expected")
    _check_depth(value)
    return value


_SURROGATE = regex.compile("[\ud800-\udfff]")


# Classes whose Unicode meaning differs a little between the two engines: those patterns stay on `regex`.
_UNICODE_CLASSES = regex.compile(r"\\[pPwWsSdDbB]")


@functools.lru_cache(maxsize=256)
def _pattern(p: str) -> Any:
    """The model's pattern, compiled. Its ``\\p{L}`` classes need the `regex` module; patterns of
    plain ASCII classes run on `re`, which matches them the same and several times faster (the
    token patterns meet a kilobyte string on every call: 50 us in `regex`, 7 us in `re`)."""
    if not _UNICODE_CLASSES.search(p):
        try:
            return re.compile(p)
        except re.error:
            pass
    return regex.compile(p)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, shape: Shape, value: Any, constraint: str) -> None:
        shown = "null" if value is None else ("***" if shape.metadata.get("sensitive") else f"'{value}'")
        if isinstance(value, (list, dict)) and value is not None and not shape.metadata.get("sensitive"):
            shown = "'[...]'" if isinstance(value, list) else "'{...}'"
        self.items.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")


def _type_error(path: str, expected: str) -> errors.CognitoError:
    return errors.Serialization(f"Value at '{path}' is not of type {expected}")


def _check(shape: Shape, value: Any, path: str, problems: _Problems) -> Any:
    """Validate ``value`` against ``shape``; returns it with explicit nulls dropped."""
    t = shape.type_name
    meta = shape.metadata
    if meta.get("document"):  # free JSON (CompleteWebAuthnRegistration's Credential), kept whole; depth checked by parse_body
        if not isinstance(value, dict):
            raise _type_error(path, "structure")
        return value
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise _type_error(path, "structure")
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            v = value.get(name)
            sub = f"{path}.{_camel(name)}" if path else _camel(name)
            if v is None:
                if name in shape.required_members:
                    problems.add(sub, member, None, "Member must not be null")
                continue
            out[name] = _check(member, v, sub, problems)
        return out
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise _type_error(path, "list")
        _length(shape, value, len(value), path, problems)
        return [_check(shape.member, v, f"{path}.{i + 1}.member", problems) for i, v in enumerate(value) if v is not None]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise _type_error(path, "map")
        _length(shape, value, len(value), path, problems)
        out_map = {}
        for k, v in value.items():
            _check(shape.key, k, f"{path}.key", problems)
            if v is None:
                continue
            out_map[k] = _check(shape.value, v, f"{path}.{k}", problems)
        return out_map
    if t == "string":
        if not isinstance(value, str):
            raise _type_error(path, "string")
        if "\x00" in value or (not value.isascii() and _SURROGATE.search(value)):  # tokens are long ASCII
            raise errors.Serialization(f"Value at '{path}' is not valid UTF-8 text")
        _length(shape, value, len(value), path, problems)
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.add(path, shape, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
        elif (
            "pattern" in meta
            and value
            and len(value) <= 10_000  # patterns are linear here; huge strings already failed max
            and not _pattern(meta["pattern"]).fullmatch(value)
            and not _local_trigger(shape, path, value)
            and not _custom_domain(shape, value)
        ):
            problems.add(path, shape, value, f"Member must satisfy regular expression pattern: {meta['pattern']}")
        return value
    if t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error(path, "number")
        bits = 31 if t == "integer" else 63  # Java's Integer and Long, as AWS parses them
        if not -(2**bits) <= value < 2**bits:
            raise errors.Serialization(f"NUMBER_VALUE at '{path}' can not be converted to an {'Integer' if t == 'integer' else 'Long'}")
        if "min" in meta and value < meta["min"]:
            problems.add(path, shape, value, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            problems.add(path, shape, value, f"Member must have value less than or equal to {meta['max']}")
        return value
    if t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error(path, "number")
        return value
    if t == "boolean":
        if not isinstance(value, bool):
            raise _type_error(path, "boolean")
        return value
    if t in ("blob", "timestamp"):
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _type_error(path, t)
        return value
    return value


def _local_trigger(shape: Shape, path: str, value: str) -> bool:
    """``LambdaConfig`` may also name handlers this server runs itself (``python:module:function``,
    ``https://`` webhooks; see ``triggers.py``) where Cognito's model allows only ARNs."""
    if shape.name != "ArnType" or not path.startswith("lambdaConfig.") or path.endswith("kMSKeyID"):
        return False
    from userpool.server.triggers import is_local_handler

    return is_local_handler(value)


def _custom_domain(shape: Shape, value: str) -> bool:
    """``Domain`` is a prefix (the model's pattern) or, as Cognito also accepts, a custom domain's
    fully-qualified name (``auth.example.com``), whose labels each follow that pattern."""
    if shape.name != "DomainType" or "." not in value:
        return False
    label = _pattern(shape.metadata["pattern"])
    return all(label.fullmatch(part) for part in value.split("."))


def _length(shape: Shape, value: Any, n: int, path: str, problems: _Problems) -> None:
    meta = shape.metadata
    if "min" in meta and n < meta["min"]:
        problems.add(path, shape, value, f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and n > meta["max"]:
        problems.add(path, shape, value, f"Member must have length less than or equal to {meta['max']}")


def validate(op: OperationModel, params: dict[str, Any]) -> dict[str, Any]:
    """The request's members, checked against the model; unknown members are dropped."""
    if op.input_shape is None:
        return {}
    problems = _Problems()
    clean: dict[str, Any] = _check(op.input_shape, params, "", problems)
    if problems.items:
        n = len(problems.items)
        noun = "error" if n == 1 else "errors"
        raise errors.InvalidParameter(f"{n} validation {noun} detected: " + "; ".join(problems.items))
    return clean


def to_wire(value: Any) -> Any:
    """JSON-ready output: datetimes as epoch seconds, as the JSON protocol sends timestamps."""
    from datetime import datetime

    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [to_wire(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value
