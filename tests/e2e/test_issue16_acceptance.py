"""Issue 16's acceptance, each as one flow through the pages in a real browser, 320 CSS px wide:

1. The ib'er of De Esch makes Noor's plan an OPP and writes it (uitstroombestemming and the other parts, a
   handelingsdeel row); her mother agrees from the portal; the ib'er sends a TLV request built from the OPP (the
   uitstroombestemming is in what is sent, not typed again); the orthopedagoog and a second expert advise; the
   samenwerkingsverband's loket decides with a category and a validity, and the system gives a beschikkingsnummer;
   the mother sees the decision with that number and her right to object in the portal.
2. A po→vo warm transfer: De Esch's ib'er records the family's consent for Thomas a Kempis College and offers the
   child; Kempis's zorgcoördinator accepts; she then opens the child's plan, and De Esch's ib'er still reads it on
   its set date but no longer once that date has passed.

Every page visited (but the two 404s, which the e2e server's DEBUG answers with Django's technical page): axe-core
finds no violation, no id is used twice, and nothing scrolls sideways at 320 px.

Only what the pages cannot do is put in place through the ORM (as the other e2e tests do): a second SWV expert with
an authenticator app, a pupil in groep 8 with a parent and a plan, and, for "after the set date", moving the
transfer's set date to the day before the acceptance (the servers run on the wall clock, which the test cannot pin).
Dates typed into forms are fixed or taken from the server's own today (printed by the set-up); no assertion depends
on the wall clock's date."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from .conftest import STEP_TIMEOUT_MS, manage
from .test_accessibility import AXE, AXE_RUN, DUPLICATE_IDS, WCAG_TAGS
from .test_consent_withdrawal import parent_login
from .test_ib_day import log_in

pytestmark = pytest.mark.browser

SECOND_EXPERT = "e2e-psycholoog"

#: Noor (De Esch, daughter of the demo parent) has no plan yet; a second expert of the samenwerkingsverband, with
#: the demo password and an authenticator app like the demo's own logins.
SET_UP_OPP = f"""
import datetime
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rondom.accounts.models import Membership, User
from rondom.cases.models import Plan
from rondom.core.roles import Role
from rondom.demo.data import DEMO_PASSWORD, demo_totp_key
from rondom.registry.models import Child
noor = Child.objects.get(given_name="Noor", family_name="Hendriks")
assert not Plan.objects.filter(child=noor).exclude(opp_basis="").exists(), "Noor's plan is an OPP already"
user, _ = User.objects.get_or_create(username="{SECOND_EXPERT}",
    defaults={{"first_name": "Pim", "last_name": "de Groot"}})
user.set_password(DEMO_PASSWORD)
user.save()
Membership.objects.get_or_create(user=user, organisation=noor.school.samenwerkingsverband, role=Role.SWV_EXPERT,
    defaults={{"valid_from": timezone.localdate() - datetime.timedelta(days=30)}})
TOTPDevice.objects.get_or_create(user=user, name="demo",
    defaults={{"key": demo_totp_key("{SECOND_EXPERT}"), "confirmed": True}})
print(noor.pk)
"""

#: A pupil in groep 8 at De Esch (11 and a half: her parents consent alone) with a parent with authority and a plan
#: with one goal; prints the child's id and the server's today (the first day at the new school is typed as that
#: day: the form refuses a day in the past).
SET_UP_TRANSFER = """
import datetime
from django.utils import timezone
from rondom.accounts.models import Organisation, User
from rondom.cases.models import Plan, PlanVersion
from rondom.registry.models import Child, Guardianship
esch = Organisation.objects.get(kind="school", brin="12AB")
today = timezone.localdate()
child = Child.objects.create(given_name="Lotte", family_name="Vermeer", school=esch, group="8",
    date_of_birth=today - datetime.timedelta(days=11 * 365 + 200), home_municipality=esch.municipality)
parent = User.objects.create(username="e2e-ouder-vermeer", first_name="Anouk", last_name="Vermeer")
parent.set_unusable_password()
parent.save()
Guardianship.objects.create(child=child, user=parent, has_authority=True)
goals = [{"id": "lotte-1", "domain": "school", "description": "Lotte plant haar huiswerk zelf in een agenda",
          "target": "Vier weken lang elke dag", "owner": "Lotte", "support_by": "juf Maaike",
          "support_where": "op school"}]
