"""A family's upload is judged by its format (issue 11 point 8): a PDF when a PDF reader opens it (bytes before the
header are legal, realworld file 13), photos by their signature and a reader, office files by their structure and
never with macros (OOXML, legacy OLE and ODF), an ODF's `mimetype` matching its extension. The test files are built
here (zipfile, a small OLE2 writer, reportlab) rather than committed as binaries, except realworld file 13."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rondom.portal import uploads
from tests.factories import ChildFactory, GuardianshipFactory, born_years_ago

DATA = Path(__file__).parent / "data"
REALWORLD_13 = (DATA / "13-upload-pdf-bytes-before-header.pdf").read_bytes()


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    from django.utils.translation import override

    with override("en"):
        yield


def refusal(suffix: str, data: bytes) -> str:
    with pytest.raises(ValidationError) as refused:
        uploads.check(suffix, data)
    return " ".join(refused.value.message_dict["file"])


# --- builders -----------------------------------------------------------------------------------------------------


def pdf(text: str = "Verslag") -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.save()
    return out.getvalue()


def zipped(members: dict[str, bytes | str], *, first: tuple[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if first:  # ODF: the mimetype member first and stored uncompressed
            archive.writestr(first[0], first[1], compress_type=zipfile.ZIP_STORED)
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>{extra}</Types>'
)


def docx(**extra: bytes | str) -> bytes:
    return zipped(
        {"[Content_Types].xml": CONTENT_TYPES.format(extra=""), "word/document.xml": "<w:document/>", **extra}
    )


def xlsx(**extra: bytes | str) -> bytes:
    return zipped({"[Content_Types].xml": CONTENT_TYPES.format(extra=""), "xl/workbook.xml": "<workbook/>", **extra})


MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>{extra}</manifest:manifest>'
)


def odf(mime: str, *, manifest_extra: str = "", content: str = "<office:document-content/>", **extra: str) -> bytes:
    members: dict[str, bytes | str] = {
        "META-INF/manifest.xml": MANIFEST.format(mime=mime, extra=manifest_extra),
        "content.xml": content,
    }
    members.update({name.replace("__", "/"): value for name, value in extra.items()})
    return zipped(members, first=("mimetype", mime))


def ole(tree: dict[str, object]) -> bytes:
    """A minimal OLE2 compound file (MS-CFB, version 3, 512-byte sectors) holding `tree`: a dict of stream name →
    bytes and storage name → dict. Every stream is padded to 4096 bytes so that no mini stream is needed."""
    entries: list[dict[str, object]] = [{"name": "Root Entry", "type": 5, "children": tree}]
    streams: list[bytes] = []

    def add(children: dict[str, object]) -> list[int]:
        ids = []
        for name, value in children.items():
            entry: dict[str, object] = {"name": name}
            entries.append(entry)
            ids.append(len(entries) - 1)
            if isinstance(value, dict):
                entry.update(type=1, kids=add(value))
            else:
                assert isinstance(value, bytes)
                entry.update(type=2, stream=len(streams))
                streams.append(value.ljust(4096, b"\0"))
        return ids

    entries[0]["kids"] = add(tree)
    dir_sectors = (len(entries) * 128 + 511) // 512
    fat: list[int] = [0xFFFFFFFD]  # sector 0 is the FAT itself
    first_dir = len(fat)
    fat += [first_dir + n + 1 for n in range(dir_sectors - 1)] + [0xFFFFFFFE]
    starts = []
    for data in streams:
        first, count = len(fat), len(data) // 512
        starts.append(first)
        fat += [first + n + 1 for n in range(count - 1)] + [0xFFFFFFFE]
    assert len(fat) <= 128
    directory = b""
    for entry in entries:
        kids = list(entry.get("kids", []))  # type: ignore[call-overload]
        name = str(entry["name"]).encode("utf-16-le") + b"\0\0"
        right = 0xFFFFFFFF
        for parent in entries:  # siblings chained through the right pointer
            siblings = list(parent.get("kids", []))  # type: ignore[call-overload]
            me = entries.index(entry)
            if me in siblings and siblings.index(me) + 1 < len(siblings):
                right = siblings[siblings.index(me) + 1]
        stream = entry.get("stream")
        start = starts[stream] if isinstance(stream, int) else 0xFFFFFFFE
        size = 4096 if isinstance(stream, int) else 0
        directory += (
            name.ljust(64, b"\0")
            + struct.pack("<HBB", len(name), entry["type"], 1)
            + struct.pack("<III", 0xFFFFFFFF, right, kids[0] if kids else 0xFFFFFFFF)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )
    directory = directory.ljust(dir_sectors * 512, b"\0")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIII", 0, 1, first_dir, 0)
        + struct.pack("<IIIII", 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<I", 0)
        + b"\xff" * 4 * 108
    )
    fat_sector = b"".join(struct.pack("<I", v) for v in fat).ljust(512, b"\xff")
    return header + fat_sector + directory + b"".join(streams)


VBA_PROJECT = {
    "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\nModule=Module1\r\n',
    "VBA": {"_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00", "dir": b"\x01\x00\x00", "Module1": b"Sub AutoOpen()"},
}


# --- PDF --------------------------------------------------------------------------------------------------------


def test_realworld_13_a_pdf_with_bytes_before_its_header_is_accepted() -> None:
    assert REALWORLD_13.startswith(b"\r\n%PDF-")
    assert uploads.check(".pdf", REALWORLD_13) == "application/pdf"


def test_a_pdf_with_other_bytes_before_the_header_is_accepted_as_readers_do() -> None:
    for before in (b"\xef\xbb\xbf", b" " * 500, b"From the scanner\n"):
        assert uploads.check(".pdf", before + pdf()) == "application/pdf"


def test_a_pdf_that_is_really_a_zip_or_html_or_only_a_header_is_refused() -> None:
    for fake in (docx(), b"<html><script>alert(1)</script>", b"%PDF-1.7 ok", b""):
        assert "is called .pdf but its content is not PDF" in refusal(".pdf", fake)


def test_a_password_protected_pdf_is_refused_with_its_reason() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    writer.encrypt("geheim")
    out = io.BytesIO()
    writer.write(out)
    assert "protected with a password" in refusal(".pdf", out.getvalue())


# --- photos -----------------------------------------------------------------------------------------------------


def test_photos_are_accepted_only_as_the_format_their_extension_says() -> None:
    from PIL import Image

    images = {}
    for fmt in ("PNG", "JPEG"):
        out = io.BytesIO()
        Image.new("RGB", (4, 4), "white").save(out, fmt)
        images[fmt] = out.getvalue()
    assert uploads.check(".png", images["PNG"]) == "image/png"
    assert uploads.check(".jpg", images["JPEG"]) == uploads.check(".jpeg", images["JPEG"]) == "image/jpeg"
    assert "is called .png but its content is not PNG" in refusal(".png", images["JPEG"])
    assert "is called .jpg but its content is not JPG" in refusal(".jpg", b"\xff\xd8\xff<script>")  # signature only


# --- OOXML ------------------------------------------------------------------------------------------------------


def test_a_docx_and_an_xlsx_without_macros_are_accepted() -> None:
    assert uploads.check(".docx", docx()) == uploads.DOCX
    assert uploads.check(".xlsx", xlsx()) == uploads.XLSX


def test_a_docx_with_a_vba_project_inside_is_refused_as_macros() -> None:
    assert "contains macros" in refusal(".docx", docx(**{"word/vbaProject.bin": ole(VBA_PROJECT)}))


def test_an_xlsm_renamed_xlsx_is_refused_by_its_macro_content_type_or_project() -> None:
    macro_type = CONTENT_TYPES.format(
        extra='<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
    )
    assert "contains macros" in refusal(".xlsx", xlsx(**{"[Content_Types].xml": macro_type}))
    assert "contains macros" in refusal(".xlsx", xlsx(**{"xl/vbaProject.bin": ole(VBA_PROJECT)}))


def test_macro_enabled_office_extensions_are_refused_as_macros() -> None:
    for suffix in (".docm", ".xlsm", ".pptm", ".dotm"):
        assert "contains macros" in refusal(suffix, docx())


def test_an_xlsx_renamed_docx_and_a_docx_renamed_xlsx_are_refused() -> None:
    assert "is called .docx but its content is not Word (.docx)" in refusal(".docx", xlsx())
    assert "is called .xlsx but its content is not Excel (.xlsx)" in refusal(".xlsx", docx())
    assert "is called .docx but its content is not Word (.docx)" in refusal(".docx", pdf())


# --- legacy OLE (.doc, .xls) ------------------------------------------------------------------------------------


def test_a_legacy_word_and_excel_file_without_vba_are_accepted() -> None:
    assert uploads.check(".doc", ole({"WordDocument": b"\xec\xa5"})) == uploads.DOC
    assert uploads.check(".xls", ole({"Workbook": b"\x09\x08"})) == uploads.XLS


def test_a_legacy_word_file_with_vba_is_refused_as_macros() -> None:
    assert "contains macros" in refusal(".doc", ole({"WordDocument": b"\xec\xa5", "Macros": VBA_PROJECT}))


def test_a_legacy_excel_file_with_vba_is_refused_as_macros() -> None:
    assert "contains macros" in refusal(".xls", ole({"Workbook": b"\x09\x08", "_VBA_PROJECT_CUR": VBA_PROJECT}))


def test_an_excel_file_renamed_doc_or_a_zip_renamed_doc_is_refused() -> None:
    assert "is called .doc but its content is not Word (.doc)" in refusal(".doc", ole({"Workbook": b"\x09\x08"}))
    assert "is called .doc but its content is not Word (.doc)" in refusal(".doc", docx())


# --- ODF --------------------------------------------------------------------------------------------------------


def test_an_odt_and_an_ods_without_macros_are_accepted() -> None:
    assert uploads.check(".odt", odf(uploads.ODT)) == uploads.ODT
    assert uploads.check(".ods", odf(uploads.ODS)) == uploads.ODS


def test_an_odt_with_a_basic_macro_is_refused() -> None:
    manifest = '<manifest:file-entry manifest:full-path="Basic/Standard/Module1.xml" manifest:media-type="text/xml"/>'
    basic = odf(uploads.ODT, manifest_extra=manifest, Basic__Standard__Module1_xml="<script:module/>")
    assert "contains macros" in refusal(".odt", basic.replace(b"Module1_xml", b"Module1.xml"))
    assert "contains macros" in refusal(".odt", odf(uploads.ODT, manifest_extra=manifest))  # manifest only


def test_an_ods_with_scripts_or_an_event_calling_a_macro_is_refused() -> None:
    assert "contains macros" in refusal(".ods", odf(uploads.ODS, Scripts__python__run_py="import os"))
    listener = (
        '<office:document-content><office:event-listeners><script:event-listener script:language="ooo:script" '
        'script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic'
        '&amp;location=document"/></office:event-listeners></office:document-content>'
    )
    assert "contains macros" in refusal(".ods", odf(uploads.ODS, content=listener))


def test_an_odt_whose_mimetype_says_spreadsheet_is_refused() -> None:
    assert "is called .odt but its content is not OpenDocument text (.odt)" in refusal(".odt", odf(uploads.ODS))
    assert "is called .ods but its content is not OpenDocument spreadsheet (.ods)" in refusal(".ods", odf(uploads.ODT))
    assert "is called .odt but its content is not OpenDocument text (.odt)" in refusal(".odt", docx())  # no mimetype


# --- anything else ----------------------------------------------------------------------------------------------


def test_other_kinds_and_binary_text_are_refused() -> None:
    for suffix in (".exe", ".svg", ".html", ".zip", ".js", ""):
        assert "cannot accept this kind of file" in refusal(suffix, b"MZ\x90\x00")
    assert "is called .txt but its content is not plain text (.txt)" in refusal(".txt", b"MZ\x90\x00\x00")
    assert uploads.check(".txt", "Groeten van Şükran".encode()) == "text/plain"


# --- through the portal -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_family_uploads_realworld_13_and_a_macro_docx_is_refused_in_dutch(login, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rondom.portal.models import FamilyDocument

    settings.VAR_DIR = tmp_path
    child = ChildFactory(date_of_birth=born_years_ago(9))
    client = login(GuardianshipFactory(child=child).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    url = f"/portaal/kind/{child.pk}/"
    macro = SimpleUploadedFile("brief.docx", docx(**{"word/vbaProject.bin": ole(VBA_PROJECT)}))
    refused = client.post(url, {"action": "document", "file": macro})
    assert refused.status_code == 400 and "Dit document bevat macro" in refused.content.decode()
    renamed = client.post(url, {"action": "document", "file": SimpleUploadedFile("brief.odt", odf(uploads.ODS))})
    assert renamed.status_code == 400 and "heet .odt maar is geen OpenDocument-tekst" in renamed.content.decode()
    assert not FamilyDocument.objects.exists()
    upload = SimpleUploadedFile("logopedie.pdf", REALWORLD_13)
    assert client.post(url, {"action": "document", "file": upload}).status_code == 302
    document = FamilyDocument.objects.get()
    assert document.content_type == "application/pdf" and document.file.read() == REALWORLD_13
