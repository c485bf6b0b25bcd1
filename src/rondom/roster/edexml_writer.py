"""Writing a roster as an EDEXML 2.1 document (Edustandaard), the file a school administration system (ParnasSys,
Esis) exports for other applications. Used by the demo, which loads its pupils through the real roster import from
files written here (issue 15: "the demo itself proves it"), and by tests that need a school's export.

The structure is EDEXML 2.1's (``EDEXML.structuur.2.1.xsd``; the reader is `rondom.roster.edexml.parse_edexml`):

    <EDEX>
      <school> schooljaar, brincode, dependancecode, aanmaakdatum, auteur, xsdversie </school>
      <groepen> <groep key=".."> naam, jaargroep </groep> ... </groepen>
      <leerlingen>
        <leerling key=".."> achternaam, voorvoegsel, roepnaam, geboortedatum, geslacht, jaargroep, bsn |
                            onderwijsnummer, <groep key=".."/>, eckid </leerling> ...
      </leerlingen>
      <leerkrachten>
        <leerkracht key=".."> achternaam, voorvoegsel, roepnaam, emailadres, <groepen><groep key=".."/>...</groepen>
        </leerkracht> ...
      </leerkrachten>
    </EDEX>
"""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree as ET

from .types import Roster

#: The version the document declares (``school/xsdversie``).
XSD_VERSION = "2.1"
#: ``geslacht`` is required by the schema; the roster does not carry it: 0 = onbekend (EDEXML's code list).
UNKNOWN_SEX = "0"


def _text(parent: ET.Element, tag: str, value: str, *, optional: bool = False) -> None:
    if optional and not value:
        return
    ET.SubElement(parent, tag).text = value


def write_edexml(roster: Roster, *, created: datetime, author: str = "Rondom") -> bytes:
    """The EDEXML 2.1 document of ``roster`` as UTF-8 bytes with an XML declaration.

    ``created`` is the export's moment (``school/aanmaakdatum``; passed in, never the wall clock) and ``author`` the
    exporting system (``school/auteur``). Groups, pupils and teachers are written in the order given; a pupil's
    ``jaargroep`` is that of his or her group. Optional values (voorvoegsel, BSN, onderwijsnummer, ECK iD, e-mail) are
    left out when blank, as the schema allows. Raises nothing: the reader checks the content (keys, dates, BSN)."""
    root = ET.Element("EDEX")
    school = ET.SubElement(root, "school")
    _text(school, "schooljaar", roster.school_year)
    _text(school, "brincode", roster.brin)
    _text(school, "dependancecode", roster.vestiging)
    _text(school, "aanmaakdatum", created.replace(microsecond=0, tzinfo=None).isoformat())
    _text(school, "auteur", author)
    _text(school, "xsdversie", XSD_VERSION)

    jaargroep = {g.key: g.jaargroep for g in roster.groups}
    groups = ET.SubElement(root, "groepen")
    for group in roster.groups:
        element = ET.SubElement(groups, "groep", key=group.key)
        _text(element, "naam", group.name)
        _text(element, "jaargroep", group.jaargroep, optional=True)

    pupils = ET.SubElement(root, "leerlingen")
    for pupil in roster.pupils:
        element = ET.SubElement(pupils, "leerling", key=pupil.key)
        _text(element, "achternaam", pupil.family_name)
        _text(element, "voorvoegsel", pupil.voorvoegsel, optional=True)
        _text(element, "roepnaam", pupil.given_name)
        _text(element, "geboortedatum", pupil.date_of_birth.isoformat())
        _text(element, "geslacht", UNKNOWN_SEX)
        _text(element, "jaargroep", jaargroep.get(pupil.group_key, ""), optional=True)
        _text(element, "bsn", pupil.bsn, optional=True)
        _text(element, "onderwijsnummer", pupil.onderwijsnummer, optional=True)
        if pupil.group_key:
            ET.SubElement(element, "groep", key=pupil.group_key)
        _text(element, "eckid", pupil.eck_id, optional=True)

    teachers = ET.SubElement(root, "leerkrachten")
    for teacher in roster.teachers:
        element = ET.SubElement(teachers, "leerkracht", key=teacher.key)
        _text(element, "achternaam", teacher.family_name)
        _text(element, "voorvoegsel", teacher.voorvoegsel, optional=True)
        _text(element, "roepnaam", teacher.given_name)
        _text(element, "emailadres", teacher.email, optional=True)
        if teacher.group_keys:
            taught = ET.SubElement(element, "groepen")
            for key in teacher.group_keys:
                ET.SubElement(taught, "groep", key=key)
    ET.indent(root, space=" ")  # one element a line: the reader's row report names lines a person can find
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
