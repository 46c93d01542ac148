"""The NGO's main path in real Chromium: register, start an offer on a published competition,
fill it in (autosave survives a reload), submit, read the receipt and download its PDF.
Along the way: axe-core finds no serious or critical violation on the form and the receipt,
and the costs section is photographed at 375 and 1280 px."""

from __future__ import annotations

import random

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from offers.identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from offers.models import Offer, OfferState

from ..factories import CompetitionFactory

pytestmark = pytest.mark.browser


def assert_accessible(page: Page, what: str) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in serious
    )
    assert not serious, f"axe-core on {what}:\n{report}"


def photograph(page: Page, path) -> None:
    """A full-page picture; the sticky bars are laid out in place so that they do not cover the rows."""
    page.evaluate("window.scrollTo(0, 0)")
    page.add_style_tag(content=".status-bar, .form-actions, .nav-details { position: static !important; }")
    page.screenshot(path=str(path), full_page=True)


def save(page: Page) -> None:
    """Press the section's Save button (an htmx request when JavaScript runs) and wait for the answer."""
    with page.expect_response(lambda r: "/edit/" in r.url and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save", exact=True).click()
    assert answer.value.status == 200, answer.value.text()[:500]
    page.wait_for_selector("html[data-unsaved='0'][data-saves-pending='0']", state="attached")
    expect(page.locator("#save-status")).to_contain_text("Saved at")


@pytest.mark.django_db(transaction=True)
def test_ngo_registers_drafts_submits_and_downloads_the_receipt(page: Page, live_server, screenshot_dir):
    competition = CompetitionFactory(published=True)
    area = competition.task_areas.get()
    rng = random.Random(2027)

    # 1. a new NGO user registers with their organisation
    page.goto("/ngo/register/")
    page.fill("#id_user-first_name", "Zofia")
    page.fill("#id_user-last_name", "Łęcka")
    page.fill("#id_user-email", "zofia@example.org")
    page.fill("#id_user-function", "Prezes Zarządu")
    page.fill("#id_user-username", "zofia")
    page.fill("#id_user-password1", "Źdźbło trawy 2027")
    page.fill("#id_user-password2", "Źdźbło trawy 2027")
    page.fill("#id_org-name", "Fundacja Żółty Żagiel")
    page.select_option("#id_org-legal_form", "fundacja")
    page.fill("#id_org-krs", generate_krs(rng))
    page.fill("#id_org-nip", "123-456-32-19")  # a wrong check digit first: the error is at the field
    page.fill("#id_org-regon", generate_regon(rng))
    page.fill("#id_org-street", "ul. Kościuszki 12")
    page.fill("#id_org-postal_code", "41-300")
    page.fill("#id_org-city", "Dąbrowa Górnicza")
    page.fill("#id_org-email", "biuro@zagiel.example.org")
    page.fill("#id_org-bank_account", generate_bank_account(rng))
    page.fill("#id_org-statutory_activity", "Edukacja żeglarska dzieci i młodzieży.")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#id_org-nip")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-id_org-nip")).to_contain_text("NIP")
    expect(page.locator("#id_org-name")).to_have_value("Fundacja Żółty Żagiel")
    page.fill("#id_org-nip", generate_nip(rng))
    page.fill("#id_user-password1", "Źdźbło trawy 2027")
    page.fill("#id_user-password2", "Źdźbło trawy 2027")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fundacja Żółty Żagiel")
    expect(page.locator("header")).to_contain_text("Zofia Łęcka")

    # 2. the announcement's "File an offer" starts a draft for the task
    page.goto(f"/competitions/{competition.pk}/")
    page.get_by_role("button", name="File an offer").first.click()
    expect(page.locator("h2.section-heading")).to_contain_text("Basic information")
    offer = Offer.objects.get()
    assert offer.task_area == area and offer.organization.name == "Fundacja Żółty Żagiel"

    # 3. the task section autosaves as it is typed, and survives a reload
    page.get_by_role("link", name="III.1–3 The task").click()
    page.fill("#f-task-title", "Żagle dla Zagłębia")
    page.fill("#f-task-start", "2027-03-01")
    page.fill("#f-task-end", "2027-12-15")
    page.fill("#f-task-place", "Pogoria III, Dąbrowa Górnicza")
    synthesis = "Uczymy dzieci żeglować.\n\n- zajęcia na wodzie\n- teoria zimą"
    page.fill("#f-task-synthesis", synthesis)
    # no Save pressed: the autosave sends it after a pause in typing
    page.wait_for_selector("html[data-unsaved='0'][data-saves-pending='0']", state="attached", timeout=10_000)
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    assert_accessible(page, "the offer form (III.1–3)")
    page.reload()
    expect(page.locator("#f-task-title")).to_have_value("Żagle dla Zagłębia")
    expect(page.locator("#f-task-synthesis")).to_have_value(synthesis)
    expect(page.locator("#section-nav a[aria-current=step] .done")).to_have_count(1)

    # 4. everything else: the schedule with one action (a row added in the page)
    page.goto(f"/offers/{offer.pk}/edit/schedule/")
    page.get_by_role("button", name="Add an action").click()
    expect(page.locator("#f-schedule-actions-0-name")).to_be_focused()
    page.fill("#f-schedule-actions-0-name", "Zajęcia żeglarskie")
    page.fill("#f-schedule-actions-0-description", "Dwa razy w tygodniu na Pogorii.")
    page.fill("#f-schedule-actions-0-target_group", "dzieci 10–14 lat")
    page.fill("#f-schedule-actions-0-start", "2027-03-01")
    page.fill("#f-schedule-actions-0-end", "2027-12-15")
    page.press("#f-schedule-actions-0-target_group", "Enter")  # saves; never presses the row's "Remove"
    expect(page.locator("[data-row]")).to_have_count(1)
    save(page)

    page.goto(f"/offers/{offer.pk}/edit/results/")
    page.fill("#f-results-expected_results", "40 dzieci nauczy się żeglować.")
    page.get_by_role("button", name="Add a result").click()
    page.fill("#f-results-indicators-0-name", "Liczba uczestników")
    page.fill("#f-results-indicators-0-target", "40")
    page.fill("#f-results-indicators-0-monitoring", "listy obecności")
    save(page)

    page.goto(f"/offers/{offer.pk}/edit/capacity/")
    page.fill("#f-capacity-prior_activity", "Prowadzimy szkółkę od 2015 r.")
    page.fill("#f-capacity-resources", "Trzy łodzie, dwóch instruktorów.")
    save(page)

    # the costs: a line of action I.1 and an administrative one; values and totals follow the typing
    page.goto(f"/offers/{offer.pk}/edit/costs/")
    page.get_by_role("button", name="Add a cost line to I.1").click()
    page.fill("#f-costs-lines-0-name", "Wynagrodzenie instruktora")
    page.fill("#f-costs-lines-0-unit", "godz.")
    page.fill("#f-costs-lines-0-unit_cost", "1 000,00")
    page.fill("#f-costs-lines-0-units", "30")
    expect(page.locator("#val-f-costs-lines-0")).to_have_text("30 000,00 zł")
    page.fill("#f-costs-lines-0-grant_part", "40000")  # more than the line: the error is shown AT the line
    save(page)
    expect(page.locator("#f-costs-lines-0")).to_have_class(r"cost-line line-error")
    expect(page.locator("#f-costs-lines-0-grant_part")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-f-costs-lines-0-grant_part")).to_contain_text("exceeds the line's value")
    expect(page.locator("#problems")).to_contain_text("V.A line I.1.1")
    page.fill("#f-costs-lines-0-grant_part", "27000")
    page.get_by_role("button", name="Add an administrative cost").click()
    page.fill("#f-costs-lines-1-name", "Księgowość")
    page.fill("#f-costs-lines-1-unit", "usługa")
    page.fill("#f-costs-lines-1-unit_cost", "2000")
    page.fill("#f-costs-lines-1-units", "1")
    page.fill("#f-costs-lines-1-grant_part", "1000")
    expect(page.locator("#tot-total")).to_have_text("32 000,00 zł")
    save(page)
    expect(page.locator("#f-costs-lines-0-grant_part")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#lbl-f-costs-lines-1")).to_have_text("II.1")
    assert_accessible(page, "the offer form (V.A)")
    photograph(page, screenshot_dir / "costs-1280.png")
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert_accessible(page, "the offer form (V.A) on a phone")
    photograph(page, screenshot_dir / "costs-375.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, "the costs section scrolls sideways"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/offers/{offer.pk}/edit/sources/")
    page.fill("#f-sources-own_financial", "4000")
    expect(page.locator("#vb-pct-31")).to_have_text("12,50 %")
    save(page)
    expect(page.locator("#vb-value-2")).to_have_text("28 000,00 zł")

    page.goto(f"/offers/{offer.pk}/edit/other/")
    page.get_by_label("free of charge (nieodpłatnie)").check()
    save(page)

    page.goto(f"/offers/{offer.pk}/edit/declarations/")
    for checkbox in page.locator("input[type=checkbox][id^=f-declarations-]").all():
        checkbox.check()
    page.check("#f-declarations-tax_arrears-1")
    page.check("#f-declarations-social_insurance_arrears-1")
    expect(page.locator("#f-declarations-signatories-0-name")).to_have_value("Zofia Łęcka")
    save(page)

    # an attachment: a file over the limit is refused in the page before it is sent, a PDF is attached
    page.goto(f"/offers/{offer.pk}/edit/attachments/")
    limit = settings.POZYTEK_MAX_UPLOAD_BYTES
    page.set_input_files(
        "#id_file",
        files=[{"name": "za-duzy.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" + b"0" * limit}],
    )
    expect(page.locator("#id_file-size-error")).to_contain_text("too large")
    expect(page.locator("#id_file")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Attach").click()
    expect(page.locator("main")).to_contain_text("No files attached yet.")
    page.set_input_files(
        "#id_file",
        files=[{"name": "statut.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 statut"}],
    )
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_role("link", name="statut.pdf")).to_be_visible()

    # 5. preview, submit, receipt, PDF
    page.get_by_role("link", name="Preview and submit").click()
    expect(page.locator("main")).to_contain_text("The offer is complete and can be submitted.")
    expect(page.locator(".offer-print")).to_contain_text("zajęcia na wodzie")
    page.get_by_role("button", name="Submit the offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmation of submission of an offer")
    offer.refresh_from_db()
    assert offer.state == OfferState.SUBMITTED
    receipt = page.locator("article.receipt")
    expect(receipt).to_contain_text(offer.number)
    expect(receipt).to_contain_text(offer.snapshot_sha256)
    expect(receipt).to_contain_text("28 000,00 zł")
    expect(receipt).to_contain_text("need not be printed")
    assert_accessible(page, "the receipt")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
