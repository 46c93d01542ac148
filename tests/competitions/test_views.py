"""Web pages of competitions: the public announcement, the authority's office (set-up,
publication, transitions, offers after the deadline, audit trail) and their query budgets."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitions.models import (
    AuthorityRole,
    CancellationGround,
    Channel,
    Competition,
    CompetitionState,
    Criterion,
    PriorFunding,
    PublicationRecord,
    TaskArea,
)
from competitions.services import competition_extend_deadline, publication_record
from workflow.audit import audit_events_for
from workflow.calendar import WARSAW
from workflow.services import transition

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    record_all_channels,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # English messages, so that assertions do not depend on the Polish catalogue.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def url(name: str, *args) -> str:
    return reverse(f"competitions:{name}", args=args)


def text(response) -> str:
    """The page's visible text with whitespace collapsed (tags dropped)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


def warsaw(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=WARSAW)


def announcement_post(**overrides) -> dict:
    data = {
        "reference": "BOP.524.7.2027", "title": "Konkurs na wsparcie seniorów", "year": "2027",
        "task_type": "Działalność na rzecz osób w wieku emerytalnym",
        "award_rules": "Dotacje przyznaje Prezydent Miasta.",
        "performance_terms": "Od 1 marca do 15 grudnia 2027 r.",
        "submission_deadline": "2027-03-01T16:00", "selection_procedure": "Komisja konkursowa, art. 15.",
        "selection_date": "2027-03-31", "remedy_days": "7", "per_line_grant_split": "on",
        "allow_joint_offers": "on", "cancellation_reservation": "",
    }
    data.update(overrides)
    return data


# --- public pages ------------------------------------------------------------------------------------


def test_public_list_shows_published_competitions_without_login(client, authority):
    published = CompetitionFactory(authority=authority, published=True, title="Konkurs opublikowany")
    closed = CompetitionFactory(authority=authority, closed=True, title="Konkurs zamknięty")
    cancelled = CompetitionFactory(authority=authority, cancelled=True, title="Konkurs unieważniony")
    CompetitionFactory(authority=authority, title="Szkic niewidoczny")
    CompetitionFactory(authority=authority, approved=True, title="Zatwierdzony niewidoczny")
    CompetitionFactory(authority=authority, published=True, is_active=False, title="Nieaktywny niewidoczny")

    response = client.get(url("public_list"))

    assert response.status_code == 200
    page = text(response)
    for competition in (published, closed, cancelled):
        assert competition.title in page
    assert "niewidoczny" not in page
    assert "3 competitions" in page
    # funds = the sum of the task budgets (the factory's one task of 120 000 zł)
    assert "120,000.00 zł" in page
    deadline = timezone.localtime(published.submission_deadline, WARSAW).strftime("%d.%m.%Y %H:%M")
    assert deadline in page


def test_public_list_filters_by_authority_and_state(client, authority):
    other = AuthorityFactory(name="Powiat Inny")
    mine = CompetitionFactory(authority=authority, published=True, title="Konkurs gminy")
    theirs = CompetitionFactory(authority=other, closed=True, title="Konkurs powiatu")

    page = text(client.get(url("public_list"), {"authority": other.pk}))
    assert theirs.title in page and mine.title not in page

    page = text(client.get(url("public_list"), {"state": CompetitionState.PUBLISHED}))
    assert mine.title in page and theirs.title not in page

    # a filter value that is not offered is ignored, never a 500
    response = client.get(url("public_list"), {"state": "draft", "authority": "x"})
    assert response.status_code == 200
    assert mine.title in text(response) and theirs.title in text(response)


