"""DUO imports identify by code (municipality: CBS code; school: BRIN + vestiging), read every known column and value
variant, skip DUO's placeholder rows, and read the files as spreadsheets write them (UTF-16, cp1252, XLSX)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from rondom.accounts.models import Organisation
from rondom.registry import duo
from rondom.registry.duo import import_schools, parse
from rondom.registry.models import Municipality
from tests.factories import MunicipalityFactory, SchoolFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
OLD_LAYOUT = DATA / "01-duo-old-layout-s-hertogenbosch.csv"  # realworld 01
PER_SOORT = DATA / "03-duo-leerlingen-per-vestiging-soort.csv"  # realworld 03


def schools() -> dict[str, tuple[str, str, str]]:
    """BRIN6 -> (name, school type, municipality code) of every school."""
    return {
        o.brin6: (o.name, o.school_type, o.municipality.cbs_code if o.municipality else "")
        for o in Organisation.objects.filter(kind="school").select_related("municipality")
    }


def municipalities() -> dict[str, str]:
    return dict(Municipality.objects.values_list("cbs_code", "name"))


# --- realworld 01: the old layout, municipalities by GEMEENTENUMMER --------------------------------------------


def test_realworld_01_creates_s_hertogenbosch_and_s_gravenhage_by_their_cbs_codes() -> None:
    report = import_schools(OLD_LAYOUT, school_type="po")

    assert report.errors == []
    assert municipalities() == {"GM0796": "'s-Hertogenbosch", "GM0518": "'s-Gravenhage"}
    assert schools() == {
        "99XA00": ("Basisschool De Vlonder", "po", "GM0796"),
        "99XB00": ("Basisschool Het Duinpad", "po", "GM0518"),
    }


def test_realworld_01_s_hertogenbosch_spelled_by_duo_does_not_create_a_second_municipality() -> None:
    existing = MunicipalityFactory(name="'s-Hertogenbosch", cbs_code="GM0796")

    report = import_schools(OLD_LAYOUT, school_type="po")

    assert report.errors == [] and report.new_municipalities == ["'s-Gravenhage"]
    assert Municipality.objects.filter(cbs_code="GM0796").get() == existing
    assert Organisation.objects.get(brin="99XA").municipality == existing


def test_a_municipality_is_found_by_code_whatever_its_name_and_its_name_is_never_changed_by_an_import() -> None:
    den_bosch = MunicipalityFactory(name="Den Bosch", cbs_code="GM0796")

    import_schools(OLD_LAYOUT, school_type="po")

    den_bosch.refresh_from_db()
    assert den_bosch.name == "Den Bosch"
    assert Organisation.objects.get(brin="99XA").municipality == den_bosch
    assert not Municipality.objects.filter(name__icontains="hertogenbosch").exists()


def test_a_municipality_without_a_code_is_found_by_its_name_in_any_spelling_and_gets_the_code() -> None:
    named = MunicipalityFactory(name="'s-Hertogenbosch", cbs_code="")

    import_schools(OLD_LAYOUT, school_type="po")

    named.refresh_from_db()
    assert named.cbs_code == "GM0796"
    assert Municipality.objects.filter(name__icontains="hertogenbosch").count() == 1


def test_a_second_file_with_another_spelling_of_the_same_code_adds_no_municipality() -> None:
    import_schools(OLD_LAYOUT, school_type="po")
    recent = io.BytesIO(
        b"INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM;ONDERWIJSSTRUCTUUR\n"
        b"99XC;99XC00;De Pettelaar;0796;'S-HERTOGENBOSCH;BAS\n"
    )

    report = import_schools(recent)

    assert report.errors == [] and report.new_municipalities == []
    assert Municipality.objects.count() == 2
    assert schools()["99XC00"] == ("De Pettelaar", "po", "GM0796")


def test_one_code_under_two_different_names_in_one_file_is_refused() -> None:
    source = io.BytesIO(
        b"BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM\n"
        b"99XA;00;De Vlonder;796;S HERTOGENBOSCH\n"
        b"99XB;00;Het Duinpad;796;ZWOLLE\n"
    )

    result = parse(source, school_type="po")

    assert [(e.row, e.column) for e in result.errors] == [(3, "GEMEENTENAAM")]
    assert "GM0796" in result.errors[0].reason


@pytest.mark.parametrize(
    ("duo_name", "name"),
    [
        ("S HERTOGENBOSCH", "'s-Hertogenbosch"),
        ("'S HERTOGENBOSCH", "'s-Hertogenbosch"),
        ("'S-HERTOGENBOSCH", "'s-Hertogenbosch"),
        ("S GRAVENHAGE", "'s-Gravenhage"),
        ("'S-GRAVENHAGE", "'s-Gravenhage"),
        ("'s-Gravenhage", "'s-Gravenhage"),
        ("s gravenhage", "'s-Gravenhage"),
        ("SCHIERMONNIKOOG", "Schiermonnikoog"),
        ("SITTARD-GELEEN", "Sittard-Geleen"),
    ],
)
def test_duo_spellings_of_the_article_get_the_municipality_s_own_spelling(duo_name: str, name: str) -> None:
    assert duo.municipality_name(duo_name) == name


@pytest.mark.parametrize(
    ("raw", "code"),
    [("796", "GM0796"), ("0796", "GM0796"), ("GM0796", "GM0796"), ("gm 0796", "GM0796"), ("", "")],
)
def test_a_municipality_code_as_duo_writes_it_becomes_the_cbs_code(raw: str, code: str) -> None:
    assert duo.municipality_code(raw) == code


@pytest.mark.parametrize(
    "raw", ["\u0667\u0669\u0666", "\uff17\uff19\uff16", "79\u00b3", "\u096d\u096f\u096c", "GM07X6", "12345"]
)
def test_a_municipality_code_with_other_than_ascii_digits_is_refused(raw: str) -> None:
    assert duo.municipality_code(raw) is None


# --- realworld 03: SOORT_VESTIGING, GEMEENTECODE_VESTIGING, the placeholder row ---------------------------------


def test_realworld_03_reads_soort_vestiging_and_gemeentecode_vestiging_without_a_flag() -> None:
    report = import_schools(PER_SOORT)

    assert report.errors == []
    assert schools() == {
        "99XG00": ("Basisschool De Kiekendief", "po", "GM0193"),
        "99XH00": ("De Horizon VSO", "vso", "GM0193"),
        "99XJ00": ("SBO De Wegwijzer", "sbo", "GM0193"),
        "99XK00": ("SO De Regenboogvis", "so", "GM0193"),
    }
    assert municipalities() == {"GM0193": "Zwolle"}


def test_realworld_03_the_onbekend_9999_row_is_neither_a_school_nor_a_municipality() -> None:
    report = import_schools(PER_SOORT)

    assert report.placeholders == [6]  # the header is row 1
    assert not Organisation.objects.filter(brin="99XL").exists()
    assert not Municipality.objects.filter(name__iexact="onbekend").exists()
    assert not Municipality.objects.filter(cbs_code="GM9999").exists()


def test_realworld_03_a_placeholder_row_never_renames_an_existing_school() -> None:
    existing = SchoolFactory(name="SO De Vlinder", brin="99XL", vestiging="00", school_type="so")

    import_schools(PER_SOORT)

    existing.refresh_from_db()
    assert existing.name == "SO De Vlinder"


def test_realworld_03_the_school_type_flag_never_overrides_what_a_row_says() -> None:
    out = io.StringIO()

    call_command("import_duo_schools", str(PER_SOORT), "--school-type", "vo", stdout=out, stderr=io.StringIO())

    assert {brin6: kind for brin6, (_n, kind, _m) in schools().items()} == {
        "99XG00": "po",
        "99XH00": "vso",
        "99XJ00": "sbo",
        "99XK00": "so",
    }


def test_an_unknown_value_is_reported_per_row_in_dutch_even_with_the_flag() -> None:
    source = io.BytesIO(
        b"INSTELLINGSCODE;VESTIGINGSCODE;NAAM_VESTIGING;SOORT_VESTIGING;GEMEENTECODE_VESTIGING;"
        b"GEMEENTENAAM_VESTIGING\n"
        b"99XG;99XG00;De Kiekendief;BO;193;ZWOLLE\n"
        b"99XM;99XM00;Hogeschool Windesheim;HBO;193;ZWOLLE\n"
        b"99XN;99XN00;De Zwaluw;;193;ZWOLLE\n"
    )

    result = parse(source, school_type="po")

    assert [(e.row, e.column) for e in result.errors] == [(3, "SOORT VESTIGING"), (4, "SOORT VESTIGING")]
    assert result.errors[0].reason.startswith("Schooltype 'HBO' is onbekend; bekend zijn onder meer BO")
    assert result.errors[1].reason == "Schooltype ontbreekt."
    assert result.rows == []


# --- beyond the files: other variants, encodings and formats ---------------------------------------------------

VO_VARIANT = (
    "BRIN_NUMMER\tVESTIGINGSNUMMER\tINSTELLINGSNAAM_VESTIGING\tGEMEENTENUMMER_VESTIGING\t"
    "GEMEENTENAAM_VESTIGING\tONDERWIJSTYPE_VO\r\n"
    "99XP\t99XP00\tHet Stedelijk\t518\t'S-GRAVENHAGE\tHAVO/VWO\r\n"
    "99XQ\t99XQ01\tVakcollege Zuid\t0518\tS GRAVENHAGE\tVBO/MAVO/PRO\r\n"
    "99XR\t99XR00\tBrugschool Loosduinen\tGM0518\t's-Gravenhage\tBRUGJAAR 1-2\r\n"
)
VO_RESULT = {
    "99XP00": ("Het Stedelijk", "vo", "GM0518"),
    "99XQ01": ("Vakcollege Zuid", "vo", "GM0518"),
    "99XR00": ("Brugschool Loosduinen", "vo", "GM0518"),
}


def test_a_utf16_unicode_text_export_with_underscored_vo_columns_is_read(tmp_path: Path) -> None:
    path = tmp_path / "vo.txt"
    path.write_bytes("\ufeff".encode("utf-16-le") + VO_VARIANT.encode("utf-16-le"))  # Excel's "Unicode text"

    report = import_schools(path)

    assert report.errors == []
    assert schools() == VO_RESULT
    assert municipalities() == {"GM0518": "'s-Gravenhage"}


def test_a_utf16_big_endian_file_is_read_too() -> None:
    result = parse(io.BytesIO(("\ufeff" + VO_VARIANT).encode("utf-16-be")))

    assert result.errors == [] and result.encoding == "utf-16"
    assert [r.brin6 for r in result.rows] == ["99XP00", "99XQ01", "99XR00"]


def test_a_cp1252_file_with_excels_sep_line_is_read_with_its_accents() -> None:
    text = (
        "sep=;\r\n"
        "PROVINCIE;BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM\r\n"
        "Zuid-Holland;99XS;99XS00;Basisschool ’t Tweespan – Café;518;'S-GRAVENHAGE\r\n"
    )
    raw = text.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    report = import_schools(io.BytesIO(raw), school_type="po")

    assert report.errors == []
    assert schools() == {"99XS00": ("Basisschool ’t Tweespan – Café", "po", "GM0518")}


def test_an_xlsx_file_with_number_cells_is_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["INSTELLINGSCODE", "VESTIGINGSCODE", "NAAM_VESTIGING", "SOORT_VESTIGING", "GEMEENTECODE_VESTIGING"])
    sheet.append(["99XT", "99XT00", "SO/VSO De Ster", "SO/VSO", 796])  # the code as a number cell
    sheet.append(["99XU", 0, "Basisschool Het Kompas", "BO", 796.0])  # a vestiging the sheet made a number
    sheet.append(["99XV", "99XV00", "onbekend", "SO", 9999])
    path = tmp_path / "duo.xlsx"
    book.save(path)
    MunicipalityFactory(name="'s-Hertogenbosch", cbs_code="GM0796")

    report = import_schools(path)

    assert report.errors == [] and report.placeholders == [4]
    assert schools() == {
        "99XT00": ("SO/VSO De Ster", "so", "GM0796"),
        "99XU00": ("Basisschool Het Kompas", "po", "GM0796"),
    }


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("BRIN NUMMER", "\u0669\u0669XA", "twee cijfers (0-9)"),
        ("VESTIGINGSNUMMER", "\uff10\uff10", "twee cijfers (0-9)"),
        ("VESTIGINGSNUMMER", "\u00b2", "twee cijfers (0-9)"),
        ("GEMEENTENUMMER", "\u0967\u096f\u0969", "cijfers 0-9"),
    ],
)
def test_identifiers_with_other_than_ascii_digits_are_refused_naming_the_column(
    column: str, value: str, reason: str
) -> None:
    cells = {"BRIN NUMMER": "99XA", "VESTIGINGSNUMMER": "00", "GEMEENTENUMMER": "796"}
    cells[column] = value
    source = io.BytesIO(
        (
            "BRIN NUMMER;VESTIGINGSNUMMER;VESTIGINGSNAAM;GEMEENTENUMMER;GEMEENTENAAM\n"
            f"{cells['BRIN NUMMER']};{cells['VESTIGINGSNUMMER']};De Vlonder;{cells['GEMEENTENUMMER']};S HERTOGENBOSCH\n"
        ).encode()
    )

    result = parse(source, school_type="po")

    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert reason in result.errors[0].reason
