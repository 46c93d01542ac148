from celery import shared_task


@shared_task
def expire_remedies() -> list[int]:
    from .services import formal_checks_expire

    return formal_checks_expire()


@shared_task
def expire_updates() -> list[int]:
    from .services import updates_expire

    return updates_expire()
