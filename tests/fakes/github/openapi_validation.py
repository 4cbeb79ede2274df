"""Check requests and responses against GitHub's OpenAPI description (the committed subset).

jsonschema with openapi-schema-validator's OAS 3.0 dialect (which knows `nullable`) validates each
body against the operation's schema in place: every schema is reached by a `$ref` into the loaded
document, so shared components resolve exactly as GitHub's description defines them. The rest
(matching a path to an operation, coercing query strings to the declared types, choosing the
response for a status) is small enough to do here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import referencing
import referencing.jsonschema
from jsonschema import _keywords
from jsonschema.validators import extend
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

SUBSET = Path(__file__).resolve().parent / "openapi" / "api.github.com.subset.json"
_BASE = "urn:modelci:github-openapi"
_METHODS = ("get", "post", "patch", "put", "delete")
# Parameters whose values GitHub takes with unescaped slashes (`git/ref/heads/main`).
_SLASHED = frozenset({"ref", "tag"})


def _nullable_enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Any:
    # GitHub marks `conclusion` and others `nullable` with an enum that omits null, and sends
    # null; OpenAPI 3.0.3 would want null listed. Real traffic wins: null passes when nullable.
    if instance is None and schema.get("nullable"):
        return
    yield from _keywords.enum(validator, enums, instance, schema)


_Read = extend(OAS30ReadValidator, {"enum": _nullable_enum})
_Write = extend(OAS30WriteValidator, {"enum": _nullable_enum})


@dataclasses.dataclass(frozen=True, kw_only=True)
class Operation:
    method: str
    template: str
    operation_id: str
    uploads: bool  # served by the uploads host, as the operation's own `servers` says
    pointer: str  # JSON pointer to the operation in the document
    pattern: re.Pattern[str]
    literal_length: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class RequestCheck:
    """Problems found in a request; `body_problems` are the ones GitHub answers with 422."""

    problems: tuple[str, ...] = ()
    body_problems: tuple[str, ...] = ()
    unparsable_body: bool = False  # GitHub answers 400 "Problems parsing JSON"
    json_body: Any = None

    @property
    def ok(self) -> bool:
        return not (self.problems or self.body_problems or self.unparsable_body)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class OpenAPI:
    """The loaded subset, with operations indexed for matching."""

    def __init__(self, path: Path = SUBSET):
        self.document: dict[str, Any] = json.loads(path.read_text())
        resource = referencing.Resource.from_contents(
            self.document, default_specification=referencing.jsonschema.DRAFT4
        )
        self._registry: referencing.Registry[Any] = referencing.Registry().with_resource(
            _BASE, resource
        )
        self.operations: list[Operation] = []
        for template, item in self.document["paths"].items():
            for method in _METHODS:
                if method not in item:
                    continue
                op = item[method]
                regex = re.sub(
                    r"\\\{([a-z_]+)\\\}",
                    lambda m: f"(?P<{m[1]}>{'.+' if m[1] in _SLASHED else '[^/]+'})",
                    re.escape(template),
                )
                self.operations.append(
                    Operation(
                        method=method.upper(),
                        template=template,
                        operation_id=op["operationId"],
                        uploads=any("uploads" in s["url"] for s in op.get("servers", [])),
                        pointer=f"/paths/{_escape(template)}/{method}",
                        pattern=re.compile(f"^{regex}$"),
                        literal_length=len(re.sub(r"\{[a-z_]+\}", "", template)),
                    )
                )
        # Literal segments win over parameters: `/releases/latest` before `/releases/{id}`.
        self.operations.sort(key=lambda op: -op.literal_length)

    def match(
        self, method: str, path: str, *, uploads: bool = False
    ) -> tuple[Operation, dict[str, str]] | None:
        for op in self.operations:
            if op.method != method or op.uploads != uploads:
                continue
            found = op.pattern.match(path)
            if found:
                return op, found.groupdict()
        return None

    # -- schema plumbing -------------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follow a `$ref` chain to the referenced object."""
        while isinstance(node, dict) and "$ref" in node:
            node = self.at(node["$ref"].removeprefix("#"))
        return node

    def at(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.strip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    @functools.cache  # noqa: B019 - one instance lives for the whole process
    def _validator(self, pointer: str, write: bool) -> Any:
        cls = _Write if write else _Read
        return cls(
            {"$ref": f"{_BASE}#{pointer}"},
            registry=self._registry,
            format_checker=oas30_format_checker,
        )

    def _errors(self, pointer: str, instance: Any, *, write: bool) -> list[str]:
        errors = self._validator(pointer, write).iter_errors(instance)
        return [_describe(error) for error in sorted(errors, key=lambda e: list(e.path))][:5]

    def _parameters(self, op: Operation) -> list[tuple[str, dict[str, Any]]]:
        """(pointer, parameter) for the path item's and the operation's parameters."""
        item_pointer = op.pointer.rsplit("/", 1)[0]
        found = []
        for owner in (item_pointer, op.pointer):
            for index, param in enumerate(self.at(owner).get("parameters", [])):
                pointer = f"{owner}/parameters/{index}"
                if "$ref" in param:
                    pointer = param["$ref"].removeprefix("#")
                found.append((pointer, self.resolve(param)))
        return found

    # -- requests ---------------------------------------------------------------------------------

    def check_request(
        self,
        op: Operation,
        *,
        path_params: Mapping[str, str],
        query: Mapping[str, list[str]],
        body: bytes,
    ) -> RequestCheck:
        problems: list[str] = []
        for pointer, param in self._parameters(op):
            name, where = param["name"], param["in"]
            if where == "path":
                raw: str | None = path_params.get(name)
            elif where == "query":
                values = query.get(name)
                raw = values[-1] if values else None
            else:
                continue
            if raw is None:
                if param.get("required"):
                    problems.append(f"{where} parameter {name!r} is required")
                continue
            schema = self.resolve(param.get("schema", {}))
            value = _coerce(raw, schema)
            for error in self._errors(f"{pointer}/schema", value, write=True):
                problems.append(f"{where} parameter {name!r}: {error}")

        operation = self.at(op.pointer)
        request_body = self.resolve(operation.get("requestBody"))
        if request_body is None:
            return RequestCheck(problems=tuple(problems))
        media = request_body.get("content", {})
        if "application/json" not in media:
            # Uploads: raw bytes of any media type; nothing to validate but presence.
            return RequestCheck(problems=tuple(problems))
        if not body.strip():
            if request_body.get("required"):
                return RequestCheck(
                    problems=tuple(problems), body_problems=("a JSON body is required",)
                )
            return RequestCheck(problems=tuple(problems))
        try:
            parsed = json.loads(body)
        except ValueError:
            return RequestCheck(problems=tuple(problems), unparsable_body=True)
        body_pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
        if "$ref" in operation["requestBody"]:
            body_pointer = (
                operation["requestBody"]["$ref"].removeprefix("#")
                + "/content/application~1json/schema"
            )
        body_problems = tuple(
            f"body: {error}" for error in self._errors(body_pointer, parsed, write=True)
        )
        return RequestCheck(problems=tuple(problems), body_problems=body_problems, json_body=parsed)

    # -- responses --------------------------------------------------------------------------------

    def check_response(
        self, op: Operation, *, status: int, headers: Mapping[str, str], body: bytes
    ) -> list[str]:
        responses = self.at(op.pointer)["responses"]
        key = str(status) if str(status) in responses else None
        if key is None and "default" in responses:
            key = "default"
        if key is None:
            if status < 400:
                return [f"status {status} is not a documented response of {op.operation_id}"]
            # GitHub answers any operation with 401/403/404/5xx; those bodies are basic errors.
            return self._check_json(
                "/components/schemas/basic-error", headers=headers, body=body, status=status
            )
        pointer = f"{op.pointer}/responses/{key}"
        if "$ref" in responses[key]:
            pointer = responses[key]["$ref"].removeprefix("#")
        response = self.at(pointer)
        problems: list[str] = []
        lowered = {k.lower(): v for k, v in headers.items()}
        for name, header in response.get("headers", {}).items():
            header = self.resolve(header)
            value = lowered.get(name.lower())
            if value is None:
                if header.get("required"):
                    problems.append(f"header {name} is required")
                continue
            header_pointer = f"{pointer}/headers/{_escape(name)}"
            if "$ref" in response["headers"][name]:
                header_pointer = response["headers"][name]["$ref"].removeprefix("#")
            coerced = _coerce(value, self.resolve(header.get("schema", {})))
            for error in self._errors(f"{header_pointer}/schema", coerced, write=False):
                problems.append(f"header {name}: {error}")
        content = response.get("content")
        if not content:
            # The description leaves some bodies out (the 422 of an upload); GitHub still sends
            # its error JSON, so an error status is held to that shape.
            if body and status >= 400:
                problems += self._check_json(
                    "/components/schemas/basic-error", headers=headers, body=body, status=status
                )
            return problems
        if "application/json" in content:
            schema_pointer = f"{pointer}/content/application~1json/schema"
            return problems + self._check_json(
                schema_pointer, headers=headers, body=body, status=status
            )
        return problems

    def _check_json(
        self, pointer: str, *, headers: Mapping[str, str], body: bytes, status: int
    ) -> list[str]:
        lowered = {k.lower(): v for k, v in headers.items()}
        content_type = lowered.get("content-type", "")
        if not content_type.startswith("application/json"):
            return [f"status {status}: content-type {content_type!r} is not application/json"]
        try:
            parsed = json.loads(body)
        except ValueError as error:
            return [f"status {status}: body is not JSON ({error})"]
        return [f"body: {error}" for error in self._errors(pointer, parsed, write=False)]


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """Query, path and header values arrive as strings; OpenAPI types them."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def _describe(error: Any) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    message = error.message
    if len(message) > 200:
        # jsonschema quotes the whole instance; for a 64 KiB string the rule is what matters.
        shown = repr(error.instance)
        if len(shown) > 40:
            size = f" ({len(error.instance)} long)" if hasattr(error.instance, "__len__") else ""
            shown = shown[:40] + "…" + size
        rule = repr(error.validator_value)
        message = f"{shown} fails {error.validator} {rule[:80]}"
    return f"at {where}: {message}"


@functools.cache
def load(path: Path = SUBSET) -> OpenAPI:
    """The subset, loaded once per process (the fake and the contract test share it)."""
    return OpenAPI(path)
