"""What a family may upload, judged by the file's format rather than by a prefix (issue 11 point 8).

`check(name, data)` decides for one upload and returns the content type to store it with, or raises a
`ValidationError` on the field "file" with a Dutch (translated) reason. Per extension:

- **PDF** (.pdf): accepted when a PDF reader (pypdf) opens it and finds at least one page. Bytes before the
  `%PDF-` header are legal (ISO 32000-2, 7.5.2 allows readers to look for the header in the first 1024 bytes;
  realworld file 13 starts with a line break). A password-protected PDF is refused: the team cannot read it.
- **Photos** (.jpg, .jpeg, .png): the type found by puremagic (a maintained signature library) must be the one the
  extension says, and Pillow must open the image.
- **OOXML** (.docx, .xlsx): a ZIP whose main part belongs to the extension (`word/document.xml`,
  `xl/workbook.xml`), without macros: no `vbaProject.bin`/`vbaData.xml` member, no macro-enabled content type, and
  no VBA found by oletools' olevba. The macro-enabled extensions (.docm, .xlsm, .pptm, ...) are refused as such.
- **Legacy OLE** (.doc, .xls): an OLE2 compound file (olefile) with the stream of its program (`WordDocument`,
  `Workbook`/`Book`), without VBA (olevba).
- **ODF** (.odt, .ods): a ZIP whose `mimetype` member names the format of the extension (ISO/IEC 26300,
  OpenDocument 1.3 part 2, 3.3), without macros: no `Basic/` or `Scripts/` members, no script entries in
  `META-INF/manifest.xml`, no event listeners calling a script (`vnd.sun.star.script:`) in the XML parts.
- **Text** (.txt): no NUL bytes (a binary file renamed .txt).

Everything else (executables, scripts, HTML, SVG, archives) is refused. Sizes are checked by the caller."""

from __future__ import annotations

import io
import logging
import struct
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"


@dataclass(frozen=True)
class Kind:
    """One accepted format: the content type to store and serve, and its name in a refusal."""

    content_type: str
    label: str | Promise


#: The extensions a family may upload (lower case, with the dot) and the format each one must really be.
ALLOWED: dict[str, Kind] = {
    ".pdf": Kind(PDF, "PDF"),
    ".jpg": Kind("image/jpeg", "JPG"),
    ".jpeg": Kind("image/jpeg", "JPG"),
    ".png": Kind("image/png", "PNG"),
    ".docx": Kind(DOCX, "Word (.docx)"),
    ".xlsx": Kind(XLSX, "Excel (.xlsx)"),
    ".doc": Kind(DOC, "Word (.doc)"),
    ".xls": Kind(XLS, "Excel (.xls)"),
    ".odt": Kind(ODT, gettext_lazy("OpenDocument text (.odt)")),
    ".ods": Kind(ODS, gettext_lazy("OpenDocument spreadsheet (.ods)")),
    ".txt": Kind("text/plain", gettext_lazy("plain text (.txt)")),
}

#: Office extensions that exist to carry macros (OOXML "macro-enabled" and templates/add-ins, legacy templates).
MACRO_EXTENSIONS = frozenset(
    {".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam", ".sldm", ".dot", ".xlt", ".xla"}
)

#: The main part of each OOXML document (ECMA-376 part 1, 11.3.10, 12.3.23) and the ODF mimetype per extension.
OOXML_MAIN = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
ODF_MIMETYPE = {".odt": ODT, ".ods": ODS}
OLE_STREAM = {".doc": ("WordDocument",), ".xls": ("Workbook", "Book")}

#: At most this many bytes are decompressed from an ODF part when looking for scripts (a ZIP bomb is refused).
MAX_XML_SCAN = 64 * 1024 * 1024


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _not_what_it_says(suffix: str) -> ValidationError:
    return _refuse(
        _(
            "This file is called %(extension)s but its content is not %(kind)s: we cannot open it as such. "
            "Save it again in that format, or choose another file."
        )
        % {"extension": suffix, "kind": ALLOWED[suffix].label}
    )


def _macros() -> ValidationError:
    return _refuse(_("This document contains macros. Save it without macros and try again."))


def refused_kind() -> ValidationError:
    return _refuse(
        _(
            "We cannot accept this kind of file. You can add a PDF, a photo (JPG or PNG), a Word, Excel or "
            "OpenDocument file, or a plain text file."
        )
    )