def test_public_announcement_has_every_element_of_art_13(client, authority, officer):
    competition = CompetitionFactory(authority=authority, published=True,
                                     submission_deadline=warsaw(2030, 3, 1, 16, 0),
                                     selection_date=dt.date(2030, 4, 15))
    area = competition.task_areas.get()
    TaskAreaFactory(competition=competition, number=area.number + 1, name="Wolontariat młodzieży",
                    budget=Decimal("60000.00"), form="powierzenie", min_grant=None,
                    max_grant=Decimal("15000.00"))
    record_all_channels(competition, officer, published_on=dt.date(2030, 1, 20))

    response = client.get(url("public_detail", competition.pk))

    assert response.status_code == 200
    page = text(response)
    for element in (competition.task_type, competition.award_rules, competition.performance_terms,
                    competition.selection_procedure):
        assert element in page
    assert "01.03.2030 16:00" in page  # the deadline, in Europe/Warsaw
    assert "15.04.2030" in page  # the date of the selection
    assert "180,000.00 zł" in page  # pkt 2: 120 000 + 60 000
    # each task with its form, budget, limits, window and criteria with points
    assert area.name in page and "Wolontariat młodzieży" in page
    assert "entrusting (powierzenie)" in page and "support (wspieranie)" in page
    assert "from 20,000.00 zł to 60,000.00 zł" in page and "up to 15,000.00 zł" in page
    assert "at most 15% of the total cost" in page
    assert "from 01.03.2027 to 15.12.2027" in page
    assert "Kalkulacja kosztów" in page and "Total 25" in page
    # pkt 7: prior-year tasks and costs
    assert "Zadania tego rodzaju" in page and "100,000.00 zł" in page and "90,000.00 zł" in page
    # publication records
    assert "Public Information Bulletin (BIP)" in page and "20.01.2030" in page


def test_public_announcement_shows_extensions_and_cancellation(client, authority, officer, approver):
    competition = CompetitionFactory(authority=authority, published=True,
                                     cancellation_reservation="Zastrzega się prawo odstąpienia.")
    old_deadline = competition.submission_deadline
    competition_extend_deadline(competition, actor=officer, new_deadline=old_deadline + dt.timedelta(days=7),
                                reason="Awaria generatora ofert w dniu 12 lutego.")
    page = text(client.get(url("public_detail", competition.pk)))
    assert "Deadline extensions" in page
    assert "Awaria generatora ofert w dniu 12 lutego." in page
    assert timezone.localtime(old_deadline, WARSAW).strftime("%d.%m.%Y %H:%M") in page
    assert timezone.localtime(old_deadline + dt.timedelta(days=7), WARSAW).strftime("%d.%m.%Y %H:%M") in page

    transition(competition, "cancel", actor=approver, reason="Zmniejszenie środków w budżecie.",
               ground=CancellationGround.RESERVATION)
    page = text(client.get(url("public_detail", competition.pk)))
    assert "The competition was cancelled" in page
    assert "a reservation in the announcement" in page
    assert "Zmniejszenie środków w budżecie." in page


def test_a_draft_is_404_to_the_public_and_to_another_authority(client, authority, officer, ngo_admin):
    draft = CompetitionFactory(authority=authority)
    other_officer = staff(AuthorityFactory(), AuthorityRole.OFFICER)

    assert client.get(url("public_detail", draft.pk)).status_code == 404
    for user in (ngo_admin, other_officer):
        client.force_login(user)
        assert client.get(url("public_detail", draft.pk)).status_code == 404
        assert client.get(url("staff_detail", draft.pk)).status_code == 404
    # its own authority's staff see a preview
    client.force_login(officer)
    response = client.get(url("public_detail", draft.pk))
    assert response.status_code == 200
    assert "Preview for the authority's staff." in text(response)
    assert client.get(url("public_detail", 999999)).status_code == 404


def test_an_ngo_user_may_file_an_offer_only_while_offers_are_accepted(client, authority, organization,
                                                                        ngo_admin):
    published = CompetitionFactory(authority=authority, published=True)
    closed = CompetitionFactory(authority=authority, closed=True)
    area = published.task_areas.get()
    new_offer = reverse("offers:offer_new")

    anonymous = client.get(url("public_detail", published.pk)).content.decode()
    assert new_offer not in anonymous and "to file an offer" in anonymous

    client.force_login(ngo_admin)
    page = client.get(url("public_detail", published.pk)).content.decode()
    assert f'action="{new_offer}"' in page
    assert f'name="task_area" value="{area.pk}"' in page
    assert f'name="organization" value="{organization.pk}"' in page
    assert new_offer not in client.get(url("public_detail", closed.pk)).content.decode()


