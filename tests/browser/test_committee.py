"""The committee in a real browser: a member declares impartiality for two offers, scores both
(saved as they type, a wrong score refused at its criterion), moves between them with the
keyboard and submits; the chair closes scoring and sees the ranking. axe-core finds no
serious or critical WCAG 2.1 AA violation on the scoring page and the chair's page;
screenshots of the scoring page at a phone's and a desktop's width."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from competitions.models import AuthorityRole, ChecklistItem
from evaluation import services
from evaluation.models import (
    Declaration,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    SeatRole,
    SheetState,
)

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
    staff,
)
from .conftest_officer_helpers import axe_serious, close, log_in, new_page, shoot

PASSWORD = "correct horse battery"  # noqa: S105 - the factories' password of every test user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFERORS = ("Stowarzyszenie CIS Mysłowice", "Stowarzyszenie Zielone Zagłębie")


def _committee_in_merit_review():
    authority = AuthorityFactory(name="Gmina Miejska Dąbrowa Górnicza")
    officer = staff(authority, AuthorityRole.OFFICER, username="urzednik")
    competition = CompetitionFactory(
        authority=authority, closed=True,
        title="Otwarty konkurs ofert na realizację zadań publicznych w 2027 r. — wspieranie rozwoju "
              "społeczeństwa obywatelskiego")
    ChecklistItem.objects.create(competition=competition, order=1, text="Podpisana przez osoby upoważnione",
                                 remediable=True)
    area = competition.task_areas.get()
    titles = ("POMYSłowice – ośrodek wsparcia dla organizacji pozarządowych",
              "Inkubator III sektora w Zagłębiu")
    offers = [OfferFactory(task_area=area, submitted=True, organization=OrganizationFactory(name=name),
                           title=title) for name, title in zip(OFFERORS, titles, strict=True)]
    evaluation = services.evaluation_start(competition=competition, actor=officer)
    # the formal check is the office's page (its own browser test); here both offers passed it
    FormalCheck.objects.filter(offer__competition=competition).update(state=FormalCheckState.ACCEPTED)
    committee = competition.committee
    people = {
        "chair": UserFactory(username="przewodniczaca", first_name="Celina", last_name="Nowakowska"),
        "member": UserFactory(username="czlonek", first_name="Marek", last_name="Wiśniewski"),
        "other": UserFactory(username="delegatka", first_name="Olga", last_name="Kamińska"),
    }
    services.seat_add(committee=committee, actor=officer, user=people["chair"], role=SeatRole.CHAIR)
    services.seat_add(committee=committee, actor=officer, user=people["member"])
    services.seat_add(committee=committee, actor=officer, user=people["other"])
    services.committee_configure(committee=committee, actor=officer, ngo_absence="none_nominated",
                                 ngo_absence_note="Żadna organizacja nie zgłosiła kandydata.", quorum=2)
    services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie nr 15/2027")
    services.evaluation_start_merit_review(evaluation, actor=officer)
    return competition, offers, list(area.criteria.all()), people


def _score_through_services(user, offer, criteria, points):
    declaration = Declaration.objects.get(seat__user=user, offer=offer)
    services.declaration_make(declaration, actor=user, impartial=True)
    services.scores_save(seat=declaration.seat, offer=offer, actor=user, scores={
        c.pk: {"points": str(p), "comment": "Ocena zgodna z kartą"}
        for c, p in zip(criteria, points, strict=True)})
    services.sheet_submit(ScoreSheet.objects.get(seat=declaration.seat, offer=offer), actor=user)


def _check_axe(page, where: str, found: dict) -> None:
    violations = axe_serious(page)
    if violations:
        found[where] = violations


def _saved(page):
    expect(page.locator("#save-status")).to_contain_text("Saved at")


def test_member_declares_scores_and_submits_then_the_chair_closes_scoring(live_server, browser,
                                                                          screenshot_dir):
    competition, (offer_a, offer_b), criteria, people = _committee_in_merit_review()
    first, second, third = criteria  # 5, 10 and 10 points
    accessibility: dict[str, list] = {}

    # --- the member: declarations before any content -------------------------------------------------
    page = new_page(browser, live_server.url)
    log_in(page, "czlonek", PASSWORD)
    page.goto("/evaluation/committees/")
    expect(page.get_by_text("2 impartiality declarations to make.")).to_be_visible()
    page.get_by_role("link", name="Offers and declarations").click()
    expect(page.get_by_role("heading", name="Offers and impartiality declarations")).to_be_visible()
    assert "Centrum doradza organizacjom" not in page.content()  # names and titles only
    page.get_by_text("When must I declare a conflict of interest? (KPA art. 24)").click()
    expect(page.get_by_text("KPA art. 24 § 1 pkt 2", exact=True)).to_be_visible()
    for name in OFFERORS:
        with page.expect_navigation():
            page.get_by_role("button", name=f"I am impartial — {name}").click()
        expect(page.get_by_text(f"You declared that you are impartial towards {name}")).to_be_visible()
    _check_axe(page, "declarations", accessibility)

    # --- scoring the first offer: saved as typed, a wrong score refused at its criterion ----------------
    page.get_by_role("link", name=f"Read and score — {OFFERORS[0]}").click()
    expect(page.get_by_role("heading", name="Score sheet")).to_be_visible()
    # the offer itself, beside the sheet
    expect(page.get_by_text("Centrum doradza organizacjom.")).to_be_visible()
    expect(page.get_by_text("0 of 2 scored")).to_be_visible()
    expect(page.get_by_text("Keyboard: Alt+N next offer, Alt+P previous offer.")).to_be_visible()

    page.locator(f"#points-{first.pk}").fill("4")
    _saved(page)
    assert Score.objects.get(sheet__offer=offer_a, criterion=first).points == Decimal("4.00")

    page.locator(f"#points-{second.pk}").fill("12")
    expect(page.locator(f"#msg-{second.pk}")).to_contain_text("At most 10 points.")
    expect(page.locator(f"#points-{second.pk}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#save-status")).to_contain_text("Not saved: 1 score needs correcting")
    assert not Score.objects.filter(sheet__offer=offer_a, criterion=second).exists()
    page.locator(f"#points-{second.pk}").fill("8")
    _saved(page)
    expect(page.locator(f"#points-{second.pk}")).not_to_have_attribute("aria-invalid", "true")

    # a low score asks for its comment at once
    page.locator(f"#points-{third.pk}").fill("3")
    expect(page.locator(f"#criterion-{third.pk} [data-required-marker]")).to_be_visible()
    expect(page.locator(f"#msg-{third.pk}")).to_contain_text("Explain a score below 50% of the maximum")
    page.locator(f"#comment-{third.pk}").fill("Kadra bez doświadczenia w doradztwie.")
    _saved(page)
    expect(page.locator("#sheet-total")).to_have_text("15")
    _check_axe(page, "scoring page", accessibility)
    shoot(page, screenshot_dir, "committee-score-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(page, screenshot_dir, "committee-score-375")
    _check_axe(page, "scoring page at 375px", accessibility)
    page.set_viewport_size({"width": 1280, "height": 900})

    # --- the keyboard moves offer to offer, saving first ---------------------------------------------
    page.locator(f"#comment-{first.pk}").fill("Doświadczony zespół")
    with page.expect_navigation(url=re.compile(rf"/offers/{offer_b.pk}/score/$")):
        page.keyboard.press("Alt+n")
    assert Score.objects.get(sheet__offer=offer_a, criterion=first).comment == "Doświadczony zespół"
    expect(page.get_by_text("Offer 2 of 2")).to_be_visible()
    with page.expect_navigation(url=re.compile(rf"/offers/{offer_a.pk}/score/$")):
        page.keyboard.press("Alt+p")
    expect(page.locator(f"#comment-{first.pk}")).to_have_value("Doświadczony zespół")

    # --- submit; the next offer to score opens ------------------------------------------------------------
    with page.expect_navigation(url=re.compile(rf"/offers/{offer_b.pk}/score/$")):
        page.get_by_role("button", name="Submit my scores").click()
    expect(page.get_by_text(f"Your scores for the offer of {OFFERORS[0]} are submitted.")).to_be_visible()
    expect(page.get_by_text("1 of 2 scored")).to_be_visible()
    for criterion, value in ((first, "5"), (second, "9"), (third, "9")):
        page.locator(f"#points-{criterion.pk}").fill(value)
    _saved(page)
    with page.expect_navigation(url=re.compile(r"/declarations/$")):
        page.get_by_role("button", name="Submit my scores").click()
    expect(page.get_by_text("All the offers you may score are scored.")).to_be_visible()
    assert ScoreSheet.objects.filter(seat__user=people["member"], state=SheetState.SUBMITTED).count() == 2
    close(page)

    # the second member scores through the services: the quorum is two sheets per offer
    _score_through_services(people["other"], offer_a, criteria, (5, 8, 7))
    _score_through_services(people["other"], offer_b, criteria, (4, 9, 10))

    # --- the chair closes scoring and sees the ranking ----------------------------------------------------
    page = new_page(browser, live_server.url)
    log_in(page, "przewodniczaca", PASSWORD)
    page.goto(f"/evaluation/{competition.pk}/chair/")
    expect(page.get_by_text("Every offer has enough score sheets.")).to_be_visible()
    _check_axe(page, "chair's dashboard", accessibility)
    shoot(page, screenshot_dir, "committee-chair-1280")
    expect(page.get_by_label("Celina Nowakowska — chair")).to_be_checked()
    page.get_by_label("Others present who sign (optional)").fill("Jan Protokolant")
    with page.expect_navigation():
        page.get_by_role("button", name="Close scoring").click()
    expect(page.get_by_text("Scoring is closed.")).to_be_visible()
    competition.evaluation.refresh_from_db()
    assert competition.evaluation.state == EvaluationState.AWAITING_DECISION
    assert "Jan Protokolant" in competition.evaluation.protocol_signed_by
    ranking = page.locator("table.ranking-table tbody tr")
    expect(ranking).to_have_count(2)
    # B: (5+9+9 + 4+9+10) / 2 = 23; A: (4+8+3 + 5+8+7) / 2 = 17,5
    expect(ranking.nth(0)).to_contain_text(OFFERORS[1])
    expect(ranking.nth(0)).to_contain_text("23")
    expect(ranking.nth(1)).to_contain_text(OFFERORS[0])
    expect(ranking.nth(1)).to_contain_text("17,5")
    expect(page.get_by_role("heading", name="Leniency")).to_be_visible()
    _check_axe(page, "chair's dashboard after closing", accessibility)
    shoot(page, screenshot_dir, "committee-chair-ranking-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(page, screenshot_dir, "committee-chair-ranking-375")
    close(page)

    assert not accessibility, f"axe-core found serious or critical violations: {accessibility}"
