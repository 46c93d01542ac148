"""The evaluation pages of the office (the formal check, the committee, the requests for
justification), the approver (the decision), the offeror (the call to remedy, the evaluation
card, the update) and the public (the results, the request for justification).

Each page for the right role and 404 for everyone else; bad input keeps what was typed and
shows the error at its field; garbage ids never give a 500; the formal-check list and the
decision page make the same number of queries for 10 and 200 offers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from competitions.models import AuthorityRole, ChecklistItem
from evaluation import services
from evaluation.models import (
    Award,
    AwardState,
    CheckItemResult,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    JustificationRequest,
)
from offers.models import RepresentationRole
from workflow.calendar import deadline_in_days, end_of_day

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
    representative,
    staff,
)
from .builders import bulk_competition, scored_competition

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # English messages, so that assertions do not depend on the Polish catalogue.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def text(response) -> str:
    """The page's visible text with whitespace collapsed (tags dropped)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(html)).strip()


def as_user(client, user) -> Client:
    client.force_login(user)
    return client


class Closed:
    """A closed competition with a checklist (one remediable requirement, one not), `n`
    submitted offers of different organisations, the evaluation started."""

    def __init__(self, authority, officer, *, n: int = 2, start: bool = True):
        self.competition = CompetitionFactory(authority=authority, closed=True)
        self.area = self.competition.task_areas.get()
        self.signed = ChecklistItem.objects.create(competition=self.competition, order=1, remediable=True,
                                                   text="Podpisana przez osoby upoważnione")
        self.in_time = ChecklistItem.objects.create(competition=self.competition, order=2, remediable=False,
                                                    text="Złożona w terminie")
        self.orgs = [OrganizationFactory(name=f"Stowarzyszenie {chr(65 + i)}") for i in range(n)]
        self.offers = [OfferFactory(task_area=self.area, organization=org, submitted=True, title=f"Oferta {i}")
                       for i, org in enumerate(self.orgs)]
        self.evaluation = services.evaluation_start(competition=self.competition, actor=officer) if start else None

    def check(self, index: int = 0) -> FormalCheck:
        return FormalCheck.objects.get(offer=self.offers[index])


def office_urls(competition, check=None) -> list[str]:
    urls = [reverse("evaluation:office", args=[competition.pk]),
            reverse("evaluation:committee", args=[competition.pk]),
            reverse("evaluation:decision", args=[competition.pk]),
            reverse("evaluation:justification_queue", args=[competition.pk])]
    if check is not None:
        urls.append(reverse("evaluation:formal_check", args=[check.pk]))
    return urls


# --- who may open what -------------------------------------------------------------------------------


def test_office_pages_open_for_the_authoritys_staff(client, authority, officer, approver):
    closed = Closed(authority, officer)
    for user in (officer, approver):
        as_user(client, user)
        for url in office_urls(closed.competition, closed.check()):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["other_officer", "ngo", "stranger"])
def test_office_pages_are_404_for_anyone_else(client, authority, officer, ngo_admin, who):
    closed = Closed(authority, officer)
    user = {"other_officer": lambda: staff(AuthorityFactory(), AuthorityRole.OFFICER),
            "ngo": lambda: representative(closed.orgs[0], RepresentationRole.ADMIN),
            "stranger": UserFactory}[who]()
    as_user(client, user)
    for url in office_urls(closed.competition, closed.check()):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "start"}).status_code == 404, url


def test_office_pages_ask_an_anonymous_visitor_to_log_in(client, authority, officer):
    closed = Closed(authority, officer)
    for url in office_urls(closed.competition, closed.check()):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_garbage_ids_and_actions_are_404_never_500(client, authority, officer, approver):
    closed = Closed(authority, officer)
    competition = closed.competition
    as_user(client, officer)
    assert client.get("/evaluation/office/99999999/").status_code == 404
    assert client.get("/evaluation/office/checks/99999999/").status_code == 404
    assert client.get("/evaluation/office/checks/abc/").status_code == 404
    assert client.get("/evaluation/offers/99999999/remedy/").status_code == 404
    assert client.get("/evaluation/results/99999999/").status_code == 404
    committee = reverse("evaluation:committee", args=[competition.pk])
    for data in ({"action": "remove_seat", "seat": "x"}, {"action": "remove_seat", "seat": "99999999"},
                 {"action": "nonsense"}, {}):
        assert client.post(committee, data).status_code == 404, data
    check = reverse("evaluation:formal_check", args=[closed.check().pk])
    assert client.post(check, {"action": "nonsense"}).status_code == 404
    assert client.post(reverse("evaluation:office", args=[competition.pk]), {"action": "x"}).status_code == 404
    as_user(client, approver)
    decision = reverse("evaluation:decision", args=[competition.pk])
    for data in ({"action": "decide", "award": "x"}, {"action": "decide", "award": "99999999"}, {"action": "y"}):
        assert client.post(decision, data).status_code == 404, data
    queue = reverse("evaluation:justification_queue", args=[competition.pk])
    assert client.post(queue, {"request": "x", "request0-answer": "a"}).status_code == 404


