"""The API's JSON parser: bounded in size and nesting depth, so no body can exhaust the stack or memory.

A body that is too large or nested too deeply answers 400 with a Dutch message naming the limit; nothing is
parsed or changed. Limits come from the settings ``API_JSON_MAX_BYTES`` (default 1 MB) and
``API_JSON_MAX_DEPTH`` (default 32 levels of objects and arrays) — see docs/production.md.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: A JSON string literal (with escapes); removed before counting brackets, so brackets inside text do not count.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def max_depth(text: str) -> int:
    """The deepest nesting of objects and arrays in a JSON text (0 for a scalar); brackets in strings ignored.

    Runs in linear time without recursion, so it is safe on any input, valid JSON or not.
    """
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth limit, checked before ``json.loads`` sees the body."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = int(getattr(settings, "API_JSON_MAX_BYTES", 1_000_000))
        depth_limit = int(getattr(settings, "API_JSON_MAX_DEPTH", 32))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(_("The request is too large: at most %(n)d bytes of JSON are accepted.") % {"n": limit})
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("The request is not valid JSON text.")) from exc
        if max_depth(text) > depth_limit:
            raise ParseError(
                _("The request is nested too deeply: at most %(n)d levels of lists and objects.") % {"n": depth_limit}
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("The request is not valid JSON: %(reason)s") % {"reason": str(exc)[:200]}) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
