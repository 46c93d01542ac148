"""An evaluation round taken through the services to the stage a test needs, shared by the
evaluation API tests and the evaluation permission matrix.

The people: the offeror of offer A (`organization` and its `ngo_admin`), the offeror of offer B
(`other_ngo`), the authority's officer and approver, and the committee — a chair, a member, a
member who declares a conflict with offer A, an expert (advisory voice) and a person nominated
by the organisations. A member of another competition's committee sits elsewhere.
"""

from __future__ import annotations

from decimal import Decimal

from competitions.models import AuthorityRole, ChecklistItem
from evaluation import services
from evaluation.models import Award, Committee, FormalCheck, SeatKind, SeatRole
from offers.models import RepresentationRole

from ..factories import (
    AuthorityFactory,
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    UserFactory,
    representative,
    staff,
)

# Each stage includes the ones before it.
STAGES = (
    "formal",  # the formal review started, the committee's seats taken (not yet appointed)
    "defect",  # offer A has a remediable defect recorded
    "remedy_requested",  # … and its offeror is called to remedy it
    "merit",  # both offers accepted, the committee appointed and scoring started; declarations made,
    # except the member's for offer B; the conflicted member declared a conflict with offer A
    "drafted",  # the member saved a complete draft sheet for offer A
    "submitted",  # … and submitted it
    "scored",  # every member scored and submitted: the quorum is reached
    "closed",  # the chair closed scoring
    "decided",  # the chair proposed for A, the approver selected A (less than requested), not B
    "resolved",  # the results are published; A awaits its update
)


