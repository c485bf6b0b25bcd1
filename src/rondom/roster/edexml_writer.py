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
from xml.sax.saxutils import escape, quoteattr

from .types import Roster

#: The version the document declares (``school/xsdversie``).
XSD_VERSION = "2.1"
#: ``geslacht`` is required by the schema; the roster does not carry it: 0 = onbekend (EDEXML's code list).
UNKNOWN_SEX = "0"


def _element(lines: list[str], indent: str, tag: str, value: str, *, optional: bool = False) -> None:
    if optional and not value:
        return
    lines.append(f"{indent}<{tag}>{escape(value)}</{tag}>")


def write_edexml(roster: Roster, *, created: datetime, author: str = "Rondom") -> bytes:
    """The EDEXML 2.1 document of ``roster`` as UTF-8 bytes with an XML declaration, one element a line (the
    reader's row report names lines a person can find).

    ``created`` is the export's moment (``school/aanmaakdatum``; passed in, never the wall clock) and ``author`` the
    exporting system (``school/auteur``). Groups, pupils and teachers are written in the order given; a pupil's
    ``jaargroep`` is that of his or her group. Optional values (voorvoegsel, BSN, onderwijsnummer, ECK iD, e-mail) are
    left out when blank, as the schema allows. Text and attributes are escaped. Raises nothing: the reader checks
    the content (keys, dates, BSN). Written as text, not through a DOM: the demo writes 24,000 pupils with it."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<EDEX>", " <school>"]
    _element(lines, "  ", "schooljaar", roster.school_year)
    _element(lines, "  ", "brincode", roster.brin)
    _element(lines, "  ", "dependancecode", roster.vestiging)
    _element(lines, "  ", "aanmaakdatum", created.replace(microsecond=0, tzinfo=None).isoformat())
    _element(lines, "  ", "auteur", author)
    _element(lines, "  ", "xsdversie", XSD_VERSION)
    lines += [" </school>", " <groepen>"]
    jaargroep = {g.key: g.jaargroep for g in roster.groups}
    for group in roster.groups:
        lines.append(f"  <groep key={quoteattr(group.key)}>")
        _element(lines, "   ", "naam", group.name)
        _element(lines, "   ", "jaargroep", group.jaargroep, optional=True)
        lines.append("  </groep>")
    lines += [" </groepen>", " <leerlingen>"]
    for pupil in roster.pupils:
        lines.append(f"  <leerling key={quoteattr(pupil.key)}>")
        _element(lines, "   ", "achternaam", pupil.family_name)
        _element(lines, "   ", "voorvoegsel", pupil.voorvoegsel, optional=True)
        _element(lines, "   ", "roepnaam", pupil.given_name)
        _element(lines, "   ", "geboortedatum", pupil.date_of_birth.isoformat())
        _element(lines, "   ", "geslacht", UNKNOWN_SEX)
        _element(lines, "   ", "jaargroep", jaargroep.get(pupil.group_key, ""), optional=True)
        _element(lines, "   ", "bsn", pupil.bsn, optional=True)
        _element(lines, "   ", "onderwijsnummer", pupil.onderwijsnummer, optional=True)
        if pupil.group_key:
            lines.append(f"   <groep key={quoteattr(pupil.group_key)}/>")
        _element(lines, "   ", "eckid", pupil.eck_id, optional=True)
        lines.append("  </leerling>")
    lines += [" </leerlingen>", " <leerkrachten>"]
    for teacher in roster.teachers:
        lines.append(f"  <leerkracht key={quoteattr(teacher.key)}>")
        _element(lines, "   ", "achternaam", teacher.family_name)
        _element(lines, "   ", "voorvoegsel", teacher.voorvoegsel, optional=True)
        _element(lines, "   ", "roepnaam", teacher.given_name)
        _element(lines, "   ", "emailadres", teacher.email, optional=True)
        if teacher.group_keys:
            lines.append("   <groepen>")
            lines += [f"    <groep key={quoteattr(key)}/>" for key in teacher.group_keys]
            lines.append("   </groepen>")
        lines.append("  </leerkracht>")
    lines += [" </leerkrachten>", "</EDEX>", ""]
    return "\n".join(lines).encode("utf-8")
