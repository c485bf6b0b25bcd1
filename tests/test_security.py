"""Security baseline: strict CSP, no personal data in logs, URLs or error pages, BSN encrypted at rest."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from rondom.registry.bsn import is_valid_bsn
from tests.factories import ChildFactory, MembershipFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

BSN = "111222333"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("111222333", True),
        ("123456782", True),
        ("123456789", False),
        ("000000000", False),
        ("12345678", False),
        ("abcdefghi", False),
        ("11122233", False),
        ("1112223334", False),
    ],
)
def test_bsn_elfproef(value: str, valid: bool) -> None:
    assert is_valid_bsn(value) is valid


def test_pages_have_a_strict_content_security_policy(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


def test_the_login_form_is_csrf_protected(client) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 403


def test_bsn_is_encrypted_at_rest_and_never_in_urls_logs_or_pages(login, caplog) -> None:  # type: ignore[no-untyped-def]
    ib = MembershipFactory(role="intern_begeleider")
    client = login(ib.user)
    data = {
        "given_name": "Sara",
        "family_name": "de Wit",
        "date_of_birth": "2016-03-14",
        "bsn": BSN,
        "school": ib.organisation.pk,
        "home_municipality": MunicipalityFactory().pk,
    }
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/children/", data, content_type="application/json")
        child_id = response.json()["id"]
        page = client.get(f"/kinderen/{child_id}/")
        listing = client.get("/kinderen/")
        bad = client.post("/api/children/", {**data, "bsn": "123456789"}, content_type="application/json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT bsn_encrypted, bsn_index FROM registry_child WHERE id = %s", [child_id])
        stored = " ".join(cursor.fetchone())
    assert BSN not in stored
    for body in (response.content, page.content, listing.content, bad.content):
        assert BSN.encode() not in body
        assert b"123456789" not in body
    assert BSN not in caplog.text and "123456789" not in caplog.text
    assert "******333" in page.content.decode()


def test_request_logs_name_the_route_not_the_path(login, caplog) -> None:  # type: ignore[no-untyped-def]
    child = ChildFactory(given_name="Zeldzaam")
    ib = MembershipFactory(organisation=child.school, role="intern_begeleider").user
    with caplog.at_level(logging.INFO, logger="rondom.request"):
        login(ib).post("/kinderen/", {"q": "Zeldzaam"})
    records = [r for r in caplog.records if r.name == "rondom.request"]
    assert records and records[-1].route == "registry:child-list"  # type: ignore[attr-defined]
    assert "Zeldzaam" not in caplog.text


def test_error_pages_show_no_details(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert b"Traceback" not in response.content and b"urlpatterns" not in response.content


def test_health_and_schema_are_public(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/health").json() == {"status": "ok"}
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")


def test_tracebacks_in_logs_are_redacted() -> None:
    from rondom.config.logging import RedactPersonalDataFilter

    try:
        raise ValueError("bsn 111222333 failed")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", ("111222333",), sys.exc_info())
    record.child_hint = "111222333"
    RedactPersonalDataFilter().filter(record)
    assert "111222333" not in record.getMessage()
    assert record.exc_text and "111222333" not in record.exc_text and "[redacted]" in record.exc_text
    assert record.child_hint == "[redacted]"  # type: ignore[attr-defined]


def test_the_second_step_does_not_redirect_to_other_sites(client) -> None:  # type: ignore[no-untyped-def]
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import PASSWORD

    user = MembershipFactory(role="teacher").user
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    response = client.post("/accounts/tweestaps/?next=https://evil.example/", {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302 and response["Location"] == "/kinderen/"


def test_production_refuses_the_demo_keys() -> None:
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "RONDOM_ALLOWED_HOSTS": "rondom.zwolle.nl",
        "DJANGO_SETTINGS_MODULE": "rondom.config.settings",
        "PYTHONPATH": str(settings.SRC_DIR.parent),
    }
    env.pop("RONDOM_SECRET_KEY", None)
    env.pop("RONDOM_FIELD_KEYS", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "demo keys" in result.stderr


# --- /admin/ for who may not use it (security probe 2, finding 3) ------------------------------------------


def test_a_logged_in_non_staff_user_gets_a_dutch_403_at_admin_not_a_redirect_loop(login) -> None:  # type: ignore[no-untyped-def]
    beheer = MembershipFactory(role="functional_admin").user
    assert not beheer.is_staff and not beheer.is_superuser
    client = login(beheer)
    client.cookies["django_language"] = "nl"
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 1, response.redirect_chain
    assert "U heeft geen toegang tot de beheerpagina" in response.content.decode()


def test_a_logged_out_visitor_at_admin_is_sent_to_the_login_once(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert [url for url, _status in response.redirect_chain][-1].startswith("/accounts/login/?next=/admin/")
    assert len(response.redirect_chain) <= 2, response.redirect_chain


def test_staff_still_reach_the_admin(login) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    assert login(staff).get("/admin/").status_code == 200