class Round:
    def __init__(self, *, authority, officer, approver, organization, ngo_admin):
        self.authority, self.officer, self.approver = authority, officer, approver
        self.organization, self.ngo_admin = organization, ngo_admin
        self.competition = CompetitionFactory(authority=authority, closed=True)
        self.area = self.competition.task_areas.get()
        self.criteria = list(self.area.criteria.order_by("order"))
        self.signed = ChecklistItem.objects.create(
            competition=self.competition, order=1, text="Podpisana przez osoby upoważnione", remediable=True
        )
        self.on_time = ChecklistItem.objects.create(
            competition=self.competition, order=2, text="Złożona w terminie", remediable=False
        )
        self.offer_a = OfferFactory(
            task_area=self.area, organization=organization, submitted=True, created_by=ngo_admin
        )
        self.other_organization = OrganizationFactory()
        self.other_ngo = representative(self.other_organization, RepresentationRole.ADMIN)
        self.offer_b = OfferFactory(task_area=self.area, organization=self.other_organization, submitted=True)
        self.chair, self.member, self.conflicted, self.expert, self.nominee = (
            UserFactory() for _ in range(5)
        )
        self.evaluation = None
        self.stage = None
        # a member of another competition's committee
        self.other_member = UserFactory()
        elsewhere = CompetitionFactory(authority=AuthorityFactory(), closed=True)
        services.seat_add(
            committee=Committee.objects.create(competition=elsewhere),
            actor=staff(elsewhere.authority, AuthorityRole.OFFICER),
            user=self.other_member,
        )

    # --- reading ---------------------------------------------------------------------------------

    @property
    def committee(self) -> Committee:
        return Committee.objects.get(competition=self.competition)

    def check(self, offer):
        return FormalCheck.objects.get(offer=offer)

    def seat(self, user):
        return self.committee.seats.get(user=user)

    def declaration(self, user, offer):
        return self.seat(user).declarations.get(offer=offer)

    def sheet(self, user, offer):
        return self.seat(user).sheets.get(offer=offer)

    def award(self, offer):
        return Award.objects.get(offer=offer)

    def refresh(self):
        self.evaluation.refresh_from_db()
        return self

    # --- stages ------------------------------------------------------------------------------------

    def to(self, stage: str) -> Round:
        target = STAGES.index(stage)
        current = -1 if self.stage is None else STAGES.index(self.stage)
        for index in range(current + 1, target + 1):
            getattr(self, f"_{STAGES[index]}")()
            self.stage = STAGES[index]
        return self

    def record(self, offer, *, signed="met", on_time="met"):
        notes = {"met": "", "na": "", "defect": "Brak podpisu skarbnika"}
        return services.formal_check_record(
            check=self.check(offer),
            actor=self.officer,
            results={self.signed.pk: (signed, notes[signed]), self.on_time.pk: (on_time, notes[on_time])},
        )

    def _formal(self):
        self.evaluation = services.evaluation_start(competition=self.competition, actor=self.officer)
        committee = self.committee
        services.seat_add(committee=committee, actor=self.officer, user=self.chair, role=SeatRole.CHAIR)
        services.seat_add(committee=committee, actor=self.officer, user=self.member)
        services.seat_add(committee=committee, actor=self.officer, user=self.conflicted)
        services.seat_add(
            committee=committee,
            actor=self.officer,
            user=self.expert,
            role=SeatRole.EXPERT,
            kind=SeatKind.EXPERT,
        )
        services.seat_add(
            committee=committee,
            actor=self.officer,
            user=self.nominee,
            kind=SeatKind.NGO_NOMINEE,
            nominated_by_name="Rada Działalności Pożytku Publicznego",
        )

    def _defect(self):
        self.record(self.offer_a, signed="defect")

    def _remedy_requested(self):
        services.formal_check_request_remedy(
            self.check(self.offer_a),
            actor=self.officer,
            message="Uzupełnij podpis",
            sections=["declarations"],
        )

    def _merit(self):
        check_a = self.check(self.offer_a)
        if check_a.state == "remedy_requested":
            services.formal_check_remedy(check_a, actor=self.ngo_admin)
        for offer in (self.offer_a, self.offer_b):
            self.record(offer)
            services.formal_check_accept(self.check(offer), actor=self.officer)
        if self.committee.state == "forming":  # a test may have appointed it already
            services.committee_appoint(
                self.committee, actor=self.officer, appointment_reference="Zarządzenie 7/2027"
            )
        self.evaluation = services.evaluation_start_merit_review(self.evaluation, actor=self.officer)
        services.declaration_make(
            self.declaration(self.conflicted, self.offer_a),
            actor=self.conflicted,
            impartial=False,
            ground="Brat prezesa",
        )
        for user, offers in (
            (self.chair, (self.offer_a, self.offer_b)),
            (self.member, (self.offer_a,)),
            (self.nominee, (self.offer_a, self.offer_b)),
            (self.conflicted, (self.offer_b,)),
            (self.expert, (self.offer_a,)),
        ):
            for offer in offers:
                services.declaration_make(self.declaration(user, offer), actor=user, impartial=True)

    def scores(self, points) -> dict:
        return {
            c.pk: {"points": str(min(Decimal(points), c.max_points)), "comment": "Uzasadnienie"}
            for c in self.criteria
        }

    def score(self, user, offer, points, submit=True):
        services.scores_save(seat=self.seat(user), offer=offer, actor=user, scores=self.scores(points))
        if submit:
            services.sheet_submit(self.sheet(user, offer), actor=user)

    def _drafted(self):
        self.score(self.member, self.offer_a, 8, submit=False)

    def _submitted(self):
        services.sheet_submit(self.sheet(self.member, self.offer_a), actor=self.member)

    def _scored(self):
        for user in (self.chair, self.nominee):
            self.score(user, self.offer_a, 9)
            self.score(user, self.offer_b, 4)
        self.score(self.conflicted, self.offer_b, 5)

    def _closed(self):
        self.evaluation = services.evaluation_close_scoring(
            self.evaluation, actor=self.chair, signed_by="A, B, C"
        )

    def _decided(self):
        award_a = self.award(self.offer_a)
        services.award_propose(
            award_a, actor=self.chair, amount="25000", cut_reason="Zawyżone koszty szkoleń"
        )
        services.award_decide(award_a, actor=self.approver, select=True, amount="25000")
        services.award_decide(
            self.award(self.offer_b), actor=self.approver, select=False, reason="Poniżej progu"
        )

    def _resolved(self):
        self.evaluation = services.evaluation_resolve(
            self.evaluation, actor=self.approver, decision_reference="Zarządzenie 9/2027"
        )
