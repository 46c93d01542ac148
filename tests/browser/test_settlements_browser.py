"""The final report and the settlement in real Chromium.

An organisation files its final report: a document typed in takes more from the grant than a cost
line allows, and the page flags that very line with its label and the excess in złoty; a list of
documents imported from a CSV file has an invoice without its payment date, shown as a problem at
that document's row; the organisation fixes it, completes the parts and submits. A finance
officer then records the returns of a settlement whose deadlines have passed: the interest as for
tax arrears is shown and charged, the last return closes the settlement and the contract is
performed.

axe-core finds no serious or critical WCAG 2.1 A/AA violation on the report form, the finance
dashboard and the settlement page, and the report form is usable 375 px wide (the page never
scrolls sideways; the cost table scrolls inside its own box).

The contracts are built with tests/settlements/builders.py through the services. The days after
the task's end are reached by patching `django.utils.timezone.now` (evaluation.demo._clock), for
the services called here and for the live server alike (one process), as tests/settlements does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation.demo import _clock
from offers.form import money
from settlements import services
from settlements.models import ContractState, ReportKind, ReportState, ReturnKind, SettlementState
from workflow.calendar import WARSAW

from ..settlements.builders import awarded_contract, interest_table
from .conftest_officer_helpers import axe_serious, close, log_in, new_page, shoot

PASSWORD = "correct horse battery"  # noqa: S105 - the factories' password of every test user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=WARSAW)


def _ended(authority, officer, approver, finance):
    """Fundacja Beta's contract (40 000 zł, paid), its task ended: the final report is requested."""
    interest_table()
    built = awarded_contract(authority, officer, approver, finance)
    with _clock(at(built.contract.task_end + dt.timedelta(days=1), 6)):
        services.contract_end(built.contract, actor=None)
    built.contract.refresh_from_db()
    return built


def _axe(page, where: str, found: dict) -> None:
    violations = axe_serious(page)
    if violations:
        found[where] = violations


def _save_part(page, part: str) -> None:
    """Press a part's “Save” and wait for its status line to say it is saved."""
    page.locator(f"#part-{part} .form-actions button").click()
    status = page.locator(f"#status-{part}")
    status.filter(has_text="Saved").or_(status.filter(has_text="No changes")).wait_for()
    page.wait_for_load_state("networkidle")


