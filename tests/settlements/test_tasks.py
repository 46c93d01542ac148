"""The settlement stage's beat task, settlements.tasks.check_deadlines, run through Celery (eager
in tests) on a pinned clock: tasks that ended, reports due in 7 days, overdue reports and
returns — idempotent, and a run missed while beat was down is caught up by the next."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail

from config.celery import app
from settlements import services
from settlements.models import ContractState, ReportKind, ReportState, SettlementState
from settlements.tasks import check_deadlines
from workflow.audit import audit_events_for
from workflow.models import Notification

from .test_services import fill_report, invoice, pinned_clock, quick_contract

pytestmark = pytest.mark.django_db

END = dt.date(2027, 12, 15)  # the task's end in the factories; the final report is due on 14 January 2028


@pytest.fixture
def clock():
    yield from pinned_clock()


@pytest.fixture
def run(clock, django_capture_on_commit_callbacks):
    """Run the beat task on `day` (noon in Warsaw), the e-mails sent as after the commit."""

    def run_on(day: dt.date, hour: int = 12) -> dict[str, int]:
        clock.to(day, hour)
        with django_capture_on_commit_callbacks(execute=True):
            return check_deadlines.delay().get()

    return run_on


def _mails(to, words: str) -> list:
    return [m for m in mail.outbox if m.to == [to.email] and words in m.subject]


def test_the_task_is_registered_and_scheduled():
    assert "settlements.tasks.check_deadlines" in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "settlements.tasks.check_deadlines" in scheduled


def test_contracts_past_their_end_are_ended_and_the_final_report_requested(authority, officer, finance, run):
    ending = quick_contract(authority, officer, finance)
    running = quick_contract(authority, officer, finance, terms={
        "task_end": "2027-12-31", "expenditure_end": "2027-12-31", "return_due": "2028-01-31"})
    unpaid = quick_contract(authority, officer, finance, pay=False)  # signed, never started: nothing to end
    assert run(END)["ended"] == 0  # the task runs through its last day
    counts = run(END + dt.timedelta(days=1))
    assert counts["ended"] == 1
    for quick, state in ((ending, ContractState.IMPLEMENTATION_ENDED), (running, ContractState.ACTIVE),
                         (unpaid, ContractState.SIGNED)):
        assert quick.refresh().state == state
    report = ending.contract.reports.get()
    assert (report.kind, report.state, report.due_on) == (ReportKind.FINAL, ReportState.REQUESTED,
                                                          dt.date(2028, 1, 14))
    event = audit_events_for(ending.contract).last()
    assert (event.action, event.actor, event.actor_role) == (
        "settlements.contract.end_implementation", None, "system")
    assert len(_mails(ending.ngo, "Final report due by 14.01.2028")) == 1
    assert Notification.objects.filter(recipient=ending.ngo,
                                       key__startswith=f"report.{report.pk}.requested").count() == 1
    # the next hour's run finds nothing more to do
    assert run(END + dt.timedelta(days=1), hour=13)["ended"] == 0
    assert ending.contract.reports.count() == 1
    assert len(_mails(ending.ngo, "Final report due")) == 1


def test_a_reminder_goes_out_once_7_days_before_the_report_is_due(authority, officer, finance, run):
    quick = quick_contract(authority, officer, finance)
    filed = quick_contract(authority, officer, finance, terms={"task_end": "2027-12-16",
                                                               "expenditure_end": "2027-12-16"})
    run(END + dt.timedelta(days=1))
    run(END + dt.timedelta(days=2))
    report = quick.contract.reports.get()
    # the other organisation files its report early (due on Monday 17 January 2028: 15 January is a Saturday)
    early = filed.contract.reports.get()
    assert early.due_on == dt.date(2028, 1, 17)
    services.report_submit(fill_report(early, filed.ngo), actor=filed.ngo)
    assert run(dt.date(2028, 1, 6))["reminded"] == 0  # 8 days before
    assert run(dt.date(2028, 1, 7))["reminded"] == 1
    run(dt.date(2028, 1, 7), hour=13)
    run(dt.date(2028, 1, 10))
    assert len(_mails(quick.ngo, "Report due by 14.01.2028")) == 1
    assert Notification.objects.filter(key__startswith=f"report.{report.pk}.reminder.").count() == 1
    assert not _mails(filed.ngo, "Report due by")
    assert not Notification.objects.filter(key__startswith=f"report.{early.pk}.reminder.").exists()


def test_a_report_not_filed_by_its_due_date_is_marked_overdue_and_both_sides_told(authority, officer, finance, run):
    quick = quick_contract(authority, officer, finance)
    run(END + dt.timedelta(days=1))
    report = quick.contract.reports.get()
    assert run(report.due_on)["overdue_reports"] == 0  # still due that day
    counts = run(report.due_on + dt.timedelta(days=1))
    assert counts["overdue_reports"] == 1
    report.refresh_from_db()
    assert report.state == ReportState.OVERDUE
    event = audit_events_for(report).last()
    assert (event.action, event.actor_role, event.payload["due_on"]) == (
        "settlements.report.mark_overdue", "system", "2028-01-14")
    assert len(_mails(quick.ngo, "Report overdue")) == 1
    assert len(_mails(finance, f"Report overdue: {quick.contract.number}")) == 1
    assert run(report.due_on + dt.timedelta(days=2))["overdue_reports"] == 0
    assert len(_mails(quick.ngo, "Report overdue")) == 1
    # the officer calls in writing; the organisation may still file it late
    called = services.report_call_in_writing(report, actor=officer, due_on=dt.date(2028, 1, 31))
    assert (called.state, called.written_call_due, called.effective_due) == (
        ReportState.OVERDUE, dt.date(2028, 1, 31), dt.date(2028, 1, 31))


def test_returns_past_their_deadline_are_marked_overdue(authority, officer, finance, run):
    quick = quick_contract(authority, officer, finance)
    run(END + dt.timedelta(days=1))
    report = quick.contract.reports.get()
    line = quick.contract.lines.order_by("position").first()
    fill_report(report, quick.ngo, documents=[invoice("FV 1", dt.date(2027, 6, 1), [
        (line, "grant", "28000.00"), (line, "own_financial", "4000.00")])])
    services.report_accept(services.report_submit(report, actor=quick.ngo), actor=officer)
    settlement = services.settlement_compute(quick.contract.settlement, actor=finance)
    settlement = services.settlement_conclude(settlement, actor=finance)
    item = settlement.items.get()
    assert (item.kind, item.amount, item.due_on) == ("unused", Decimal("2000.00"), dt.date(2027, 12, 30))
    assert run(item.due_on)["overdue_returns"] == 0
    assert run(item.due_on + dt.timedelta(days=1))["overdue_returns"] == 1
    settlement.refresh_from_db()
    assert settlement.state == SettlementState.OVERDUE
    assert audit_events_for(settlement).last().action == "settlements.settlement.mark_overdue"
    assert run(item.due_on + dt.timedelta(days=2))["overdue_returns"] == 0


def test_a_missed_run_is_caught_up_by_the_next(authority, officer, finance, run):
    quick = quick_contract(authority, officer, finance)
    # beat was down from the task's end until 20 January 2028: the one run does everything that fell due
    counts = run(dt.date(2028, 1, 20))
    assert (counts["ended"], counts["overdue_reports"]) == (1, 1)
    assert quick.refresh().state == ContractState.IMPLEMENTATION_ENDED
    report = quick.contract.reports.get()
    # the report is due 30 days after the task's end (art. 18 ust. 1), not 30 days after the late run
    assert (report.due_on, report.state) == (dt.date(2028, 1, 14), ReportState.OVERDUE)
    assert [e.action for e in audit_events_for(report)] == ["settlements.report.request",
                                                           "settlements.report.mark_overdue"]
    assert run(dt.date(2028, 1, 21)) == {"ended": 0, "reminded": 0, "overdue_reports": 0, "overdue_returns": 0}
