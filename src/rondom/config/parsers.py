"""The API's JSON parser: bounded in size and nesting depth, so no body can exhaust the stack or memory.

A body that is too large or nested too deeply answers 400 with a Dutch message naming the limit; nothing is
parsed or changed. Limits come from the settings ``API_JSON_MAX_BYTES`` (default 1 MB) and
``API_JSON_MAX_DEPTH`` (default 32 levels of objects and arrays) — see docs/production.md.

A body over Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) is refused by Django before this parser sees it
(``RequestDataTooBig``); the API's exception handler answers it with the same Dutch 400 (too_large()) after
reading and discarding the unread body (drain()), so the client gets the answer instead of a reset connection.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from typing import IO, Any, Protocol

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


#: The most of an oversized body that is read (and thrown away, 64 KB at a time) to answer it cleanly; beyond it
#: the connection is closed unanswered, as before (the TLS proxy's own body limit should be lower).
DRAIN_MAX_BYTES = 32 * 1024 * 1024


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def json_limit() -> int:
    """The largest JSON body the API reads, in bytes: API_JSON_MAX_BYTES, or Django's upload limit if lower."""
    limit = int(getattr(settings, "API_JSON_MAX_BYTES", 1_000_000))
    upload = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return min(limit, int(upload)) if upload is not None else limit


def too_large() -> ParseError:
    """The Dutch 400 for a body over the limit (DRF ParseError), naming the limit in bytes."""
    return ParseError(_("The request is too large: at most %(n)d bytes of JSON are accepted.") % {"n": json_limit()})


def drain(request: _Readable, cap: int = DRAIN_MAX_BYTES) -> int:
    """Read and discard what is left of a request's body, at most `cap` bytes, 64 KB at a time; returns the bytes
    read. A server that answers before the client has sent its whole body resets the connection (the client sees
    no answer); reading the rest first lets the 400 arrive. A client that goes away is not an error here."""
    read = 0
    try:
        while read < cap:
            chunk = request.read(min(64 * 1024, cap - read))
            if not chunk:
                break
            read += len(chunk)
    except OSError:
        pass
    return read


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a size and a depth limit, checked before ``json.loads`` sees the body."""

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        limit = json_limit()
        depth_limit = int(getattr(settings, "API_JSON_MAX_DEPTH", 32))
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large()
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