def test_the_file_an_offer_form_starts_a_draft(client, authority, organization, ngo_admin):
    from offers.models import Offer, OfferState

    published = CompetitionFactory(authority=authority, published=True)
    area = published.task_areas.get()
    client.force_login(ngo_admin)
    response = client.post(reverse("offers:offer_new"),
                           {"task_area": area.pk, "organization": organization.pk})
    assert response.status_code == 302
    offer = Offer.objects.get(task_area=area, organization=organization)
    assert offer.state == OfferState.DRAFT


# --- the office: who may enter ------------------------------------------------------------------


def test_office_pages_are_404_for_ngo_users_and_ask_strangers_to_log_in(client, authority, ngo_admin):
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    pages = [url("staff_list"), url("staff_create"), url("staff_detail", competition.pk),
             url("staff_edit", competition.pk), reverse("offers:staff_offers", args=[competition.pk]),
             url("staff_audit", competition.pk), url("item_new", competition.pk, "task-area"),
             url("item_edit", competition.pk, "task-area", area.pk)]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
    client.force_login(ngo_admin)
    for page in pages:
        assert client.get(page).status_code == 404, page
    for name in ("staff_transition", "staff_publication"):
        assert client.post(url(name, competition.pk), {"transition": "cancel"}).status_code == 404


def test_office_list_shows_every_state_with_offer_counts(client, authority, officer):
    draft = CompetitionFactory(authority=authority, title="Konkurs w przygotowaniu")
    closed = CompetitionFactory(authority=authority, closed=True, title="Konkurs po terminie")
    other = CompetitionFactory(authority=AuthorityFactory(), published=True, title="Konkurs cudzy")
    area = closed.task_areas.get()
    for _ in range(3):
        OfferFactory(task_area=area, submitted=True, content=False)
    OfferFactory(task_area=area, withdrawn=True, content=False)
    OfferFactory(task_area=area, content=False)

    client.force_login(officer)
    response = client.get(url("staff_list"))

    assert response.status_code == 200
    page = text(response)
    assert draft.title in page and closed.title in page and other.title not in page
    row = page[page.index(closed.title):]
    assert re.match(r".*?submissions closed .*? 120,000.00 zł 3 1 1", row)
    assert "New competition" in page


# --- create and edit the announcement ----------------------------------------------------------------


def test_create_competition_stores_the_warsaw_deadline_in_utc(client, authority, officer):
    client.force_login(officer)
    response = client.post(url("staff_create"), announcement_post(authority=authority.pk))
    competition = Competition.objects.get(reference="BOP.524.7.2027")
    assert response.status_code == 302
    assert response["Location"] == url("staff_detail", competition.pk)
    assert competition.state == CompetitionState.DRAFT
    # 16:00 in Warsaw on 1 March (CET, UTC+1) is 15:00 UTC
    assert competition.submission_deadline == dt.datetime(2027, 3, 1, 15, 0, tzinfo=dt.UTC)
    assert [e.action for e in audit_events_for(competition)] == ["competitions.competition.create"]
    # and it is shown back as typed
    page = client.get(url("staff_edit", competition.pk)).content.decode()
    assert 'value="2027-03-01T16:00"' in page