plan = Plan.objects.create(child=child, content={"goals": goals}, version=1)
PlanVersion.objects.create(plan=plan, number=1, content=plan.content, includes_treatment=False)
print(child.pk, today.isoformat())
"""

#: The set date has passed: the previous school's reading ends the day before the acceptance (server's local day).
PASS_THE_SET_DATE = """
import datetime
from django.utils import timezone
from rondom.transfers.models import Transfer
t = Transfer.objects.get(child_id={child}, state="accepted")
Transfer.objects.filter(pk=t.pk).update(
    previous_access_until=timezone.localdate(t.decided_at) - datetime.timedelta(days=1))
"""

UITSTROOM = "Speciaal basisonderwijs, daarna vmbo basis met leerwegondersteuning"
GOAL = "Lotte plant haar huiswerk zelf in een agenda"
SUPPORT = "Twee keer per week remedial teaching technisch lezen"


def clean(page: Page) -> None:
    """axe-core (WCAG 2.2 AA) finds nothing, no id is used twice, nothing scrolls sideways at 320 px."""
    assert page.viewport_size is not None and page.viewport_size["width"] == 320
    assert page.evaluate(DUPLICATE_IDS) == [], page.url
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(AXE_RUN, WCAG_TAGS) == [], page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, page.url


@pytest.fixture
def new_page(browser: Browser, contexts: list[BrowserContext]) -> Callable[[], Page]:
    """A fresh browser (one per login), 320 CSS px wide; the CSP is bypassed only so that axe can be injected."""

    def make() -> Page:
        context = browser.new_context(locale="nl-NL", viewport={"width": 320, "height": 900}, bypass_csp=True)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    return make


def plan_section(page: Page) -> Locator:
    """The case page's plan summary (its goals)."""
    return page.locator("section", has=page.get_by_role("heading", name="Plan", exact=True))


def _advise(page: Page, request_url: str, expertise: str, text: str) -> None:
    page.goto(request_url)
    expect(page.get_by_role("heading", name="Geef uw advies")).to_be_visible()
    clean(page)
    page.get_by_label("Uw deskundigheid").select_option(expertise)
    page.get_by_label("Ja").check()
    page.get_by_role("textbox", name="Advies").fill(text)
    page.get_by_role("button", name="Advies vastleggen").click()
    expect(page.get_by_text("Uw advies is vastgelegd.")).to_be_visible()
    clean(page)


