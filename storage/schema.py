"""JSON Schema validation of collection documents (draft-07 and later, with
formats such as email and date-time), reporting errors in the shape Codehooks
apps check: `{"schemaError": [{instancePath, schemaPath, keyword, params,
message}]}` — ajv's error format (spec §4.9)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema.validators import validator_for


class SchemaInvalid(ValueError):
    """The schema itself is not a valid JSON Schema."""


class SchemaViolation(ValueError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "schema violation")
        self.errors = errors


_REQUIRED = re.compile(r"'(.+)' is a required property")


def _ajv_error(e: jsonschema.ValidationError) -> dict[str, Any]:
    path = "".join(f"/{p}" for p in e.absolute_path)
    schema_path = "#" + "".join(f"/{p}" for p in e.absolute_schema_path)
    keyword = str(e.validator)
    params: dict[str, Any] = {}
    message = e.message
    if keyword == "required":
        m = _REQUIRED.match(e.message)
        if m:
            params = {"missingProperty": m.group(1)}
            message = f"must have required property '{m.group(1)}'"
    elif keyword == "type":
        params = {"type": e.validator_value}
        message = f"must be {e.validator_value}"
    elif keyword in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
        params = {"limit": e.validator_value}
    elif keyword == "enum":
        params = {"allowedValues": e.validator_value}
        message = "must be equal to one of the allowed values"
    elif keyword == "format":
        params = {"format": e.validator_value}
        message = f'must match format "{e.validator_value}"'
    elif keyword == "additionalProperties" and e.validator_value is False:
        extra = [k for k in (e.instance or {}) if k not in (e.schema.get("properties") or {})]
        params = {"additionalProperty": extra[0] if extra else ""}
        message = "must NOT have additional properties"
    return {"instancePath": path, "schemaPath": schema_path, "keyword": keyword,
            "params": params, "message": message}


@lru_cache(maxsize=1024)
def _validator(schema_json: str) -> Any:
    import json
    schema = json.loads(schema_json)
    cls = validator_for(schema, default=jsonschema.Draft7Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise SchemaInvalid(f"invalid JSON schema: {e.message}") from None
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def check_schema(schema: Any) -> None:
    import json
    if not isinstance(schema, dict):
        raise SchemaInvalid("a JSON schema must be an object")
    _validator(json.dumps(schema, sort_keys=True))


def validate(schema_json: str, doc: dict[str, Any]) -> None:
    errors = sorted(_validator(schema_json).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        raise SchemaViolation([_ajv_error(e) for e in errors])
