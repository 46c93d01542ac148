"""The office, the offeror, the approver and the public in real Chromium: the officer records a
formal check and calls the offeror to remedy; the offeror reads the call; the approver decides
on a scored competition and publishes the results; the public results show the amounts.

axe-core finds no serious or critical WCAG 2.1 A/AA violation on the pages walked through
(the decision page and the public results among them), and each is photographed at a phone's
(375 px) and a desktop's (1280 px) width."""

from __future__ import annotations

import pytest
from django.utils import timezone

from competitions.models import AuthorityRole, ChecklistItem
from evaluation import services
from evaluation.models import AwardState, EvaluationState, FormalCheckState
from offers.models import RepresentationRole

from ..evaluation.builders import scored_competition
from ..factories import AuthorityFactory, CompetitionFactory, OfferFactory, OrganizationFactory, representative, staff
from .conftest_officer_helpers import axe_serious, close, log_in, new_page, shoot

PASSWORD = "correct horse battery"  # noqa: S105 - the factories' password of every test user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _look(browser, base_url: str, user, path: str, folder, name: str, found: dict) -> None:
    """Open `path` as `user` at 375 and 1280 px: a screenshot of each, axe-core on each."""
    for width in (375, 1280):
        page = new_page(browser, base_url, width=width)
        if user is not None:
            log_in(page, user.username, PASSWORD)
        page.goto(path)
        violations = axe_serious(page)
        # full-page pictures: the sticky bars laid out in place, so that they do not cover the rows
        page.add_style_tag(content=".status-bar, .form-actions, .check-main { position: static !important; "
                                   "max-height: none !important; }")
        if violations:
            found[f"{name} at {width}px"] = violations
        shoot(page, folder, f"award-{name}-{width}")
        # nothing may stick out sideways on a phone: wide tables scroll inside their own box
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        close(page)
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {width}px"


