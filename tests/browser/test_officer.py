"""The authority in a real browser: the officer announces a competition with a task and a
criterion, the approver approves it, the officer records the three publications and
publishes it. Screenshots at a phone's and a desktop's width; axe-core finds no serious
or critical WCAG 2.1 AA violation on the pages walked through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from competitions.models import AuthorityRole, Competition, CompetitionState
from workflow.audit import audit_events_for
from workflow.calendar import WARSAW

from ..factories import AuthorityFactory, staff
from .conftest_officer_helpers import axe_serious, close, log_in, new_page, shoot

PASSWORD = "correct horse battery"  # noqa: S105 - the factories' password of every test user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check_axe(page, where: str, found: dict) -> None:
    violations = axe_serious(page)
    if violations:
        found[where] = violations


def test_officer_announces_approver_approves_officer_publishes(live_server, browser, screenshot_dir):
    authority = AuthorityFactory(name="Gmina Miejska Dąbrowa Górnicza")
    staff(authority, AuthorityRole.OFFICER, username="urzednik", first_name="Ewa", last_name="Zielińska")
    staff(authority, AuthorityRole.APPROVER, username="prezydent", first_name="Marek", last_name="Kowalczyk")
    today = timezone.localdate()
    deadline = today + dt.timedelta(days=40)
    accessibility: dict[str, list] = {}

    # --- the officer writes the announcement ----------------------------------------------------
    page = new_page(browser, live_server.url)
    log_in(page, "urzednik", PASSWORD)
    page.get_by_role("link", name="New competition").click()
    _check_axe(page, "create form", accessibility)
    page.get_by_label("Reference number").fill("BOP.524.9.2027")
    page.get_by_label("Title").fill("Otwarty konkurs ofert — aktywizacja seniorów")
    page.get_by_label("Budget year").fill(str(deadline.year))
    page.get_by_label("Type of task (pkt 1)").fill("Działalność na rzecz osób w wieku emerytalnym")
    page.get_by_label("Rules for awarding grants (pkt 3)").fill("Dotacje przyznaje Prezydent Miasta w drodze "
                                                                "zarządzenia, po opinii komisji konkursowej.")
    page.get_by_label("Dates and conditions of performance (pkt 4)").fill("W roku budżetowym.")
    page.get_by_label("Deadline for offers (pkt 5)").fill(f"{deadline:%Y-%m-%d}T16:00")
    page.get_by_label("Procedure and criteria of selection (pkt 6)").fill("Ocena komisji, art. 15 ust. 1.")
    page.get_by_label("Date of the selection (pkt 6)").fill(f"{deadline + dt.timedelta(days=30):%Y-%m-%d}")
    with page.expect_navigation(url="**/competitions/office/*/"):
        page.get_by_role("button", name="Create the competition").click()
    competition = Competition.objects.get(reference="BOP.524.9.2027")
    # typed as Warsaw wall-clock time, stored as that instant
    assert competition.submission_deadline == dt.datetime.combine(deadline, dt.time(16, 0), tzinfo=WARSAW)

    # a task area with its budget and limits
    page.get_by_role("link", name="Add a task area").click()
    page.get_by_label("Task", exact=True).fill("Klub seniora w dzielnicy Gołonóg")
    page.get_by_label("Sphere of public tasks (art. 4)").select_option("seniorzy")
    page.get_by_label("Budget").fill("80 000,00")
    page.get_by_label("Maximum grant").fill("40000")
    page.get_by_label("Minimum own contribution (%)").fill("10")
    # a window that ends before it starts is refused at its field, and nothing typed is lost
    page.get_by_label("Task must end by").fill(f"{deadline.year}-01-01")
    page.get_by_label("Task may start on").fill(f"{deadline.year}-03-01")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    end = page.get_by_label("Task must end by")
    assert end.get_attribute("aria-invalid") == "true"
    assert "The task must end on or after the day it may start." in page.content()
    assert page.get_by_label("Budget").input_value() == "80 000,00"
    _check_axe(page, "task area form with errors", accessibility)
    shoot(page, screenshot_dir, "task-area-errors-1280")
    end.fill(f"{deadline.year}-12-15")
    with page.expect_navigation(url="**/competitions/office/*/#tasks"):
        page.get_by_role("button", name="Save").click()
    assert "Task 1: Klub seniora w dzielnicy Gołonóg" in page.content()

    # and a criterion of that task
    page.get_by_role("link", name="Add a criterion — task 1").click()
    page.get_by_label("Criterion").fill("Jakość i kwalifikacje osób realizujących zadanie")
    page.get_by_label("Maximum points").fill("10")
    page.get_by_label("Basis").fill("art. 15 ust. 1 pkt 3")
    with page.expect_navigation(url="**/competitions/office/*/#tasks"):
        page.get_by_role("button", name="Save").click()

    # art. 13 ust. 2 pkt 7: the same tasks this year and last year
    announced = today.year
    for year, cost in ((announced - 1, "52000"), (announced, "61000,50")):
        page.get_by_role("link", name="Add a prior-year task").click()
        page.get_by_label("Year").fill(str(year))
        page.get_by_label("Task", exact=True).fill("Kluby seniora")
        page.get_by_label("Cost").fill(cost)
        page.get_by_label("Of which grants to NGOs").fill("50000")
        with page.expect_navigation(url="**/competitions/office/*/#prior"):
            page.get_by_role("button", name="Save").click()
    assert "every element of art. 13 ust. 2" in page.content()
    _check_axe(page, "office page (draft)", accessibility)
    shoot(page, screenshot_dir, "officer-draft-1280")
    close(page)

    # --- the approver approves it with the ordinance ------------------------------------------------
    page = new_page(browser, live_server.url)
    log_in(page, "prezydent", PASSWORD)
    page.get_by_role("link", name="Otwarty konkurs ofert — aktywizacja seniorów").click()
    page.get_by_label("Approved by (zarządzenie/uchwała)").fill("Zarządzenie nr 112/2027 Prezydenta Miasta")
    with page.expect_navigation(url="**/competitions/office/*/"):
        page.get_by_role("button", name="Approve the announcement").click()
    assert "The announcement was approved." in page.content()
    close(page)
    competition.refresh_from_db()
    assert competition.state == CompetitionState.APPROVED

    # --- the officer records the three publications and publishes -------------------------------------
    page = new_page(browser, live_server.url)
    log_in(page, "urzednik", PASSWORD)
    page.get_by_role("link", name="Otwarty konkurs ofert — aktywizacja seniorów").click()
    assert "Publication not recorded on" in page.content()  # why "Publish" waits
    for channel, address in (("bip", "https://bip.example.org/konkurs-9"), ("noticeboard", ""),
                             ("website", "https://example.org/ngo/konkurs-9")):
        page.get_by_label("Channel").select_option(channel)
        page.get_by_label("Published on").fill(f"{today:%Y-%m-%d}")
        page.get_by_label("Address (URL)").fill(address)
        with page.expect_navigation(url="**/competitions/office/*/#publications"):
            page.get_by_role("button", name="Record the publication").click()
        assert "The publication was recorded." in page.content()
    _check_axe(page, "office page (approved)", accessibility)
    with page.expect_navigation(url="**/competitions/office/*/"):
        page.get_by_role("button", name="Publish", exact=True).click()
    assert "The competition is published and accepts offers." in page.content()
    competition.refresh_from_db()
    assert competition.state == CompetitionState.PUBLISHED
    assert [e.action.rsplit(".", 1)[1] for e in audit_events_for(competition)] == [
        "create", "save", "save", "save", "save", "approve",
        "record_publication", "record_publication", "record_publication", "publish"]

    _check_axe(page, "office page (published)", accessibility)
    shots = [shoot(page, screenshot_dir, "officer-published-1280")]
    page.get_by_role("link", name="Audit trail").click()
    _check_axe(page, "audit trail", accessibility)
    shots.append(shoot(page, screenshot_dir, "officer-audit-1280"))
    page.goto(f"/competitions/{competition.pk}/")
    _check_axe(page, "public announcement", accessibility)
    shots.append(shoot(page, screenshot_dir, "public-announcement-1280"))
    close(page)

    # --- the same pages on a 375px phone ---------------------------------------------------------------
    phone = new_page(browser, live_server.url, width=375)
    log_in(phone, "urzednik", PASSWORD)
    for path, name in ((f"/competitions/office/{competition.pk}/", "officer-published-375"),
                       ("/competitions/office/", "officer-list-375"),
                       (f"/competitions/{competition.pk}/", "public-announcement-375"),
                       ("/competitions/", "public-list-375")):
        phone.goto(path)
        # nothing may be wider than the screen: no sideways scrolling on a phone
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
        _check_axe(phone, f"{path} at 375px", accessibility)
        shots.append(shoot(phone, screenshot_dir, name))
    close(phone)

    assert all(path.stat().st_size > 10_000 for path in shots)
    assert accessibility == {}, accessibility
