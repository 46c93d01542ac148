"""Notifications: written in the transaction of the change, e-mailed after it commits."""

from __future__ import annotations

from django.db import transaction


def notify(*, key: str, recipients, subject: str, body: str, link: str = "") -> None:
    """Owe each recipient one e-mail; `key` (e.g. "competition.7.extend.3") makes it once only."""
    from .models import Notification
    from .tasks import send_notification

    created = []
    for user in recipients:
        if not user.email:
            continue
        notification, was_created = Notification.objects.get_or_create(
            key=f"{key}:{user.pk}", defaults={"recipient": user, "subject": subject, "body": body, "link": link},
        )
        if was_created:
            created.append(notification.pk)
    for pk in created:
        transaction.on_commit(lambda pk=pk: send_notification.delay(pk))