def test_opp_instemming_tlv_request_decision_seen_by_the_parent(
    new_page: Callable[[], Page], base_url: str, demo_env: dict[str, str]
) -> None:
    noor = int(manage(demo_env, "shell", "-c", SET_UP_OPP).split()[-1])

    # 1. The ib'er makes the plan an OPP and writes it.
    ib = new_page()
    log_in(ib, base_url, demo_env, "ib")
    clean(ib)
    ib.goto(f"{base_url}/kinderen/{noor}/opp/")
    clean(ib)
    ib.get_by_role("button", name="Het plan een OPP maken").click()
    expect(ib.get_by_text("Het plan is nu een OPP. Vul de onderdelen in.")).to_be_visible()
    clean(ib)
    ib.locator("#id_uitstroombestemming").fill(UITSTROOM)
    ib.locator("#id_onderbouwing").fill("Leerrendement lezen en rekenen ligt al twee jaar onder de 50%.")
    ib.locator("#id_onderwijsbehoeften").fill("Een kleine groep met vaste structuur en korte instructie.")
    ib.locator("#id_bevorderende_factoren").fill("Noor is gemotiveerd en werkt goed met concreet materiaal.")
    ib.locator("#id_belemmerende_factoren").fill("Faalangst bij toetsen.")
    row = ib.locator("fieldset#rij-1")
    row.get_by_label("Welke ondersteuning").fill(SUPPORT)
    row.get_by_label("Door wie", exact=True).fill("de remedial teacher")
    row.get_by_label("Waar", exact=True).fill("op school")
    row.get_by_label("Uren per week").fill("1,5")
    row.get_by_label("Vanaf", exact=True).fill("2027-01-04")
    row.get_by_label("Tot en met", exact=True).fill("2027-07-09")
    ib.get_by_role("button", name="Het OPP opslaan").click()
    expect(ib.get_by_text("Het OPP is opgeslagen als nieuwe versie van het plan")).to_be_visible()
    clean(ib)

    # 2. The mother agrees with the handelingsdeel from the portal.
    mother = new_page()
    parent_login(mother, base_url, demo_env, "ouder")
    clean(mother)
    mother.goto(f"{base_url}/portaal/kind/{noor}/")
    clean(mother)
    mother.get_by_role("link", name="Extra hulp op school").click()
    expect(mother.locator("#handelingsdeel")).to_contain_text(SUPPORT)
    expect(mother.locator("#handelingsdeel")).to_contain_text("1,5 uur per week")
    clean(mother)
    mother.get_by_role("button", name="Ik stem in").click()
    expect(mother.locator("#own-answer")).to_contain_text("U hebt ingestemd")
    clean(mother)

    # 3. The ib'er sends a TLV request built from the OPP: the uitstroombestemming is there without retyping.
    ib.goto(f"{base_url}/kinderen/{noor}/swv-aanvraag/nieuw/")
    expect(ib.get_by_role("heading", name="Wat wordt verstuurd")).to_be_visible()
    expect(ib.get_by_text(UITSTROOM)).to_be_visible()
    expect(ib.get_by_text(SUPPORT)).to_be_visible()
    expect(ib.get_by_text("Er is geen toestemming van de ouders", exact=False)).to_have_count(0)
    clean(ib)
    ib.get_by_label("Wat vraagt u het samenwerkingsverband?").select_option("tlv")
    ib.get_by_label("Vraag aan het samenwerkingsverband").fill("Wij vragen een TLV voor het speciaal basisonderwijs.")
    ib.get_by_role("button", name="Versturen naar het samenwerkingsverband").click()
    expect(ib.get_by_text("De aanvraag is verstuurd.")).to_be_visible()
    clean(ib)

    # 4. The loket finds it in its queue; two experts advise (a TLV needs two, one an orthopedagoog).
    loket = new_page()
    log_in(loket, base_url, demo_env, "loket")
    loket.goto(f"{base_url}/swv/loket/")
    clean(loket)
    new = loket.locator("#requests tbody tr", has_text="Noor Hendriks").filter(has_text="Ingediend")
    expect(new).to_have_count(1)
    expect(new).to_contain_text("Toelaatbaarheidsverklaring")
    new.get_by_role("link", name="Noor Hendriks").click()
    expect(loket.get_by_text("Wij vragen een TLV voor het speciaal basisonderwijs.")).to_be_visible()
    question = loket.locator("section", has=loket.get_by_role("heading", name="De vraag van de school"))
    expect(question.get_by_text(UITSTROOM)).to_be_visible()  # what the school sent, from the OPP
    expect(question).to_contain_text(SUPPORT)
    clean(loket)
    request_url = loket.url

    ortho = new_page()
    log_in(ortho, base_url, demo_env, "orthopedagoog")
    _advise(ortho, request_url, "orthopedagoog", "Het onderzoek bevestigt een blijvende ondersteuningsbehoefte.")
    psycho = new_page()
    log_in(psycho, base_url, demo_env, SECOND_EXPERT)
    _advise(psycho, request_url, "psycholoog", "Ook de psychologische gegevens wijzen op het sbo.")

    # 5. The loket decides: granted, category and validity; the beschikkingsnummer is given by the system.
    loket.goto(request_url)
    expect(loket.get_by_text("Ook de psychologische gegevens wijzen op het sbo.")).to_be_visible()
    clean(loket)
    decide = loket.locator("form", has=loket.get_by_role("button", name="Besluit vastleggen"))
    decide.get_by_label("Toekennen").check()
    decide.get_by_label("Motivering").fill("Beide deskundigen adviseren toelating tot het speciaal basisonderwijs.")
    decide.get_by_label("Categorie (alleen bij een toelaatbaarheidsverklaring)").select_option("low")
    decide.get_by_label("Geldig vanaf").fill("2027-08-01")
    decide.get_by_label("Geldig tot en met").fill("2029-07-31")
    decide.get_by_role("button", name="Besluit vastleggen").click()
    expect(loket.get_by_text("Het besluit is vastgelegd.")).to_be_visible()
    state = loket.locator("dt", has_text="Stand").locator("xpath=following-sibling::dd[1]")
    expect(state).to_contain_text("Toegekend")
    found = re.search(r"beschikkingsnummer (\S+)", state.inner_text())
    assert found, state.inner_text()
    beschikkingsnummer = found.group(1)
    decided = loket.locator("section", has=loket.get_by_role("heading", name="Besluit", exact=True))
    expect(decided).to_contain_text("Categorie laag")
    expect(decided).to_contain_text("1 augustus 2027 – 31 juli 2029")
    clean(loket)

    # 6. The mother sees the decision with its beschikkingsnummer, and her right to object.
    mother.goto(f"{base_url}/portaal/kind/{noor}/")
    mother.get_by_role("link", name="Aanvragen bij het samenwerkingsverband en besluiten").click()
    ours = mother.locator(".rondom-swv-decision", has_text=beschikkingsnummer)
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text("Categorie laag")
    expect(ours).to_contain_text("1 augustus 2027")
    expect(ours).to_contain_text("31 juli 2029")
    clean(mother)
    ours.get_by_text("Bent u het er niet mee eens? Uw recht op bezwaar").click()
    expect(ours.get_by_text("Landelijke Geschillencommissie Passend Onderwijs", exact=False)).to_be_visible()
    clean(mother)