def test_create_competition_with_bad_data_keeps_the_input_and_marks_the_fields(client, authority, officer):
    CompetitionFactory(authority=authority, reference="BOP.524.7.2027")
    client.force_login(officer)
    data = announcement_post(authority=authority.pk, year="dwa tysiące",
                             submission_deadline="2027-02-30T16:00", title="Mój tytuł, który nie może zginąć")
    response = client.post(url("staff_create"), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert Competition.objects.filter(title=data["title"]).count() == 0
    assert 'value="Mój tytuł, który nie może zginąć"' in html
    assert "Działalność na rzecz osób w wieku emerytalnym" in html
    for field in ("year", "submission_deadline", "reference"):
        assert re.search(rf'<ul class="errorlist" id="id_{field}_error">', html), field
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="{field}"',
                         html), field
    assert "already has a competition with this reference number" in html
    assert 'href="#id_year"' in html  # the summary links to the field


def test_an_hour_that_does_not_exist_in_warsaw_is_refused_not_guessed(client, authority, officer):
    client.force_login(officer)
    # 29 March 2026: clocks jump from 02:00 to 03:00
    response = client.post(url("staff_create"), announcement_post(authority=authority.pk,
                                                                   submission_deadline="2026-03-29T02:30"))
    assert response.status_code == 400
    assert 'id="id_submission_deadline_error"' in response.content.decode()


