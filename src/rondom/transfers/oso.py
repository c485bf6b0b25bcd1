"""A transfer as an OSO overstapdossier: the XML of Edustandaard's "OSO-gegevensset en profielen", version 2019.1
(schema `common/OSO_gegevensset.xsd` of github.com/edustandaard/oso-gegevensset, commit 5ef550f7, namespace
`http://www.edustandaard.nl/oso_gegevensset/2019/dossier`).

Only what Rondom holds goes in, under the schema's element names and in its order (every element named below is
from that schema; the comments name the schema type). Values from the OSO code lists, which are published as
spreadsheets outside that repository, are used only where the schema itself names them as an example
(`overdrachtsoort` "overstapdossier", `deeldossier` "LAS", `overstap` "POVO"/"POPO"/"VOVO", `aanleverpunt` "0");
optional coded elements are left out. The BSN is never written (the schema does not require it, and Rondom keeps
it only encrypted); the onderwijsnummer is kept only as a keyed hash, so it cannot be written either. The
onderwijskundig rapport (rondom.transfers.report) travels as the schema's attachment: a Base64-coded ZIP file
holding the PDF, in `onderwijsondersteuning/toelichting_onderwijsbehoeften/document`. What is left out and why:
docs/transfers.md, "OSO"."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rondom.cases.models import Plan

from . import report
from .models import Transfer, TransferState

NAMESPACE = "http://www.edustandaard.nl/oso_gegevensset/2019/dossier"
#: metadata/standaardversie and validatieversie: the release the schema and its validation stylesheet belong to
#: (the repository's sample dossiers of release 2019.1.1).
STANDARD_VERSION = "2019.1"
VALIDATION_VERSION = "2019.1.1"
PACKAGE_NAME = "Rondom"
PACKAGE_VERSION = "0.1.0"
#: overdrachtsoort (code list 29): "overstapdossier", the schema's example for a transfer between schools.
TRANSFER_TYPE = "overstapdossier"
#: deeldossier (code list 33): "LAS", the schema's example (the leerlingadministratie part; Rondom holds no LVS).
PART = "LAS"
#: aanleverpunt: required; the schema's example "0" (the school's only delivery point). Rondom holds none.
DELIVERY_POINT = "0"
#: metadata/overstap (code list 16) by the school types (accounts.Organisation.school_type) of the sending and the
#: receiving school, for the pairs the schema and the repository's sample dossiers name; others are left out.
OVERSTAP = {("po", "vo"): "POVO", ("po", "po"): "POPO", ("vo", "vo"): "VOVO"}
#: aandachtspunten: at most 280 characters (aandachtspuntenType).
ATTENTION_MAX = 280

#: The states a dossier is made for: an offered transfer (for the sending school) and an accepted one.
EXPORTABLE = frozenset({TransferState.OFFERED, TransferState.ACCEPTED})


def _el(parent: ET.Element, name: str, text: object | None = None) -> ET.Element:
    child = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        child.text = str(text)
    return child


def overstap(transfer: Transfer) -> str:
    """The `overstap` code of the transfer ("POVO", "POPO", "VOVO"), or "" to leave the optional element out."""
    return OVERSTAP.get((transfer.from_school.school_type, transfer.to_school.school_type), "")


def _attachment(transfer: Transfer, today: date) -> tuple[str, str]:
    """(file name, Base64 of a ZIP holding the onderwijskundig rapport as PDF, without the absence summary)."""
    name = f"onderwijskundig-rapport-{transfer.pk}.pdf"
    body = report.render(transfer, today=today, with_absence=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=(today.year, today.month, today.day, 0, 0, 0)), body)
    return name, base64.b64encode(buffer.getvalue()).decode("ascii")


def check(transfer: Transfer) -> None:
    """Raises ValidationError when no valid dossier can be made: a transfer that is not offered or accepted
    (`transfer`), a sending school without BRIN or vestiging number (`from_school`; both are required)."""
    if transfer.state not in EXPORTABLE:
        raise ValidationError(
            {"transfer": _("An OSO dossier is made only for an offered or accepted transfer.")}, code="state"
        )
    school = transfer.from_school
    if not school.brin or not school.vestiging:
        raise ValidationError(
            {"from_school": _("The sending school has no BRIN and vestiging number, which the OSO dossier needs.")},
            code="brin",
        )


def build(transfer: Transfer, *, today: date) -> bytes:
    """The overstapdossier of `transfer` as UTF-8 XML bytes (root `dossier`), dated `today`.

    dossier (dossierType): metadata, overdrachtsoort, huidigeschool. The sending school is `huidigeschool`
    (schoolType: naam, brincode, vestigingscode, aanleverpunt); the receiving school has no element in the dossier
    (OSO addresses it in the exchange, not in the file). leerling (leerlingType): voornaam, achternaam,
    geboortedatum; overstapadvies: contactpersoon and contactemail (who offered the transfer) and aandachtspunten
    (the message, cut to 280 characters); schoolloopbaanlijst: the group at the sending school when the child
    is still placed in one with a jaargroep (the roster import's SchoolGroup); onderwijsondersteuning: the
    onderwijskundig rapport as document and, when the plan is an OPP with a start date, opp/opp_ingangdatum.
    Raises ValidationError (see `check`)."""
    check(transfer)
    child, school = transfer.child, transfer.from_school
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}dossier")

    metadata = _el(root, "metadata")
    _el(metadata, "deeldossier", PART)
    _el(metadata, "pakketnaam", PACKAGE_NAME)
    _el(metadata, "pakketversie", PACKAGE_VERSION)
    _el(metadata, "datum", today.isoformat())
    _el(metadata, "standaardversie", STANDARD_VERSION)
    _el(metadata, "validatieversie", VALIDATION_VERSION)
    code = overstap(transfer)
    if code:
        _el(metadata, "overstap", code)
    _el(root, "overdrachtsoort", TRANSFER_TYPE)

    current = _el(root, "huidigeschool")  # huidigeschoolType = schoolType (instellingType first) + leerling
    _el(current, "naam", school.name)
    _el(current, "brincode", school.brin)
    _el(current, "vestigingscode", school.vestiging)
    _el(current, "aanleverpunt", DELIVERY_POINT)

    pupil = _el(current, "leerling")  # leerlingType
    _el(pupil, "voornaam", child.given_name)
    _el(pupil, "achternaam", child.family_name)
    _el(pupil, "geboortedatum", child.date_of_birth.isoformat())

    sender = transfer.offered_by
    message = " ".join(transfer.message.split())
    if sender is not None or message:
        advice = _el(pupil, "overstapadvies")
        if sender is not None:
            _el(advice, "contactpersoon", sender.display_name)
            if sender.email:
                _el(advice, "contactemail", sender.email)
        if message:
            cut = message if len(message) <= ATTENTION_MAX else message[: ATTENTION_MAX - 1] + "…"
            _el(advice, "aandachtspunten", cut)

    group = child.school_group
    if group is not None and group.school_id == school.pk and group.jaargroep and group.key:
        career = _el(_el(pupil, "schoolloopbaanlijst"), "schoolloopbaan")  # schoolloopbaanType
        _el(career, "schooljaar", group.school_year)
        _el(career, "groepscode", group.key)
        if group.name:
            _el(career, "groepsnaam", group.name)
        _el(career, "jaargroep", group.jaargroep)
        _el(career, "brincode", school.brin)
        _el(career, "vestigingscode", school.vestiging)

    support = _el(pupil, "onderwijsondersteuning")
    document = _el(_el(support, "toelichting_onderwijsbehoeften"), "document")  # documentType
    name, content = _attachment(transfer, today)
    _el(document, "bestandsnaam", name)
    _el(document, "omschrijving", "Onderwijskundig rapport")
    _el(document, "bestandsinhoud", content)
    plan = Plan.objects.filter(child=child).first()
    if plan is not None and plan.opp_basis and plan.opp_since:
        _el(_el(support, "opp"), "opp_ingangdatum", plan.opp_since.isoformat())

    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