def test_the_office_pages_are_linked_from_the_competitions_page(client, authority, officer):
    closed = Closed(authority, officer, start=False)
    as_user(client, officer)
    page = client.get(reverse("competitions:staff_detail", args=[closed.competition.pk])).content.decode()
    assert reverse("evaluation:office", args=[closed.competition.pk]) in page


# --- the formal check ---------------------------------------------------------------------------------


def test_the_officer_starts_the_formal_review_of_a_closed_competition(client, authority, officer, approver):
    closed = Closed(authority, officer, start=False)
    url = reverse("evaluation:office", args=[closed.competition.pk])
    as_user(client, approver)
    assert "A competition officer starts the formal review." in text(client.get(url))
    assert client.post(url, {"action": "start"}).status_code == 403
    as_user(client, officer)
    assert "2 offers were submitted" in text(client.get(url))
    response = client.post(url, {"action": "start"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(competition=closed.competition)
    assert evaluation.state == EvaluationState.FORMAL_REVIEW
    page = text(client.get(url))
    assert "Stowarzyszenie A" in page and "Stowarzyszenie B" in page and "being checked" in page
    # twice is refused with the reason, not an error page
    response = client.post(url, {"action": "start"})
    assert response.status_code == 409 and "The evaluation has already started." in text(response)


def test_a_defect_without_its_note_is_refused_at_the_note_and_keeps_what_was_typed(client, authority, officer):
    closed = Closed(authority, officer)
    check = closed.check()
    url = reverse("evaluation:formal_check", args=[check.pk])
    as_user(client, officer)
    response = client.post(url, {"action": "record", f"check-item_{closed.signed.pk}": "defect",
                                 f"check-note_{closed.signed.pk}": "", f"check-item_{closed.in_time.pk}": "met",
                                 f"check-note_{closed.in_time.pk}": "sprawdzone 12:00"})
    assert response.status_code == 400
    html = response.content.decode()
    note = f'id="id_check-note_{closed.signed.pk}"'
    assert re.search(rf'<textarea[^>]*aria-invalid="true"[^>]*{note}|<textarea[^>]*{note}[^>]*aria-invalid="true"',
                     html)
    assert "Describe the defect; the offeror will read it." in html
    assert "sprawdzone 12:00" in html  # what was typed stays
    assert re.search(rf'value="defect"[^>]*id="id_check-item_{closed.signed.pk}_1"[^>]*checked|'
                     rf'<input[^>]*value="defect"[^>]*checked', html)
    assert not CheckItemResult.objects.filter(formal_check=check).exists()
    # nothing chosen at all is refused too
    assert client.post(url, {"action": "record"}).status_code == 400


def test_the_officer_records_the_checklist_and_calls_to_remedy(client, authority, officer, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    closed = Closed(authority, officer)
    representative(closed.orgs[0], RepresentationRole.ADMIN)  # the one told of the call
    check = closed.check()
    url = reverse("evaluation:formal_check", args=[check.pk])
    as_user(client, officer)
    page = client.get(url)
    # the offer's content is on the page, and why "accept" is not possible yet
    assert "V.A Cost calculation" in text(page) and "2 checklist item(s) are not recorded yet." in text(page)
    response = client.post(url, {"action": "record", f"check-item_{closed.signed.pk}": "defect",
                                 f"check-note_{closed.signed.pk}": "Brak podpisu skarbnika",
                                 f"check-item_{closed.in_time.pk}": "met"})
    assert response.status_code == 302
    assert CheckItemResult.objects.get(formal_check=check, item=closed.signed).outcome == "defect"
    page = text(client.get(url))
    assert "An offer with defects cannot be accepted" in page
    # the deadline shown is counted as the KPA counts it
    deadline = end_of_day(deadline_in_days(timezone.localdate(), closed.competition.remedy_days))
    assert timezone.localtime(deadline).strftime("%d.%m.%Y %H:%M") in page
    # an empty call is refused at its fields
    response = client.post(url, {"action": "remedy", "remedy-message": "  "})
    assert response.status_code == 400
    assert "Say what the offeror must remedy." in text(response)
    assert "Choose what the offeror may change" in text(response)
    response = client.post(url, {"action": "remedy", "remedy-message": "Uzupełnij podpis skarbnika.",
                                 "remedy-sections": ["declarations", "nonsense"]})
    assert response.status_code == 400  # an unknown section is refused by the form, nothing typed is lost
    assert "Uzupełnij podpis skarbnika." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "remedy", "remedy-message": "Uzupełnij podpis skarbnika.",
                                     "remedy-sections": ["declarations", "attachments"]})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.state == FormalCheckState.REMEDY_REQUESTED and check.remedy_deadline == deadline
    assert check.remedy_sections == ["declarations", "attachments"]
    assert len(mailoutbox) == 1 and "Uzupełnij podpis skarbnika." in mailoutbox[0].body
    assert reverse("evaluation:offer_remedy", args=[check.offer_id]) in mailoutbox[0].body
    page = text(client.get(url))
    assert "Called to remedy" in page and "The offeror may change: VII Declarations, Attachments." in page
    listing = text(client.get(reverse("evaluation:office", args=[closed.competition.pk])))
    assert "called to remedy" in listing and "1 defect" in listing


def test_a_defect_that_cannot_be_remedied_is_refused_with_the_reason(client, authority, officer):
    closed = Closed(authority, officer)
    check = closed.check()
    services.formal_check_record(check=check, actor=officer, results={
        closed.signed.pk: ("met", ""), closed.in_time.pk: ("defect", "Złożona po terminie")})
    as_user(client, officer)
    url = reverse("evaluation:formal_check", args=[check.pk])
    assert "“Złożona w terminie” cannot be remedied: the offer must be rejected." in text(client.get(url))
    response = client.post(url, {"action": "remedy", "remedy-message": "x", "remedy-sections": ["declarations"]})
    assert response.status_code == 409
    assert "cannot be remedied" in text(response)
    # the rejection needs its reasons, then is shown with them
    response = client.post(url, {"action": "reject", "reject-reasons": " "})
    assert response.status_code == 400 and "Give the reasons for the rejection" in text(response)
    assert client.post(url, {"action": "reject", "reject-reasons": "Oferta złożona po terminie."}).status_code == 302
    page = text(client.get(url))
    assert "formally rejected" in page and "Oferta złożona po terminie." in page


def test_the_officer_accepts_a_complete_offer(client, authority, officer):
    closed = Closed(authority, officer)
    check = closed.check()
    as_user(client, officer)
    url = reverse("evaluation:formal_check", args=[check.pk])
    assert client.post(url, {"action": "accept"}).status_code == 409
    client.post(url, {"action": "record", f"check-item_{closed.signed.pk}": "met",
                      f"check-item_{closed.in_time.pk}": "na"})
    assert client.post(url, {"action": "accept"}).status_code == 302
    check.refresh_from_db()
    assert check.state == FormalCheckState.ACCEPTED
    # a decided check shows the outcome, no more forms
    page = client.get(url).content.decode()
    assert 'name="action" value="record"' not in page and "formally accepted" in page


def test_an_offer_not_remedied_in_time_shows_as_rejected_and_no_valid_offer_explains_cancellation(
        client, authority, officer, approver):
    closed = Closed(authority, officer, n=1)
    check = closed.check()
    services.formal_check_record(check=check, actor=officer, results={
        closed.signed.pk: ("defect", "Brak podpisu"), closed.in_time.pk: ("met", "")})
    services.formal_check_request_remedy(check, actor=officer, message="Podpisz", sections=["declarations"])
    FormalCheck.objects.filter(pk=check.pk).update(remedy_deadline=timezone.now() - dt.timedelta(minutes=1))
    as_user(client, officer)
    listing = reverse("evaluation:office", args=[closed.competition.pk])
    page = text(client.get(listing))
    assert "rejected — not remedied in time" in page
    assert "art. 18a ust. 1 pkt 2" in page and "First record the rejection" in page
    assert client.post(listing, {"action": "expire_overdue"}).status_code == 302
    check.refresh_from_db()
    assert check.state == FormalCheckState.REJECTED
    page = client.get(listing).content.decode()
    assert reverse("competitions:staff_detail", args=[closed.competition.pk]) + "#action-cancel" in page
    # the approver now finds the cancellation offered on the competition's page
    as_user(client, approver)
    office = text(client.get(reverse("competitions:staff_detail", args=[closed.competition.pk])))
    assert "Cancel the competition…" in office


# --- the committee -------------------------------------------------------------------------------------


def test_the_officer_forms_and_appoints_the_committee_then_hands_the_offers_over(client, authority, officer):
    closed = Closed(authority, officer)
    url = reverse("evaluation:committee", args=[closed.competition.pk])
    UserFactory(username="anna", email="anna.adamska@example.org", first_name="Anna", last_name="Adamska")
    UserFactory(username="bartek", first_name="Bartosz", last_name="Nowak")
    as_user(client, officer)
    page = text(client.get(url))
    assert "art. 15 ust. 2da" in page and "The committee needs exactly one chair." in page
    # an unknown person is refused at the field, and what was typed stays
    response = client.post(url, {"action": "add_seat", "seat-person": "nikt@example.org", "seat-role": "chair",
                                 "seat-kind": "authority"})
    assert response.status_code == 400
    assert "No user has this username or e-mail." in text(response)
    assert 'value="nikt@example.org"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert client.post(url, {"action": "add_seat", "seat-person": "ANNA.ADAMSKA@example.org", "seat-role": "chair",
                             "seat-kind": "authority"}).status_code == 302
    # a nominee of an organisation with an offer here is refused at the field (art. 15 ust. 2d)
    response = client.post(url, {"action": "add_seat", "seat-person": "bartek", "seat-role": "member",
                                 "seat-kind": "ngo_nominee", "seat-nominated_by": closed.orgs[0].krs})
    assert response.status_code == 400
    assert "art. 15 ust. 2d" in text(response)
    assert re.search(r'<input[^>]*id="id_seat-nominated_by"[^>]*aria-invalid="true"|'
                     r'<input[^>]*aria-invalid="true"[^>]*id="id_seat-nominated_by"', response.content.decode())
    assert client.post(url, {"action": "add_seat", "seat-person": "bartek", "seat-role": "member",
                             "seat-kind": "ngo_nominee",
                             "seat-nominated_by_name": "Rada Działalności Pożytku Publicznego"}).status_code == 302
    page = text(client.get(url))
    assert "Anna Adamska" in page and "Rada Działalności Pożytku Publicznego" in page
    assert "A person nominated by organisations sits on the committee." in page
    # thresholds: a bad number stays, with its error
    response = client.post(url, {"action": "thresholds", "thresholds-quorum": "0",
                                 "thresholds-comment_below_pct": "40,5", "thresholds-spread_flag_pct": "abc"})
    assert response.status_code == 400 and 'value="abc"' in response.content.decode()
    assert client.post(url, {"action": "thresholds", "thresholds-quorum": "2", "thresholds-comment_below_pct": "40,5",
                             "thresholds-spread_flag_pct": "30"}).status_code == 302
    committee = closed.competition.committee
    committee.refresh_from_db()
    assert committee.quorum == 2 and committee.comment_below_pct == Decimal("40.50")
    # the appointment needs its zarządzenie
    response = client.post(url, {"action": "appoint", "appoint-appointment_reference": ""})
    assert response.status_code == 400 and "Give the zarządzenie appointing the committee." in text(response)
    assert client.post(url, {"action": "appoint",
                             "appoint-appointment_reference": "Zarządzenie 12/2027"}).status_code == 302
    committee.refresh_from_db()
    assert committee.state == "appointed"
    # handing over waits for the formal checks, with the reason shown
    page = text(client.get(url))
    assert "2 offer(s) still wait for the formal check or a remedy." in page
    response = client.post(url, {"action": "start_merit"})
    assert response.status_code == 409
    for check in FormalCheck.objects.filter(offer__competition=closed.competition):
        services.formal_check_record(check=check, actor=officer, results={
            closed.signed.pk: ("met", ""), closed.in_time.pk: ("met", "")})
        services.formal_check_accept(check, actor=officer)
    assert client.post(url, {"action": "start_merit"}).status_code == 302
    assert Evaluation.objects.get(competition=closed.competition).state == EvaluationState.MERIT_REVIEW
    # once handed over, the committee cannot change
    page = text(client.get(url))
    assert "The committee cannot change once the offers are handed to it." in page


