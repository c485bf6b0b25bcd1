"""The OSO overstapdossier (transfers/oso.py) and its download route.

The schema (Edustandaard `OSO_gegevensset.xsd`, github.com/edustandaard/oso-gegevensset, commit 5ef550f7) has no
licence that lets this project copy it, so it is not vendored: `SEQUENCES` below transcribes, for every element the
dossier writes, the schema's sequence of child elements in the schema's order with minOccurs/maxOccurs (a choice is
one entry "a|b"), and `PATTERNS` the simple types' patterns. `conforms` checks a dossier against that transcription:
namespace, known children only, schema order, required children present, maxOccurs kept."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from datetime import date
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from rondom.audit.models import AccessLogEntry
from rondom.cases.models import Plan
from rondom.transfers import oso
from rondom.transfers.models import Transfer, TransferState
from tests.factories import SchoolGroupFactory, make_bsn

from . import world as w

pytestmark = pytest.mark.django_db

NS = "http://www.edustandaard.nl/oso_gegevensset/2019/dossier"
U = 10**6  # unbounded
#: parent element -> its children in schema order: (name or "a|b" for a choice, minOccurs, maxOccurs).
SEQUENCES: dict[str, list[tuple[str, int, int]]] = {
    # dossierType
    "dossier": [("metadata", 1, 1), ("overdrachtsoort", 1, 1), ("inzage", 0, 1), ("huidigeschool", 1, 1)],
    "metadata": [
        ("deeldossier", 1, 1),
        ("pakketnaam", 1, 1),
        ("pakketversie", 1, 1),
        ("datum", 1, 1),
        ("standaardversie", 1, 1),
        ("validatieversie", 1, 1),
        ("categorie_uitlevering", 0, 1),
        ("overstap", 0, 1),
    ],
    # huidigeschoolType: instellingType, then schoolType's extension, then leerling
    "huidigeschool": [
        ("naam", 1, 1),
        ("adreslijst", 0, 1),
        ("communicatielijst", 0, 1),
        ("brincode", 1, 1),
        ("vestigingscode", 1, 1),
        ("aanleverpunt", 1, 1),
        ("soort", 0, 1),
        ("type", 0, 1),
        ("naamdirecteur", 0, 1),
        ("website", 0, 1),
        ("leerling", 1, 1),
    ],
    # leerlingType (up to and including onderwijsondersteuning; the rest is never written)
    "leerling": [
        ("voornaam", 0, U),
        ("voorletters-1", 0, 1),
        ("voorvoegsel", 0, 1),
        ("achternaam", 1, 1),
        ("roepnaam", 0, 1),
        ("geboortedatum|geboortemaand", 0, 1),
        ("geslacht", 0, 1),
        ("adresgeheim", 0, 1),
        ("adreslijst|postcode4adres", 0, 1),
        ("communicatielijst", 0, 1),
        ("gba", 0, 1),
        ("adresbuitenland", 0, U),
        ("geboorteplaats", 0, 1),
        ("nationaliteit", 0, U),
        ("onderwijsnummer|bsn", 0, 1),
        ("leerlingid", 0, 1),
        ("onderwijssinds", 0, 1),
        ("startdatumhuidigonderwijs", 0, 1),
        ("datuminschrijving", 0, 1),
        ("datumuitschrijving", 0, 1),
        ("teruggeplaatstnaarbrin", 0, 1),
        ("leerlinggewicht", 0, 1),
        ("nnca", 0, 1),
        ("tehuis", 0, 1),
        ("huisarts", 0, 1),
        ("verzorgersaansprakelijk", 0, 1),
        ("aansprakelijkeinstelling", 0, 1),
        ("overstapadvies", 0, 1),
        ("vanpeuterspeelzaal", 0, 1),
        ("naampeuterspeelzaal", 0, 1),
        ("voorschools", 0, 1),
        ("vroegschools", 0, U),
        ("schoolloopbaanlijst", 0, 1),
        ("onderwijsondersteuning", 0, 1),
    ],
    "overstapadvies": [
        ("advies", 0, 1),
        ("wensouders", 0, 1),
        ("wensleerling", 0, 1),
        ("herzienadvies", 0, 1),
        ("motivatie_herzienadvies", 0, 1),
        ("profiel", 0, 1),
        ("argumentatie", 0, 1),
        ("contactnodig", 0, 1),
        ("contactpersoon", 0, 1),
        ("contacttelefoon", 0, 1),
        ("contactemail", 0, 1),
        ("aandachtspunten", 0, 1),
    ],
    "schoolloopbaanlijst": [("schoolloopbaan", 1, U)],
    # schoolloopbaanType
    "schoolloopbaan": [
        ("schooljaar", 1, 1),
        ("groepscode", 1, 1),
        ("groepsnaam", 0, 1),
        ("jaargroep", 1, 1),
        ("begindatum", 0, 1),
        ("einddatum", 0, 1),
        ("brincode", 1, 1),
        ("vestigingscode", 1, 1),
        ("schoolsoort", 0, 1),
        ("schooltype", 0, 1),
        ("voelementcode", 0, 1),
        ("voelementomschrijving", 0, 1),
        ("schoolsoortomschrijving", 0, 1),
    ],
    "onderwijsondersteuning": [
        ("toelichting_onderwijsbehoeften", 0, 1),
        ("diagnose", 0, U),
        ("medicijngebruik", 0, 1),
        ("handelingsplan", 0, U),
        ("opp", 0, 1),
        ("tlv", 0, U),
        ("arrangement_cluster12", 0, U),
        ("arrangement_pao", 0, U),
        ("lwoo", 0, 1),
        ("rvc", 0, 1),
        ("documentLijst", 0, 1),
    ],
    "toelichting_onderwijsbehoeften": [("document", 1, 1)],
    # documentType
    "document": [("bestandsnaam", 1, 1), ("omschrijving", 0, 1), ("bestandsinhoud", 1, 1)],
    "opp": [("opp_ingangdatum", 1, 1), ("opp_einddatum", 0, 1), ("document", 0, U)],
}
#: Simple types of the elements written: brincodeType, vestigingscodeType, schooljaarType, xs:date.
PATTERNS = {
    "brincode": r"[0-9][0-9][A-Z][A-Z]",
    "vestigingscode": r"[0-9][0-9]",
    "schooljaar": r"[0-9]{4}-[0-9]{4}",
    "datum": r"\d{4}-\d{2}-\d{2}",
    "geboortedatum": r"\d{4}-\d{2}-\d{2}",
    "opp_ingangdatum": r"\d{4}-\d{2}-\d{2}",
}


def conforms(element: ET.Element) -> None:
    """Asserts that `element` and everything under it follow SEQUENCES and PATTERNS (a leaf is a non-empty
    string: nonEmptyStringType, the type of nearly every leaf written)."""
    ns, _, name = element.tag[1:].partition("}")
    assert ns == NS, element.tag
    children = list(element)
    if name not in SEQUENCES:
        assert not children, f"{name} is written as a leaf here"
        assert (element.text or "").strip(), f"{name} is empty"
        if name in PATTERNS:
            assert re.fullmatch(PATTERNS[name], element.text or ""), (name, element.text)
        return
    slots = SEQUENCES[name]
    position, counts = 0, [0] * len(slots)
    for child in children:
        tag = child.tag.split("}")[1]
        index = next((i for i, (slot, _, _) in enumerate(slots) if tag in slot.split("|")), None)
        assert index is not None, f"{tag} is no child of {name}"
        assert index >= position, f"{tag} comes too late in {name}"
        position = index
        counts[index] += 1
        assert counts[index] <= slots[index][2], f"too many {tag} in {name}"
        conforms(child)
    for (slot, least, _), count in zip(slots, counts, strict=True):
        assert count >= least, f"{slot} missing in {name}"


def _dossier(transfer: Transfer, today: date = date(2026, 12, 1)) -> ET.Element:
    return ET.fromstring(oso.build(transfer, today=today))


def _names(root: ET.Element) -> list[str]:
    return [e.tag.split("}")[1] for e in root.iter()]


def test_an_offered_transfer_gives_a_dossier_in_the_schemas_names_and_order() -> None:
    world = w.build()
    group = SchoolGroupFactory(school=world.po, school_year="2026-2027", key="8a", name="Groep 8A", jaargroep="8")
    world.child.school_group = group
    world.child.set_bsn(make_bsn(7))
    world.child.save()
    Plan.objects.create(child=world.child, opp_basis="extra_support", opp_since=date(2026, 9, 1))
    transfer = w.offer(world)
    root = _dossier(transfer)
    conforms(root)
    assert root.tag == f"{{{NS}}}dossier"
    text = {e.tag.split("}")[1]: (e.text or "") for e in root.iter() if not list(e)}
    assert text["overdrachtsoort"] == "overstapdossier" and text["overstap"] == "POVO"
    assert text["standaardversie"] == "2019.1" and text["datum"] == "2026-12-01"
    school = root.find(f"{{{NS}}}huidigeschool")
    assert school is not None
    assert school.findtext(f"{{{NS}}}brincode") == "12AB" and school.findtext(f"{{{NS}}}vestigingscode") == "00"
    assert text["achternaam"] == world.child.family_name
    assert text["geboortedatum"] == world.child.date_of_birth.isoformat()
    assert text["groepscode"] == "8a" and text["jaargroep"] == "8" and text["schooljaar"] == "2026-2027"
    assert text["aandachtspunten"] == "Zij heeft baat bij een vaste mentor."
    assert text["contactpersoon"] == world.po_ib.display_name
    assert text["opp_ingangdatum"] == "2026-09-01"
    # Never the BSN, no number at all for the pupil, no coded element Rondom cannot cite.
    names = _names(root)
    for absent in ("bsn", "onderwijsnummer", "geslacht", "inzage", "verzuim", "leerlingid"):
        assert absent not in names
    assert make_bsn(7).encode() not in oso.build(transfer, today=date(2026, 12, 1))
    # The onderwijskundig rapport travels as a Base64 ZIP holding the PDF.
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(text["bestandsinhoud"])))
    assert archive.namelist() == [text["bestandsnaam"]] and text["bestandsnaam"].endswith(".pdf")
    assert archive.read(text["bestandsnaam"]).startswith(b"%PDF")


def test_what_rondom_does_not_hold_is_left_out_and_a_long_message_is_cut() -> None:
    world = w.build()
    world.vo.school_type = "mbo"
    world.vo.save()
    transfer = w.offer(world)
    Transfer.objects.filter(pk=transfer.pk).update(message="x" * 400)
    transfer.refresh_from_db()
    root = _dossier(transfer)
    conforms(root)
    names = _names(root)
    assert "overstap" not in names  # po -> mbo: no code the schema names
    assert "schoolloopbaanlijst" not in names  # no group from the roster import
    assert "opp" not in names  # no OPP
    attention = root.find(f".//{{{NS}}}aandachtspunten")
    assert attention is not None and len(attention.text or "") == 280 and (attention.text or "").endswith("…")


def test_no_dossier_for_a_declined_transfer_or_a_school_without_brin() -> None:
    world = w.build()
    transfer = w.offer(world)
    Transfer.objects.filter(pk=transfer.pk).update(state=TransferState.DECLINED)
    transfer.refresh_from_db()
    with pytest.raises(ValidationError) as declined:
        oso.build(transfer, today=date(2026, 12, 1))
    assert "transfer" in declined.value.message_dict
    Transfer.objects.filter(pk=transfer.pk).update(state=TransferState.OFFERED)
    transfer.refresh_from_db()
    world.po.brin = ""
    world.po.save()
    with pytest.raises(ValidationError) as no_brin:
        oso.build(transfer, today=date(2026, 12, 1))
    assert "from_school" in no_brin.value.message_dict


def test_the_download_is_for_the_sending_school_and_after_acceptance_the_receiving_school(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    url = f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/overstapdossier.xml"
    sending = login(world.po_ib)
    page = sending.get(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/").content.decode()
    assert url in page
    response = sending.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    conforms(ET.fromstring(response.content))
    assert AccessLogEntry.objects.filter(
        object_type="transfer_oso", action="export", user_id=world.po_ib.pk, child_id=world.child.pk
    ).exists()
    w.consent(world)
    receiving = login(world.vo_zc)
    assert receiving.get(url).status_code == 403  # while it decides
    accepted = receiving.post(
        f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/", {"action": "accept", "version": transfer.version}
    )
    assert accepted.status_code == 302
    after = receiving.get(url)
    assert after.status_code == 200
    conforms(ET.fromstring(after.content))
    assert AccessLogEntry.objects.filter(object_type="transfer_oso", action="export", user_id=world.vo_zc.pk).exists()


def test_a_declined_transfer_answers_409_not_a_dossier(login) -> None:  # type: ignore[no-untyped-def]
    world = w.build()
    transfer = w.offer(world)
    Transfer.objects.filter(pk=transfer.pk).update(state=TransferState.WITHDRAWN)
    response = login(world.po_ib).get(f"/kinderen/{world.child.pk}/overstap/{transfer.pk}/overstapdossier.xml")
    assert response.status_code == 409
    assert not AccessLogEntry.objects.filter(object_type="transfer_oso").exists()