def test_formal_check_remedy_decision_and_published_results(live_server, browser, screenshot_dir):
    authority = AuthorityFactory(name="Gmina Miejska Dąbrowa Górnicza")
    officer = staff(authority, AuthorityRole.OFFICER, username="urzednik", first_name="Ewa", last_name="Zielińska")
    approver = staff(authority, AuthorityRole.APPROVER, username="prezydent", first_name="Marek",
                     last_name="Kowalczyk")
    accessibility: dict[str, list] = {}

    # --- a closed competition in formal review ----------------------------------------------------------
    competition = CompetitionFactory(authority=authority, closed=True, reference="BOP.524.3.2027",
                                     title="Otwarty konkurs ofert — aktywizacja seniorów")
    ChecklistItem.objects.create(competition=competition, order=1, remediable=True,
                                          text="Oferta podpisana przez osoby upoważnione")
    ChecklistItem.objects.create(competition=competition, order=2, remediable=False, text="Oferta złożona w terminie")
    organization = OrganizationFactory(name="Stowarzyszenie Złota Jesień")
    ngo = representative(organization, RepresentationRole.ADMIN, username="zlota", first_name="Zofia",
                         last_name="Łęcka")
    offer = OfferFactory(task_area=competition.task_areas.get(), organization=organization, submitted=True,
                         title="Klub seniora na Gołonogu")
    OfferFactory(task_area=competition.task_areas.get(), submitted=True, title="Seniorzy w sieci")
    services.evaluation_start(competition=competition, actor=officer)

    # --- the officer records the checklist and calls to remedy -------------------------------------------
    page = new_page(browser, live_server.url)
    log_in(page, "urzednik", PASSWORD)
    page.goto(f"/competitions/office/{competition.pk}/")
    page.get_by_role("link", name="Evaluation: formal check, committee, decision").click()
    page.get_by_role("link", name=f"BOP.524.3.2027/{offer.pk}").click()
    assert page.get_by_role("heading", name="The offer", exact=True).is_visible()
    group = page.get_by_role("radiogroup", name="Oferta podpisana przez osoby upoważnione")
    group.get_by_label("defect").check()
    page.get_by_role("radiogroup", name="Oferta złożona w terminie").get_by_label("met").check()
    # a defect without its description is refused at the note, and the choices stay
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state()
    note = page.get_by_label("Note on “Oferta podpisana przez osoby upoważnione”")
    assert note.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("radiogroup", name="Oferta podpisana przez osoby upoważnione").get_by_label(
        "defect").is_checked()
    note.fill("Brak podpisu skarbnika stowarzyszenia.")
    page.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state()
    assert "The checklist is saved." in page.content()
    message = page.get_by_label("What the offeror must remedy")
    assert "Brak podpisu skarbnika stowarzyszenia." in message.input_value()  # pre-filled from the defects
    message.fill("Prosimy o podpis skarbnika w oświadczeniach (część VII).")
    page.get_by_label("VII Declarations").check()
    page.get_by_role("button", name="Call to remedy").click()
    page.wait_for_load_state()
    assert "called to remedy defects" in page.content()
    violations = axe_serious(page)
    if violations:
        accessibility["formal check after the call"] = violations
    close(page)
    check = offer.formal_check
    check.refresh_from_db()
    assert check.state == FormalCheckState.REMEDY_REQUESTED and check.remedy_sections == ["declarations"]
    _look(browser, live_server.url, officer, f"/evaluation/office/checks/{check.pk}/", screenshot_dir,
          "formal-check", accessibility)
    _look(browser, live_server.url, officer, f"/evaluation/office/{competition.pk}/", screenshot_dir,
          "formal-list", accessibility)
    other = competition.offers.exclude(pk=offer.pk).get().formal_check
    _look(browser, live_server.url, officer, f"/evaluation/office/checks/{other.pk}/", screenshot_dir,
          "formal-check-open", accessibility)
    _look(browser, live_server.url, officer, f"/evaluation/office/{competition.pk}/committee/", screenshot_dir,
          "committee-forming", accessibility)

    # --- the offeror sees the call, from its offer's page ------------------------------------------------
    page = new_page(browser, live_server.url, width=375)
    log_in(page, "zlota", PASSWORD)
    page.goto(f"/offers/{offer.pk}/")
    page.get_by_role("link", name="Call to remedy").click()
    body = page.locator("main").inner_text()
    assert "Prosimy o podpis skarbnika w oświadczeniach (część VII)." in body
    assert timezone.localtime(check.remedy_deadline).strftime("%d.%m.%Y, %H:%M") in body
    assert page.get_by_role("link", name="VII Declarations").is_visible()
    assert page.get_by_role("button", name="Send the remedied offer").is_visible()
    close(page)
    _look(browser, live_server.url, ngo, f"/evaluation/offers/{offer.pk}/remedy/", screenshot_dir, "remedy",
          accessibility)

    # --- the approver decides on a scored competition and publishes ---------------------------------------
    scored = scored_competition(authority, officer, approver, decide=False)
    alfa, beta, gamma = scored.offers[:3]
    decision = f"/evaluation/office/{scored.competition.pk}/decision/"
    _look(browser, live_server.url, approver, decision, screenshot_dir, "decision", accessibility)
    page = new_page(browser, live_server.url)
    log_in(page, "prezydent", PASSWORD)
    page.goto(decision)
    alfa_card = page.locator(f"#offer-{alfa.pk}")
    amount = alfa_card.get_by_label("Grant for Stowarzyszenie Alfa (zł)")
    assert amount.input_value() == "25 000,00"  # the committee's proposal
    amount.fill("24 000")
    alfa_card.get_by_role("button", name="Select with this amount").click()
    page.wait_for_load_state()
    # departing from the proposal needs a reason: refused at the field, the amount kept
    alfa_card = page.locator(f"#offer-{alfa.pk}")
    reason = alfa_card.get_by_label("Reason")
    assert reason.get_attribute("aria-invalid") == "true"
    assert alfa_card.get_by_label("Grant for Stowarzyszenie Alfa (zł)").input_value() == "24 000"
    reason.fill("Mniejsze środki w budżecie na 2027 r.")
    alfa_card.get_by_role("button", name="Select with this amount").click()
    page.wait_for_load_state()
    assert "Selected: Stowarzyszenie Alfa, 24 000,00 zł." in page.content()
    page.locator(f"#offer-{beta.pk}").get_by_role("button", name="Select with this amount").click()
    page.wait_for_load_state()
    gamma_card = page.locator(f"#offer-{gamma.pk}")
    gamma_card.get_by_label("Reason").fill("Oferta poniżej progu punktowego.")
    gamma_card.get_by_role("button", name="Do not select").click()
    page.wait_for_load_state()
    violations = axe_serious(page)
    if violations:
        accessibility["decision, all decided"] = violations
    page.get_by_label("Decision (zarządzenie or uchwała)").fill("Zarządzenie nr 45/2027 Prezydenta Miasta")
    page.get_by_role("button", name="Decide and publish the results").click()
    page.wait_for_load_state()
    assert "The results are decided and published." in page.content()
    close(page)
    scored.evaluation.refresh_from_db()
    assert scored.evaluation.state == EvaluationState.RESOLVED
    alfa.award.refresh_from_db()
    assert alfa.award.state == AwardState.AWAITING_UPDATE and alfa.award.decided_amount == 24000
    _look(browser, live_server.url, approver, decision, screenshot_dir, "decision-resolved", accessibility)

    # --- the public results show the amounts ----------------------------------------------------------------
    page = new_page(browser, live_server.url, width=375)
    page.goto(f"/competitions/{scored.competition.pk}/")
    page.get_by_role("link", name="Results of the competition").click()
    body = page.locator("main").inner_text()
    assert "Stowarzyszenie Alfa" in body and "24 000,00 zł" in body and "40 000,00 zł" in body
    assert "Zarządzenie nr 45/2027 Prezydenta Miasta" in body
    close(page)
    _look(browser, live_server.url, None, f"/evaluation/results/{scored.competition.pk}/", screenshot_dir,
          "results", accessibility)
    _look(browser, live_server.url, None, f"/evaluation/results/{scored.competition.pk}/ask/", screenshot_dir,
          "request", accessibility)
    services.justification_request_create(evaluation=scored.evaluation, name="Jan Nowak", email="jan@example.org",
                                          text="Proszę o uzasadnienie nieprzyznania dotacji.", offer=gamma)
    _look(browser, live_server.url, officer, f"/evaluation/office/{scored.competition.pk}/requests/",
          screenshot_dir, "requests", accessibility)
    _look(browser, live_server.url, officer, f"/evaluation/office/{scored.competition.pk}/committee/",
          screenshot_dir, "committee-appointed", accessibility)
    _look(browser, live_server.url, scored.members["ngo_alfa"], f"/evaluation/offers/{alfa.pk}/card/",
          screenshot_dir, "card", accessibility)
    _look(browser, live_server.url, scored.members["ngo_alfa"], f"/evaluation/offers/{alfa.pk}/update/",
          screenshot_dir, "update", accessibility)
    _look(browser, live_server.url, scored.members["ngo_alfa"], f"/evaluation/offers/{alfa.pk}/update/costs/",
          screenshot_dir, "update-costs", accessibility)

    assert not accessibility, f"axe-core found serious WCAG 2.1 AA violations: {accessibility}"
