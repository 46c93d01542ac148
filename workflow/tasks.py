from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def send_notification(self, notification_id: int) -> bool:
    """Idempotent: a notification already sent is not sent again."""
    from .models import Notification

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        )
        if notification is None or notification.sent_at is not None:
            return False
        body = notification.body
        if notification.link:
            body += f"\n\n{settings.SITE_URL}{notification.link}"
        try:
            send_mail(notification.subject, body, None, [notification.recipient.email])
        except OSError as exc:
            raise self.retry(exc=exc) from exc
        notification.sent_at = timezone.now()
        notification.save(update_fields=["sent_at"])
    return True
