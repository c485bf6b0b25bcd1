"""Reading an EDEXML 2.1 file (Edustandaard, "EDEX": the XML that ParnasSys, Esis and other school administration
systems export for other applications) into a `Roster`.

The structure followed (Edustandaard EDEXML 2.1; docs/roster.md lists it), namespaced or not::

    <EDEX>
      <school> <schooljaar>2026-2027</schooljaar> <brincode>12AB</brincode> <dependancecode>00</dependancecode> ...
      <groepen> <groep key="G1"> <naam>7B</naam> <jaargroep>7</jaargroep> </groep> ... </groepen>
      <leerlingen>
        <leerling key="L1"> <achternaam/> <voorvoegsel/> <roepnaam/> <geboortedatum>2015-03-01</geboortedatum>
          <groep key="G1"/> [<bsn/>] [<onderwijsnummer/>] [<eckid/>] </leerling> ...
      </leerlingen>
      <leerkrachten>
        <leerkracht key="T1"> <achternaam/> <voorvoegsel/> <roepnaam/> <emailadres/>
          <groepen> <groep key="G1"/> [<samengestelde_groep key="..."/>] </groepen> </leerkracht> ...
      </leerkrachten>
    </EDEX>

Other elements (geslacht, jaargroep of a pupil, samengestelde_groepen, ...) are read over. The file is parsed with
expat with every DOCTYPE and entity declaration refused (no external entities, no entity expansion: no XXE, no
"billion laughs"). Row numbers in errors are the file's line numbers.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field, replace
from datetime import date
from typing import IO, Any
from xml.parsers import expat

from django.utils.translation import gettext as _

from .checks import check_roster
from .types import Roster, RosterGroup, RosterPupil, RosterRefused, RosterTeacher, RowError

Source = str | os.PathLike[str] | bytes | IO[bytes]

#: The most pupils one file may hold (the largest school board's roster is about 24,000; a school far fewer).
MAX_PUPILS = 30_000
#: Files larger than this are refused before parsing: the demo's EDEXML takes about BYTES_PER_PUPIL bytes a pupil
#: (measured with edexml_writer, every optional field filled, long names: 391); a school system that writes more
#: elements per pupil (geslacht, nationaliteit, ...) gets four times that: 48 MB (the web upload allows 50 MB).
BYTES_PER_PUPIL = 400
MAX_BYTES = MAX_PUPILS * BYTES_PER_PUPIL * 4
#: The most EDEXML elements kept (the ones this reader reads; all others are skipped while parsing): a pupil is
#: about 9 (leerling and its fields), a teacher a few more; 20 a pupil is generous.
MAX_ELEMENTS = MAX_PUPILS * 20

#: The elements read, per path of their parent (local names, under the root): everything else is skipped while
#: parsing, so an unknown subtree costs no memory however large it is.
_READ: dict[tuple[str, ...], frozenset[str]] = {
    (): frozenset({"school", "groepen", "leerlingen", "leerkrachten", "samengestelde_groepen"}),
    ("school",): frozenset({"brincode", "dependancecode", "vestiging", "schooljaar"}),
    ("groepen",): frozenset({"groep"}),
    ("groepen", "groep"): frozenset({"naam", "jaargroep"}),
    ("leerlingen",): frozenset({"leerling"}),
    ("leerlingen", "leerling"): frozenset(
        {
            "roepnaam",
            "achternaam",
            "voorvoegsel",
            "tussenvoegsel",
            "geboortedatum",
            "groep",
            "bsn",
            "burgerservicenummer",
            "onderwijsnummer",
            "eckid",
            "eck_id",
        }
    ),
    ("leerkrachten",): frozenset({"leerkracht"}),
    ("leerkrachten", "leerkracht"): frozenset(
        {"roepnaam", "achternaam", "voorvoegsel", "tussenvoegsel", "emailadres", "groepen"}
    ),
    ("leerkrachten", "leerkracht", "groepen"): frozenset({"groep", "samengestelde_groep"}),
    ("samengestelde_groepen",): frozenset({"samengestelde_groep"}),
}


class _Forbidden(Exception):
    pass


class _TooMany(Exception):
    pass


@dataclass(slots=True)
class _Node:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def find(self, tag: str) -> _Node | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[_Node]:
        return [child for child in self.children if child.tag == tag]

    def value(self, *tags: str) -> str:
        for tag in tags:
            node = self.find(tag)
            if node is not None:
                return node.text
        return ""


def _local(name: str) -> str:
    """'uri local' (expat's namespace form) or 'prefix:local' -> 'local'."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def _read_bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            return handle.read(MAX_BYTES + 1)
    data = source.read(MAX_BYTES + 1)
    return data.encode("utf-8") if isinstance(data, str) else data


def _parse_tree(data: bytes) -> _Node:
    """The document as a tree of `_Node`s (local names, line numbers). Raises RosterRefused for a file that is not
    well-formed XML or declares a DOCTYPE or entities."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    root: list[_Node] = []
    stack: list[_Node] = []

    def forbid(*_args: Any) -> int:
        raise _Forbidden

    names: dict[str, str] = {}

    def local(name: str) -> str:
        found = names.get(name)
        if found is None:
            found = names[name] = _local(name)
        return found

    path: list[str] = []  # local names of the kept open elements under the root
    skipping = 0  # depth inside an element that is not read
    kept = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal skipping, kept
        tag = local(name)
        if skipping or (stack and tag not in _READ.get(tuple(path), ())):
            skipping += 1
            return
        kept += 1
        if kept > MAX_ELEMENTS:
            raise _TooMany
        node = _Node(tag, {local(k): v for k, v in attrs.items()} if attrs else {}, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
            path.append(tag)
        else:
            root.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        nonlocal skipping
        if skipping:
            skipping -= 1
            return
        stack.pop()
        if path:
            path.pop()

    def text(data: str) -> None:
        # Only the text of an element that holds no elements of its own (a value) is kept.
        if stack and not skipping and tuple(path) not in _READ:
            stack[-1].parts.append(data)

    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except _TooMany:
        raise RosterRefused(
            [
                RowError(
                    parser.CurrentLineNumber,
                    "EDEX",
                    _("The file holds more than %(max)s pupils or far more elements than EDEXML has per pupil.")
                    % {"max": f"{MAX_PUPILS:,}".replace(",", ".")},
                )
            ]
        ) from None
    except _Forbidden:
        raise RosterRefused(
            [RowError(parser.CurrentLineNumber, "EDEX", _("The file declares a DOCTYPE or entities; EDEXML has none."))]
        ) from None
    except expat.ExpatError as error:
        raise RosterRefused(
            [
                RowError(
                    error.lineno or 0,
                    "EDEX",
                    _("The file is not valid XML (%(reason)s).") % {"reason": expat.ErrorString(error.code)},
                )
            ]
        ) from None
    if not root:
        raise RosterRefused([RowError(0, "EDEX", _("The file is empty."))])
    return root[0]


def _date(text: str) -> date | None:
    """An xs:date 'YYYY-MM-DD' (ASCII digits; a time-zone suffix is ignored) -> date, or None."""
    text = text.strip()[:10]
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    digits = text[:4] + text[5:7] + text[8:10]
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def parse_edexml(source: Source) -> Roster:
    """Read an EDEXML 2.1 file (a path, bytes or a binary file) into a `Roster` (full export).

    Raises RosterRefused with every error found (line number, the EDEXML element's name, a Dutch reason): not XML,
    not EDEX, a missing school/brincode/schooljaar, a leerling without key, roepnaam, achternaam or a valid
    geboortedatum, an unknown groep, duplicate keys, a BSN that fails the elfproef (checks.check_roster)."""
    data = _read_bytes(source)
    if len(data) > MAX_BYTES:
        raise RosterRefused([RowError(0, "EDEX", _("The file is too large."))])
    tree = _parse_tree(data)
    if tree.tag != "EDEX":
        raise RosterRefused([RowError(tree.line, tree.tag, _("This is not an EDEXML file (no EDEX element)."))])
    errors: list[RowError] = []
    school = tree.find("school")
    if school is None:
        errors.append(RowError(tree.line, "school", _("The file has no school element.")))
        school = _Node("school", {}, tree.line)
    roster = Roster(
        brin=school.value("brincode").upper(),
        vestiging=school.value("dependancecode", "vestiging"),
        school_year=school.value("schooljaar"),
    )
    for container in tree.findall("groepen"):
        for node in container.findall("groep"):
            roster.groups.append(
                RosterGroup(
                    key=node.attrib.get("key", "").strip(),
                    name=node.value("naam"),
                    jaargroep=node.value("jaargroep"),
                    row=node.line,
                )
            )
    for container in tree.findall("leerlingen"):
        for node in container.findall("leerling"):
            born = node.value("geboortedatum")
            day = _date(born)
            if day is None:
                errors.append(
                    RowError(
                        node.line,
                        "geboortedatum",
                        _("This field is required.") if not born else _("This is not a date (YYYY-MM-DD)."),
                    )
                )
            group = node.find("groep")
            roster.pupils.append(
                RosterPupil(
                    key=node.attrib.get("key", "").strip(),
                    given_name=node.value("roepnaam"),
                    family_name=node.value("achternaam"),
                    voorvoegsel=node.value("voorvoegsel", "tussenvoegsel"),
                    date_of_birth=day or date.min,
                    group_key=group.attrib.get("key", "").strip() if group is not None else "",
                    bsn=node.value("bsn", "burgerservicenummer"),
                    onderwijsnummer=node.value("onderwijsnummer"),
                    eck_id=node.value("eckid", "eck_id"),
                    row=node.line,
                )
            )
    for container in tree.findall("leerkrachten"):
        for node in container.findall("leerkracht"):
            keys: list[str] = []
            for groups in node.findall("groepen"):
                for link in groups.children:
                    if link.tag in ("groep", "samengestelde_groep") and link.attrib.get("key"):
                        keys.append(link.attrib["key"].strip())
            roster.teachers.append(
                RosterTeacher(
                    key=node.attrib.get("key", "").strip(),
                    given_name=node.value("roepnaam"),
                    family_name=node.value("achternaam"),
                    voorvoegsel=node.value("voorvoegsel", "tussenvoegsel"),
                    email=node.value("emailadres"),
                    group_keys=tuple(dict.fromkeys(keys)),
                    row=node.line,
                )
            )
    # A teacher may name samengestelde groepen, which this reader does not load as groups: those links are left
    # out (a link to a group the file does not define at all stays an error, as for a pupil).
    samengesteld = {
        link.attrib.get("key", "").strip()
        for container in tree.findall("samengestelde_groepen")
        for link in container.findall("samengestelde_groep")
    } - {g.key for g in roster.groups}
    if samengesteld:
        roster.teachers = [
            replace(t, group_keys=tuple(k for k in t.group_keys if k not in samengesteld)) for t in roster.teachers
        ]
    errors.extend(check_roster(roster))
    if errors:
        raise RosterRefused(sorted(_dedupe(errors), key=lambda e: e.row))
    return roster


def _dedupe(errors: list[RowError]) -> list[RowError]:
    return list(dict.fromkeys(errors))


def parse_edexml_text(text: str) -> Roster:
    """`parse_edexml` for a str (tests, the demo's generator)."""
    return parse_edexml(io.BytesIO(text.encode("utf-8")))