def test_acting_without_ngo_members_needs_the_art_15_reason(client, authority, officer):
    closed = Closed(authority, officer)
    url = reverse("evaluation:committee", args=[closed.competition.pk])
    as_user(client, officer)
    response = client.post(url, {"action": "absence", "absence-ngo_absence": "none_nominated",
                                 "absence-ngo_absence_note": ""})
    assert response.status_code == 400 and "Describe the circumstances (art. 15 ust. 2da)." in text(response)
    response = client.post(url, {"action": "absence", "absence-ngo_absence": "none_nominated",
                                 "absence-ngo_absence_note": "Nabór kandydatów 1–14 marca: brak zgłoszeń."})
    assert response.status_code == 302
    page = text(client.get(url))
    assert "Nabór kandydatów 1–14 marca: brak zgłoszeń." in page
    assert "Appoint a person nominated by organisations" not in page


def test_a_seat_is_removed_and_the_approver_only_reads_the_committee(client, authority, officer, approver):
    closed = Closed(authority, officer)
    committee = closed.competition.committee
    seat = services.seat_add(committee=committee, actor=officer, user=UserFactory(first_name="Ewa", last_name="Ek"))
    url = reverse("evaluation:committee", args=[closed.competition.pk])
    as_user(client, approver)
    page = client.get(url).content.decode()
    assert "Ewa Ek" in page and 'value="add_seat"' not in page and 'value="remove_seat"' not in page
    assert client.post(url, {"action": "remove_seat", "seat": seat.pk}).status_code == 403
    as_user(client, officer)
    assert client.post(url, {"action": "remove_seat", "seat": seat.pk}).status_code == 302
    page = text(client.get(url))
    assert "Ewa Ek no longer sits on the committee." in page and "No one sits on the committee yet." in page


