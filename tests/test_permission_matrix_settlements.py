"""Role × endpoint × stage for contracts, annexes, reports and settlement: who gets what from the API.

One table: each row is an endpoint on a contract taken to a stage through the services (see
STAGES), with the status each role gets. The roles: the authority's officer, approver and finance
officer; the contract's organisation's signatory and an editor of it; another organisation's
administrator; a stranger; anonymous. What a role may not see is 404 whatever the verb (hard
rule 1: another NGO's contract, report or settlement does not exist for it); what it sees but may
not do is 403; what the state does not allow is 409 (the transition engine checks the state
before the role, so in a wrong state every role that sees the object gets 409). A refused request
writes nothing.

The contract is built once per stage; each row, and each role within it, runs in a savepoint that
is rolled back, so that one row's or one role's success cannot change what the next one meets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from offers.models import RepresentationRole
from settlements import services
from settlements.models import (
    Annex,
    Clarification,
    Contract,
    DocumentShare,
    FinancialDocument,
    Report,
    ReportKind,
    ReportSection,
    ReturnItem,
    ReturnPayment,
    Settlement,
    Signature,
    Tranche,
)
from workflow.models import AuditEvent

from .api.support import API, act_as, client, clock
from .api.test_settlements_api import at, ended, filled, invoice, ready_award, report_parts, submitted
from .factories import OrganizationFactory, representative
from .settlements.builders import awarded_contract, interest_table

ROLES = ("anonymous", "stranger", "other_ngo", "ngo", "ngo_editor", "officer", "approver", "finance")
STAFF = ("officer", "approver", "finance")
NGO = ("ngo", "ngo_editor")
VISIBLE = (*STAFF, *NGO)

# Each stage includes the ones before it (but "awarded", which has no contract yet).
STAGES = (
    "awarded",  # the award is ready for the contract; no contract yet
    "drafted",  # the contract drafted, nobody has signed
    "active",  # signed by every party and paid in one sum
    "annex",  # … and the officer proposed an annex
    "ended",  # the task ended (the clock): the final report is requested
    "filled",  # … and the organisation completed it, with one document
    "submitted",  # … and submitted it
    "clarification",  # the officer asked for a clarification
    "accepted",  # the report submitted and accepted: the settlement is open
    "computed",  # the settlement computed: two items to return
    "return_due",  # the notice of return sent
    "overdue",  # the return deadline passed (the clock)
)


def row(default: int, *, anonymous: int = 401, **overrides: int) -> dict[str, int]:
    """Expected status per role: `default` for every role not named (anonymous: 401 unless named)."""
    expected = dict.fromkeys(ROLES, default)
    expected["anonymous"] = anonymous
    for role, code in overrides.items():
        assert role in ROLES, role
        expected[role] = code
    return expected


def for_roles(roles: tuple[str, ...], code: int) -> dict[str, int]:
    return dict.fromkeys(roles, code)


SEEN = for_roles(VISIBLE, 200)  # the authority's staff and the organisation's people see it


@dataclass(frozen=True)
class Endpoint:
    name: str
    stage: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[str, int]
    body: Callable[[World], dict] | None = field(default=None, compare=False)
    format: str = "json"


def today() -> str:
    return timezone.localdate().isoformat()


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def csv_upload(world) -> dict:
    line = world.contract.lines.order_by("position").first()
    day = world.contract.expenditure_start.strftime("%d.%m.%Y")
    text = ("numer dokumentu;rodzaj;data wystawienia;data zapłaty;kwota brutto;pozycja kosztorysu;źródło;"
            f"kwota przypisana\nFV 9/2027;faktura;{day};{day};100,00;{line.label};dotacja;100,00\n")
    return {"file": SimpleUploadedFile("dokumenty.csv", text.encode(), content_type="text/csv")}


def a_document(world) -> dict:
    line = world.contract.lines.order_by("position").first()
    return invoice(line.pk, "500.00", world.contract.expenditure_start + dt.timedelta(days=3), number="FV 7/2027")


PAY = lambda w: {"paid_on": today(), "amount": "40000.00"}  # noqa: E731
TERMINATE = lambda w: {"ground": "agreement", "reason": "Porozumienie stron", "terminated_on": today()}  # noqa: E731
PARTIAL = lambda w: {"period_start": w.contract.task_start.isoformat(),  # noqa: E731
                     "period_end": (w.contract.task_start + dt.timedelta(days=60)).isoformat(), "due_on": in_days(45)}
ANNEX = lambda w: {"contract": w.contract.pk, "reason": "Zmiana miejsca", "changes": {"place": "Sosnowiec"}}  # noqa: E731
SIGN_ANNEX = lambda w: {"signer": "Jan Podpisujący", "signed_on": today()}  # noqa: E731
PART = lambda w: {"data": report_parts(w.contract)["results"], "base_revision": w.revision("results")}  # noqa: E731
DECISION = lambda w: {"decision_reference": "Decyzja FN.1/2028", "decision_on": today()}  # noqa: E731

ENDPOINTS = (
    # --- before the contract ----------------------------------------------------------------------------
    Endpoint("draft the contract", "awarded", "post", "/contracts/", row(404, officer=201, approver=403, finance=403,
                                                                        ngo=403, ngo_editor=403),
             body=lambda w: {"award": w.award.pk}),
    Endpoint("contracts before any", "awarded", "get", "/contracts/", row(200)),
    # --- the draft ------------------------------------------------------------------------------------------
    Endpoint("contract list", "drafted", "get", "/contracts/", row(200)),
    Endpoint("contract", "drafted", "get", "/contracts/{contract}/", row(404, **SEEN)),
    Endpoint("contract transitions", "drafted", "get", "/contracts/{contract}/transitions/", row(404, **SEEN)),
    Endpoint("contract audit", "drafted", "get", "/contracts/{contract}/audit/", row(404, **SEEN)),
    Endpoint("contract pdf", "drafted", "get", "/contracts/{contract}/pdf/", row(404, **SEEN)),
    Endpoint("draft it again", "drafted", "post", "/contracts/", row(404, officer=409, approver=403, finance=403,
                                                                    ngo=403, ngo_editor=403),
             body=lambda w: {"award": w.contract.award_id}),
    Endpoint("set the terms", "drafted", "patch", "/contracts/{contract}/",
             row(404, officer=200, **for_roles((*NGO, "approver", "finance"), 403)),
             body=lambda w: {"tolerance_pct": "15"}),
    Endpoint("record the organisation's signature", "drafted", "post", "/contracts/{contract}/signatures/",
             row(404, officer=201, ngo=201, ngo_editor=403, approver=403, finance=403),
             body=lambda w: {"party_key": "organization", "signer": "Beata Prezes", "signed_on": today()}),
    Endpoint("record the authority's signature", "drafted", "post", "/contracts/{contract}/signatures/",
             row(404, officer=201, ngo=403, ngo_editor=403, approver=403, finance=403),
             body=lambda w: {"party_key": "authority", "signer": "Wójt", "signed_on": today()}),
    Endpoint("send for signature", "drafted", "post", "/contracts/{contract}/send-for-signature/",
             row(404, officer=200, **for_roles((*NGO, "approver", "finance"), 403)), body=lambda w: {}),
    Endpoint("conclude unsigned", "drafted", "post", "/contracts/{contract}/sign/",
             row(404, officer=409, **for_roles((*NGO, "approver", "finance"), 403)), body=lambda w: {}),
    Endpoint("pay a draft", "drafted", "post", "/contracts/{contract}/tranches/{tranche}/pay/",
             row(404, finance=409, **for_roles((*NGO, "approver", "officer"), 403)), body=PAY),
    Endpoint("annex to a draft", "drafted", "post", "/annexes/",
             row(404, officer=409, ngo=409, ngo_editor=403, approver=403, finance=403), body=ANNEX),
    Endpoint("partial report on a draft", "drafted", "post", "/contracts/{contract}/request-partial-report/",
             row(404, officer=409, finance=409, approver=403, **for_roles(NGO, 403)), body=PARTIAL),
    Endpoint("end a draft", "drafted", "post", "/contracts/{contract}/end-implementation/",
             row(404, **for_roles(VISIBLE, 409)), body=lambda w: {}),
    Endpoint("terminate a draft", "drafted", "post", "/contracts/{contract}/terminate/",
             row(404, officer=200, approver=200, finance=403, **for_roles(NGO, 403)), body=TERMINATE),
    # --- in performance -------------------------------------------------------------------------------------
    Endpoint("terms once signed", "active", "patch", "/contracts/{contract}/",
             row(404, officer=409, **for_roles((*NGO, "approver", "finance"), 403)),
             body=lambda w: {"tolerance_pct": "15"}),
    Endpoint("pay twice", "active", "post", "/contracts/{contract}/tranches/{tranche}/pay/",
             row(404, finance=409, **for_roles((*NGO, "approver", "officer"), 403)), body=PAY),
    Endpoint("call for a partial report", "active", "post", "/contracts/{contract}/request-partial-report/",
             row(404, officer=201, finance=201, approver=403, **for_roles(NGO, 403)), body=PARTIAL),
    Endpoint("propose an annex", "active", "post", "/annexes/",
             row(404, officer=201, ngo=201, ngo_editor=403, approver=403, finance=403), body=ANNEX),
    Endpoint("end before the end date", "active", "post", "/contracts/{contract}/end-implementation/",
             row(404, officer=409, finance=409, approver=403, **for_roles(NGO, 403)), body=lambda w: {}),
    Endpoint("dashboard", "active", "get", "/finance/dashboard/?authority={authority}",
             row(404, **for_roles(STAFF, 200))),
    Endpoint("ledger", "active", "get", "/finance/ledger/?authority={authority}", row(404, **for_roles(STAFF, 200))),
    # --- an annex ------------------------------------------------------------------------------------------
    Endpoint("annex", "annex", "get", "/annexes/{annex}/", row(404, **SEEN)),
    Endpoint("annex transitions", "annex", "get", "/annexes/{annex}/transitions/", row(404, **SEEN)),
    Endpoint("annex audit", "annex", "get", "/annexes/{annex}/audit/", row(404, **SEEN)),
    Endpoint("sign the annex", "annex", "post", "/annexes/{annex}/sign/",
             row(404, officer=200, ngo=200, ngo_editor=403, approver=403, finance=403), body=SIGN_ANNEX),
    Endpoint("withdraw the annex", "annex", "post", "/annexes/{annex}/withdraw/",
             row(404, officer=200, ngo=200, ngo_editor=403, approver=403, finance=403), body=lambda w: {}),
    Endpoint("a second annex", "annex", "post", "/annexes/",
             row(404, officer=409, ngo=409, ngo_editor=403, approver=403, finance=403), body=ANNEX),
    # --- the final report -------------------------------------------------------------------------------------
    Endpoint("report list", "ended", "get", "/reports/", row(200)),
    Endpoint("report", "ended", "get", "/reports/{report}/", row(404, **SEEN)),  # another NGO's report: 404
    Endpoint("report transitions", "ended", "get", "/reports/{report}/transitions/", row(404, **SEEN)),
    Endpoint("report audit", "ended", "get", "/reports/{report}/audit/", row(404, **SEEN)),
    Endpoint("save a part", "ended", "put", "/reports/{report}/parts/results/",
             row(404, **for_roles(NGO, 200), **for_roles(STAFF, 403)), body=PART),
    Endpoint("add a document", "ended", "post", "/reports/{report}/documents/",
             row(404, **for_roles(NGO, 201), **for_roles(STAFF, 403)), body=a_document),
    Endpoint("import documents", "ended", "post", "/reports/{report}/documents/import/",
             row(404, **for_roles(NGO, 201), **for_roles(STAFF, 403)), body=csv_upload, format="multipart"),
    Endpoint("submit incomplete", "ended", "post", "/reports/{report}/submit/",
             row(404, ngo=400, ngo_editor=403, **for_roles(STAFF, 403)), body=lambda w: {}),
    Endpoint("accept before submission", "ended", "post", "/reports/{report}/accept/",
             row(404, **for_roles(VISIBLE, 409)), body=lambda w: {}),
    Endpoint("call in writing before the due date", "ended", "post", "/reports/{report}/call-in-writing/",
             row(404, **for_roles(VISIBLE, 409)), body=lambda w: {"due_on": in_days(60)}),
    Endpoint("settlement before the report", "ended", "get", "/settlements/", row(200)),
    Endpoint("submit", "filled", "post", "/reports/{report}/submit/",
             row(404, ngo=200, ngo_editor=403, **for_roles(STAFF, 403)), body=lambda w: {}),
    Endpoint("change a document", "filled", "put", "/reports/{report}/documents/{document}/",
             row(404, **for_roles(NGO, 200), **for_roles(STAFF, 403)), body=a_document),
    Endpoint("remove a document", "filled", "delete", "/reports/{report}/documents/{document}/",
             row(404, **for_roles(NGO, 204), **for_roles(STAFF, 403))),
    Endpoint("assess a cost before submission", "filled", "post", "/reports/{report}/documents/{document}/ineligible/",
             row(404, officer=409, finance=409, approver=403, **for_roles(NGO, 403)),
             body=lambda w: {"reason": "Poza zakresem"}),
    # --- verification -------------------------------------------------------------------------------------------
    Endpoint("save a part once submitted", "submitted", "put", "/reports/{report}/parts/results/",
             row(404, **for_roles(NGO, 409), **for_roles(STAFF, 403)), body=PART),
    Endpoint("add a document once submitted", "submitted", "post", "/reports/{report}/documents/",
             row(404, **for_roles(NGO, 409), **for_roles(STAFF, 403)), body=a_document),
    Endpoint("ask for clarification", "submitted", "post", "/reports/{report}/request-clarification/",
             row(404, officer=200, finance=200, approver=403, **for_roles(NGO, 403)),
             body=lambda w: {"question": "Proszę o kopię faktury.", "due_on": in_days(14)}),
    Endpoint("assess a cost", "submitted", "post", "/reports/{report}/documents/{document}/ineligible/",
             row(404, officer=200, finance=200, approver=403, **for_roles(NGO, 403)),
             body=lambda w: {"reason": "Poza zakresem"}),
    Endpoint("accept", "submitted", "post", "/reports/{report}/accept/",
             row(404, officer=200, finance=200, approver=403, **for_roles(NGO, 403)), body=lambda w: {}),
    Endpoint("reject", "submitted", "post", "/reports/{report}/reject/",
             row(404, officer=200, finance=200, approver=403, **for_roles(NGO, 403)),
             body=lambda w: {"note": "Brak dokumentów"}),
    Endpoint("answer", "clarification", "post", "/reports/{report}/answer/",
             row(404, ngo=200, ngo_editor=403, **for_roles(STAFF, 403)),
             body=lambda w: {"answer": "Kopia w załączeniu."}),
    Endpoint("accept with a question open", "clarification", "post", "/reports/{report}/accept/",
             row(404, **for_roles(VISIBLE, 409)), body=lambda w: {}),
    # --- the settlement --------------------------------------------------------------------------------------
    Endpoint("settlement list", "accepted", "get", "/settlements/", row(200)),
    Endpoint("settlement", "accepted", "get", "/settlements/{settlement}/", row(404, **SEEN)),
    Endpoint("settlement transitions", "accepted", "get", "/settlements/{settlement}/transitions/",
             row(404, **SEEN)),
    Endpoint("settlement audit", "accepted", "get", "/settlements/{settlement}/audit/", row(404, **SEEN)),
    Endpoint("compute", "accepted", "post", "/settlements/{settlement}/compute/",
             row(404, finance=200, **for_roles((*NGO, "officer", "approver"), 403)), body=lambda w: {}),
    Endpoint("conclude before computing", "accepted", "post", "/settlements/{settlement}/conclude/",
             row(404, **for_roles(VISIBLE, 409)), body=lambda w: {}),
    Endpoint("recompute", "computed", "post", "/settlements/{settlement}/compute/",
             row(404, finance=200, **for_roles((*NGO, "officer", "approver"), 403)), body=lambda w: {}),
    Endpoint("conclude", "computed", "post", "/settlements/{settlement}/conclude/",
             row(404, finance=200, **for_roles((*NGO, "officer", "approver"), 403)), body=lambda w: {}),
    Endpoint("record a return before the notice", "computed", "post",
             "/settlements/{settlement}/items/{item}/returns/",
             row(404, finance=409, **for_roles((*NGO, "officer", "approver"), 403)),
             body=lambda w: {"paid_on": today(), "amount": "10.00"}),
    Endpoint("record a return", "return_due", "post", "/settlements/{settlement}/items/{item}/returns/",
             row(404, finance=201, **for_roles((*NGO, "officer", "approver"), 403)),
             body=lambda w: {"paid_on": today(), "amount": "10.00"}),
    Endpoint("decision before the deadline", "return_due", "post", "/settlements/{settlement}/issue-decision/",
             row(404, **for_roles(VISIBLE, 409)), body=DECISION),
    Endpoint("decision", "overdue", "post", "/settlements/{settlement}/issue-decision/",
             row(404, finance=200, approver=200, **for_roles((*NGO, "officer"), 403)), body=DECISION),
    Endpoint("dashboard with returns overdue", "overdue", "get", "/finance/dashboard/",
             row(404, **for_roles(STAFF, 200))),
)


class World:
    """The contract of one stage, built once through the services, and the people."""

    def __init__(self, request, stage: str):
        get = request.getfixturevalue
        authority, officer, approver, finance = (get(name) for name in ("authority", "officer", "approver",
                                                                          "finance"))
        interest_table()
        self.authority, self.award, self.contract = authority, None, None
        if stage == "awarded":
            self.award, ngo = ready_award(authority, officer, approver)
            organization = self.award.offer.organization
        else:
            built = awarded_contract(authority, officer, approver, finance, sign=stage != "drafted")
            self.contract, ngo, organization = built.contract, built.ngo, built.contract.organization
            self._advance(built, STAGES.index(stage))
        self.users = {
            "anonymous": None,
            "stranger": get("stranger"),
            "other_ngo": representative(OrganizationFactory(), RepresentationRole.ADMIN),
            "ngo": ngo,
            "ngo_editor": representative(organization, RepresentationRole.EDITOR),
            "officer": officer,
            "approver": approver,
            "finance": finance,
        }

    def _advance(self, built, stage: int) -> None:
        reached = lambda name: stage >= STAGES.index(name)  # noqa: E731
        if stage == STAGES.index("annex"):
            services.annex_propose(contract=built.contract, actor=built.officer, reason="Zmiana tytułu",
                                   changes={"title": "Centrum Beta 2"})
        if not reached("ended"):
            return
        report = ended(built)
        if reached("filled"):
            filled(built, report)
        if reached("submitted"):
            report = submitted(built, report)
        if stage == STAGES.index("clarification"):
            services.report_request_clarification(report, actor=built.officer, question="Proszę o kopię faktury.",
                                                  due_on=timezone.localdate() + dt.timedelta(days=14))
        if reached("accepted"):
            services.report_accept(report, actor=built.finance)
        if reached("computed"):
            services.settlement_compute(built.contract.settlement, actor=built.finance)
        if reached("return_due"):
            services.settlement_conclude(built.contract.settlement, actor=built.finance)
        if reached("overdue"):
            late = max(item.due_on for item in built.contract.settlement.items.all()) + dt.timedelta(days=2)
            with clock(at(late)):
                services.check_deadlines()

    def revision(self, key: str) -> int:
        section = ReportSection.objects.filter(report__contract=self.contract, key=key).first()
        return section.revision if section else 0

    def ids(self) -> dict[str, int]:
        ids = {"authority": self.authority.pk}
        contract = self.contract
        if contract is None:
            return ids
        ids.update(contract=contract.pk, tranche=contract.tranches.order_by("number").first().pk)
        found = {
            "annex": Annex.objects.filter(contract=contract).order_by("-pk").first(),
            "report": Report.objects.filter(contract=contract, kind=ReportKind.FINAL).first(),
            "document": FinancialDocument.objects.filter(report__contract=contract).order_by("position").first(),
            "settlement": Settlement.objects.filter(contract=contract).first(),
            "item": ReturnItem.objects.filter(settlement__contract=contract).order_by("pk").first(),
        }
        ids.update({key: value.pk for key, value in found.items() if value is not None})
        return ids


def written_state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        sorted(Contract.objects.values_list("pk", "state", "tolerance_pct", "title", "version")),
        sorted(Signature.objects.values_list("pk", "party_key")),
        sorted(Tranche.objects.values_list("pk", "paid_on")),
        sorted(Annex.objects.values_list("pk", "state")),
        sorted(Report.objects.values_list("pk", "state")),
        sorted(ReportSection.objects.values_list("pk", "revision")),
        sorted(FinancialDocument.objects.values_list("pk", "amount", "ineligible_reason")),
        DocumentShare.objects.count(),
        sorted(Clarification.objects.values_list("pk", "answer", "answered_at")),
        sorted(Settlement.objects.values_list("pk", "state")),
        sorted(ReturnItem.objects.values_list("pk", "amount")),
        ReturnPayment.objects.count(),
    )


def _request(endpoint: Endpoint, world: World, ids: dict[str, int], role: str):
    api = act_as(client(), world.users[role])
    url = API + endpoint.path.format_map(ids)
    if endpoint.method == "get":
        return api.get(url)
    body = endpoint.body(world) if endpoint.body else None
    return getattr(api, endpoint.method)(url, body, format=endpoint.format)


def test_every_row_names_a_known_stage():
    assert {e.stage for e in ENDPOINTS} <= set(STAGES)
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)


@pytest.mark.django_db
@pytest.mark.parametrize("stage", sorted({e.stage for e in ENDPOINTS}, key=STAGES.index))
def test_permission_matrix(request, stage):
    world = World(request, stage)
    wrong: dict[str, dict[str, tuple]] = {}
    wrote: dict[str, list[str]] = {}
    for endpoint in (e for e in ENDPOINTS if e.stage == stage):
        with transaction.atomic():
            ids = world.ids()
            for role in ROLES:
                with transaction.atomic():
                    before = written_state()
                    response = _request(endpoint, world, ids, role)
                    if endpoint.expected[role] >= 400 and written_state() != before:
                        wrote.setdefault(endpoint.name, []).append(role)
                    transaction.set_rollback(True)  # the next role meets the same contract
                if response.status_code != endpoint.expected[role]:
                    wrong.setdefault(endpoint.name, {})[role] = (
                        endpoint.expected[role],
                        response.status_code,
                        getattr(response, "content", b"")[:200],
                    )
            transaction.set_rollback(True)  # and so does the next row
    assert wrong == {}, "row: {role: (expected, got, body)}"
    assert wrote == {}, "a refused request changed something"
