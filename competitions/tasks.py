from celery import shared_task


@shared_task
def close_due_submissions() -> list[int]:
    from .services import competition_close_due_submissions

    return competition_close_due_submissions()