def check(suffix: str, data: bytes) -> str:
    """The content type of an upload whose name ends in `suffix` (lower case, with the dot) and whose bytes are
    `data`; raises ValidationError({"file": reason}) when it is not an accepted format or carries macros."""
    if suffix in MACRO_EXTENSIONS:
        raise _macros()
    kind = ALLOWED.get(suffix)
    if kind is None:
        raise refused_kind()
    if suffix == ".pdf":
        _check_pdf(data)
    elif suffix in (".jpg", ".jpeg", ".png"):
        _check_image(suffix, data)
    elif suffix in OOXML_MAIN:
        _check_ooxml(suffix, data)
    elif suffix in OLE_STREAM:
        _check_ole(suffix, data)
    elif suffix in ODF_MIMETYPE:
        _check_odf(suffix, data)
    elif b"\x00" in data:  # .txt
        raise _not_what_it_says(suffix)
    return kind.content_type


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # pypdf warns about (legal) bytes before the header
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _refuse(_("This PDF is protected with a password. Save it without a password and try again."))
        if len(reader.pages) < 1:
            raise _not_what_it_says(".pdf")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        raise _not_what_it_says(".pdf") from error
    finally:
        quiet.setLevel(level)


def _check_image(suffix: str, data: bytes) -> None:
    import puremagic
    from PIL import Image, UnidentifiedImageError

    try:
        found = {m.mime_type for m in puremagic.magic_string(data)}
    except (puremagic.PureError, ValueError):
        found = set()
    if ALLOWED[suffix].content_type not in found:
        raise _not_what_it_says(suffix)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise _not_what_it_says(suffix) from error


def _zip(suffix: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _not_what_it_says(suffix) from error


def _has_vba(data: bytes) -> bool:
    """True when oletools' olevba finds VBA macros in an OLE or OOXML file."""
    with warnings.catch_warnings():  # oletools 0.60.2 uses pyparsing names that pyparsing 3.3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    logging.getLogger("olevba").setLevel(logging.CRITICAL)
    try:
        parser = VBA_Parser("upload", data=data)
    except Exception:  # olevba raises its own errors for files it does not know; the format checks decide those
        return False
    try:
        return bool(parser.detect_vba_macros())
    except Exception:  # a file olevba cannot finish reading may hide macros: refuse it
        return True
    finally:
        parser.close()


def _check_ooxml(suffix: str, data: bytes) -> None:
    with _zip(suffix, data) as archive:
        names = {n.lower() for n in archive.namelist()}
        if "[content_types].xml" not in names:
            raise _not_what_it_says(suffix)
        if any(n.endswith(("vbaproject.bin", "vbadata.xml")) for n in names):
            raise _macros()
        part = next(n for n in archive.namelist() if n.lower() == "[content_types].xml")
        with archive.open(part) as member:
            types = member.read(MAX_XML_SCAN + 1).lower()
        if len(types) > MAX_XML_SCAN or b"macroenabled" in types or b"vbaproject" in types:
            raise _macros()
        if OOXML_MAIN[suffix] not in names:
            raise _not_what_it_says(suffix)
    if _has_vba(data):
        raise _macros()


def _check_ole(suffix: str, data: bytes) -> None:
    import olefile

    if not data.startswith(olefile.MAGIC):
        raise _not_what_it_says(suffix)
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not any(ole.exists(stream) for stream in OLE_STREAM[suffix]):
                raise _not_what_it_says(suffix)
    except (OSError, ValueError, IndexError, struct.error) as error:
        raise _not_what_it_says(suffix) from error
    if _has_vba(data):
        raise _macros()


def _check_odf(suffix: str, data: bytes) -> None:
    with _zip(suffix, data) as archive:
        names = archive.namelist()
        if "mimetype" not in names:
            raise _not_what_it_says(suffix)
        with archive.open("mimetype") as member:
            declared = member.read(200).strip()
        if declared != ODF_MIMETYPE[suffix].encode():
            raise _not_what_it_says(suffix)
        if any(n.lower().startswith(("basic/", "scripts/")) for n in names):
            raise _macros()
        for part in ("META-INF/manifest.xml", "content.xml", "styles.xml", "settings.xml"):
            if part in names and _mentions_scripts(archive, part):
                raise _macros()


def _mentions_scripts(archive: zipfile.ZipFile, part: str) -> bool:
    """True when an ODF part declares macro libraries or binds an event to a script; a part that decompresses to
    more than MAX_XML_SCAN bytes counts as suspect (a ZIP bomb)."""
    needles: tuple[bytes, ...] = (
        b'manifest:full-path="basic/',
        b'manifest:full-path="scripts/',
        b"vnd.sun.star.script:",
    )
    needles += (b"<script:event-listener", b"<office:script ")
    tail, total = b"", 0
    with archive.open(part) as stream:
        while chunk := stream.read(1024 * 1024):
            total += len(chunk)
            if total > MAX_XML_SCAN:
                return True
            window = (tail + chunk).lower()
            if any(n in window for n in needles):
                return True
            tail = window[-64:]
    return False
