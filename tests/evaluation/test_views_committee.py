"""The committee's pages: a member's committees, the impartiality declarations, the scoring
page with its autosave and submission, and the chair's dashboard (progress, reopening,
closing scoring, the ranking and the proposals). Who may open what, field-level errors
that keep what was typed, and query budgets that do not grow with the number of offers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from competitions.models import ChecklistItem
from evaluation import services
from evaluation.models import (
    Award,
    AwardState,
    Declaration,
    DeclarationState,
    Evaluation,
    EvaluationState,
    FormalCheck,
    FormalCheckState,
    Score,
    ScoreSheet,
    SeatKind,
    SeatRole,
    SheetState,
)
from offers.models import RepresentationRole

from ..factories import CompetitionFactory, OfferFactory, OrganizationFactory, UserFactory, representative

PASSWORD = "correct horse battery"  # noqa: S105 - the factories' password of every test user


class Merit:
    """A competition handed to its committee: a chair, two members, and `n` offers."""

    def __init__(self, authority, officer, *, n: int = 2, member_of=None, expert=None):
        self.competition = CompetitionFactory(authority=authority, closed=True)
        ChecklistItem.objects.create(competition=self.competition, order=1, text="Podpisana", remediable=True)
        self.area = self.competition.task_areas.get()
        self.criteria = list(self.area.criteria.all())  # 5, 10 and 10 points
        self.offers = [OfferFactory(task_area=self.area, submitted=True, title=f"Oferta {i}",
                                    organization=OrganizationFactory(name=f"Fundacja Numer {i}"))
                       for i in range(n)]
        self.evaluation = services.evaluation_start(competition=self.competition, actor=officer)
        # the formal check is the office's page; here every offer passed it
        FormalCheck.objects.filter(offer__competition=self.competition).update(state=FormalCheckState.ACCEPTED)
        committee = self.competition.committee
        self.chair = UserFactory(first_name="Celina", last_name="Przewodnicząca")
        self.member = UserFactory(first_name="Marek", last_name="Członek")
        self.other = UserFactory(first_name="Olga", last_name="Druga")
        services.seat_add(committee=committee, actor=officer, user=self.chair, role=SeatRole.CHAIR)
        services.seat_add(committee=committee, actor=officer, user=self.member)
        services.seat_add(committee=committee, actor=officer, user=self.other)
        if member_of is not None:
            services.seat_add(committee=committee, actor=officer, user=member_of)
        if expert is not None:
            services.seat_add(committee=committee, actor=officer, user=expert, role=SeatRole.EXPERT,
                              kind=SeatKind.EXPERT)
        services.committee_configure(committee=committee, actor=officer, ngo_absence="none_nominated",
                                     ngo_absence_note="Nikt nie zgłosił kandydatów.", quorum=2)
        services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 1/2027")
        self.evaluation = services.evaluation_start_merit_review(self.evaluation, actor=officer)

    def declaration(self, user, offer) -> Declaration:
        return Declaration.objects.get(seat__user=user, offer=offer)

    def impartial(self, user, offer):
        services.declaration_make(self.declaration(user, offer), actor=user, impartial=True)

    def score(self, user, offer, points=(4, 8, 8), submit=True):
        self.impartial(user, offer)
        seat = self.declaration(user, offer).seat
        services.scores_save(seat=seat, offer=offer, actor=user, scores={
            c.pk: {"points": str(p), "comment": "uzasadnienie"}
            for c, p in zip(self.criteria, points, strict=True)})
        if submit:
            services.sheet_submit(ScoreSheet.objects.get(seat=seat, offer=offer), actor=user)

    def url(self, name, *args):
        return reverse(f"evaluation:{name}", args=[self.competition.pk, *args])


@pytest.fixture
def merit(authority, officer):
    return Merit(authority, officer)


def login(client, user):
    client.force_login(user)
    return client


def points(criterion, value, comment=""):
    return {f"points-{criterion.pk}": value, f"comment-{criterion.pk}": comment}


# --- my committees ------------------------------------------------------------------------------------------


def test_my_committees_lists_the_competition_with_what_is_left(client, merit):
    merit.impartial(merit.member, merit.offers[0])
    response = login(client, merit.member).get(reverse("evaluation:my_committees"))
    assert response.status_code == 200
    text = response.content.decode()
    assert merit.competition.title in text
    assert "1 impartiality declaration to make." in text
    assert "1 offer to score." in text
    assert merit.url("declarations") in text
    assert merit.url("chair") not in text  # only the chair gets the dashboard's link
    chair_page = login(client, merit.chair).get(reverse("evaluation:my_committees")).content.decode()
    assert merit.url("chair") in chair_page


def test_my_committees_is_empty_for_an_ngo_and_asks_a_stranger_to_log_in(client, merit, ngo_admin):
    response = login(client, ngo_admin).get(reverse("evaluation:my_committees"))
    assert response.status_code == 200
    assert merit.competition.title not in response.content.decode()
    client.logout()
    response = client.get(reverse("evaluation:my_committees"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- declarations -------------------------------------------------------------------------------------------


def test_declarations_list_names_offerors_without_any_content(client, merit):
    response = login(client, merit.member).get(merit.url("declarations"))
    assert response.status_code == 200
    text = response.content.decode()
    for offer in merit.offers:
        assert offer.organization.name in text and offer.title in text
        assert merit.url("declaration_make", merit.declaration(merit.member, offer).pk) in text
        assert merit.url("score", offer.pk) not in text  # nothing opens before the declaration
    assert "Centrum doradza organizacjom" not in text  # the synthesis of the offer: content stays closed
    assert "KPA art. 24 § 1 pkt 2" in text and '<details class="grounds"' in text
    assert "2 to declare" in text


def test_an_excluded_member_sees_the_offer_as_excluded_with_the_reason(client, authority, officer):
    organization = OrganizationFactory(name="Stowarzyszenie Członka")
    insider = representative(organization, RepresentationRole.EDITOR, first_name="Iza",
                             last_name="Wewnętrzna")
    merit = _merit_with_own_offer(authority, officer, insider, organization)
    assert merit.declaration(insider, merit.own_offer).state == DeclarationState.EXCLUDED
    response = login(client, insider).get(merit.url("declarations"))
    text = response.content.decode()
    assert "excluded" in text
    assert "The member represents the offering organisation or was nominated by it." in text
    assert merit.url("declaration_make", merit.declaration(insider, merit.own_offer).pk) not in text
    assert merit.url("score", merit.own_offer.pk) not in text
    assert client.get(merit.url("score", merit.own_offer.pk)).status_code == 404


def _merit_with_own_offer(authority, officer, insider, organization):
    merit = Merit.__new__(Merit)
    merit.competition = CompetitionFactory(authority=authority, closed=True)
    ChecklistItem.objects.create(competition=merit.competition, order=1, text="Podpisana", remediable=True)
    merit.area = merit.competition.task_areas.get()
    merit.criteria = list(merit.area.criteria.all())
    merit.own_offer = OfferFactory(task_area=merit.area, submitted=True, organization=organization)
    merit.offers = [merit.own_offer, OfferFactory(task_area=merit.area, submitted=True)]
    merit.evaluation = services.evaluation_start(competition=merit.competition, actor=officer)
    FormalCheck.objects.filter(offer__competition=merit.competition).update(state=FormalCheckState.ACCEPTED)
    committee = merit.competition.committee
    merit.chair = UserFactory()
    services.seat_add(committee=committee, actor=officer, user=merit.chair, role=SeatRole.CHAIR)
    services.seat_add(committee=committee, actor=officer, user=insider)
    services.committee_configure(committee=committee, actor=officer, ngo_absence="none_nominated",
                                 ngo_absence_note="Brak kandydatów.")
    services.committee_appoint(committee, actor=officer, appointment_reference="Zarządzenie 2/2027")
    merit.evaluation = services.evaluation_start_merit_review(merit.evaluation, actor=officer)
    return merit


@pytest.mark.parametrize("who", ["outsider", "ngo", "stranger_member"])
def test_declarations_are_404_for_anyone_off_this_committee(client, merit, authority, officer, ngo_admin,
                                                            who):
    if who == "outsider":
        user = UserFactory()
    elif who == "ngo":
        user = ngo_admin
    else:
        user = Merit(authority, officer, n=1).member  # sits on another competition's committee
    response = login(client, user).get(merit.url("declarations"))
    assert response.status_code == 404
    declaration = merit.declaration(merit.member, merit.offers[0])
    response = client.post(merit.url("declaration_make", declaration.pk), {"decision": "impartial"})
    assert response.status_code == 404
    declaration.refresh_from_db()
    assert declaration.state == DeclarationState.PENDING


def test_declaring_impartiality_opens_the_offer(client, merit):
    offer = merit.offers[0]
    declaration = merit.declaration(merit.member, offer)
    login(client, merit.member)
    assert client.get(merit.url("score", offer.pk)).status_code == 404  # not before the declaration
    response = client.post(merit.url("declaration_make", declaration.pk), {"decision": "impartial"})
    assert response.status_code == 302 and response["Location"].endswith(f"#decl-{declaration.pk}")
    declaration.refresh_from_db()
    assert declaration.state == DeclarationState.IMPARTIAL
    assert client.get(merit.url("score", offer.pk)).status_code == 200


def test_a_conflict_needs_its_ground_and_then_excludes_the_member(client, merit):
    offer = merit.offers[1]
    declaration = merit.declaration(merit.member, offer)
    login(client, merit.member)
    prefix = f"c{declaration.pk}"
    response = client.post(merit.url("declaration_make", declaration.pk),
                           {"decision": "conflict", f"{prefix}-details": "Mój brat jest prezesem"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose the ground of the conflict." in text
    assert "Mój brat jest prezesem" in text  # what was typed is kept
    assert f'id="id_{prefix}-ground" required aria-invalid="true"' in text
    declaration.refresh_from_db()
    assert declaration.state == DeclarationState.PENDING

    response = client.post(merit.url("declaration_make", declaration.pk), {
        "decision": "conflict", f"{prefix}-ground": "kpa24_1_2",
        f"{prefix}-details": "Mój brat jest prezesem"})
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.state == DeclarationState.CONFLICT
    assert declaration.ground.startswith("KPA art. 24 § 1 pkt 2:")
    assert "Mój brat jest prezesem" in declaration.ground
    page = client.get(merit.url("declarations")).content.decode()
    assert "Mój brat jest prezesem" in page and "excluded" in page
    # excluded from the offer: its page is 404 and nothing can be saved for it
    assert client.get(merit.url("score", offer.pk)).status_code == 404
    assert client.post(merit.url("score_save", offer.pk), points(merit.criteria[0], "3")).status_code == 404
    # and a declaration cannot be made twice
    response = client.post(merit.url("declaration_make", declaration.pk), {"decision": "impartial"})
    assert response.status_code == 409


# --- the scoring page ---------------------------------------------------------------------------------------


def test_the_scoring_page_shows_the_offer_beside_the_sheet(client, merit):
    offer = merit.offers[0]
    merit.impartial(merit.member, offer)
    merit.impartial(merit.member, merit.offers[1])
    merit.score(merit.other, offer, points=(1, 2, 3), submit=False)
    Score.objects.filter(sheet__seat__user=merit.other).update(comment="Tajna ocena Olgi")
    response = login(client, merit.member).get(merit.url("score", offer.pk))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Centrum doradza organizacjom" in text  # the offer's content, through the offeror's printed form
    assert "V. " in text and "Calculation of the expected costs" in text
    for criterion in merit.criteria:
        assert f'id="points-{criterion.pk}"' in text and criterion.name in text
    assert "0 to 5 points, in steps of 1. A comment is required below 2,5 points." in text
    assert "0 of 2 scored" in text and "Offer 1 of 2" in text
    assert merit.url("score", merit.offers[1].pk) in text and 'aria-keyshortcuts="Alt+N"' in text
    assert "Alt+N next offer, Alt+P previous offer" in text
    assert "Tajna ocena Olgi" not in text  # members never see each other's scores
    assert "Submit my scores" in text


@pytest.mark.parametrize("who", ["pending", "outsider", "ngo", "other_committee"])
def test_the_scoring_page_is_404_unless_impartial_on_this_committee(client, merit, authority, officer,
                                                                     ngo_admin, who):
    offer = merit.offers[0]
    users = {"pending": merit.member, "outsider": UserFactory(), "ngo": ngo_admin}
    if who == "other_committee":
        elsewhere = Merit(authority, officer, n=1)
        elsewhere.impartial(elsewhere.member, elsewhere.offers[0])
        users[who] = elsewhere.member
        # an offer of their own committee under this competition's address is 404 too
        login(client, elsewhere.member)
        assert client.get(merit.url("score", elsewhere.offers[0].pk)).status_code == 404
    login(client, users[who])
    assert client.get(merit.url("score", offer.pk)).status_code == 404
    assert client.post(merit.url("score_save", offer.pk), points(merit.criteria[0], "3")).status_code == 404
    assert client.post(merit.url("score_submit", offer.pk), {}).status_code == 404
    assert not ScoreSheet.objects.filter(offer=offer).exists()


def test_autosave_saves_valid_scores_and_puts_errors_at_the_invalid_ones(client, merit):
    offer = merit.offers[0]
    merit.impartial(merit.member, offer)
    first, second, third = merit.criteria
    data = {**points(first, "4,5"), **points(second, "11"), **points(third, "abc"), "comment": "Dobra oferta"}
    login(client, merit.member)
    response = client.post(merit.url("score_save", offer.pk), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # the errors travel in the fragments
    text = response.content.decode()
    sheet = ScoreSheet.objects.get(seat__user=merit.member, offer=offer)
    assert {s.criterion_id: s.points for s in sheet.scores.all()} == {first.pk: Decimal("4.50")}
    assert sheet.comment == "Dobra oferta"
    assert f'id="msg-{second.pk}" class="criterion-messages" data-invalid="true" hx-swap-oob="true"' in text
    assert "At most 10 points." in text
    assert f'id="msg-{third.pk}" class="criterion-messages" data-invalid="true"' in text
    assert "“abc” is not a number." in text
    assert f'id="msg-{first.pk}" class="criterion-messages" data-invalid="false"' in text
    assert "Not saved: 2 scores need correcting" in text and "The others are saved." in text
    assert f'id="points-{first.pk}"' not in text  # only out-of-band pieces: the fields being typed in stay

    response = client.post(merit.url("score_save", offer.pk),
                           {**points(first, "4,5"), **points(second, "7"), **points(third, "1")},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Saved at" in text
    # saved, but a low score without its comment is what is left to do before submitting
    assert "Before submitting:" in text and "Explain a score below 50% of the maximum in a comment." in text
    assert Score.objects.filter(sheet=sheet).count() == 3


def test_saving_without_javascript_keeps_what_was_typed(client, merit):
    offer = merit.offers[0]
    merit.impartial(merit.member, offer)
    first, second, _third = merit.criteria
    login(client, merit.member)
    response = client.post(merit.url("score_save", offer.pk),
                           {**points(first, "3", "Za mało partnerów"),
                            **points(second, "99", "Świetny budżet")})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'value="99"' in text and "Świetny budżet" in text and "Za mało partnerów" in text
    assert f'aria-describedby="hint-{second.pk} msg-{second.pk}" aria-invalid="true"' in text
    response = client.post(merit.url("score_save", offer.pk), points(first, "3", "Za mało partnerów"))
    assert response.status_code == 302
    assert Score.objects.get(sheet__offer=offer, criterion=first).comment == "Za mało partnerów"


def test_a_refused_submission_shows_the_reasons_and_the_sheet_stays_a_draft(client, merit):
    offer = merit.offers[0]
    merit.impartial(merit.member, offer)
    first, second, third = merit.criteria
    login(client, merit.member)
    response = client.post(merit.url("score_submit", offer.pk), {**points(first, "1"), **points(second, "8")})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Not submitted" in text and "The score sheet is not complete." in text
    assert "Explain a score below 50% of the maximum in a comment." in text  # at the first criterion
    assert f"Score “{third.name}”." in text
    sheet = ScoreSheet.objects.get(seat__user=merit.member, offer=offer)
    assert sheet.state == SheetState.DRAFT
    assert Score.objects.filter(sheet=sheet).count() == 2  # what was valid is saved anyway


def test_submitting_locks_the_sheet_and_moves_to_the_next_offer(client, merit):
    merit.impartial(merit.member, merit.offers[0])
    merit.impartial(merit.member, merit.offers[1])
    first, second, third = merit.criteria
    login(client, merit.member)
    data = {**points(first, "4"), **points(second, "8"), **points(third, "2", "Słabe kwalifikacje")}
    response = client.post(merit.url("score_submit", merit.offers[0].pk), data)
    assert response.status_code == 302
    assert response["Location"] == merit.url("score", merit.offers[1].pk)
    sheet = ScoreSheet.objects.get(seat__user=merit.member, offer=merit.offers[0])
    assert sheet.state == SheetState.SUBMITTED
    page = client.get(merit.url("score", merit.offers[0].pk)).content.decode()
    assert "You submitted your scores on" in page and 'id="score-form"' not in page
    assert "1 of 2 scored" in page
    response = client.post(merit.url("score_save", merit.offers[0].pk), points(first, "1"))
    assert response.status_code == 409
    assert "Your sheet is submitted; the chair can reopen it." in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.scores.get(criterion=first).points == Decimal("4.00")


def test_a_lapsed_session_does_not_look_like_a_save(client, merit):
    offer = merit.offers[0]
    merit.impartial(merit.member, offer)
    response = client.post(merit.url("score_save", offer.pk), points(merit.criteria[0], "3"),
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="save-status" class="save-status failed"' in text and "you are logged out" in text
    assert not ScoreSheet.objects.filter(offer=offer).exists()
    response = client.get(merit.url("score", offer.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_expert_reads_the_offer_but_has_no_score_sheet(client, authority, officer):
    expert = UserFactory(first_name="Ewa", last_name="Ekspertka")
    merit = Merit(authority, officer, n=1, expert=expert)  # an advisory voice (art. 15 ust. 2e)
    services.declaration_make(merit.declaration(expert, merit.offers[0]), actor=expert, impartial=True)
    login(client, expert)
    text = client.get(merit.url("declarations")).content.decode()
    assert "Read and score" not in text and merit.url("score", merit.offers[0].pk) in text
    text = client.get(merit.url("score", merit.offers[0].pk)).content.decode()
    assert "An expert has an advisory voice and does not score (art. 15 ust. 2e)." in text
    assert 'id="score-form"' not in text


# --- the chair ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "ngo", "other_chair", "officer"])
def test_the_chairs_pages_are_404_for_anyone_but_the_chair(client, merit, authority, officer, ngo_admin, who):
    users = {"member": merit.member, "ngo": ngo_admin, "officer": officer}
    if who == "other_chair":
        users[who] = Merit(authority, officer, n=1).chair
    login(client, users[who])
    assert client.get(merit.url("chair")).status_code == 404
    assert client.post(merit.url("close_scoring"), {"present": []}).status_code == 404
    assert client.post(merit.url("sheet_reopen", merit.offers[0].pk), {}).status_code == 404
    assert client.post(merit.url("award_propose", merit.area.pk), {}).status_code == 404
    merit.evaluation.refresh_from_db()
    assert merit.evaluation.state == EvaluationState.MERIT_REVIEW


def test_the_chair_sees_progress_and_the_quorum(client, merit):
    merit.score(merit.member, merit.offers[0])
    merit.impartial(merit.other, merit.offers[0])
    response = login(client, merit.chair).get(merit.url("chair"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Marek Członek" in text and "Olga Druga" in text
    assert "2 offers have fewer score sheets than needed." in text
    assert "1 / 2" in text and "0 / 2" in text
    # closing is offered but refused, with the guard's reason
    assert 'disabled aria-describedby="why-close"' in text
    assert "2 offer(s) have fewer than 2 submitted score sheets" in text


def test_the_chair_reopens_a_sheet_only_with_a_reason(client, merit):
    offer = merit.offers[0]
    merit.score(merit.member, offer)
    sheet = ScoreSheet.objects.get(seat__user=merit.member, offer=offer)
    login(client, merit.chair)
    prefix = f"r{offer.pk}"
    response = client.post(merit.url("sheet_reopen", offer.pk),
                           {f"{prefix}-sheet": sheet.pk, f"{prefix}-reason": ""})
    assert response.status_code == 400
    assert "Give the reason for reopening the sheet." in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.state == SheetState.SUBMITTED
    response = client.post(merit.url("sheet_reopen", offer.pk),
                           {f"{prefix}-sheet": sheet.pk, f"{prefix}-reason": "Pomyłka w kryterium 2"})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.state == SheetState.DRAFT


def test_closing_scoring_needs_the_quorum_and_the_signatures_then_shows_the_ranking(client, merit):
    login(client, merit.chair)
    seats = {s.user_id: s.pk for s in merit.competition.committee.seats.all()}
    response = client.post(merit.url("close_scoring"), {"present": [seats[merit.chair.pk]]})
    assert response.status_code == 409
    assert "2 offer(s) have fewer than 2 submitted score sheets" in response.content.decode()

    for user in (merit.member, merit.other):
        merit.score(user, merit.offers[0], points=(5, 9, 9))
    merit.score(merit.member, merit.offers[1], points=(1, 2, 2))
    merit.score(merit.other, merit.offers[1], points=(3, 7, 7))
    response = client.post(merit.url("close_scoring"), {"present": [], "others": ""})
    assert response.status_code == 400
    assert "Name the members present who sign the protocol." in response.content.decode()

    response = client.post(merit.url("close_scoring"), {
        "present": [seats[merit.chair.pk], seats[merit.member.pk]], "others": "Jan Protokolant"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(pk=merit.evaluation.pk)
    assert evaluation.state == EvaluationState.AWAITING_DECISION
    assert evaluation.protocol_signed_by == "Celina Przewodnicząca, Marek Członek, Jan Protokolant"
    text = client.get(merit.url("chair")).content.decode()
    assert "Ranking" in text and "Leniency" in text
    assert text.index("Fundacja Numer 0") < text.index("Fundacja Numer 1")
    rows = text[text.index('class="ranking-table"'):]
    first, second = rows.split("<tr")[2:4]
    assert "Fundacja Numer 0" in first and "<strong>23</strong>" in first and "large spread" not in first
    # 5 and 17 points: a mean of 11 is under 60 % of 25, and a spread of 12 is over 25 % of 25
    assert "Fundacja Numer 1" in second and "<strong>11</strong>" in second
    assert "below the threshold" in second and "large spread" in second
    # the proposal form only for the recommended offer
    award_0, award_1 = (Award.objects.get(offer=o) for o in merit.offers)
    assert f'name="amount-{award_0.pk}"' in text and f'name="amount-{award_1.pk}"' not in text


def test_a_proposal_with_a_bad_amount_keeps_the_input_and_shows_the_error_at_the_field(client, merit):
    for user in (merit.member, merit.other):
        merit.score(user, merit.offers[0], points=(5, 9, 9))
        merit.score(user, merit.offers[1], points=(5, 8, 8))
    services.evaluation_close_scoring(merit.evaluation, actor=merit.chair, signed_by="Celina Przewodnicząca")
    award_0, award_1 = (Award.objects.get(offer=o) for o in merit.offers)
    login(client, merit.chair)
    response = client.post(merit.url("award_propose", merit.area.pk), {
        f"amount-{award_0.pk}": "35 000,00", f"justification-{award_0.pk}": "Najlepsza oferta",
        f"amount-{award_1.pk}": "25000", f"justification-{award_1.pk}": "Druga"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "More than the offeror asked for (30 000,00 zł)." in text
    assert 'value="35 000,00" data-amount' in text and "Najlepsza oferta" in text
    assert f'aria-invalid="true" aria-describedby="err-amount-{award_0.pk}"' in text
    assert "Give the reason for proposing less than requested; the offeror will read it." in text
    award_0.refresh_from_db()
    assert award_0.state == AwardState.PENDING

    response = client.post(merit.url("award_propose", merit.area.pk), {
        f"amount-{award_0.pk}": "30000", f"justification-{award_0.pk}": "Najlepsza oferta",
        f"amount-{award_1.pk}": "25000", f"cut_reason-{award_1.pk}": "Zawyżone koszty"})
    assert response.status_code == 302
    award_0.refresh_from_db()
    award_1.refresh_from_db()
    assert (award_0.state, award_0.proposed_amount) == (AwardState.PROPOSED, Decimal("30000.00"))
    assert (award_1.proposed_amount, award_1.cut_reason) == (Decimal("25000.00"), "Zawyżone koszty")
    text = client.get(merit.url("chair")).content.decode()
    plain = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Proposed 55 000,00 zł of 120 000,00 zł; 65 000,00 zł left." in plain


# --- query budgets ------------------------------------------------------------------------------------


def _bulk_merit(authority, officer, n: int, *, closed: bool) -> Merit:
    """A committee with `n` offers, all declared and scored (written in bulk: the services are
    tested above; here only the pages' queries are counted)."""
    merit = Merit(authority, officer, n=n)
    Declaration.objects.filter(seat__committee__competition=merit.competition).update(
        state=DeclarationState.IMPARTIAL)
    seats = list(merit.competition.committee.seats.all())
    sheets = ScoreSheet.objects.bulk_create([ScoreSheet(seat=seat, offer=offer, state=SheetState.SUBMITTED)
                                             for seat in seats for offer in merit.offers])
    Score.objects.bulk_create([Score(sheet=sheet, criterion=c, points=Decimal(3)) for sheet in sheets
                               for c in merit.criteria])
    if closed:
        Evaluation.objects.filter(pk=merit.evaluation.pk).update(state=EvaluationState.AWAITING_DECISION)
        Award.objects.bulk_create([Award(offer=offer) for offer in merit.offers])
    return merit


def _queries(client, merit, user, name) -> int:
    login(client, user)
    client.get(merit.url(name))  # warm the session and the caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(merit.url(name))
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page,closed", [("declarations", False), ("chair", False), ("chair", True)])
def test_the_lists_make_the_same_number_of_queries_for_10_and_200_offers(
        client, authority, officer, page, closed, django_assert_max_num_queries):
    small = _bulk_merit(authority, officer, 10, closed=closed)
    large = _bulk_merit(authority, officer, 200, closed=closed)
    user = (lambda m: m.member) if page == "declarations" else (lambda m: m.chair)
    count_small = _queries(client, small, user(small), page)
    count_large = _queries(client, large, user(large), page)
    assert count_small == count_large
    with django_assert_max_num_queries(count_small):
        text = client.get(large.url(page)).content.decode()
    # the budget holds for a page that lists all 200: every offeror, and after closing the ranking
    assert all(offer.organization.name in text for offer in large.offers)
    assert ('class="ranking-table"' in text) == closed
