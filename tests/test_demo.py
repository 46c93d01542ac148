"""The demo that `make run` loads: built through the services, idempotent, with valid
generated identifiers, intact snapshots and an intact audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from competitions.models import (
    AttachmentRequirement,
    Authority,
    AuthorityRole,
    Competition,
    CompetitionState,
    has_role,
)
from competitions.selectors import competition_list_for_staff
from offers.demo import DEMO_PASSWORD, MAIN_TITLE, all_demo_users
from offers.form import read_offer_from_db
from offers.identifiers import clean_bank_account, clean_krs, clean_nip, clean_regon
from offers.models import Offer, OfferState, Organization
from offers.selectors import offer_list_for_user
from offers.services import snapshot_hash
from workflow.audit import audit_events_for
from workflow.calendar import local_date

pytestmark = pytest.mark.django_db


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_load_demo_on_an_empty_database_prints_every_login():
    assert Authority.objects.count() == 0
    output = load()
    assert "Demo loaded" in output
    assert DEMO_PASSWORD in output
    assert {"przewodniczacy", "komisja1"} <= {spec.username for spec in all_demo_users()}
    for spec in all_demo_users():
        assert f"  {spec.username} " in output
        assert user(spec.username).check_password(DEMO_PASSWORD)
    assert Authority.objects.count() == 2
    states = sorted(Competition.objects.values_list("state", flat=True))
    assert states == [CompetitionState.DRAFT, CompetitionState.DRAFT, CompetitionState.PUBLISHED,
                      CompetitionState.SUBMISSION_CLOSED, CompetitionState.SUBMISSION_CLOSED]
    offers = {state: Offer.objects.filter(state=state).count() for state in OfferState.values}
    assert offers == {"submitted": 3 + 5 + 5, "withdrawn": 1, "draft": 3, "discarded": 0}
    assert "is in merit review by the committee" in output
    assert "its five contracts show each stage of settlement" in output


def test_a_second_run_creates_nothing_and_says_so():
    load()
    before = row_counts()
    output = load()
    assert "already loaded; nothing changed" in output
    assert row_counts() == before
    assert "urzednik-zory" in output  # the logins are printed every time


def test_a_database_with_part_of_the_demo_is_refused_untouched():
    get_user_model().objects.create_user("cis", password="x" * 12)
    before = row_counts()
    with pytest.raises(CommandError, match="not all"):
        load()
    assert row_counts() == before


def test_the_published_competition_is_the_one_of_demo_md():
    load()
    competition = Competition.objects.get(title=MAIN_TITLE)
    assert competition.authority.name == "Gmina Miejska Dąbrowa Górnicza"
    assert competition.authority.organ == "Prezydent Miasta Dąbrowy Górniczej"
    assert competition.accepting_offers()
    today = timezone.localdate()
    deadline = local_date(competition.submission_deadline)
    assert 25 <= (deadline - today).days <= 31
    # art. 13 ust. 1: 21 days from the last of the three publications, which all lie in the past
    last = competition.last_publication_date()
    assert last < today and deadline >= last + dt.timedelta(days=21)
    assert competition.missing_channels() == []
    area1, area2 = competition.task_areas.order_by("number")

    def facts(area):
        return (area.name, area.form, area.budget, area.min_grant, area.max_grant,
                area.min_own_contribution_pct)

    assert facts(area1) == ("Prowadzenie centrum wsparcia organizacji pozarządowych", "wspieranie",
                            Decimal("120000.00"), Decimal("20000.00"), Decimal("60000.00"),
                            Decimal("10.00"))
    assert facts(area2) == ("Wolontariat i aktywność obywatelska młodzieży", "wspieranie",
                            Decimal("60000.00"), None, Decimal("15000.00"), Decimal("5.00"))
    for area in (area1, area2):
        assert area.pass_threshold_pct == Decimal("60.00")
        bases = [c.statutory_basis for c in area.criteria.all()]
        assert bases == [f"art. 15 ust. 1 pkt {n}" for n in range(1, 7)]
    assert competition.checklist.count() >= 5
    assert set(competition.required_attachments.values_list("required_for", flat=True)) == {
        AttachmentRequirement.NO_KRS, AttachmentRequirement.JOINT}
    assert competition.extra_questions.count() == 1
    years = set(competition.prior_funding.values_list("year", flat=True))
    assert years == {today.year - 1, today.year}
    assert all(p.total_cost >= Decimal("3000000") for p in competition.prior_funding.filter(
        description__startswith="Wszystkie"))
    assert competition.announcement_problems() == []


def test_roles_and_tenant_isolation():
    load()
    dabrowa, zory = Authority.objects.get(slug="dabrowa-gornicza"), Authority.objects.get(slug="zory")
    assert has_role(user("urzednik"), dabrowa, AuthorityRole.OFFICER)
    assert has_role(user("prezydent"), dabrowa, AuthorityRole.APPROVER)
    assert has_role(user("skarbnik"), dabrowa, AuthorityRole.FINANCE)
    assert not has_role(user("urzednik"), zory, AuthorityRole.OFFICER)
    assert not has_role(user("urzednik-zory"), dabrowa, AuthorityRole.OFFICER)
    def seen_by(username):
        return set(competition_list_for_staff(user=user(username)).values_list("authority__slug", flat=True))

    assert seen_by("urzednik") == {"dabrowa-gornicza"}
    assert seen_by("urzednik-zory") == {"zory"}
    # an NGO user sees only their own organisation's offers, drafts included
    cis_offers = offer_list_for_user(user=user("cis"))
    assert {o.organization.name for o in cis_offers} == {"Stowarzyszenie CIS Mysłowice"}
    assert cis_offers.count() == 4  # two in the open competition, one in the closed one, one in the decided one
    assert offer_list_for_user(user=user("redaktor")).count() == 4


def test_every_demo_identifier_is_valid_and_generated():
    load()
    organizations = list(Organization.objects.all())
    assert len(organizations) == 6
    for org in organizations:
        assert clean_nip(org.nip) == org.nip
        assert clean_regon(org.regon) == org.regon
        assert clean_bank_account(org.bank_account) == org.bank_account
        assert org.email.endswith(".example.org")
        if org.krs:
            assert clean_krs(org.krs) == org.krs
            assert int(org.krs) > 2_000_000  # beyond any number the KRS has issued: never a real entity
        else:
            assert org.other_register  # the ordinary association outside the KRS
    assert len({o.nip for o in organizations}) == len(organizations)
    assert all(u.email.endswith("@example.org") for u in get_user_model().objects.all())


def test_submitted_offers_keep_their_snapshot_hashes_and_the_demo_figures():
    load()
    frozen = Offer.objects.filter(state__in=[OfferState.SUBMITTED, OfferState.WITHDRAWN])
    assert frozen.count() == 4 + 5 + 5
    for offer in frozen:
        assert offer.snapshot and len(offer.snapshot_sha256) == 64
        assert snapshot_hash(offer.snapshot) == offer.snapshot_sha256
        # frozen at submission, and again after a remedy: the last freeze is the offer's hash
        freezes = [e for e in audit_events_for(offer) if e.action in ("offers.offer.submit", "offers.offer.refreeze")]
        assert freezes[0].action == "offers.offer.submit"
        assert freezes[-1].payload["sha256"] == offer.snapshot_sha256
        assert offer.cost_lines.count() == len(offer.snapshot["budget"]["lines"])
    pomyslowice = Offer.objects.get(title__startswith="POMYSłowice")
    assert pomyslowice.state == OfferState.SUBMITTED
    assert pomyslowice.grant_requested == Decimal("39435.00")
    assert pomyslowice.total_cost == Decimal("43925.00")
    budget = pomyslowice.snapshot["budget"]
    assert Decimal(budget["total"]) - Decimal(budget["grant"]) == Decimal("4490.00")
    task = pomyslowice.snapshot["sections"]["task"]
    assert (task["start"], task["end"]) == ("2027-06-01", "2027-12-31")
    results = pomyslowice.snapshot["sections"]["results"]["indicators"]
    assert [i["target"] for i in results[:3]] == ["40", "16", "3"]


def test_drafts_show_their_problems_at_the_exact_line():
    load()
    draft = Offer.objects.get(organization__name="Stowarzyszenie „Progress”")
    assert draft.state == OfferState.DRAFT
    texts = [p.text() for p in read_offer_from_db(draft).blocking]
    assert any(t.startswith("V.A line I.1.2: The grant part (12 500,00 zł) exceeds") for t in texts), texts
    assert any(t.startswith("V.B 2: The grant exceeds the task's maximum of 60 000,00 zł") for t in texts)
    utw = Offer.objects.get(organization__name__startswith="Uniwersytet Trzeciego Wieku", state=OfferState.DRAFT)
    assert any(p.key.startswith("attachments.") for p in read_offer_from_db(utw).blocking)


def test_every_demo_row_has_its_audit_trail_and_the_chains_verify():
    load()
    from settlements.models import Contract, Report, Settlement

    for queryset in (Authority.objects.all(), Competition.objects.all(), Organization.objects.all(),
                     Offer.objects.all(), Contract.objects.all(), Report.objects.all(), Settlement.objects.all()):
        for obj in queryset:
            assert list(audit_events_for(obj)), obj
    main = Competition.objects.get(title=MAIN_TITLE)
    actions = [e.action for e in audit_events_for(main)]
    assert actions[0] == "competitions.competition.create"
    assert "competitions.competition.approve" in actions and actions[-1] == "competitions.competition.publish"
    assert actions.count("competitions.competition.record_publication") == 3
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_the_readme_lists_every_demo_login_and_the_password():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert DEMO_PASSWORD in readme
    for spec in all_demo_users():
        assert f"| `{spec.username}` |" in readme, spec.username


# --- the evaluation's part: a closed competition in merit review ---------------------------------------


def test_the_second_competition_was_published_and_closed_in_the_past_by_the_rules():
    from evaluation.demo import TITLE

    load()
    competition = Competition.objects.get(title=TITLE)
    assert competition.authority.slug == "dabrowa-gornicza"
    assert competition.state == CompetitionState.SUBMISSION_CLOSED
    today = timezone.localdate()
    deadline = local_date(competition.submission_deadline)
    assert deadline < today - dt.timedelta(days=20)
    # art. 13 ust. 1, met when it happened: 21 days from the last of the three publications
    assert competition.missing_channels() == []
    assert deadline >= competition.last_publication_date() + dt.timedelta(days=21)
    actions = [(e.action, e.at) for e in audit_events_for(competition)]
    published = next(at for action, at in actions if action == "competitions.competition.publish")
    closed = next(at for action, at in actions if action == "competitions.competition.close_submissions")
    assert published < competition.submission_deadline < closed
    for offer in competition.offers.all():  # every offer was filed before the deadline, by the clock
        assert offer.state == OfferState.SUBMITTED and offer.submitted_at < competition.submission_deadline


def test_the_committee_is_in_merit_review_with_work_left_for_its_member():
    from evaluation.demo import TITLE
    from evaluation.guards import required_scores
    from evaluation.models import (
        DeclarationState,
        EvaluationState,
        FormalCheckState,
        SeatKind,
        SeatRole,
        SheetState,
    )
    from evaluation.selectors import declarations_for_member, scores_per_offer

    load()
    competition = Competition.objects.get(title=TITLE)
    evaluation = competition.evaluation
    assert evaluation.state == EvaluationState.MERIT_REVIEW
    checks = {o.organization.name: o.formal_check for o in competition.offers.select_related("formal_check")}
    assert {c.state for c in checks.values()} == {FormalCheckState.ACCEPTED}
    remedied = checks["Stowarzyszenie CIS Mysłowice"]
    assert remedied.remedied_at and remedied.remedied_at < remedied.remedy_deadline
    assert [e.action for e in audit_events_for(remedied)].count("evaluation.formalcheck.remedy") == 1
    seats = list(competition.committee.seats.select_related("user"))
    assert sorted((s.kind, s.role) for s in seats) == sorted([
        (SeatKind.AUTHORITY, SeatRole.CHAIR), (SeatKind.AUTHORITY, SeatRole.SECRETARY),
        (SeatKind.AUTHORITY, SeatRole.MEMBER), (SeatKind.NGO_NOMINEE, SeatRole.MEMBER),
        (SeatKind.NGO_NOMINEE, SeatRole.MEMBER)])
    assert {s.nominated_by_name for s in seats if s.kind == SeatKind.NGO_NOMINEE} == {
        "Rada Działalności Pożytku Publicznego Miasta Dąbrowy Górniczej"}
    chair = next(s for s in seats if s.role == SeatRole.CHAIR)
    assert chair.user.username == "przewodniczacy"
    member = user("komisja1")
    pending = declarations_for_member(user=member, competition=competition)
    assert pending.count() == 5 and {d.state for d in pending} == {DeclarationState.PENDING}
    assert not member.seats.get().sheets.exists()
    from evaluation.models import Declaration, ScoreSheet

    conflicts = Declaration.objects.filter(offer__competition=competition, state=DeclarationState.CONFLICT)
    assert conflicts.count() == 1 and conflicts.get().ground
    sheets = ScoreSheet.objects.filter(offer__competition=competition)
    assert sheets.filter(state=SheetState.SUBMITTED).count() == 10
    assert sheets.filter(state=SheetState.DRAFT).count() == 2
    # the quorum (3 of 5) is not reached yet: scoring cannot close
    needed = required_scores(competition.committee)
    assert needed == 3 and any(row["submitted"] < needed for row in scores_per_offer(evaluation=evaluation))


def test_a_database_with_the_base_demo_gets_the_evaluation_part_added_once():
    from evaluation.demo import TITLE
    from offers.demo import demo_load

    demo_load(parts=False)
    assert not Competition.objects.filter(title=TITLE).exists()
    output = load()
    assert "Demo extended" in output and "komisja1" in output
    assert Competition.objects.get(title=TITLE).evaluation.state == "merit_review"
    before = row_counts()
    assert "already loaded; nothing changed" in load()
    assert row_counts() == before


# --- the settlement stage's part: a decided competition, a contract at each stage ------------------------


def _contracts():
    from settlements.demo import SettlementDemo

    return SettlementDemo().contracts()


def test_the_decided_competition_has_a_contract_at_each_stage():
    from settlements import services
    from settlements.demo import EXPECTED_STATES, TREASURER, demo_states
    from settlements.models import InterestRate, InterestRule, ReturnKind
    from settlements.selectors import item_balances

    load()
    assert demo_states() == EXPECTED_STATES
    contracts = _contracts()
    today = timezone.localdate()
    competition = contracts["drafted"].award.offer.competition
    assert competition.evaluation.state == "resolved"
    assert {c.award.state for c in contracts.values()} == {"ready_for_contract"}
    # (a) drafted and sent to the organisation to sign; nobody has signed yet; the task starts later
    drafted = contracts["drafted"]
    assert not drafted.signatures.exists() and drafted.task_start > today
    assert "settlements.contract.sent_for_signature" in [e.action for e in audit_events_for(drafted)]
    assert drafted.countersigned_by == TREASURER
    # the others were concluded by every party, the treasurer countersigning, before their tasks began
    for stage in ("active", "report_requested", "settling", "return_due"):
        contract = contracts[stage]
        assert {s.party_key for s in contract.signatures.all()} == {"organization", "authority", "treasurer"}
        assert contract.signed_on < contract.task_start
        assert snapshot_hash(contract.snapshot) == contract.snapshot_sha256
        assert contract.tranches.filter(paid_on__isnull=False).exists()
    # (b) in performance, in two tranches: the first paid, the second not yet
    active = contracts["active"]
    first, second = active.tranches.order_by("number")
    assert first.paid_on == first.due_on and second.paid_on is None and first.amount + second.amount == active.grant
    assert active.task_start < today < active.task_end
    if active.task_start.year == active.task_end.year:
        assert second.due_on < today  # due: the finance officer has it to record
    # (c) the task ended; the final report is due later and half filled: one line flagged above the
    # tolerance, and what the organisation must still do shown at its place
    ended = contracts["report_requested"]
    report = ended.reports.get()
    assert ended.task_end < today <= report.due_on
    view = services.report_read(report)
    catering = ended.lines.get(name="Catering na szkoleniach")
    flag = view.findings_at(f"lines.{catering.pk}")
    assert len(flag) == 1 and not flag[0].blocking
    assert f"Line {catering.label}" in flag[0].text() and "240,00 zł above the tolerance" in flag[0].text()
    assert [f.key for f in view.flags] == [f"lines.{catering.pk}"]
    assert sorted(f.key for f in view.blocking) == [
        "actions.actions.2.performed", "declarations.information_true", "declarations.procurement_followed",
        "declarations.status_unchanged"]
    assert len(view.documents) == 6
    # (d) the final report submitted in time, frozen with its hash, awaiting verification
    settling = contracts["settling"].reports.get()
    assert settling.submitted_at.date() <= settling.due_on and settling.submitted_by.username == "sekretarz"
    assert snapshot_hash(settling.snapshot) == settling.snapshot_sha256
    assert not services.report_read(settling).findings
    # (e) accepted and settled: the unused grant (late) and the line above the tolerance to return
    settlement = contracts["return_due"].settlement
    items = {item.kind: item for item in settlement.items.all()}
    assert set(items) == {ReturnKind.UNUSED, ReturnKind.LINE_EXCESS}
    assert items[ReturnKind.UNUSED].amount == Decimal("1080.00")
    assert items[ReturnKind.LINE_EXCESS].amount == Decimal("300.00")
    assert items[ReturnKind.LINE_EXCESS].line.name == "Wynajem sali na spotkania"
    assert items[ReturnKind.UNUSED].due_on < today <= items[ReturnKind.LINE_EXCESS].due_on
    late = {b.item.kind: b for b in item_balances(settlement, as_of=today)}
    assert late[ReturnKind.UNUSED].interest_to_date > Decimal("8.70")  # above the threshold: charged
    assert settlement.computation["total_to_return"] == "1380.00"
    # the interest table of DOMAIN.md §10 and the rule
    assert InterestRate.objects.count() == 7 and InterestRate.objects.get(effective_from=dt.date(2023, 10, 5)).rate \
        == Decimal("14.50")
    assert InterestRule.objects.get().threshold == Decimal("8.70")


def test_the_demo_logins_can_finish_what_the_settlement_part_leaves_to_them():
    from settlements import services
    from settlements.models import ContractState, ReportState, SettlementState
    from settlements.selectors import item_balances
    from workflow.errors import Forbidden

    load()
    contracts = _contracts()
    today = timezone.localdate()
    urzednik, skarbnik, cis = user("urzednik"), user("skarbnik"), user("cis")
    # (a) the officer records the paper contract's signatures and concludes it
    drafted = contracts["drafted"]
    for party in drafted.representatives:
        services.signature_record(contract=drafted, actor=skarbnik if party["key"] == "treasurer" else urzednik,
                                  party_key=party["key"], signer="Podpisujący", signed_on=today.isoformat())
    assert services.contract_sign(drafted, actor=urzednik).state == ContractState.SIGNED
    # (b) the finance officer records the second tranche
    second = contracts["active"].tranches.get(number=2)
    if second.due_on <= today:
        services.tranche_record_payment(second, actor=skarbnik, paid_on=today.isoformat(), amount=str(second.amount))
    # (c) the organisation finishes its report; its editor may not submit it, its administrator does
    report = contracts["report_requested"].reports.get()
    view = services.report_read(report)
    actions = [*view.sections["actions"]["actions"], {"performed": "Osiem biuletynów, serwis aktualny."}]
    services.report_save_section(report=report, actor=user("redaktor"), key="actions", data={"actions": actions},
                                 base_revision=view.revisions["actions"])
    services.report_save_section(report=report, actor=cis, key="declarations", base_revision=None, data={
        "status_unchanged": True, "information_true": True, "procurement_followed": True})
    with pytest.raises(Forbidden):
        services.report_submit(report, actor=user("redaktor"))
    assert services.report_submit(report, actor=cis).state == ReportState.SUBMITTED
    # (d) the finance officer accepts the submitted report
    settling = contracts["settling"].reports.get()
    assert services.report_accept(settling, actor=skarbnik).state == ReportState.ACCEPTED
    # (e) the finance officer records the returns: the late one with interest; the last closes everything
    settlement = contracts["return_due"].settlement
    for balance in item_balances(settlement, as_of=today):
        payment = services.return_record(item=balance.item, actor=skarbnik, paid_on=today.isoformat(),
                                         amount=str(balance.item.amount + balance.interest_to_date))
        assert payment.interest_charged == balance.interest_to_date
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.CLOSED
    contract = contracts["return_due"]
    contract.refresh_from_db()
    assert contract.state == ContractState.PERFORMED


@pytest.mark.parametrize("month_day", [(1, 4), (7, 15)])
def test_the_settlement_part_loads_whatever_the_day(month_day):
    """The part's dates follow the day it is loaded; a task crossing the new year is split by year."""
    from evaluation.demo import _at, _clock
    from offers.demo import demo_context, demo_load
    from settlements.demo import EXPECTED_STATES, SettlementDemo, demo_states

    demo_load(parts=False)
    day = dt.date(timezone.localdate().year + 1, *month_day)
    with _clock(_at(day, 12)):
        SettlementDemo().load(demo_context(day))
        assert demo_states() == EXPECTED_STATES
        contracts = SettlementDemo().contracts()
        assert contracts["active"].task_start < day < contracts["active"].task_end
        for contract in contracts.values():  # the grant is spent within its budget year (u.f.p. art. 221)
            last = max(t.due_on for t in contract.tranches.all())
            assert contract.expenditure_end <= dt.date(last.year, 12, 31)