def test_model_rules_are_reported_with_the_forms_own_errors_at_once(client, authority, officer):
    client.force_login(officer)
    response = client.post(url("staff_create"),
                           announcement_post(authority=authority.pk, year="1999", title=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_year_error"' in html and 'id="id_title_error"' in html
    assert not Competition.objects.exists()


def test_errors_the_service_finds_come_back_at_their_field(client, authority, officer):
    from workflow.errors import InvalidData

    client.force_login(officer)
    refusal = InvalidData({"title": ["Tytuł jest już zajęty w tym roku."],
                           "__all__": ["Coś poszło nie tak."]})
    with mock.patch("competitions.views.competition_create", side_effect=refusal):
        response = client.post(url("staff_create"), announcement_post(authority=authority.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_title_error"><li>Tytuł jest już zajęty w tym roku.</li>', html)
    assert "Coś poszło nie tak." in html
    assert 'value="Konkurs na wsparcie seniorów"' in html


def test_edit_announcement_keeps_input_on_error_and_saves_when_valid(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    client.force_login(officer)
    response = client.post(url("staff_edit", competition.pk),
                           announcement_post(reference=competition.reference, remedy_days="0",
                                             award_rules="Nowe zasady przyznawania"))
    assert response.status_code == 400
    assert "Nowe zasady przyznawania" in response.content.decode()
    assert 'id="id_remedy_days_error"' in response.content.decode()

    response = client.post(url("staff_edit", competition.pk),
                           announcement_post(reference=competition.reference,
                                             award_rules="Nowe zasady przyznawania"))
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.award_rules == "Nowe zasady przyznawania"
    assert audit_events_for(competition).last().action == "competitions.competition.update"


def test_edit_after_approval_is_refused_with_the_reason(client, authority, officer):
    competition = CompetitionFactory(authority=authority, approved=True)
    client.force_login(officer)
    response = client.post(url("staff_edit", competition.pk),
                           announcement_post(reference=competition.reference))
    assert response.status_code == 409
    assert "can be changed only as a draft" in text(response)
    assert "Konkurs na wsparcie seniorów" in response.content.decode()  # what was typed is still there


def test_only_an_officer_may_create(client, authority, approver):
    client.force_login(approver)
    assert client.get(url("staff_create")).status_code == 404
    assert "New competition" not in text(client.get(url("staff_list")))


# --- task areas, criteria and the other items ----------------------------------------------------------


def test_add_a_task_area_and_a_criterion(client, authority, officer):
    competition = CompetitionFactory(authority=authority, with_areas=False)
    client.force_login(officer)
    response = client.post(url("item_new", competition.pk, "task-area"), {
        "number": "1", "name": "Centrum seniora", "sphere": "seniorzy", "form": "wspieranie",
        "budget": "50 000,00", "min_grant": "", "max_grant": "20000", "min_own_contribution_pct": "10",
        "min_own_financial_pct": "", "max_admin_costs_pct": "10,5", "window_start": "2027-03-01",
        "window_end": "2027-12-15", "pass_threshold_pct": "60", "tie_break": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("#tasks")
    area = TaskArea.objects.get(competition=competition)
    assert area.budget == Decimal("50000.00") and area.max_admin_costs_pct == Decimal("10.50")

    assert f'value="{area.pk}" selected' in client.get(
        url("item_new", competition.pk, "criterion") + f"?task_area={area.pk}").content.decode()
    response = client.post(url("item_new", competition.pk, "criterion"), {
        "task_area": area.pk, "order": "1", "name": "Jakość oferty", "description": "", "max_points": "10",
        "step": "1", "statutory_basis": "art. 15 ust. 1 pkt 3"})
    assert response.status_code == 302
    assert Criterion.objects.get(task_area=area).max_points == Decimal("10")
    actions = [e.action for e in audit_events_for(competition)]
    assert actions == ["competitions.taskarea.save", "competitions.criterion.save"]

    page = text(client.get(url("staff_detail", competition.pk)))
    assert "Task 1: Centrum seniora" in page and "Jakość oferty" in page


def test_a_task_area_with_bad_data_keeps_the_input(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    taken = competition.task_areas.get().number
    client.force_login(officer)
    response = client.post(url("item_new", competition.pk, "task-area"), {
        "number": str(taken), "name": "Drugie zadanie o tym samym numerze", "sphere": "seniorzy",
        "form": "wspieranie",
        "budget": "dużo", "min_grant": "5000", "max_grant": "1000", "window_start": "2027-12-01",
        "window_end": "2027-03-01", "pass_threshold_pct": "60"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Drugie zadanie o tym samym numerze"' in html and 'value="dużo"' in html
    for field in ("number", "budget", "max_grant", "window_end"):
        assert f'id="id_{field}_error"' in html, field
    assert competition.task_areas.count() == 1


def test_remove_a_prior_year_item_while_draft(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    item = competition.prior_funding.first()
    client.force_login(officer)
    assert client.get(url("item_remove", competition.pk, "prior-funding", item.pk)).status_code == 200
    response = client.post(url("item_remove", competition.pk, "prior-funding", item.pk))
    assert response.status_code == 302
    assert not PriorFunding.objects.filter(pk=item.pk).exists()
    assert audit_events_for(competition).last().action == "competitions.priorfunding.remove"


def test_items_of_another_competition_or_after_approval_cannot_be_reached(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    other = CompetitionFactory(authority=authority)
    client.force_login(officer)
    foreign_area = other.task_areas.get()
    assert client.get(url("item_edit", competition.pk, "task-area", foreign_area.pk)).status_code == 404
    assert client.get(url("item_new", competition.pk, "no-such-kind")).status_code == 404

    approved = CompetitionFactory(authority=authority, approved=True)
    area = approved.task_areas.get()
    assert client.get(url("item_edit", approved.pk, "task-area", area.pk)).status_code == 409
    response = client.post(url("item_edit", approved.pk, "task-area", area.pk), {
        "number": "1", "name": "Zmiana po zatwierdzeniu", "sphere": "seniorzy", "form": "wspieranie",
        "budget": "1000", "window_start": "2027-03-01", "window_end": "2027-12-01",
        "pass_threshold_pct": "60"})
    assert response.status_code == 409
    assert 'value="Zmiana po zatwierdzeniu"' in response.content.decode()
    area.refresh_from_db()
    assert area.name != "Zmiana po zatwierdzeniu"


# --- transitions and publications ---------------------------------------------------------------------


def test_the_officer_sees_what_the_draft_lacks(client, authority, officer):
    competition = CompetitionFactory(authority=authority, award_rules="", with_areas=False)
    client.force_login(officer)
    page = text(client.get(url("staff_detail", competition.pk)))
    assert "Before the announcement can be approved" in page
    assert "The announcement lacks the rules for awarding grants" in page
    assert "The competition has no task area." in page


def test_approve_needs_the_ordinance_and_goes_through_the_service(client, authority, approver):
    competition = CompetitionFactory(authority=authority)
    client.force_login(approver)
    response = client.post(url("staff_transition", competition.pk), {"transition": "approve",
                                                                     "approval_reference": ""})
    assert response.status_code == 400
    assert 'id="approve_approval_reference_error"' in response.content.decode()
    competition.refresh_from_db()
    assert competition.state == CompetitionState.DRAFT

    response = client.post(url("staff_transition", competition.pk), {
        "transition": "approve", "approval_reference": "Zarządzenie nr 12/2027", "reason": ""})
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.state == CompetitionState.APPROVED
    assert competition.approval_reference == "Zarządzenie nr 12/2027"
    event = audit_events_for(competition).last()
    assert (event.action, event.actor_role, event.source_state, event.target_state) == (
        "competitions.competition.approve", "approver", "draft", "approved")


def test_an_officer_may_not_approve(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    client.force_login(officer)
    assert 'value="approve"' not in client.get(url("staff_detail", competition.pk)).content.decode()
    response = client.post(url("staff_transition", competition.pk), {
        "transition": "approve", "approval_reference": "Zarządzenie nr 12/2027"})
    assert response.status_code == 403
    competition.refresh_from_db()
    assert competition.state == CompetitionState.DRAFT


def test_publish_refused_shows_the_21_day_reason(client, authority, officer):
    today = timezone.localdate()
    competition = CompetitionFactory(authority=authority, approved=True,
                                     submission_deadline=timezone.now() + dt.timedelta(days=10))
    client.force_login(officer)
    page = text(client.get(url("staff_detail", competition.pk)))
    assert "Publication not recorded on:" in page  # no channel recorded yet

    record_all_channels(competition, officer, published_on=today)
    page = text(client.get(url("staff_detail", competition.pk)))
    earliest = (today + dt.timedelta(days=21)).strftime("%d.%m.%Y")
    assert f"The deadline must be at least 21 days after the last publication ({today:%d.%m.%Y}): " \
           f"{earliest} or later (art. 13 ust. 1)." in page

    response = client.post(url("staff_transition", competition.pk), {"transition": "publish"})
    assert response.status_code == 409
    assert "at least 21 days after the last publication" in text(response)
    competition.refresh_from_db()
    assert competition.state == CompetitionState.APPROVED


def test_record_three_publications_and_publish(client, authority, officer):
    competition = CompetitionFactory(authority=authority, approved=True)
    client.force_login(officer)
    today = timezone.localdate().isoformat()
    for channel in (Channel.BIP, Channel.NOTICEBOARD, Channel.WEBSITE):
        response = client.post(url("staff_publication", competition.pk), {
            "channel": channel, "kind": "announcement", "published_on": today, "url": ""})
        assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(url("staff_transition", competition.pk), {"transition": "publish"})
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.state == CompetitionState.PUBLISHED
    assert competition.publications.count() == 3


def test_a_future_publication_date_is_a_field_error(client, authority, officer):
    competition = CompetitionFactory(authority=authority, approved=True)
    client.force_login(officer)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(url("staff_publication", competition.pk), {
        "channel": Channel.BIP, "kind": "announcement", "published_on": tomorrow, "url": "bip.example.org/x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="publication_published_on_error"' in html
    assert "A publication cannot be recorded before it happens." in html
    assert f'value="{tomorrow}"' in html
    assert not PublicationRecord.objects.exists()


def test_publication_of_a_draft_is_refused_with_the_reason(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    client.force_login(officer)
    response = client.post(url("staff_publication", competition.pk), {
        "channel": Channel.BIP, "kind": "announcement", "published_on": timezone.localdate().isoformat()})
    assert response.status_code == 409
    assert "Publication of the announcement is recorded once it is approved." in text(response)


def test_extend_deadline_with_a_past_date_is_a_field_error(client, authority, officer):
    competition = CompetitionFactory(authority=authority, published=True)
    client.force_login(officer)
    response = client.post(url("staff_transition", competition.pk), {
        "transition": "extend_deadline", "new_deadline": "2020-01-10T12:00", "reason": "Awaria systemu"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="extend_new_deadline_error"' in html
    assert "The new deadline must be in the future." in html
    assert 'value="2020-01-10T12:00"' in html and "Awaria systemu" in html
    before = competition.submission_deadline
    competition.refresh_from_db()
    assert competition.submission_deadline == before


def test_extend_deadline_without_reason_and_then_properly(client, authority, officer):
    competition = CompetitionFactory(authority=authority, published=True)
    new = timezone.localtime(competition.submission_deadline + dt.timedelta(days=5), WARSAW)
    client.force_login(officer)
    response = client.post(url("staff_transition", competition.pk), {
        "transition": "extend_deadline", "new_deadline": new.strftime("%Y-%m-%dT%H:%M"), "reason": ""})
    assert response.status_code == 400
    assert 'id="extend_reason_error"' in response.content.decode()

    response = client.post(url("staff_transition", competition.pk), {
        "transition": "extend_deadline", "new_deadline": new.strftime("%Y-%m-%dT%H:%M"),
        "reason": "Awaria generatora"})
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.submission_deadline == new.replace(second=0, microsecond=0)
    event = audit_events_for(competition).last()
    assert event.action == "competitions.competition.extend_deadline" and event.reason == "Awaria generatora"


def test_cancel_needs_a_reason_and_records_the_ground(client, authority, approver):
    competition = CompetitionFactory(authority=authority, closed=True)
    client.force_login(approver)
    response = client.post(url("staff_transition", competition.pk),
                           {"transition": "cancel", "ground": "no_offers", "reason": ""})
    assert response.status_code == 400
    assert 'id="cancel_reason_error"' in response.content.decode()
    response = client.post(url("staff_transition", competition.pk), {
        "transition": "cancel", "ground": "no_offers", "reason": "Nie złożono żadnej oferty."})
    assert response.status_code == 302
    competition.refresh_from_db()
    assert competition.state == CompetitionState.CANCELLED
    assert competition.cancellation_ground == CancellationGround.NO_OFFERS


def test_an_unknown_action_is_404(client, authority, officer):
    competition = CompetitionFactory(authority=authority)
    client.force_login(officer)
    assert client.post(url("staff_transition", competition.pk), {"transition": "delete"}).status_code == 404
    assert client.get(url("staff_transition", competition.pk)).status_code == 405


# --- offers after the deadline, and the audit trail ------------------------------------------------------


def test_before_the_deadline_the_offers_page_shows_only_counts(client, authority, officer):
    competition = CompetitionFactory(authority=authority, published=True)
    organization = OrganizationFactory(name="Fundacja Tajemnicza")
    OfferFactory(task_area=competition.task_areas.get(), organization=organization, submitted=True,
                 content=False)
    client.force_login(officer)
    response = client.get(reverse("offers:staff_offers", args=[competition.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "1 submitted" in page
    assert "Fundacja Tajemnicza" not in page
    assert "can be read after the deadline" in page


def test_after_the_deadline_the_offers_are_listed_without_drafts(client, authority, officer):
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    submitted = OfferFactory(task_area=area, organization=OrganizationFactory(name="Fundacja Jawna"),
                             submitted=True, content=False, title="Centrum wsparcia")
    OfferFactory(task_area=area, organization=OrganizationFactory(name="Fundacja Szkicowa"), content=False)
    client.force_login(officer)
    response = client.get(reverse("offers:staff_offers", args=[competition.pk]))
    page = text(response)
    assert "Fundacja Jawna" in page and "Fundacja Szkicowa" not in page
    assert submitted.number in page and "30,000.00 zł" in page and "34,000.00 zł" in page
    assert reverse("offers:offer_detail", args=[submitted.pk]) in response.content.decode()


def test_audit_page_lists_events_in_warsaw_time(client, authority, officer, approver):
    competition = CompetitionFactory(authority=authority)
    transition(competition, "approve", actor=approver, approval_reference="Zarządzenie 1/2027")
    publication_record(competition=competition, actor=officer, channel=Channel.BIP,
                       published_on=timezone.localdate())
    client.force_login(officer)
    response = client.get(url("staff_audit", competition.pk))
    assert response.status_code == 200
    page = text(response)
    events = list(audit_events_for(competition))
    for event in events:
        assert event.hash[:12] in page
        assert timezone.localtime(event.at, WARSAW).strftime("%d.%m.%Y %H:%M:%S") in page
    assert "Approved" in page and "draft → approved" in page and "approver" in page
    assert "Publication recorded" in page


# --- query budgets: the same number of queries for 1 row and for 50 --------------------------------------


def _queries(client, page: str) -> int:
    client.get(page)  # warm-up: the first request after signing in also slides the session forward
    with CaptureQueriesContext(connection) as context:
        assert client.get(page).status_code == 200
    return len(context.captured_queries)


def test_public_list_query_budget(client, authority, django_assert_num_queries):
    CompetitionFactory(authority=authority, published=True)
    one = _queries(client, url("public_list"))
    for index in range(49):
        CompetitionFactory(authority=AuthorityFactory() if index % 5 == 0 else authority,
                           published=index % 2 == 0, closed=index % 2 == 1)
    with django_assert_num_queries(one):
        response = client.get(url("public_list"))
    assert text(response).count("Deadline for offers") == 50


def test_office_list_query_budget(client, authority, officer, django_assert_num_queries):
    client.force_login(officer)
    first = CompetitionFactory(authority=authority, closed=True)
    OfferFactory(task_area=first.task_areas.get(), submitted=True, content=False)
    one = _queries(client, url("staff_list"))
    for index in range(49):
        competition = CompetitionFactory(authority=authority, closed=index % 2 == 0)
        if index % 3 == 0:
            OfferFactory(task_area=competition.task_areas.get(), submitted=True, content=False,
                         competition=competition)
    with django_assert_num_queries(one):
        response = client.get(url("staff_list"))
    assert response.content.decode().count('<th scope="row">') == 50


def test_offers_list_query_budget(client, authority, officer, django_assert_num_queries):
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    client.force_login(officer)
    OfferFactory(task_area=area, submitted=True, content=False)
    one = _queries(client, reverse("offers:staff_offers", args=[competition.pk]))
    second_area = TaskAreaFactory(competition=competition, number=area.number + 1)
    for index in range(49):
        OfferFactory(task_area=area if index % 2 else second_area, submitted=True, content=False)
    with django_assert_num_queries(one):
        response = client.get(reverse("offers:staff_offers", args=[competition.pk]))
    assert response.content.decode().count('<th scope="row">') == 50


def test_the_offers_list_shows_sixty_at_a_time_with_the_totals_of_all(client, authority, officer,
                                                                       django_assert_num_queries):
    competition = CompetitionFactory(authority=authority, closed=True)
    area = competition.task_areas.get()
    for _ in range(61):
        OfferFactory(task_area=area, submitted=True, content=False)
    client.force_login(officer)
    url = reverse("offers:staff_offers", args=[competition.pk])
    first = client.get(url).content.decode()
    assert first.count('<th scope="row"><a') == 60 and "Page 1 of 2" in first and "?page=2" in first
    assert "61 submitted" in text(client.get(url))
    assert "1,830,000.00 zł" in first  # the total of all 61 offers (30 000 each), not of the page
    second = client.get(url + "?page=2").content.decode()
    assert second.count('<th scope="row"><a') == 1 and "Page 2 of 2" in second
    assert client.get(url + "?page=99").status_code == 200  # past the end: the last page, not an error
    assert client.get(url + "?page=x").status_code == 200
