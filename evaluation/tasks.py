"""Celery tasks of the evaluation: thin, idempotent, calling the services (or the exports)."""

from celery import shared_task


@shared_task
def expire_remedies() -> list[int]:
    from .services import formal_checks_expire

    return formal_checks_expire()


@shared_task
def expire_updates() -> list[int]:
    from .services import updates_expire

    return updates_expire()


@shared_task
def export_protocol(evaluation_id: int, requested_by_id: int, job_id: int | None = None) -> int:
    """Write a large protocol into private storage with its progress on an ExportJob and notify
    the requester (evaluation.exports.export_job_run). Returns the job's id; a job already done
    is returned as it is, so a retried task writes nothing twice."""
    from .exports import export_job_run

    return export_job_run(evaluation_id=evaluation_id, requested_by_id=requested_by_id, job_id=job_id).pk
