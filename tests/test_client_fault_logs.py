"""Client faults reach the log by route, never by path (security probe 2, finding 2; docs/security.md "Logging").

A body too large, a wrong Host header or a missing CSRF cookie are the client's fault: one WARNING line naming the
route (e.g. ``registry:child-detail``), no traceback, no path with a child's number and no query string. The
request id stays as it was, so log lines can be correlated.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from tests.factories import ChildFactory, MembershipFactory

pytestmark = pytest.mark.django_db

CHILD_PATH = re.compile(r"/(kinderen|api/children)/\d+")


@pytest.fixture
def web_log() -> Iterator[io.StringIO]:
    """What the configured ``stdout`` handler (web.log in production) writes, with its own filter and formatter."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stdout")
    buffer = io.StringIO()
    # Swapped without `setStream`, which flushes the old stream: under pytest that may be a capture file that an
    # earlier test already closed ("I/O operation on closed file").
    with handler.lock:  # type: ignore[union-attr]
        old, handler.stream = handler.stream, buffer  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        with handler.lock:  # type: ignore[union-attr]
            handler.stream = old  # type: ignore[attr-defined]


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def security_lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [line for line in lines(buffer) if str(line["logger"]).startswith(("django.security", "django.request"))]


def assert_no_child_path(buffer: io.StringIO) -> None:
    text = buffer.getvalue()
    assert not CHILD_PATH.search(text), text
    assert "Traceback" not in text and "?" not in "".join(str(line.get("route", "")) for line in lines(buffer))


def ib_client(login, child) -> Client:  # type: ignore[no-untyped-def]
    return login(MembershipFactory(organisation=child.school, role="intern_begeleider").user)  # type: ignore[no-any-return]


def test_a_body_over_the_upload_limit_answers_a_dutch_400_and_logs_no_path(login, web_log, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    settings.API_JSON_MAX_BYTES = 10_000
    child = ChildFactory(pk=25824)
    body = '{"category": "support", "text": "' + "a" * 60_000 + '"}'
    response = ib_client(login, child).post(
        f"/api/children/{child.pk}/notes/?bsn=x", body, content_type="application/json"
    )
    assert response.status_code == 400 and "te groot" in response.json()["detail"]
    assert_no_child_path(web_log)
    assert all(line["level"] != "ERROR" for line in lines(web_log)), web_log.getvalue()


def test_a_wrong_host_header_is_a_warning_naming_the_route_not_the_path(login, web_log) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(pk=25824)
    response = ib_client(login, child).get(f"/kinderen/{child.pk}/?q=Zeldzaam", HTTP_HOST="evil.example")
    assert response.status_code == 400
    found = security_lines(web_log)
    assert [line["logger"] for line in found] == ["django.security.DisallowedHost"], web_log.getvalue()
    assert found[0]["level"] == "WARNING" and found[0]["route"] == "registry:child-detail"
    assert "exc_info" not in found[0] and "request" not in found[0]
    assert_no_child_path(web_log)
    assert "Zeldzaam" not in web_log.getvalue()


def test_a_missing_csrf_cookie_is_a_warning_naming_the_route_not_the_path(web_log) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(pk=25824)
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/kinderen/{child.pk}/aantekeningen/?bsn=123", {"text": "x"})
    assert response.status_code == 403
    found = security_lines(web_log)
    assert [line["logger"] for line in found] == ["django.security.csrf"], web_log.getvalue()
    assert found[0]["level"] == "WARNING" and found[0]["route"] == "registry:note-create"
    assert found[0]["message"] == "Forbidden (CSRF cookie not set.): registry:note-create"
    assert_no_child_path(web_log)


def test_a_server_error_keeps_its_traceback_but_names_the_route_not_the_path(login, web_log, settings) -> None:  # type: ignore[no-untyped-def]
    from unittest import mock

    child = ChildFactory(pk=25824)
    client = ib_client(login, child)
    client.raise_request_exception = False
    with mock.patch("rondom.registry.views.ChildDetailView.get", side_effect=RuntimeError("boom")):
        assert client.get(f"/kinderen/{child.pk}/").status_code == 500
    found = security_lines(web_log)
    assert found and found[0]["level"] == "ERROR" and found[0]["route"] == "registry:child-detail"
    assert "Traceback" in str(found[0]["exc_info"]) and not CHILD_PATH.search(web_log.getvalue())


def test_the_request_id_is_never_redacted_but_text_fields_are() -> None:
    from rondom.config.logging import RedactPersonalDataFilter

    record = logging.LogRecord("rondom.request", logging.INFO, __file__, 1, "request", (), None)
    record.request_id = "b1729c123456789d"
    record.note = "bsn 123456789"
    RedactPersonalDataFilter().filter(record)
    assert record.request_id == "b1729c123456789d"  # type: ignore[attr-defined]
    assert record.note == "bsn [redacted]"  # type: ignore[attr-defined]


def test_a_three_megabyte_body_on_the_children_api_answers_the_dutch_400_with_the_limit(login, web_log) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(pk=25824)
    body = '{"given_name": "' + "a" * 3_000_000 + '"}'
    response = ib_client(login, child).post("/api/children/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Het verzoek is te groot: er wordt maximaal 1000000 bytes JSON aangenomen."
    assert not security_lines(web_log)  # answered by the API itself: no django.security line at all


def test_the_rest_of_an_oversized_body_is_read_so_the_answer_reaches_the_client() -> None:
    from django.test import RequestFactory

    from rondom.config.parsers import drain

    request = RequestFactory().post("/api/children/", b"x" * 300_000, content_type="application/json")
    request.read(1_000)  # what Django or the parser had read before refusing
    assert drain(request) == 299_000
    assert request.read() == b""


def test_draining_stops_at_its_cap() -> None:
    from django.test import RequestFactory

    from rondom.config.parsers import drain

    request = RequestFactory().post("/api/children/", b"x" * 300_000, content_type="application/json")
    assert drain(request, cap=100_000) == 100_000
    assert len(request.read()) == 200_000


def test_a_foreign_referer_with_a_childs_path_is_logged_without_that_path(web_log) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(pk=25824)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/kinderen/{child.pk}/aantekeningen/",
        {"text": "x"},
        secure=True,
        HTTP_REFERER=f"https://evil.example/kinderen/{child.pk}/?q=Zeldzaam",
    )
    assert response.status_code == 403
    found = security_lines(web_log)
    assert [line["logger"] for line in found] == ["django.security.csrf"], web_log.getvalue()
    assert "https://evil.example/[path]" in str(found[0]["message"]), found
    assert_no_child_path(web_log)
    assert "Zeldzaam" not in web_log.getvalue()
