"""Celery tasks of contracts, reports and settlement: thin, idempotent, calling the services."""

from celery import shared_task


@shared_task
def check_deadlines() -> dict[str, int]:
    """Beat, hourly: tasks ended, reports due in 7 days, overdue reports and returns. Each check
    takes everything past its date, so a run missed while beat was down is caught up by the next."""
    from .services import check_deadlines as run

    return run()