def test_po_vo_transfer_the_vo_accepts_and_access_follows_the_child(
    new_page: Callable[[], Page], base_url: str, demo_env: dict[str, str]
) -> None:
    child_id, today = manage(demo_env, "shell", "-c", SET_UP_TRANSFER).split()[-2:]
    case_url = f"{base_url}/kinderen/{child_id}/casus/"

    # 1. De Esch's ib'er records the family's consent for the next school, then offers the child.
    ib = new_page()
    log_in(ib, base_url, demo_env, "ib")
    ib.goto(f"{base_url}/kinderen/{child_id}/toestemming/")
    clean(ib)
    ib.get_by_label("Doel").select_option("transfer")
    ib.get_by_label("Basisgegevens").check()
    ib.get_by_label("Ondersteuning op school").check()
    ib.get_by_label("Ontvanger").select_option(label="Thomas a Kempis College")
    ib.get_by_label("Anouk Vermeer").check()
    ib.get_by_role("button", name="Toestemming vastleggen").click()
    expect(ib.get_by_text("De toestemming is vastgelegd.")).to_be_visible()
    clean(ib)

    ib.goto(f"{base_url}/kinderen/{child_id}/overstap/")
    clean(ib)
    ib.get_by_label("Volgende school (naam of BRIN-nummer)").fill("Thomas a Kempis College")
    ib.get_by_label("Soort overstap").select_option("po_vo")
    ib.get_by_label("Eerste dag op de nieuwe school").fill(today)
    ib.get_by_label("Uw school leest het dossier nog mee tot en met").fill(today)
    ib.get_by_label("Bericht aan de volgende school").fill("Lotte werkt goed met een vaste planning.")
    ib.get_by_role("button", name="Overstap aanbieden").click()
    expect(ib.locator("#transfer-state")).to_have_text("Aangeboden")
    clean(ib)

    # 2. Kempis's zorgcoördinator finds the child among the incoming transfers and accepts.
    zorgco = new_page()
    log_in(zorgco, base_url, demo_env, "zorgco")
    zorgco.goto(f"{base_url}/overstap/")
    clean(zorgco)
    zorgco.get_by_role("link", name="Lotte Vermeer").click()
    expect(zorgco.locator("#transfer-state")).to_have_text("Aangeboden")
    expect(zorgco.get_by_text("Lotte werkt goed met een vaste planning.")).to_be_visible()
    clean(zorgco)
    zorgco.get_by_role("button", name="Aanvaarden").click()
    expect(zorgco.get_by_text("U hebt de overstap aanvaard.")).to_be_visible()
    clean(zorgco)

    # 3. The vo zorgcoördinator opens the plan: on the case page, and in the plan editor (her school writes it now).
    zorgco.goto(case_url)
    expect(plan_section(zorgco)).to_contain_text(GOAL)
    clean(zorgco)
    zorgco.goto(f"{base_url}/kinderen/{child_id}/plan/")
    expect(zorgco.get_by_role("textbox", name="Doel 1: wat willen we bereiken?")).to_have_value(GOAL)
    clean(zorgco)

    # 4. De Esch reads the plan (read only) up to its set date; once that has passed, the child is not there for it.
    response = ib.goto(case_url)
    assert response is not None and response.status == 200
    expect(plan_section(ib)).to_contain_text(GOAL)
    expect(ib.get_by_role("link", name="Plan schrijven of aanpassen")).to_have_count(0)
    clean(ib)
    manage(demo_env, "shell", "-c", PASS_THE_SET_DATE.format(child=child_id))
    for url in (case_url, f"{base_url}/kinderen/{child_id}/"):
        response = ib.goto(url)
        assert response is not None and response.status == 404, url
        expect(ib.get_by_text(GOAL)).to_have_count(0)
        # No clean() here: the e2e server runs with DEBUG, so a 404 is Django's technical page, not Rondom's 404.html.