def test_ngo_files_the_final_report_with_a_deviation_fixes_a_document_and_submits(
        live_server, browser, screenshot_dir, authority, officer, approver, finance):
    built = _ended(authority, officer, approver, finance)
    contract, ngo = built.contract, built.ngo
    report = contract.reports.get(kind=ReportKind.FINAL)
    lines = list(contract.lines.filter(is_active=True).order_by("position"))
    # the smaller line goes above the tolerance (125% of it stays within the grant); the other is the split's
    first, second = sorted(lines, key=lambda line: line.grant_part)[:2]
    over = (first.grant_part * Decimal("1.25")).quantize(Decimal("0.01"))  # 25% more than planned from the grant
    limit = (first.grant_part * Decimal("1.10")).quantize(Decimal("0.01"))
    excess = over - limit
    spent_on = contract.task_start + dt.timedelta(days=20)
    accessibility: dict[str, list] = {}

    with _clock(at(contract.task_end + dt.timedelta(days=10))):
        page = new_page(browser, live_server.url)
        log_in(page, ngo.username, PASSWORD)
        page.goto(reverse("settlements:contract", args=[contract.pk]))
        page.get_by_role("link", name="Final report", exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text().startswith("Final report")

        # a document typed in: its invoice takes 25% more from the grant than line 1 planned
        page.locator("#doc-new > summary").click()
        form = page.locator("#doc-new form")
        form.get_by_label("Document number").fill("FV 1/2027")
        form.get_by_label("Kind", exact=True).select_option("invoice")
        form.get_by_label("Issued by").fill("Centrum Szkoleniowe Sp. z o.o.")
        form.get_by_label("What for").fill("Szkolenia — pierwsza transza")
        form.get_by_label("Issued on").fill(spent_on.isoformat())
        form.get_by_label("Paid on").fill(spent_on.isoformat())
        form.get_by_label("Gross amount (zł)").fill(str(over).replace(".", ","))
        form.get_by_label("Part 1: cost line").select_option(str(first.pk))
        form.get_by_label("Part 1: source").select_option("grant")
        form.get_by_label("Part 1: amount").fill(str(over).replace(".", ","))
        form.get_by_role("button", name="Save the document").last.click()
        page.locator("#part-ii-status").filter(has_text="Document 1 (FV 1/2027) is added.").wait_for()

        # the exact line is flagged: its label, and the excess in złoty in that row and under it
        # (htmx settles a swapped element's attributes a moment after its content: wait for the class)
        row = page.locator(f"#f-lines-{first.pk}.line-error")
        row.wait_for()
        assert row.locator("th").inner_text().strip() == first.label
        assert row.locator("td").last.inner_text().strip() == money(excess)
        flag = page.locator(f"#f-lines-{first.pk} + tr.finding-row")
        assert f"Line {first.label}" in flag.inner_text() and f"{money(excess)} above the tolerance" in \
            flag.inner_text()
        for other in (line for line in lines if line.pk != first.pk):
            assert "line-error" not in (page.locator(f"#f-lines-{other.pk}").get_attribute("class") or "")
        summary = page.locator("#report-findings")
        assert f"{money(excess)} above the tolerance" in summary.inner_text()

        # the rest of the list imported from a CSV file: one invoice lacks the day it was paid
        csv = ("number;kind;issuer;issued on;paid on;amount;line;source;share\n"
               f"FV 2/2027;invoice;Drukarnia;{spent_on:%d.%m.%Y};;1000,00;{second.label};grant;1000,00\n"
               f"RACH 3/2027;bill;Koordynator;{spent_on:%d.%m.%Y};{spent_on:%d.%m.%Y};500,00;{second.label};"
               "own_financial;500,00\n")
        page.locator("#import > summary").click()
        page.set_input_files("#id_file", files=[{"name": "zestawienie.csv", "mimeType": "text/csv",
                                                 "buffer": csv.encode("utf-8")}])
        with page.expect_navigation():
            page.get_by_role("button", name="Import", exact=True).click()
        assert "2 documents are imported." in page.content()
        problem = page.locator("#f-documents-2 + tr.finding-row")
        assert "Document 2 (FV 2/2027): give the date it was paid." in problem.inner_text()
        assert "line-error" in (page.locator("#f-documents-2").get_attribute("class") or "")
        assert page.locator("#f-documents-3 + tr.finding-row").count() == 0
        summary_link = page.locator("#report-findings a[href='#f-documents-2']")
        assert "give the date it was paid" in summary_link.inner_text()
        _axe(page, "report form with problems", accessibility)
        shoot(page, screenshot_dir, "report-problems-1280")

        # fixed at the document: its payment date added
        page.locator("#f-documents-2").get_by_role("link", name="Edit").click()
        page.get_by_label("Paid on").fill((spent_on + dt.timedelta(days=3)).isoformat())
        with page.expect_navigation():
            page.get_by_role("button", name="Save the document").last.click()
        assert "Document 2 (FV 2/2027) is saved." in page.content()
        assert page.locator("#f-documents-2 + tr.finding-row").count() == 0
        assert "give the date it was paid" not in page.locator("#report-findings").inner_text()

        # part I and the declarations, each part saved as typed
        page.get_by_label("How the task was performed").fill("Zadanie wykonano; szkolenia droższe niż planowano.")
        for field in page.get_by_label("Level achieved").all():
            field.fill("100%")
        _save_part(page, "results")
        for field in page.get_by_label("What was done and when").all():
            field.fill("Zrealizowano w terminie.")
        _save_part(page, "actions")
        for checkbox in page.locator("#part-declarations input[type=checkbox]").all():
            checkbox.check()
        _save_part(page, "declarations")
        page.reload()
        assert "The figures add up and every part is complete." in page.locator("#report-findings").inner_text()
        assert f"{money(excess)} above the tolerance" in page.locator("#report-findings").inner_text()
        # submitting is confirmed first: the button that acts opens under its <details>
        page.locator("#submit-confirm > summary").filter(has_text="Submit the report").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Yes, submit the report").click()
        assert "The report is submitted; the authority verifies it now." in page.content()
        assert "submitted, being verified" in page.locator(".status-line").inner_text()
        close(page)

    report.refresh_from_db()
    contract.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and contract.state == ContractState.SETTLING
    flagged = [flag["key"] for flag in report.snapshot["flags"]]
    assert flagged == [f"lines.{first.pk}"]
    assert not accessibility, f"axe-core found serious WCAG 2.1 AA violations: {accessibility}"


def _settled(authority, officer, approver, finance):
    """A contract whose report was accepted and settlement concluded: the unused grant and a line
    above the tolerance to return; returns are late from the moment they are recorded below."""
    built = _ended(authority, officer, approver, finance)
    contract, ngo = built.contract, built.ngo
    report = contract.reports.get(kind=ReportKind.FINAL)
    sections = contract.terms["sections"]
    first = min(contract.lines.all(), key=lambda line: line.grant_part)  # 120% of it stays within the grant
    over = (first.grant_part * Decimal("1.2")).quantize(Decimal("0.01"))
    paid_on = contract.task_start + dt.timedelta(days=10)
    with _clock(at(contract.task_end + dt.timedelta(days=8))):
        services.report_save_section(report=report, actor=ngo, key="results", base_revision=0, data={
            "description": "Zrealizowano.",
            "indicators": [{"achieved": "100%"} for _ in sections["results"]["indicators"]]})
        services.report_save_section(report=report, actor=ngo, key="actions", base_revision=0, data={
            "actions": [{"performed": "W terminie"} for _ in sections["schedule"]["actions"]]})
        services.report_save_section(report=report, actor=ngo, key="declarations", base_revision=0, data={
            "status_unchanged": True, "information_true": True, "procurement_followed": True})
        services.document_save(report=report, actor=ngo, data={
            "number": "FV 1/2027", "kind": "invoice", "issued_on": paid_on.isoformat(),
            "paid_on": paid_on.isoformat(), "amount": str(over),
            "shares": [{"line": first.pk, "source": "grant", "amount": str(over)}]})
        report = services.report_submit(report, actor=ngo)
    with _clock(at(contract.task_end + dt.timedelta(days=20))):
        services.report_accept(report, actor=finance, note="Bez uwag")
        settlement = services.settlement_compute(contract.settlement, actor=finance)
        settlement = services.settlement_conclude(settlement, actor=finance)
    assert settlement.state == SettlementState.RETURN_DUE
    return built, settlement


def test_finance_officer_records_late_returns_with_interest_and_closes_the_settlement(
        live_server, browser, screenshot_dir, authority, officer, approver, finance):
    built, settlement = _settled(authority, officer, approver, finance)
    contract = built.contract
    items = {item.kind: item for item in settlement.items.all()}
    # paid wholly from the grant, the line also lowered the own contribution's share (DOMAIN.md §10 step 3)
    assert set(items) == {ReturnKind.UNUSED, ReturnKind.LINE_EXCESS, ReturnKind.SHARE_EXCESS}
    today = max(item.due_on for item in items.values()) + dt.timedelta(days=40)
    accessibility: dict[str, list] = {}

    with _clock(at(today)):
        page = new_page(browser, live_server.url)
        log_in(page, finance.username, PASSWORD)
        page.goto(reverse("settlements:dashboard", args=[authority.pk]))
        assert page.get_by_role("heading", level=1).is_visible()
        _axe(page, "finance dashboard", accessibility)
        shoot(page, screenshot_dir, "finance-dashboard-1280")
        page.get_by_role("link", name=contract.number).last.click()
        assert page.get_by_role("heading", name="Settlement of the grant").is_visible()
        _axe(page, "settlement page", accessibility)
        shoot(page, screenshot_dir, "settlement-return-due-1280")

        for kind in (ReturnKind.UNUSED, ReturnKind.LINE_EXCESS, ReturnKind.SHARE_EXCESS):
            item = items[kind]
            card = page.locator(f"#item-{item.pk}")
            facts = card.locator("dl.facts")
            assert "late" in facts.inner_text()
            interest = services.calc.interest(item.amount, item.interest_from, today,
                                              *services.rates_and_rules(today))[0]
            if kind == ReturnKind.UNUSED:
                assert interest > Decimal("8.70")  # above the threshold: interest is charged
            assert money(interest) in facts.inner_text()  # interest to date, shown before recording
            assert card.get_by_label("Paid on").input_value() == today.isoformat()
            card.get_by_label("Payment reference").fill(f"WB/{today:%Y/%m}/{item.pk}")
            with page.expect_navigation():
                card.get_by_role("button", name="Record the return").click()
            message = page.locator(".messages").filter(has_text="is recorded")
            assert f"(interest charged {money(interest)})" in message.inner_text()
            paid = page.locator(f"#item-{item.pk} table")
            assert money(interest) in paid.inner_text() and today.strftime("%d.%m.%Y") in paid.inner_text()
        assert "Everything is returned: the settlement is closed." in page.content()
        assert "closed" in page.locator(".status-line").inner_text()
        shoot(page, screenshot_dir, "settlement-closed-1280")

        # on a phone: the page never scrolls sideways (the returns recorded scroll in their own box)
        # and an amount in a heading is never broken at its thousands space
        settlement_url = page.url
        page.set_viewport_size({"width": 375, "height": 800})
        page.reload()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the settlement page scrolls sideways by {overflow}px at 375px"
        assert page.evaluate("""() => [...document.querySelectorAll('h3 .amount, dl.facts .amount')]
            .every(e => e.getClientRects().length === 1)""")
        shoot(page, screenshot_dir, "settlement-closed-375")
        # the list of contracts in Polish (the longest state names): no sideways scroll either
        page.context.add_cookies([{"name": "django_language", "value": "pl", "url": live_server.url}])
        page.goto(reverse("settlements:contract_list"))
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the list of contracts scrolls sideways by {overflow}px at 375px"
        page.context.clear_cookies()
        log_in(page, finance.username, PASSWORD)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(settlement_url)

        page.get_by_role("link", name=f"Contract {contract.number}").first.click()
        assert "performed and settled" in page.locator(".status-line").inner_text()
        close(page)

    settlement.refresh_from_db()
    contract.refresh_from_db()
    assert settlement.state == SettlementState.CLOSED and contract.state == ContractState.PERFORMED
    charged = sum((p.interest_charged for item in items.values() for p in item.payments.all()), Decimal("0"))
    assert charged > 0
    assert not accessibility, f"axe-core found serious WCAG 2.1 AA violations: {accessibility}"


def test_the_report_form_is_usable_on_a_phone(live_server, browser, screenshot_dir, authority, officer, approver,
                                               finance):
    built = _ended(authority, officer, approver, finance)
    contract, ngo = built.contract, built.ngo
    report = contract.reports.get(kind=ReportKind.FINAL)
    first = contract.lines.order_by("position").first()
    spent_on = contract.task_start + dt.timedelta(days=5)
    over = (first.grant_part * Decimal("1.3")).quantize(Decimal("0.01"))
    with _clock(at(contract.task_end + dt.timedelta(days=5))):
        services.document_save(report=report, actor=ngo, data={
            "number": "FV 12/2027/ZAGŁĘBIE/SZKOLENIA", "kind": "invoice", "issuer": "Centrum Szkoleniowe Sp. z o.o.",
            "description": "Szkolenia dla wolontariuszy i koordynatorów — cykl jesienny",
            "issued_on": spent_on.isoformat(), "paid_on": spent_on.isoformat(), "amount": str(over),
            "shares": [{"line": first.pk, "source": "grant", "amount": str(over)}]})
        page = new_page(browser, live_server.url, width=375)
        log_in(page, ngo.username, PASSWORD)
        page.goto(reverse("settlements:report", args=[report.pk]))
        violations = axe_serious(page)
        shoot(page, screenshot_dir, "report-form-375")
        # the page body never scrolls sideways; the wide cost table scrolls inside its own box
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the report form scrolls sideways by {overflow}px at 375px"
        wrap = page.locator("table.costs").locator("xpath=..")
        assert wrap.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
        assert wrap.evaluate("e => e.clientWidth") <= 375
        # every field and button of the form lies within the screen, and can be used there
        outside = page.evaluate("""() => [...document.querySelectorAll(
                'main input:not([type=hidden]), main select, main textarea, main button:not([hidden])')]
            .filter(e => e.offsetParent !== null && !e.closest('.table-wrap'))
            .map(e => [e.id || e.name || e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([_n, r]) => r.left < -1 || r.right > window.innerWidth + 1).map(([n]) => n)""")
        assert not outside, f"outside the 375px screen: {outside}"
        field = page.get_by_label("How the task was performed")
        field.fill("Zadanie wykonano.")
        _save_part(page, "results")
        flag = page.locator(f"#f-lines-{first.pk} + tr.finding-row")
        assert f"Line {first.label}" in flag.inner_text()
        # a part too long to save (pasted, > 200 kB): the reason in its status line, the page and the
        # text stay (the refused answer never replaces the page)
        forms = page.locator("main form").count()
        pasted = "Informacja dodatkowa. " * 10_000
        page.locator("#f-other-information").fill(pasted)
        page.locator("#status-other").filter(has_text="This part is too long to save").wait_for()
        assert page.locator("main form").count() == forms
        assert page.locator("#f-other-information").input_value() == pasted
        close(page)
    assert services.report_read(report).sections["results"]["description"] == "Zadanie wykonano."
    assert "other" not in services.report_read(report).sections
    assert not violations, f"axe-core found serious WCAG 2.1 AA violations on the report form at 375px: {violations}"
