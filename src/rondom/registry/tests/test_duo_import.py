"""Importing schools from DUO's school lists: DUO's column variants, idempotent, all-or-nothing with row errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rondom.accounts.models import Organisation
from rondom.registry import duo
from rondom.registry.duo import import_schools, parse
from rondom.registry.models import Municipality
from tests.factories import MunicipalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def schools() -> dict[str, tuple[str, str, str]]:
    """BRIN6 -> (name, school type, municipality) of every school in the database."""
    return {
        o.brin6: (o.name, o.school_type, o.municipality.name if o.municipality else "")
        for o in Organisation.objects.filter(kind="school").select_related("municipality")
    }


def csv_bytes(*lines: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode(encoding))


HEADER = "INSTELLINGSCODE;VESTIGINGSCODE;VESTIGINGSNAAM;GEMEENTENAAM;ONDERWIJSSTRUCTUUR"


# --- formats -------------------------------------------------------------------------------------------------


def test_a_recent_file_creates_each_school_location_with_its_type_and_municipality() -> None:
    report = import_schools(DATA / "duo_recent.csv")

    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
    assert schools() == {
        "01AB00": ("De Esch", "po", "Zwolle"),
        "02CD01": ("De Wadden", "sbo", "Zwolle"),
        "03EF00": ("De Toonladder", "po", "Kampen"),
    }


def test_a_missing_municipality_is_created_by_name_and_an_existing_one_is_found_whatever_its_case() -> None:
    zwolle = MunicipalityFactory(name="Zwolle")

    report = import_schools(DATA / "duo_recent.csv")

    assert report.new_municipalities == ["Kampen"]
    assert Organisation.objects.get(brin="01AB").municipality == zwolle
    assert Municipality.objects.get(name="Kampen").cbs_code == "GM0166"


def test_a_file_with_bom_quoted_headers_and_windows_line_endings_is_read() -> None:
    raw = (DATA / "duo_recent_bom_crlf.csv").read_bytes()
    assert raw.startswith(b'\xef\xbb\xbf"INSTELLINGSCODE"') and b"\r\n" in raw  # the fixture is what it says

    report = import_schools(DATA / "duo_recent_bom_crlf.csv")

    assert report.errors == []
    assert schools() == {
        "01AB00": ("De Esch", "po", "Zwolle"),
        "09ST01": ("Kindcentrum Het Anker; locatie Berkum", "po", "Zwolle"),
    }


def test_the_older_bo_adres_format_accepts_a_full_vestigingsnummer_and_a_two_digit_one() -> None:
    report = import_schools(DATA / "duo_bo_adres.csv", school_type="po")

    assert report.created == 2
    assert schools() == {
        "01AB00": ("OBS DE ESCH", "po", "Zwolle"),  # from VESTIGINGSNUMMER "01AB00"
        "04GH01": ("RKBS HET MOZAÏEK", "po", "Zwolle"),  # from "01"; GEMEENTENAAM, not PLAATSNAAM (Berkum)
    }


def test_a_file_without_a_school_type_column_needs_the_school_type_option() -> None:
    report = import_schools(DATA / "duo_bo_adres.csv")

    assert [(e.row, e.column) for e in report.errors] == [(2, "ONDERWIJSSTRUCTUUR"), (3, "ONDERWIJSSTRUCTUUR")]
    assert "--school-type" in report.errors[0].reason
    assert Organisation.objects.count() == 0


def test_a_secondary_file_with_instellingsnaam_vestiging_and_gemeentenaam_vestiging() -> None:
    report = import_schools(DATA / "duo_vo.csv")

    assert report.errors == []
    assert schools() == {
        "05JK00": ("Zwols Lyceum De Vecht", "vo", "Zwolle"),
        "06LM00": ("Praktijkschool De Boog", "pro", "Zwolle"),
        "06LM01": ("Vakcollege Stadshagen", "vo", "Zwolle"),  # VMBO/PRO: a secondary school
    }


def test_a_latin1_file_is_read_with_its_accents() -> None:
    with pytest.raises(UnicodeDecodeError):
        (DATA / "duo_latin1.csv").read_bytes().decode("utf-8")  # the fixture really is latin-1

    report = import_schools(DATA / "duo_latin1.csv")

    assert report.errors == []
    assert schools()["07NP00"][0] == "Basisschool Het Carré"


def test_headers_are_matched_without_regard_to_case_spaces_or_quotes() -> None:
    source = csv_bytes(
        ' "brin nummer" ; Vestigingsnummer ;"instellingsnaam vestiging";  gemeentenaam vestiging ;soort po',
        "01ab;00;De Esch;zwolle;Basisonderwijs",
    )

    result = parse(source)

    assert result.errors == []
    assert result.rows[0].brin6 == "01AB00"
    assert (result.rows[0].municipality, result.rows[0].school_type) == ("Zwolle", "po")


def test_parse_reads_a_file_object_without_touching_the_database_or_closing_the_file(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    source = csv_bytes(HEADER, "01AB;01AB00;De Esch;ZWOLLE;BAS", "02CD;02CD00;De Wadden;ZWOLLE;SBAS")

    with django_assert_num_queries(0):
        result = parse(source)

    assert [r.brin6 for r in result.rows] == ["01AB00", "02CD00"]
    assert result.encoding == "utf-8"
    assert not source.closed


@pytest.mark.parametrize(
    ("value", "school_type"),
    [
        ("BAS", "po"),
        ("Basisonderwijs", "po"),
        ("SBAS", "sbo"),
        ("SBO", "sbo"),
        ("Speciaal basisonderwijs", "sbo"),
        ("SO", "so"),
        ("VSO", "vso"),
        ("Voortgezet speciaal onderwijs", "vso"),
        ("VWO/HAVO/VMBO", "vo"),
        ("HAVO/VWO", "vo"),
        ("VMBO-KB", "vo"),
        ("PRO", "pro"),
        ("VMBO/PRO", "vo"),
        ("MBO", "mbo"),
        ("(V)SO", "so"),
        ("SO/VSO", "so"),
        ("Speciaal en voortgezet speciaal onderwijs", "so"),
        ("BRUGJAAR", "vo"),
        ("Brugjaar 1-2", "vo"),
        ("VBO/MAVO/PRO", "vo"),
        ("BO", "po"),
        ("BAS/VO", None),
        ("Hoger onderwijs", None),
        ("", None),
    ],
)
def test_duo_descriptions_of_education_map_to_our_school_types(value: str, school_type: str | None) -> None:
    assert duo.school_type_of(value)[0] == school_type


def test_an_ambiguous_school_type_is_a_row_error_and_the_option_does_not_override_it() -> None:
    lines = (HEADER, "10UV;10UV00;Kindcentrum De Twijn;ZWOLLE;BAS/VO")

    refused = parse(csv_bytes(*lines))
    with_option = parse(csv_bytes(*lines), school_type="po")

    assert [(e.row, e.column) for e in refused.errors] == [(2, "ONDERWIJSSTRUCTUUR")]
    assert "niet eenduidig" in refused.errors[0].reason
    assert [(e.row, e.column, e.reason) for e in with_option.errors] == [
        (e.row, e.column, e.reason) for e in refused.errors
    ]


@pytest.mark.parametrize(
    ("duo_name", "name"),
    [
        ("ZWOLLE", "Zwolle"),
        ("'S-HERTOGENBOSCH", "'s-Hertogenbosch"),
        ("CAPELLE AAN DEN IJSSEL", "Capelle aan den IJssel"),
        ("BERGEN (NH)", "Bergen (NH)"),
        ("bergen (nh)", "Bergen (NH)"),
        ("DE WOLDEN", "De Wolden"),
        ("Súdwest-Fryslân", "Súdwest-Fryslân"),
    ],
)
def test_municipality_names_in_capitals_get_their_usual_spelling(duo_name: str, name: str) -> None:
    assert duo.municipality_name(duo_name) == name


# --- idempotent ----------------------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing() -> None:
    import_schools(DATA / "duo_recent.csv")
    before = list(Organisation.objects.values().order_by("pk"))

    again = import_schools(DATA / "duo_recent.csv")

    assert (again.created, again.updated, again.unchanged, again.new_municipalities) == (0, 0, 3, [])
    assert list(Organisation.objects.values().order_by("pk")) == before


def test_a_changed_name_or_type_updates_the_existing_school_and_leaves_the_rest() -> None:
    import_schools(DATA / "duo_recent.csv")
    de_esch = Organisation.objects.get(brin="01AB", vestiging="00")
    next_year = csv_bytes(
        HEADER,
        "01AB;01AB00;OBS De Esch;ZWOLLE;BAS",  # renamed
        "02CD;02CD01;De Wadden;ZWOLLE;SBAS",
        "03EF;03EF00;De Toonladder;KAMPEN;SBAS",  # became a special primary school
    )

    report = import_schools(next_year)

    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert Organisation.objects.get(pk=de_esch.pk).name == "OBS De Esch"
    assert schools()["03EF00"] == ("De Toonladder", "sbo", "Kampen")


def test_a_school_that_moved_to_another_municipality_is_updated() -> None:
    import_schools(DATA / "duo_recent.csv")

    report = import_schools(csv_bytes(HEADER, "03EF;03EF00;De Toonladder;ZWOLLE;BAS"))

    assert report.updated == 1
    assert schools()["03EF00"] == ("De Toonladder", "po", "Zwolle")


# --- all or nothing ------------------------------------------------------------------------------------------


def test_a_file_with_two_bad_rows_writes_nothing_and_reports_both_with_column_and_reason() -> None:
    report = import_schools(DATA / "duo_bad.csv")

    assert Organisation.objects.count() == 0
    assert Municipality.objects.count() == 0
    assert [(e.row, e.column) for e in report.errors] == [(3, "INSTELLINGSCODE"), (4, "VESTIGINGSNAAM")]
    assert report.errors[0].reason.startswith("BRIN-nummer moet twee cijfers (0-9) en twee hoofdletters zijn")
    assert report.errors[1].reason == "Naam van de vestiging ontbreekt."
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)


def test_each_bad_value_in_a_row_is_reported() -> None:
    result = parse(csv_bytes(HEADER, "12ab;12AB123;;;XYZ"))

    assert [e.column for e in result.errors] == [
        "VESTIGINGSCODE",
        "VESTIGINGSNAAM",
        "GEMEENTENAAM",
        "ONDERWIJSSTRUCTUUR",
    ]
    assert result.rows == []


def test_a_vestigingscode_of_another_brin_is_refused() -> None:
    result = parse(csv_bytes(HEADER, "01AB;02CD00;De Esch;ZWOLLE;BAS"))

    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "VESTIGINGSCODE", "Vestigingscode 02CD00 hoort niet bij BRIN-nummer 01AB.")
    ]


def test_the_same_school_location_twice_in_one_file_is_refused() -> None:
    result = parse(csv_bytes(HEADER, "01AB;01AB00;De Esch;ZWOLLE;BAS", "", "01AB;01AB00;De Esch 2;ZWOLLE;BAS"))

    assert [(e.row, e.reason) for e in result.errors] == [(4, "Vestiging 01AB00 staat ook al in rij 2.")]


def test_a_school_location_held_by_an_organisation_that_is_no_school_is_refused() -> None:
    OrganisationFactory(kind="wijkteam", name="Wijkteam Noord", brin="01AB", vestiging="00")

    report = import_schools(DATA / "duo_recent.csv")

    assert [(e.row, e.column) for e in report.errors] == [(2, "INSTELLINGSCODE")]
    assert Organisation.objects.filter(kind="school").count() == 0


def test_a_missing_column_is_named_with_the_accepted_variants() -> None:
    report = import_schools(DATA / "duo_missing.csv")

    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.column) == (1, "GEMEENTENAAM")
    assert error.reason == (
        "Verplichte kolom ontbreekt: gemeente (een van: GEMEENTENAAM, GEMEENTENAAM VESTIGING, GEMEENTE, "
        "GEMEENTE VESTIGING, NAAM GEMEENTE). "
        "Gevonden kolommen: INSTELLINGSCODE, VESTIGINGSCODE, VESTIGINGSNAAM, PLAATSNAAM."
    )


def test_several_missing_columns_are_named_in_one_message() -> None:
    result = parse(csv_bytes("NAAM;PLAATS", "De Esch;Zwolle"))

    assert len(result.errors) == 1
    assert result.errors[0].reason.startswith("Verplichte kolommen ontbreekt: BRIN-nummer (een van: INSTELLINGSCODE")
    assert "vestigingsnummer (een van: VESTIGINGSCODE, VESTIGINGSNUMMER" in result.errors[0].reason


def test_an_unknown_school_type_option_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="Unknown school type"):
        parse(csv_bytes(HEADER), school_type="basisschool")


def test_an_empty_file_is_refused() -> None:
    assert parse(io.BytesIO(b"")).errors[0].reason.startswith("Het bestand is leeg")


def test_a_dry_run_counts_but_saves_nothing() -> None:
    report = import_schools(DATA / "duo_recent.csv", dry_run=True)

    assert (report.created, report.new_municipalities) == (3, ["Zwolle", "Kampen"])
    assert Organisation.objects.count() == 0
    assert Municipality.objects.count() == 0


# --- the command ---------------------------------------------------------------------------------------------


def test_the_command_prints_the_counts() -> None:
    out = io.StringIO()

    call_command("import_duo_schools", str(DATA / "duo_recent.csv"), stdout=out, stderr=io.StringIO())
    call_command("import_duo_schools", str(DATA / "duo_recent.csv"), stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines() == [
        "Nieuw: 3, bijgewerkt: 0, ongewijzigd: 0.",
        "Nieuwe gemeenten: Zwolle, Kampen.",
        "Nieuw: 0, bijgewerkt: 0, ongewijzigd: 3.",
    ]


def test_the_command_passes_the_school_type_and_honours_dry_run() -> None:
    out = io.StringIO()

    call_command("import_duo_schools", str(DATA / "duo_bo_adres.csv"), "--school-type", "po", "--dry-run", stdout=out)

    assert out.getvalue().splitlines()[:2] == [
        "Proefrun: er is niets opgeslagen.",
        "Nieuw: 2, bijgewerkt: 0, ongewijzigd: 0.",
    ]
    assert Organisation.objects.count() == 0


def test_the_command_refuses_a_bad_file_with_every_row_error_and_exit_code_1(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import ManagementUtility

    # run_from_argv closes the database connections when it ends; the test database must stay open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_duo_schools", str(DATA / "duo_bad.csv")]).execute()

    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "Rij 3, kolom INSTELLINGSCODE: BRIN-nummer moet twee cijfers (0-9) en twee hoofdletters zijn" in err
    assert "Rij 4, kolom VESTIGINGSNAAM: Naam van de vestiging ontbreekt." in err
    assert "Het bestand is geweigerd: 2 fouten" in err
    assert Organisation.objects.count() == 0


def test_the_command_refuses_a_missing_file() -> None:
    with pytest.raises(CommandError, match="Bestand niet gevonden"):
        call_command("import_duo_schools", str(DATA / "no_such_file.csv"))
