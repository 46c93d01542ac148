"""The pages of contracts, reports and settlement, through the test client as people use them:
each page for the right role, 404 for anyone else, 403 for a visible but forbidden action, 409
for the wrong state, bad input back at its field with what was typed, query budgets that hold
with one row and with many, and the NGO's report and the finance officer's returns walked
through the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from evaluation.models import Award
from offers.form import money
from settlements import services
from settlements.models import (
    Contract,
    ContractLine,
    ContractState,
    ReportKind,
    ReportState,
    SettlementState,
    Tranche,
)
from workflow.calendar import WARSAW

from ..factories import OfferFactory
from .builders import awarded_contract, interest_table

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


@pytest.fixture
def built(authority, officer, approver, finance):
    return awarded_contract(authority, officer, approver, finance)


@pytest.fixture
def draft(authority, officer, approver, finance):
    return awarded_contract(authority, officer, approver, finance, sign=False)


def end_task(contract: Contract):
    with mock.patch("django.utils.timezone.now", return_value=at(contract.task_end + dt.timedelta(days=1))):
        services.check_deadlines()
    contract.refresh_from_db()
    return contract.reports.get(kind=ReportKind.FINAL)


def login(client, user):
    client.force_login(user)
    return client


def clone_contracts(contract: Contract, n: int) -> list[Contract]:
    """More contracts like `contract` (rows only: for the query budgets of the lists)."""
    made = []
    for index in range(n):
        offer = OfferFactory(task_area=contract.award.offer.task_area, organization=contract.organization)
        award = Award.objects.create(offer=offer, decided_amount=contract.grant)
        copy = Contract.objects.create(
            award=award, authority=contract.authority, organization=contract.organization,
            number=f"{contract.number}-{index}", title=contract.title, form=contract.form,
            task_start=contract.task_start, task_end=contract.task_end, expenditure_start=contract.expenditure_start,
            expenditure_end=contract.expenditure_end, grant=contract.grant, total_cost=contract.total_cost,
            bank_account=contract.bank_account, tolerance_pct=contract.tolerance_pct, return_due=contract.return_due,
            representatives=contract.representatives, terms=contract.terms, created_by=contract.created_by)
        for line in contract.lines.all():
            ContractLine.objects.create(contract=copy, position=line.position, label=line.label, group=line.group,
                                        name=line.name, value=line.value, grant_part=line.grant_part)
        Tranche.objects.create(contract=copy, number=1, due_on=contract.task_start, amount=contract.grant)
        made.append(copy)
    return made


def fill_report(client, report, lines):
    """Parts I and III and the declarations, saved through the pages as an htmx autosave."""
    contract = report.contract
    indicators = contract.terms["sections"]["results"]["indicators"]
    actions = contract.terms["sections"]["schedule"]["actions"]
    url = lambda key: reverse("settlements:part_save", args=[report.pk, key])  # noqa: E731
    data = {"base_revision": "0", "description": "Zrealizowano wszystkie działania."}
    data.update({f"indicators.{i}.achieved": "100%" for i in range(len(indicators))})
    assert client.post(url("results"), data, **HX).status_code == 200
    data = {"base_revision": "0", **{f"actions.{i}.performed": "Zrobione w terminie" for i in range(len(actions))}}
    assert client.post(url("actions"), data, **HX).status_code == 200
    data = {"base_revision": "0", "status_unchanged": "1", "information_true": "1", "procurement_followed": "1"}
    assert client.post(url("declarations"), data, **HX).status_code == 200


def document_post(line, amount: str, paid_on: dt.date, number: str = "FV 1/2027", source: str = "grant") -> dict:
    return {"number": number, "kind": "invoice", "issued_on": paid_on.isoformat(), "paid_on": paid_on.isoformat(),
            "amount": amount, "share_rows": "3", "shares.0.line": str(line.pk), "shares.0.source": source,
            "shares.0.amount": amount}


# --- the contract ---------------------------------------------------------------------------------------------


def test_contract_page_for_each_role_and_404_for_others(client, built, officer, finance, approver, other_ngo_user,
                                                        stranger):
    contract = built.contract
    url = reverse("settlements:contract", args=[contract.pk])
    for user in (officer, finance, approver, built.ngo):
        response = login(client, user).get(url)
        assert response.status_code == 200, user
        assert contract.number in response.content.decode()
    # staff see the audit trail, the organisation does not
    assert "settlements.contract.draft" in login(client, officer).get(url).content.decode()
    assert "settlements.contract.draft" not in login(client, built.ngo).get(url).content.decode()
    for user in (other_ngo_user, stranger):
        assert login(client, user).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_contract_list_and_nav(client, built, officer, finance, other_ngo_user):
    url = reverse("settlements:contract_list")
    page = login(client, built.ngo).get(url).content.decode()
    assert built.contract.number in page
    assert reverse("settlements:contract_list") in page  # "Contracts and reports" in the navigation
    assert built.contract.number not in login(client, other_ngo_user).get(url).content.decode()
    page = login(client, finance).get(url).content.decode()
    assert built.contract.number in page
    assert reverse("settlements:dashboard", args=[built.contract.authority_id]) in page


def test_contract_list_queries_do_not_grow_with_contracts(client, built, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("settlements:contract_list")
    login(client, built.ngo)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    clone_contracts(built.contract, 6)
    with django_assert_max_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert page.count("badge-contract-") == 7


def test_officer_drafts_the_contract_from_a_ready_award(client, authority, officer, approver, finance):
    from evaluation import services as evaluation_services
    from evaluation.models import AwardState

    from ..evaluation.builders import scored_competition

    scored = scored_competition(authority, officer, approver)
    evaluation_services.evaluation_resolve(scored.evaluation, actor=approver, decision_reference="Zarządzenie 9/2027")
    award = scored.offers[1].award
    award.refresh_from_db()
    assert award.state == AwardState.READY_FOR_CONTRACT
    page = login(client, officer).get(reverse("settlements:contract_list")).content.decode()
    assert reverse("settlements:contract_draft", args=[award.pk]) in page
    # the finance officer sees the award but may not draft: 403
    assert login(client, finance).post(reverse("settlements:contract_draft", args=[award.pk])).status_code == 403
    response = login(client, officer).post(reverse("settlements:contract_draft", args=[award.pk]))
    contract = Contract.objects.get(award=award)
    assert response.status_code == 302 and response.url == reverse("settlements:contract", args=[contract.pk])
    # a second time: no second contract, a message instead
    response = client.post(reverse("settlements:contract_draft", args=[award.pk]), follow=True)
    assert Contract.objects.filter(award=award).count() == 1
    assert "already has a contract" in response.content.decode() or "not drafted" in response.content.decode()
    assert client.post(reverse("settlements:contract_draft", args=[999999])).status_code == 404


def test_terms_bad_input_is_shown_at_the_field_and_kept(client, draft, officer):
    contract = draft.contract
    url = reverse("settlements:contract_terms", args=[contract.pk])
    login(client, officer)
    post = {"title": contract.title, "task_start": "31.02.2027", "task_end": contract.task_end.isoformat(),
            "expenditure_start": contract.expenditure_start.isoformat(),
            "expenditure_end": contract.expenditure_end.isoformat(), "payment_mode": "tranches",
            "bank_account": contract.bank_account, "tolerance_pct": "dziesięć",
            "return_due": contract.return_due.isoformat(), "tranches_rows": "2",
            "tranches.0.due_on": contract.task_start.isoformat(), "tranches.0.amount": "20 000,00",
            "tranches.1.due_on": "2027-06-01", "tranches.1.amount": "20 000 zł abc"}
    response = client.post(url, post)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="t-task_start-error"' in page and "31.02.2027" in page
    assert 'id="t-tolerance_pct-error"' in page and "dziesięć" in page
    assert 'id="t-tranches-1-amount-error"' in page and "20 000 zł abc" in page
    contract.refresh_from_db()
    assert contract.tolerance_pct == Decimal("10.00")
    # adding a row keeps what was typed and saves nothing
    response = client.post(url, {**post, "_add_tranche": "1"})
    assert response.status_code == 200
    assert response.content.decode().count('name="tranches.') == 3 * 2
    # good input: two tranches that add up to the grant
    post.update({"task_start": contract.task_start.isoformat(), "tolerance_pct": "15", "tranches.1.amount": "20000"})
    response = client.post(url, post)
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.tolerance_pct == Decimal("15.00") and contract.tranches.count() == 2
    # huge input does not break anything
    response = client.post(url, {**post, "title": "x" * 100_000, "tranches_rows": "100000"})
    assert response.status_code in (302, 400)


def test_signatures_and_conclusion_through_the_page(client, draft, officer, finance):
    contract = draft.contract
    page_url = reverse("settlements:contract", args=[contract.pk])
    conclude = reverse("settlements:contract_conclude", args=[contract.pk])
    # not signed yet: concluding is refused with the reasons (409)
    response = login(client, officer).post(conclude, {})
    assert response.status_code == 409
    assert "Not yet signed by" in response.content.decode()
    sign = reverse("settlements:contract_signature", args=[contract.pk])
    # bad date at its field, what was typed kept
    response = client.post(sign, {"party_key": "authority", "sig-authority-signer": "Wójt",
                                  "sig-authority-signed_on": "wczoraj"})
    assert response.status_code == 400
    assert "wczoraj" in response.content.decode() and "is not a date" in response.content.decode()
    response = login(client, draft.ngo).post(sign, {"party_key": "organization",
                                                    "sig-organization-signer": "Beata Prezes",
                                                    "sig-organization-signed_on": dt.date.today().isoformat()})
    assert response.status_code == 302
    # the organisation may not sign for the authority: 403
    response = client.post(sign, {"party_key": "authority", "sig-authority-signer": "X",
                                  "sig-authority-signed_on": dt.date.today().isoformat()})
    assert response.status_code == 403
    login(client, officer)
    assert client.post(reverse("settlements:contract_send", args=[contract.pk])).status_code == 302
    client.post(sign, {"party_key": "authority", "sig-authority-signer": "Wójt",
                       "sig-authority-signed_on": dt.date.today().isoformat()})
    # concluding is a step confirmed first: the button that acts is inside a <details> (no JS needed)
    page = client.get(page_url).content.decode()
    box = page[page.index('id="conclude-confirm"'):]
    assert box.index("<summary") < box.index(f'action="{conclude}"') < box.index("Yes, record it as concluded")
    response = client.post(conclude, {})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.SIGNED
    # the terms of a signed contract change only by an annex: 409
    response = client.post(reverse("settlements:contract_terms", args=[contract.pk]), {"title": "Nowy"})
    assert response.status_code == 409
    # the finance officer records the payment: the contract is in force
    tranche = contract.tranches.get()
    pay = reverse("settlements:tranche_pay", args=[contract.pk, tranche.pk])
    assert login(client, draft.ngo).post(pay, {}).status_code == 403
    login(client, finance)
    response = client.post(pay, {f"pay-{tranche.pk}-paid_on": dt.date.today().isoformat(),
                                 f"pay-{tranche.pk}-amount": "1,00"})
    assert response.status_code == 400 and "record it as paid in full" in response.content.decode()
    response = client.post(pay, {f"pay-{tranche.pk}-paid_on": dt.date.today().isoformat(),
                                 f"pay-{tranche.pk}-amount": "40 000,00"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert client.get(page_url).status_code == 200


def test_contract_pdf(client, built, other_ngo_user):
    url = reverse("settlements:contract_pdf", args=[built.contract.pk])
    response = login(client, built.ngo).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert login(client, other_ngo_user).get(url).status_code == 404


def test_annex_proposed_by_the_officer_and_signed_by_both(client, built, officer):
    contract = built.contract
    lines = [line for line in contract.lines.all() if line.is_active]
    url = reverse("settlements:annex_propose", args=[contract.pk])
    login(client, officer)
    post = {"reason": "", "task_start": contract.task_start.isoformat(), "task_end": contract.task_end.isoformat(),
            "expenditure_start": contract.expenditure_start.isoformat(),
            "expenditure_end": contract.expenditure_end.isoformat(), "bank_account": contract.bank_account,
            "tranches_rows": "1", "tranches.0.due_on": contract.tranches.get().due_on.isoformat(),
            "tranches.0.amount": "40000"}
    for index, line in enumerate(lines):
        post[f"lines.{index}.value"] = str(line.value)
        post[f"lines.{index}.grant_part"] = str(line.grant_part)
    post["lines.0.grant_part"] = "abc"
    response = client.post(url, post)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="a-lines-0-grant_part-e"' in page and 'value="abc"' in page and "Say why" in page
    # an annex moves money between the lines; the totals stay as agreed
    post["lines.0.grant_part"] = str(lines[0].grant_part + 1000)
    post["lines.0.value"] = str(lines[0].value + 1000)
    response = client.post(url, post)
    assert response.status_code == 400 and "the total cost stays" in response.content.decode()
    post["lines.1.grant_part"] = str(lines[1].grant_part - 1000)
    post["lines.1.value"] = str(lines[1].value - 1000)
    post["reason"] = "Wyższe koszty doradztwa"
    response = client.post(url, post)
    assert response.status_code == 302
    annex = contract.annexes.get()
    assert list(annex.changes) == ["lines"]
    sign = reverse("settlements:annex_sign", args=[contract.pk, annex.pk])
    today = dt.date.today().isoformat()
    response = client.post(sign, {f"annex-{annex.pk}-signer": "Wójt", f"annex-{annex.pk}-signed_on": today})
    assert response.status_code == 302
    # the officer's side has signed: a second signature is refused (409)
    response = client.post(sign, {f"annex-{annex.pk}-signer": "Wójt", f"annex-{annex.pk}-signed_on": today})
    assert response.status_code == 409
    login(client, built.ngo)
    response = client.post(sign, {f"annex-{annex.pk}-signer": "Beata", f"annex-{annex.pk}-signed_on": today})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.version == 2
    assert contract.lines.get(pk=lines[0].pk).grant_part == lines[0].grant_part + 1000


def test_partial_report_call_and_termination(client, built, officer, approver):
    contract = built.contract
    login(client, officer)
    url = reverse("settlements:partial_request", args=[contract.pk])
    response = client.post(url, {"partial-period_start": "2027-03-01", "partial-period_end": "2027-06-30",
                                 "partial-due_on": dt.date.today().isoformat()})
    assert response.status_code == 400 and "30 days" in response.content.decode()
    due = (dt.date.today() + dt.timedelta(days=45)).isoformat()
    response = client.post(url, {"partial-period_start": "2027-03-01", "partial-period_end": "2027-06-30",
                                 "partial-due_on": due, "partial-note": "Za I półrocze"})
    assert response.status_code == 302
    assert contract.reports.filter(kind=ReportKind.PARTIAL).exists()
    terminate = reverse("settlements:contract_terminate", args=[contract.pk])
    response = client.post(terminate, {"terminate-ground": "", "terminate-reason": "Brak realizacji"})
    assert response.status_code == 400 and "Brak realizacji" in response.content.decode()
    response = client.post(terminate, {"terminate-ground": "agreement", "terminate-reason": "Porozumienie",
                                       "terminate-terminated_on": dt.date.today().isoformat()})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    # a partial report of a terminated contract: wrong state (409)
    response = client.post(url, {"partial-period_start": "2027-03-01", "partial-period_end": "2027-06-30",
                                 "partial-due_on": due})
    assert response.status_code == 409


# --- the report -------------------------------------------------------------------------------------------------


def test_report_form_and_verification_pages_for_each_role(client, built, officer, finance, other_ngo_user, stranger):
    report = end_task(built.contract)
    url = reverse("settlements:report", args=[report.pk])
    page = login(client, built.ngo).get(url).content.decode()
    assert 'data-part-autosave' in page and "Part I" in page
    page = login(client, finance).get(url).content.decode()
    assert "data-part-autosave" not in page and "Clarifications" in page
    for user in (other_ngo_user, stranger):
        assert login(client, user).get(url).status_code == 404
        assert client.post(reverse("settlements:part_save", args=[report.pk, "results"]), {}).status_code == 404


def test_part_autosave_detects_a_conflict_and_keeps_both_versions(client, built):
    report = end_task(built.contract)
    url = reverse("settlements:part_save", args=[report.pk, "other"])
    login(client, built.ngo)
    response = client.post(url, {"base_revision": "0", "information": "Wersja Beaty"}, **HX)
    assert response.status_code == 200 and 'id="rev-other" name="base_revision" value="1"' in response.content.decode()
    # a second representative saved from the same revision 0: refused, both versions shown
    response = client.post(url, {"base_revision": "0", "information": "Wersja Celiny"}, **HX)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Wersja Beaty" in page and "Wersja Celiny" in page and 'name="_overwrite" value="1"' in page
    assert report.sections.get(key="other").data["information"] == "Wersja Beaty"
    # without JavaScript the whole page comes back with what was typed in the form
    response = client.post(url, {"base_revision": "0", "information": "Wersja Celiny"})
    assert response.status_code == 409
    assert "Wersja Celiny</textarea>" in response.content.decode()
    # "use mine" overwrites knowingly
    response = client.post(url, {"base_revision": "0", "_overwrite": "1", "information": "Wersja Celiny"}, **HX)
    assert response.status_code == 200
    assert report.sections.get(key="other").data["information"] == "Wersja Celiny"
    # a missing revision never overwrites blindly
    assert client.post(url, {"information": "Trzecia"}, **HX).status_code == 409
    # huge input: a message, not an error page
    response = client.post(url, {"base_revision": "2", "information": "ż" * 150_000}, **HX)
    assert response.status_code == 400 and "too long" in response.content.decode()
    assert client.post(reverse("settlements:part_save", args=[report.pk, "nope"]), {}).status_code == 404


def test_document_bad_input_is_kept_and_forged_ids_are_404(client, built, authority, officer, approver, finance,
                                                          other_ngo_user):
    contract = built.contract
    report = end_task(contract)
    line = contract.lines.first()
    url = reverse("settlements:document_new", args=[report.pk])
    login(client, built.ngo)
    post = {**document_post(line, "12x3,00", dt.date(2027, 4, 30), number="FV 9/2027"), "paid_on": "2027-04-31"}
    response = client.post(url, post, **HX)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="doc-new-amount-e"' in page and 'value="12x3,00"' in page and 'value="FV 9/2027"' in page
    assert "2027-04-31" in page and not report.documents.exists()
    # more split rows keep what was typed, save nothing
    response = client.post(url, {**post, "_more_rows": "1"}, **HX)
    assert response.status_code == 200 and 'name="shares.5.amount"' in response.content.decode()
    # saved; the table of costs follows at once
    response = client.post(url, document_post(line, "1000,00", dt.date(2027, 4, 10)), **HX)
    assert response.status_code == 200
    document = report.documents.get()
    assert "1 000,00 zł" in response.content.decode()
    # another organisation cannot reach the document, even with the right report's id
    login(client, other_ngo_user)
    assert client.get(reverse("settlements:document_edit", args=[report.pk, document.pk])).status_code == 404
    assert client.post(reverse("settlements:document_remove", args=[report.pk, document.pk])).status_code == 404
    # a document id of another report under this report: 404 too
    login(client, built.ngo)
    assert client.get(reverse("settlements:document_edit", args=[report.pk, 999999])).status_code == 404
    response = client.get(reverse("settlements:document_edit", args=[report.pk, document.pk]))
    assert response.status_code == 200 and 'value="FV 1/2027"' in response.content.decode()
    response = client.post(reverse("settlements:document_edit", args=[report.pk, document.pk]),
                           {**document_post(line, "1000,00", dt.date(2027, 4, 10)), "shares.0.line": "999999"})
    assert response.status_code == 400 and "Choose a cost line" in response.content.decode()
    response = client.post(reverse("settlements:document_remove", args=[report.pk, document.pk]), **HX)
    assert response.status_code == 200 and not report.documents.exists()


def test_documents_import_with_an_error_per_row_and_templates(client, built):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = end_task(built.contract)
    login(client, built.ngo)
    for fmt, kind in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        response = client.get(reverse("settlements:documents_template", args=[fmt]))
        assert response.status_code == 200 and kind in response["Content-Type"]
    assert client.get(reverse("settlements:documents_template", args=["pdf"])).status_code == 404
    bad = "\ufeffnumer;rodzaj\nFV 1;faktura\n".encode()
    response = client.post(reverse("settlements:documents_import", args=[report.pk]),
                           {"file": SimpleUploadedFile("lista.csv", bad, "text/csv")})
    assert response.status_code == 302  # Post/Redirect/Get: a reload does not send the file again
    assert "Nothing was imported" in client.get(response["Location"]).content.decode()
    assert not report.documents.exists()


def test_report_page_queries_do_not_grow_with_documents(client, built, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contract = built.contract
    report = end_task(contract)
    line = contract.lines.first()
    login(client, built.ngo)
    client.post(reverse("settlements:document_new", args=[report.pk]),
                document_post(line, "10,00", dt.date(2027, 4, 1)))
    url = reverse("settlements:report", args=[report.pk])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(2, 26):
        services.document_save(report=report, actor=built.ngo, data={
            "number": f"FV {index}", "kind": "invoice", "issued_on": "2027-04-01", "paid_on": "2027-04-01",
            "amount": "10", "shares": [{"line": line.pk, "source": "grant", "amount": "6"},
                                       {"line": line.pk, "source": "own_financial", "amount": "4"}]})
    with django_assert_max_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert "FV 25" in page


def test_ngo_files_the_final_report_with_a_deviation_and_finance_closes_the_settlement(client, built, finance):
    interest_table()
    contract = built.contract
    report = end_task(contract)
    lines = list(contract.lines.filter(is_active=True))
    first = min(lines, key=lambda line: line.grant_part)  # 120% of it stays within the grant
    login(client, built.ngo)
    report_url = reverse("settlements:report", args=[report.pk])
    # submitting an empty report: refused (409), every problem at its line, nothing lost
    response = client.post(reverse("settlements:report_submit", args=[report.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#f-results-description"' in page and 'href="#f-declarations-information_true"' in page
    fill_report(client, report, lines)
    # the first line takes 20% more from the grant than planned: above the 10% tolerance
    over = (first.grant_part * Decimal("1.2")).quantize(Decimal("0.01"))
    paid_on = contract.expenditure_start + dt.timedelta(days=10)
    response = client.post(reverse("settlements:document_new", args=[report.pk]),
                           document_post(first, str(over), paid_on), **HX)
    assert response.status_code == 200
    page = response.content.decode()
    # the excess is flagged at its exact line of the live table
    row = page[page.index(f'id="f-lines-{first.pk}"'):]
    assert 'class="line-error"' in page[page.index(f'id="f-lines-{first.pk}"') - 40:][:80]
    assert "above the tolerance" in row[:3000]
    assert 'hx-swap-oob="true"' in page  # the summary of findings follows
    response = client.post(reverse("settlements:report_submit", args=[report.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    # the organisation can no longer change it: 409
    response = client.post(reverse("settlements:part_save", args=[report.pk, "other"]),
                           {"base_revision": "0", "information": "po terminie"}, **HX)
    assert response.status_code == 409

    # verification: a clarification with a deadline, the answer, then acceptance
    login(client, finance)
    assert "above the tolerance" in client.get(report_url).content.decode()
    clarify = reverse("settlements:report_clarify", args=[report.pk])
    response = client.post(clarify, {"clarify-question": "Proszę o umowę z doradcą", "clarify-due_on": "jutro"})
    assert response.status_code == 400 and "jutro" in response.content.decode()
    due = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    response = client.post(clarify, {"clarify-question": "Proszę o umowę z doradcą", "clarify-due_on": due})
    assert response.status_code == 302
    decide = reverse("settlements:report_decide", args=[report.pk])
    assert client.post(decide, {"decision": "accept"}).status_code == 409  # wrong state now
    login(client, built.ngo)
    assert "Proszę o umowę z doradcą" in client.get(report_url).content.decode()
    response = client.post(reverse("settlements:report_answer", args=[report.pk]), {"answer-answer": ""})
    assert response.status_code == 400 and "Write the answer" in response.content.decode()
    response = client.post(reverse("settlements:report_answer", args=[report.pk]),
                           {"answer-answer": "Umowa w załączeniu"})
    assert response.status_code == 302
    login(client, finance)
    document = report.documents.get()
    assess = reverse("settlements:document_assess", args=[report.pk, document.pk])
    assert client.post(assess, {f"assess-{document.pk}-reason": ""}).status_code == 302
    assert client.post(decide, {"decision": "reject", "decision-note": ""}).status_code == 400
    assert client.post(decide, {"decision": "accept", "decision-note": "Bez uwag"}).status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.ACCEPTED
    page = login(client, built.ngo).get(report_url).content.decode()
    assert "data-part-autosave" not in page and "Umowa w załączeniu" not in page and "accepted" in page
    login(client, finance)

    # the settlement: computed, the notice sent, each return recorded; then closed and performed
    settlement = contract.settlement
    url = reverse("settlements:settlement", args=[settlement.pk])
    assert client.get(url).status_code == 200
    compute = reverse("settlements:settlement_compute", args=[settlement.pk])
    assert login(client, built.ngo).post(compute).status_code == 403
    assert client.get(url).status_code == 200  # the organisation reads its settlement
    login(client, finance)
    assert client.post(reverse("settlements:settlement_compute", args=[settlement.pk])).status_code == 302
    assert client.post(reverse("settlements:settlement_conclude", args=[settlement.pk])).status_code == 302
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.RETURN_DUE
    page = client.get(url).content.decode()
    assert "line above the tolerance" in page or "tolerance" in page
    # the computation and each item's explanation read as labelled, formatted figures: no raw keys
    for raw in ("charged_to_grant", "agreed_share_pct", "planned_grant", "rule:", "not_paid_out", "Decimal("):
        assert raw not in page
    computation = page[page.index('id="computation"'):]
    assert "Grant received (paid)" in computation and money(contract.grant) in computation
    assert "Agreed share of the grant" in computation and "Tolerance of a cost line" in computation
    assert "Period the grant may be spent" in computation and contract.expenditure_end.strftime("%d.%m.%Y") in \
        computation
    assert "Planned from the grant" in computation and "Above the limit" in computation
    excess_item = settlement.items.get(kind="line_excess")
    card = page[page.index(f'id="item-{excess_item.pk}"'):]
    card = card[:card.index("</article>")]
    assert f'<span class="amount">{money(excess_item.amount)}</span>' in card
    assert "Limit from the grant" in card and "Rule" in card and "tolerance" in card
    items = list(settlement.items.all())
    # the line above the tolerance, the own contribution's share it lowered (DOMAIN.md §10 step 3), the unused rest
    assert {item.kind for item in items} == {"line_excess", "share_excess", "unused"}
    first_item = items[0]
    record = reverse("settlements:return_record", args=[settlement.pk, first_item.pk])
    response = client.post(record, {f"ret-{first_item.pk}-paid_on": "2099-01-01",
                                    f"ret-{first_item.pk}-amount": "dużo"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "dużo" in page and "2099-01-01" in page
    for item in items:
        response = client.post(reverse("settlements:return_record", args=[settlement.pk, item.pk]),
                               {f"ret-{item.pk}-paid_on": dt.date.today().isoformat(),
                                f"ret-{item.pk}-amount": str(item.amount), f"ret-{item.pk}-reference": "przelew"})
        assert response.status_code == 302
    settlement.refresh_from_db()
    contract.refresh_from_db()
    assert settlement.state == SettlementState.CLOSED
    # the returns recorded scroll in their own labelled region, the caption outside it
    page = client.get(url).content.decode()
    region = page[page.index(f'aria-labelledby="item-{first_item.pk}-payments"') - 80:][:400]
    assert 'role="region"' in region and 'tabindex="0"' in region
    assert contract.state == ContractState.PERFORMED
    # a return on a closed settlement: 409
    item = items[0]
    response = client.post(reverse("settlements:return_record", args=[settlement.pk, item.pk]),
                           {f"ret-{item.pk}-paid_on": dt.date.today().isoformat(), f"ret-{item.pk}-amount": "1"})
    assert response.status_code == 409


# --- the finance officer -----------------------------------------------------------------------------------------


def test_dashboard_for_staff_only_and_its_queries(client, built, finance, officer, other_ngo_user,
                                                  django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    authority = built.contract.authority
    url = reverse("settlements:dashboard", args=[authority.pk])
    assert login(client, other_ngo_user).get(url).status_code == 404
    assert login(client, built.ngo).get(url).status_code == 404
    assert client.get(reverse("settlements:dashboard", args=[999999])).status_code == 404
    login(client, finance)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert page.status_code == 200 and "40 000,00 zł" in page.content.decode()
    clone_contracts(built.contract, 5)
    with django_assert_max_num_queries(len(one)):
        assert client.get(url).status_code == 200
    assert login(client, officer).get(url).status_code == 200


def test_ledger_download_for_staff_only(client, built, finance, other_ngo_user):
    url = reverse("settlements:ledger", args=[built.contract.authority_id])
    response = login(client, finance).get(url)
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    assert response.content.startswith(b"PK")
    assert login(client, other_ngo_user).get(url).status_code == 404


# --- what testers found on the pages -------------------------------------------------------------------------


def test_a_refused_autosave_only_updates_its_status_line_and_keeps_the_text(client, built):
    """A part too long to save: the htmx answer is out-of-band pieces only and tells htmx not to swap
    anything else (HX-Reswap: none), so the forms and what was typed stay; without JS the whole page
    comes back with the text in its field and the reason at the part."""
    report = end_task(built.contract)
    url = reverse("settlements:part_save", args=[report.pk, "other"])
    login(client, built.ngo)
    pasted = "Informacja dodatkowa. " * 10_000  # 220 kB
    response = client.post(url, {"base_revision": "0", "information": pasted}, **HX)
    assert response.status_code == 400 and response["HX-Reswap"] == "none"
    page = response.content.decode()
    status = page[page.index('id="status-other"'):]
    assert 'hx-swap-oob="true"' in status[:600] and "Not saved: This part is too long to save" in status[:1200]
    assert "<form" not in page and pasted not in page  # nothing that could replace the field
    assert not report.sections.filter(key="other").exists()
    # a save that succeeds or conflicts answers the same way
    assert client.post(url, {"base_revision": "0", "information": "Krótko"}, **HX)["HX-Reswap"] == "none"
    assert client.post(url, {"base_revision": "0", "information": "Inaczej"}, **HX)["HX-Reswap"] == "none"
    response = client.post(url, {"base_revision": "1", "information": pasted})
    assert response.status_code == 400
    page = response.content.decode()
    assert f">{pasted}</textarea>" in page and "This part is too long to save" in page


def test_document_fields_longer_than_stored_are_refused_not_cut(client, built):
    report = end_task(built.contract)
    line = built.contract.lines.filter(is_active=True).first()
    login(client, built.ngo)
    page = client.get(reverse("settlements:report", args=[report.pk])).content.decode()
    for name, limit in (("number", 100), ("issuer", 300), ("description", 500)):
        field = page[page.index(f'id="doc-new-{name}"'):][:300]
        assert f'maxlength="{limit}"' in field
    paid_on = built.contract.expenditure_start + dt.timedelta(days=3)
    data = {**document_post(line, "100,00", paid_on), "number": "N" * 101, "issuer": "I" * 301,
            "description": "D" * 501}
    response = client.post(reverse("settlements:document_new", args=[report.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "N" * 101 in page and "I" * 301 in page and "D" * 501 in page  # kept whole
    assert "At most 100 characters (you typed 101)." in page and "At most 500 characters" in page
    assert not report.documents.exists()
    # the limits themselves are accepted and stored whole
    data.update(number="N" * 100, issuer="I" * 300, description="D" * 500)
    assert client.post(reverse("settlements:document_new", args=[report.pk]), data).status_code == 302
    document = report.documents.get()
    assert (len(document.number), len(document.issuer), len(document.description)) == (100, 300, 500)
    # a split into more than 50 parts is refused with the reason, not cut to 50
    rows = {"share_rows": "51", **{f"shares.{i}.line": str(line.pk) for i in range(51)},
            **{f"shares.{i}.source": "grant" for i in range(51)}, **{f"shares.{i}.amount": "1" for i in range(51)}}
    data = {**document_post(line, "51,00", paid_on, number="FV 51"), **rows}
    response = client.post(reverse("settlements:document_new", args=[report.pk]), data)
    assert response.status_code == 400
    assert "A document can be split into at most 50 parts." in response.content.decode()
    assert report.documents.count() == 1
    edit = reverse("settlements:document_edit", args=[report.pk, document.pk])
    response = client.post(edit, {**document_initial_post(document, line), "number": "X" * 120})
    assert response.status_code == 400 and "X" * 120 in response.content.decode()
    document.refresh_from_db()
    assert document.number == "N" * 100


def document_initial_post(document, line) -> dict:
    return {"number": document.number, "kind": document.kind, "issuer": document.issuer,
            "issued_on": document.issued_on.isoformat(), "paid_on": document.paid_on.isoformat(),
            "description": document.description, "amount": str(document.amount), "share_rows": "1",
            "shares.0.line": str(line.pk), "shares.0.source": "grant", "shares.0.amount": str(document.amount)}


def test_contract_page_names_parties_and_the_tolerance_in_words(client, draft, officer):
    contract = draft.contract
    url = reverse("settlements:contract", args=[contract.pk])
    page = login(client, officer).get(url).content.decode()
    for key in ("organization", "authority", "treasurer"):
        assert f"({key})" not in page
    assert "(the organisation)" in page and "(the authority)" in page
    label = page[page.index('for="t-tolerance_pct"'):][:200]
    assert "may grow without an annex by (%)" in label and "%%" not in page
    polish = client.get(url, HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    label = polish[polish.index('for="t-tolerance_pct"'):][:200]
    assert "bez aneksu o (%)" in label and "%%" not in polish
    # the IBAN field is wide enough for 32 characters; concluding is confirmed first (without JS too)
    assert 'class="iban" size="34"' in page


def test_report_page_totals_estimate_prefixes_and_confirmations(client, built):
    contract = built.contract
    report = end_task(contract)
    line = min(contract.lines.filter(is_active=True), key=lambda x: x.grant_part)
    login(client, built.ngo)
    paid_on = contract.expenditure_start + dt.timedelta(days=5)
    assert client.post(reverse("settlements:document_new", args=[report.pk]),
                       document_post(line, "1000,00", paid_on)).status_code == 302
    revenue = reverse("settlements:part_save", args=[report.pk, "revenue"])
    response = client.post(revenue, {"base_revision": "0", "bank_interest_earned": "12,50",
                                     "bank_interest_spent": "-2", "revenue_earned": "0", "revenue_spent": "0"}, **HX)
    assert response.status_code == 200
    # the summary names the field of a message that does not name it itself
    assert ("Part II. Other revenue and interest – of which spent on the task: The amount cannot be negative."
            in response.content.decode())
    assert client.post(revenue, {"base_revision": "1", "bank_interest_earned": "12,50", "bank_interest_spent": "2",
                                 "revenue_earned": "0", "revenue_spent": "0"}, **HX).status_code == 200
    page = client.get(reverse("settlements:report", args=[report.pk])).content.decode()
    # the estimate of what the settlement will return: the grant not charged so far and unspent interest
    unused = contract.grant - Decimal("1000.00")
    summary = page[page.index('id="report-findings"'):page.index('class="page-toc"')]
    assert "Grant not used so far" in summary and money(unused) in summary
    assert "Bank interest not spent on the task" in summary and money(Decimal("10.50")) in summary
    assert "before the authority verifies the report" in summary
    # every column of the cost table is added up
    foot = page[page.index("<tfoot>", page.index('class="costs"')):]
    foot = foot[:foot.index("</tfoot>")]
    assert foot.count('class="num"') == 7 and "<td class=\"num\"></td>" not in foot
    assert money(sum((x.grant_part for x in contract.lines.filter(is_active=True)), Decimal("0"))) in foot
    # removing a document and submitting are confirmed in a <details> (works without JS)
    document = report.documents.get()
    remove = reverse("settlements:document_remove", args=[report.pk, document.pk])
    at_remove = page[:page.index(f'action="{remove}"')]
    assert at_remove.rindex('<details class="confirm">') > at_remove.rindex("<td")
    assert "Yes, remove it" in page
    # the conflict table calls the description as the form does
    from settlements.forms import field_label

    assert field_label("description") == "How the task was performed: the objectives achieved and the actions done"


def test_report_submit_is_confirmed(client, built):
    report = end_task(built.contract)
    login(client, built.ngo)
    lines = list(built.contract.lines.filter(is_active=True))
    fill_report(client, report, lines)
    paid_on = built.contract.expenditure_start + dt.timedelta(days=5)
    client.post(reverse("settlements:document_new", args=[report.pk]), document_post(lines[0], "10,00", paid_on))
    page = client.get(reverse("settlements:report", args=[report.pk])).content.decode()
    box = page[page.index('id="submit-confirm"'):]
    assert box.index("<summary") < box.index(reverse("settlements:report_submit", args=[report.pk]))
    assert "Yes, submit the report" in box


def test_a_refused_import_redirects_so_a_reload_does_not_post_again(client, built):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = end_task(built.contract)
    login(client, built.ngo)
    url = reverse("settlements:documents_import", args=[report.pk])
    bad = "\ufeffnumer;rodzaj\nFV 1;faktura\n".encode()
    response = client.post(url, {"file": SimpleUploadedFile("lista.csv", bad, "text/csv")})
    assert response.status_code == 302 and response["Location"].endswith(f"/reports/{report.pk}/#import")
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and '<details class="panel" id="import" open' in page
    assert "Nothing was imported" not in client.get(response["Location"]).content.decode()  # shown once
    response = client.post(url, {})  # no file chosen
    assert response.status_code == 302
    assert "Nothing was imported" in client.get(response["Location"]).content.decode()
    assert not report.documents.exists()


def test_contract_list_labels_the_competition(client, built, officer):
    page = login(client, officer).get(reverse("settlements:contract_list")).content.decode()
    reference = built.contract.award.offer.competition.reference
    assert f"Competition: {reference}" in page


def test_a_stored_explanation_reads_as_a_table_with_a_plain_fallback():
    from settlements.views_finance import explain

    shown = explain({"documents": [{"no": 2, "number": "FV 2", "grant": "1080.00", "paid_on": "2028-01-03",
                                    "reason": "outside_period"}],
                     "transfer": "2027-03-01", "rule": "grant used contrary to purpose; interest from the day of "
                                                      "the transfer that financed it",
                     "received": "23400.00", "something_new": {"a": "1", "b": ["x", "y"]}, "report": 7})
    rows = dict(shown["rows"])
    assert rows["Grant received (paid)"] == money(Decimal("23400.00"))
    assert rows["Transfer of the grant that financed it"] == "01.03.2027"
    assert rows["Rule"].startswith("grant used contrary to purpose")
    assert rows["something new"] == "a: 1; b: x, y"  # unknown: listed plainly, never a repr
    assert "report" not in rows
    (table,) = shown["tables"]
    assert [str(label) for label, _kind in table["head"]] == ["No.", "Document", "From the grant", "Paid on",
                                                              "Why ineligible"]
    assert [text for text, _kind in table["rows"][0]] == ["2", "FV 2", money(Decimal("1080.00")), "03.01.2028",
                                                          "paid outside the period the grant may be spent"]
