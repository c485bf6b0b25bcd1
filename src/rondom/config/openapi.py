"""The OpenAPI schema says every answer the API can give: a post-processing hook adds the error answers that
every operation of its kind can return (issue 12, finding 8: undocumented status codes).

Which operations get which answer:

- 400 — operations with a request body or query parameters (a field named with its Dutch reason; a JSON body too
  large or nested too deeply, rondom.config.parsers);
- 403 — every operation (not logged in, second factor missing, or the role may not do this);
- 404 — operations with a path parameter (an object outside the user's scope reads as not found), and paginated
  lists (a ``page`` beyond the last, rondom.config.pagination);
- 409 — writes (POST, PUT, PATCH, DELETE): a stale version or something recorded at the same moment;
- 415 — operations with a request body, sent in a media type the API does not read;
- 429 — every operation (rate limits).

Each answer has the schema ``Error``: an object with ``detail`` or with field names mapped to lists of reasons
(``non_field_errors`` for reasons about no one field); rondom.config.api is the one mapping of the domain errors
(rondom.core.errors) onto these answers.
"""

from __future__ import annotations

from typing import Any

WRITE_METHODS = {"post", "put", "patch", "delete"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "`detail` (one message) or field names, each with a list of Dutch reasons "
    "(`non_field_errors`: reasons about no one field); rondom.config.api maps the domain errors onto these.",
    "properties": {
        "detail": {"type": "string"},
        "current_version": {"type": "integer"},
        "changes": {"type": "array", "items": {"type": "object", "additionalProperties": {}}},
    },
    "additionalProperties": {},
}
DESCRIPTIONS = {
    "400": "The request is not right: the answer names each field and the reason (in Dutch).",
    "403": "Not logged in, the second factor is missing, or your role may not do this.",
    "404": "Not found, or outside what you may see.",
    "409": "Someone changed or recorded this at the same moment; nothing of yours was written.",
    "415": "The request body is in a media type the API does not read.",
    "429": "Too many requests; try again later.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add the ``Error`` schema and the error answers each operation can
    give (see the module docstring) without overwriting an answer the view documents itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            parameters = operation.get("parameters", [])
            has_body = "requestBody" in operation
            codes = {"403", "429"}
            if has_body or any(p.get("in") == "query" for p in parameters):
                codes.add("400")
            if any(p.get("in") == "path" or (p.get("in"), p.get("name")) == ("query", "page") for p in parameters):
                codes.add("404")
            if method in WRITE_METHODS:
                codes.add("409")
            if has_body:
                codes.add("415")
            responses = operation["responses"]
            for code in sorted(codes):
                if code not in responses:
                    responses[code] = {"description": DESCRIPTIONS[code], "content": error}
                elif "content" not in responses[code]:
                    responses[code]["content"] = error
    return result