# --- the decision ---------------------------------------------------------------------------------------


@pytest.fixture
def awaiting(authority, officer, approver):
    """Scoring closed, amounts proposed, nothing decided yet."""
    return scored_competition(authority, officer, approver, decide=False)


def test_the_decision_page_waits_for_scoring_to_close(client, authority, officer, approver):
    closed = Closed(authority, officer)
    as_user(client, approver)
    page = text(client.get(reverse("evaluation:decision", args=[closed.competition.pk])))
    assert "The decision comes once the committee has closed scoring" in page


def test_the_officer_reads_the_ranking_and_proposals_without_deciding(client, awaiting, officer):
    as_user(client, officer)
    response = client.get(reverse("evaluation:decision", args=[awaiting.competition.pk]))
    page = text(response)
    assert "Stowarzyszenie Alfa" in page and "Zawyżone koszty lokalu" in page and "25 000,00 zł" in page
    assert 'value="decide"' not in response.content.decode()


def test_the_approver_decides_with_errors_at_the_fields_then_publishes(client, awaiting, approver, mailoutbox,
                                                                       django_capture_on_commit_callbacks):
    competition = awaiting.competition
    alfa, beta, gamma = awaiting.offers[:3]
    url = reverse("evaluation:decision", args=[competition.pk])
    as_user(client, approver)
    page = text(client.get(url))
    assert "Budget" in page and "Left" in page and "120 000,00 zł" in page
    award = Award.objects.get(offer=alfa)
    prefix = f"award{award.pk}"
    # more than requested: refused at the amount, the amount stays
    response = client.post(url, {"action": "decide", "award": award.pk, "decision": "select",
                                 f"{prefix}-amount": "31 000,00", f"{prefix}-reason": "Więcej"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "More than the offeror asked for (30 000,00 zł)." in text(response)
    assert 'value="31 000,00"' in html and f'id="id_{prefix}-amount_error"' in html
    assert re.search(rf'<input[^>]*aria-invalid="true"[^>]*id="id_{prefix}-amount"|'
                     rf'<input[^>]*id="id_{prefix}-amount"[^>]*aria-invalid="true"', html)
    # departing from the proposal needs a reason, at the reason
    response = client.post(url, {"action": "decide", "award": award.pk, "decision": "select",
                                 f"{prefix}-amount": "24000", f"{prefix}-reason": ""})
    assert response.status_code == 400
    assert "Give the reason for departing from the committee's proposal (25 000,00 zł)." in text(response)
    assert 'value="24000"' in response.content.decode()
    # garbage in the amount
    response = client.post(url, {"action": "decide", "award": award.pk, "decision": "select",
                                 f"{prefix}-amount": "dużo"})
    assert response.status_code == 400 and "is not a number" in text(response)
    # publishing before every offer is decided is refused with the reason
    response = client.post(url, {"action": "resolve", "resolve-decision_reference": "Zarządzenie 45/2027"})
    assert response.status_code == 409 and "3 offer(s) have no decision yet." in text(response)
    assert client.post(url, {"action": "decide", "award": award.pk, "decision": "select",
                             f"{prefix}-amount": "24 000", f"{prefix}-reason": "Mniej środków"}).status_code == 302
    beta_award, gamma_award = Award.objects.get(offer=beta), Award.objects.get(offer=gamma)
    assert client.post(url, {"action": "decide", "award": beta_award.pk, "decision": "select",
                             f"award{beta_award.pk}-amount": "40000,00"}).status_code == 302
    assert client.post(url, {"action": "decide", "award": gamma_award.pk, "decision": "reject",
                             f"award{gamma_award.pk}-reason": "Poniżej progu"}).status_code == 302
    page = text(client.get(url))
    assert "64 000,00 zł" in page and "56 000,00 zł" in page  # task 1: granted and left of 120 000
    # a decided award cannot be decided again
    response = client.post(url, {"action": "decide", "award": award.pk, "decision": "reject",
                                 f"{prefix}-reason": "x"})
    assert response.status_code == 409
    response = client.post(url, {"action": "resolve", "resolve-decision_reference": ""})
    assert response.status_code == 400 and "Give the zarządzenie or uchwała of the decision." in text(response)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "resolve", "resolve-decision_reference": "Zarządzenie 45/2027"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(competition=competition)
    assert evaluation.state == EvaluationState.RESOLVED
    assert Award.objects.get(offer=alfa).state == AwardState.AWAITING_UPDATE
    # the results mail links to the offeror's evaluation card
    card = reverse("evaluation:offer_card", args=[alfa.pk])
    assert any(card in message.body or card in str(message.message()) for message in mailoutbox)
    # the results are public, with the amounts and the date, and linked from the announcement
    results = reverse("evaluation:public_results", args=[competition.pk])
    assert results in Client().get(reverse("competitions:public_detail", args=[competition.pk])).content.decode()
    public = text(Client(HTTP_ACCEPT_LANGUAGE="en").get(results))
    assert "Stowarzyszenie Alfa" in public and "24 000,00 zł" in public and "Zarządzenie 45/2027" in public
    assert timezone.localtime(evaluation.resolved_at).strftime("%d.%m.%Y") in public
    assert "Spóźniona Delta" not in public


def test_the_public_results_are_404_until_published(client, awaiting):
    assert client.get(reverse("evaluation:public_results", args=[awaiting.competition.pk])).status_code == 404
    assert client.get(reverse("evaluation:justification_request",
                              args=[awaiting.competition.pk])).status_code == 404


# --- the public request for justification and the officer's queue --------------------------------------


@pytest.fixture
def resolved(authority, officer, approver):
    scored = scored_competition(authority, officer, approver)
    scored.evaluation = services.evaluation_resolve(scored.evaluation, actor=approver,
                                                    decision_reference="Zarządzenie 45/2027")
    return scored


def test_anyone_asks_for_a_justification_and_the_officer_answers(client, resolved, officer, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    competition = resolved.competition
    url = reverse("evaluation:justification_request", args=[competition.pk])
    page = text(client.get(url))
    assert "art. 15 ust. 2j" in page and "within 30 days" in page
    response = client.post(url, {"name": "Jan Kowalski", "email": "nie-adres", "text": "",
                                 "offer": str(resolved.offers[2].pk)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give an e-mail address for the answer." in html and "Say what you ask for." in html
    assert 'value="Jan Kowalski"' in html and 'value="nie-adres"' in html
    assert re.search(rf'<option value="{resolved.offers[2].pk}" selected', html)
    response = client.post(url, {"name": "Jan Kowalski", "email": "jan@example.org",
                                 "text": "Dlaczego oferta Gamma nie została wybrana?",
                                 "offer": str(resolved.offers[2].pk)})
    assert response.status_code == 302
    request = JustificationRequest.objects.get()
    assert request.offer == resolved.offers[2]
    assert request.answer_due.strftime("%d.%m.%Y") in text(client.get(response["Location"]))
    # the officer's queue, with the due date and the answer form
    queue = reverse("evaluation:justification_queue", args=[competition.pk])
    as_user(client, officer)
    page = text(client.get(queue))
    assert "Jan Kowalski" in page and request.answer_due.strftime("%d.%m.%Y") in page
    assert "1 request waits for an answer." in page
    prefix = f"request{request.pk}"
    response = client.post(queue, {"request": request.pk, f"{prefix}-answer": "  "})
    assert response.status_code == 400 and "Write the answer." in text(response)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(queue, {"request": request.pk, f"{prefix}-answer": "Oferta uzyskała 12 pkt."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.answered_by == officer and request.answered_at is not None
    assert [m.to for m in mailoutbox] == [["jan@example.org"]]
    assert "answered" in text(client.get(queue))


def test_the_request_window_closes_after_30_days(client, resolved):
    Evaluation.objects.filter(pk=resolved.evaluation.pk).update(
        resolved_at=timezone.now() - dt.timedelta(days=31))
    url = reverse("evaluation:justification_request", args=[resolved.competition.pk])
    assert "The period for requests ended" in text(client.get(url))
    response = client.post(url, {"name": "Jan", "email": "jan@example.org", "text": "Dlaczego?"})
    assert response.status_code == 409
    assert "within 30 days of the results" in text(response)
    assert not JustificationRequest.objects.exists()


# --- the offeror's pages --------------------------------------------------------------------------------


@pytest.fixture
def called(authority, officer):
    closed = Closed(authority, officer)
    check = closed.check()
    services.formal_check_record(check=check, actor=officer, results={
        closed.signed.pk: ("defect", "Brak podpisu skarbnika"), closed.in_time.pk: ("met", "")})
    services.formal_check_request_remedy(check, actor=officer, message="Uzupełnij podpis skarbnika.",
                                         sections=["declarations", "attachments"])
    closed.signatory = representative(closed.orgs[0], RepresentationRole.ADMIN)
    closed.editor = representative(closed.orgs[0], RepresentationRole.EDITOR)
    return closed


def test_the_offeror_sees_the_call_to_remedy_and_sends_the_remedied_offer(client, called):
    offer = called.offers[0]
    url = reverse("evaluation:offer_remedy", args=[offer.pk])
    as_user(client, called.editor)
    page = text(client.get(url))
    assert "Uzupełnij podpis skarbnika." in page and "Brak podpisu skarbnika" in page
    assert "Only a person authorised to submit" in page
    check = called.check()
    assert timezone.localtime(check.remedy_deadline).strftime("%d.%m.%Y, %H:%M") in page
    html = client.get(url).content.decode()
    assert reverse("offers:offer_section", args=[offer.pk, "declarations"]) in html
    assert reverse("offers:offer_section", args=[offer.pk, "attachments"]) in html
    assert reverse("offers:offer_section", args=[offer.pk, "costs"]) not in html
    # the offer's page links to the call
    assert url in client.get(reverse("offers:offer_detail", args=[offer.pk])).content.decode()
    as_user(client, called.signatory)
    assert client.post(url, {"action": "remedy"}).status_code == 302
    check.refresh_from_db()
    assert check.state == FormalCheckState.REMEDIED
    assert "You sent the remedied offer" in text(client.get(url))


def test_a_late_remedy_is_refused_with_the_deadline(client, called):
    offer = called.offers[0]
    FormalCheck.objects.filter(offer=offer).update(remedy_deadline=timezone.now() - dt.timedelta(minutes=1))
    as_user(client, called.signatory)
    url = reverse("evaluation:offer_remedy", args=[offer.pk])
    page = text(client.get(url))
    assert "not remedied in time" in page and 'value="remedy"' not in client.get(url).content.decode()
    response = client.post(url, {"action": "remedy"})
    assert response.status_code == 409 and "The deadline to remedy passed" in text(response)
    assert called.check().state == FormalCheckState.REMEDY_REQUESTED


@pytest.mark.parametrize("who", ["other_ngo", "officer", "stranger"])
def test_the_offerors_pages_are_404_for_anyone_else(client, resolved, officer, who):
    alfa = resolved.offers[0]
    user = {"other_ngo": lambda: representative(OrganizationFactory(), RepresentationRole.ADMIN),
            "officer": lambda: officer, "stranger": UserFactory}[who]()
    as_user(client, user)
    for name in ("offer_remedy", "offer_card", "offer_update"):
        assert client.get(reverse(f"evaluation:{name}", args=[alfa.pk])).status_code == 404, name
    assert client.get(reverse("evaluation:offer_update_section", args=[alfa.pk, "costs"])).status_code == 404
    assert client.post(reverse("evaluation:offer_update", args=[alfa.pk]), {"action": "decline"}).status_code == 404
    assert Award.objects.get(offer=alfa).state == AwardState.AWAITING_UPDATE


def test_the_evaluation_card_shows_means_never_a_members_own_scores(client, resolved):
    alfa = resolved.offers[0]
    as_user(client, resolved.members["ngo_alfa"])
    response = client.get(reverse("evaluation:offer_card", args=[alfa.pk]))
    page = text(response)
    # members' totals for Alfa are 22, 19 and 15: the card shows their mean and per-criterion means only
    assert "18.67" in page and "4.00" in page and "7.00" in page and "7.67" in page
    for total in ("22.00", "19.00", "15.00", "22 ", " 19 /"):
        assert total not in page
    assert "Dobra oferta" in page and "Zawyżone koszty lokalu" in page and "Mniej środków w budżecie" in page
    assert "24 000,00 zł" in page and "passed" in page
    # the offer's page links to the card and the update
    detail = client.get(reverse("offers:offer_detail", args=[alfa.pk])).content.decode()
    assert reverse("evaluation:offer_card", args=[alfa.pk]) in detail
    assert reverse("evaluation:offer_update", args=[alfa.pk]) in detail


def test_the_card_waits_for_the_results_and_a_formally_rejected_offer_reads_its_reasons(client, awaiting):
    delta = awaiting.offers[3]
    user = representative(delta.organization, RepresentationRole.ADMIN)
    as_user(client, user)
    assert "appears here once the results are published" in text(
        client.get(reverse("evaluation:offer_card", args=[delta.pk])))
    Evaluation.objects.filter(pk=awaiting.evaluation.pk).update(state=EvaluationState.RESOLVED,
                                                                resolved_at=timezone.now())
    page = text(client.get(reverse("evaluation:offer_card", args=[delta.pk])))
    assert "rejected in the formal check" in page and "Oferta złożona po terminie." in page


def test_the_update_is_prefilled_saved_with_errors_at_the_line_and_submitted(client, resolved):
    alfa = resolved.offers[0]
    award = Award.objects.get(offer=alfa)
    signatory = resolved.members["ngo_alfa"]
    as_user(client, signatory)
    overview = reverse("evaluation:offer_update", args=[alfa.pk])
    page = text(client.get(overview))
    assert "24 000,00 zł" in page and timezone.localtime(award.update_deadline).strftime("%d.%m.%Y") in page
    assert "The grant must equal the amount awarded" in page  # the offer's grant is still 30 000
    costs_url = reverse("evaluation:offer_update_section", args=[alfa.pk, "costs"])
    response = client.get(costs_url)
    html = response.content.decode()
    costs = alfa.sections.get(key="costs").data
    assert f'value="{costs["lines"][0]["units"]}"' in html  # pre-filled from the offer
    # a unit cost that is not a number is saved as typed and shown at its line
    response = client.post(costs_url, {
        "base_revision": "0",
        "lines-0-key": costs["lines"][0]["key"], "lines-0-group": "action", "lines-0-action": "a1",
        "lines-0-name": "Wynagrodzenie doradcy", "lines-0-unit": "godz.", "lines-0-unit_cost": "abc",
        "lines-0-units": costs["lines"][0]["units"], "lines-0-grant_part": "22000",
        "lines-1-key": costs["lines"][1]["key"], "lines-1-group": "admin", "lines-1-name": "Koordynacja",
        "lines-1-unit": "mies.", "lines-1-unit_cost": "2000", "lines-1-units": "1", "lines-1-grant_part": "2000",
    })
    assert response.status_code == 302
    html = client.get(costs_url).content.decode()
    assert 'value="abc"' in html and "line-error" in html and "is not a number" in html
    # submitting is refused while problems remain, with the reasons
    response = client.post(overview, {"action": "submit"})
    assert response.status_code == 400
    assert Award.objects.get(pk=award.pk).state == AwardState.AWAITING_UPDATE
    # the grant cut to the award, the cost cut so that the grant's share does not grow
    response = client.post(costs_url, {
        "base_revision": "1",
        "lines-0-key": costs["lines"][0]["key"], "lines-0-group": "action", "lines-0-action": "a1",
        "lines-0-name": "Wynagrodzenie doradcy", "lines-0-unit": "godz.", "lines-0-unit_cost": "1",
        "lines-0-units": "26000", "lines-0-grant_part": "22000",
        "lines-1-key": costs["lines"][1]["key"], "lines-1-group": "admin", "lines-1-name": "Koordynacja",
        "lines-1-unit": "mies.", "lines-1-unit_cost": "2000", "lines-1-units": "1", "lines-1-grant_part": "2000",
    })
    assert response.status_code == 302
    sources_url = reverse("evaluation:offer_update_section", args=[alfa.pk, "sources"])
    assert client.post(sources_url, {"base_revision": "2", "own_financial": "4000,00"}).status_code == 302
    page = text(client.get(overview))
    assert "in order" in page
    assert client.post(overview, {"action": "submit"}).status_code == 302
    award.refresh_from_db()
    assert award.state == AwardState.READY_FOR_CONTRACT and award.update.snapshot_sha256
    assert "ready for the contract" in text(client.get(overview))


def test_a_stale_update_is_not_overwritten_silently(client, resolved):
    alfa = resolved.offers[0]
    as_user(client, resolved.members["ngo_alfa"])
    sources_url = reverse("evaluation:offer_update_section", args=[alfa.pk, "sources"])
    assert client.post(sources_url, {"base_revision": "0", "own_financial": "4000"}).status_code == 302
    response = client.post(sources_url, {"base_revision": "0", "own_financial": "5000"})
    assert response.status_code == 409
    assert "Someone else saved this part of the update meanwhile." in text(response)
    assert 'value="5000"' in response.content.decode()


def test_an_editor_prepares_the_update_but_only_a_signatory_declines(client, resolved):
    alfa = resolved.offers[0]
    editor = representative(alfa.organization, RepresentationRole.EDITOR)
    overview = reverse("evaluation:offer_update", args=[alfa.pk])
    as_user(client, editor)
    assert "Only a person authorised to submit" in text(client.get(overview))
    assert client.post(overview, {"action": "decline"}).status_code == 403
    as_user(client, resolved.members["ngo_alfa"])
    assert client.post(overview, {"action": "decline", "reason": "Za mało środków"}).status_code == 302
    assert Award.objects.get(offer=alfa).state == AwardState.DECLINED
    assert "The grant was declined." in text(client.get(overview))
    # a section of a finished update leads back to the overview
    response = client.get(reverse("evaluation:offer_update_section", args=[alfa.pk, "costs"]))
    assert response.status_code == 302


def test_an_offer_awarded_in_full_has_no_update_page(client, resolved):
    beta = resolved.offers[1]
    user = representative(beta.organization, RepresentationRole.ADMIN)
    as_user(client, user)
    assert client.get(reverse("evaluation:offer_update", args=[beta.pk])).status_code == 404
    assert client.get(reverse("evaluation:offer_update_section", args=[beta.pk, "nonsense"])).status_code == 404


# --- query budgets ---------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    client.get(url)  # warm-up: the first request after signing in also slides the session forward
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _formal_review(authority, officer, n: int):
    evaluation, _seats = bulk_competition(authority, n, state=EvaluationState.FORMAL_REVIEW)
    checks = list(FormalCheck.objects.filter(offer__competition=evaluation.competition).order_by("pk"))
    items = list(evaluation.competition.checklist.all())
    # a third being checked, a third called to remedy (half of them overdue), a third accepted
    now = timezone.now()
    FormalCheck.objects.filter(pk__in=[c.pk for c in checks[0::3]]).update(state=FormalCheckState.OPEN)
    FormalCheck.objects.filter(pk__in=[c.pk for c in checks[1::6]]).update(
        state=FormalCheckState.REMEDY_REQUESTED, remedy_deadline=now + dt.timedelta(days=3), remedy_message="x")
    FormalCheck.objects.filter(pk__in=[c.pk for c in checks[4::6]]).update(
        state=FormalCheckState.REMEDY_REQUESTED, remedy_deadline=now - dt.timedelta(days=1), remedy_message="x")
    CheckItemResult.objects.bulk_create([CheckItemResult(formal_check=c, item=item, recorded_by=officer,
                                                         outcome="defect" if i % 2 else "met", note="x")
                                         for i, c in enumerate(checks) for item in items])
    return evaluation


def test_the_formal_check_list_makes_the_same_queries_for_10_and_200_offers(client, authority, officer):
    small, large = _formal_review(authority, officer, 10), _formal_review(authority, officer, 200)
    as_user(client, officer)
    few = _queries(client, reverse("evaluation:office", args=[small.competition.pk]))
    many = _queries(client, reverse("evaluation:office", args=[large.competition.pk]))
    assert few == many
    page = client.get(reverse("evaluation:office", args=[large.competition.pk])).content.decode()
    assert page.count('<th scope="row">') == 200


def _awaiting_decision(authority, n: int):
    evaluation, _seats = bulk_competition(authority, n, areas=2)
    offers = list(evaluation.competition.offers.order_by("pk"))
    Award.objects.bulk_create([Award(offer=o, state=AwardState.PROPOSED if i % 2 else AwardState.PENDING,
                                     proposed_amount=Decimal("20000.00") if i % 2 else None,
                                     justification="Uzasadnienie") for i, o in enumerate(offers)])
    return evaluation


def test_the_decision_page_makes_the_same_queries_for_10_and_200_offers(client, authority, approver):
    small, large = _awaiting_decision(authority, 10), _awaiting_decision(authority, 200)
    as_user(client, approver)
    few = _queries(client, reverse("evaluation:decision", args=[small.competition.pk]))
    many = _queries(client, reverse("evaluation:decision", args=[large.competition.pk]))
    assert few == many
    page = client.get(reverse("evaluation:decision", args=[large.competition.pk])).content.decode()
    assert page.count('name="action" value="decide"') == 200
