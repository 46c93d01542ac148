from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only entry of the audit trail.

    Events of one subject (an offer, a competition, an organisation) form a hash
    chain: `hash` is the SHA-256 of this event's content and `prev_hash`, the hash
    of the subject's previous event. `manage.py verify_audit` recomputes the
    chains; on PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE.
    Written only by workflow.audit.audit_record, in the transaction of the change.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    seq = models.PositiveIntegerField(_("sequence"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("actor"),
    )
    actor_role = models.CharField(_("role"), max_length=60, blank=True)
    action = models.CharField(_("action"), max_length=100)
    source_state = models.CharField(_("from state"), max_length=40, blank=True)
    target_state = models.CharField(_("to state"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["subject_type", "subject_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "seq"], name="audit_one_seq_per_subject"),
        ]
        indexes = [models.Index(fields=["at"], name="audit_at")]

    def __str__(self) -> str:
        return f"{self.action} #{self.subject_id}.{self.seq}"


class Notification(models.Model):
    """An e-mail owed to a user. The unique key makes sending idempotent: a retried or
    duplicated task finds the row already sent and does nothing."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject
