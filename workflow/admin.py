"""The back office: the Django admin, on the same rules as the pages.

* Every transition button goes through workflow.services.transition (or the domain
  service that wraps it), as the user pressing it: permission-checked, guarded and
  audited. django-fsm's admin mixin would call the transition method directly; the
  parts of it that would are overridden here.
* Every other change made in the admin writes an audit event in the admin's own
  transaction (hard rule 10).
* Nothing is hard-deleted (hard rule 7): models with an `is_active` flag are
  deactivated, the audit trail and the notifications are read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin

from .audit import audit_record
from .errors import DomainError, InvalidData, WrongState
from .models import AuditEvent, Notification
from .services import Availability, available_transitions, transition

HIDDEN_REFUSALS = ("wrong_state", "forbidden")
# Django 6 assumes https for a typed address without a scheme; so do we, already.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Seen, never written: no add, change or delete."""

    formfield_overrides = HTTPS_URLS

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NoDeleteMixin:
    """Records are kept (hard rule 7): deactivate with `is_active` instead."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditedAdminMixin:
    """Writes an audit event for each save and delete made in the admin.

    `audit_subject(obj)` names the chain the event joins; by default the object
    itself, for a competition's configured items the competition.
    """

    def audit_subject(self, obj):
        return obj

    def _audit(self, request, obj, verb: str, payload: dict, subject=None) -> None:
        meta = obj._meta
        audit_record(subject=subject or self.audit_subject(obj),
                     action=f"{meta.app_label}.{meta.model_name}.admin_{verb}",
                     actor=request.user, actor_role="admin", payload={"id": obj.pk, **payload})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        if changed or not change:
            self._audit(request, obj, "change" if change else "add", {"fields": changed})

    def delete_model(self, request, obj):
        self._audit(request, obj, "delete", {"what": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (recorded in the audit trail)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class TransitionAdminMixin(FSMAdminMixin):
    """django-fsm's admin buttons, routed through the transition service.

    The change page lists the transitions this user may perform now (as buttons,
    each leading to a short form with the transition's arguments and a reason) and,
    for the others, why not. Refusals come back as admin messages.
    """

    fsm_fields = ["state"]
    change_form_template = "competitions/admin/fsm_change_form.html"
    fsm_transition_form_template = "competitions/admin/fsm_transition_form.html"
    transition_forms: dict[str, type[forms.Form]] = {}

    # --- what the subclass says about its transitions ---------------------------------------
    def get_transition_form(self, name: str, obj) -> tuple[type[forms.Form], dict[str, Any]]:
        return self.transition_forms.get(name, ReasonForm), {}

    def perform_transition(self, obj, name: str, *, actor, data: dict[str, Any]):
        """Run transition `name`; subclasses send some to the domain service that wraps it."""
        reason = data.pop("reason", "") or ""
        return transition(obj, name, actor=actor, reason=reason, **data)

    # --- the change page ----------------------------------------------------------------------
    def transitions_for(self, request, obj) -> tuple[list[Availability], list[Availability]]:
        availability = available_transitions(obj, request.user)
        allowed = [a for a in availability if a.allowed]
        blocked = [a for a in availability if not a.allowed and a.reasons[0].code not in HIDDEN_REFUSALS]
        return allowed, blocked

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            allowed, blocked = self.transitions_for(request, obj)
            context.update(fsm_allowed=allowed, fsm_blocked=blocked,
                           fsm_can_transition=self.has_change_permission(request, obj))
        return admin.ModelAdmin.change_view(self, request, object_id, form_url, context)

    def response_change(self, request, obj):
        # The mixin's button in the change form (name=_fsm_transition_to) leads to the
        # transition's form, never to the method itself.
        name = request.POST.get(self.fsm_post_param)
        if name:
            opts = self.model._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_transition", object_id=obj.pk,
                            transition_name=name)
        return admin.ModelAdmin.response_change(self, request, obj)

    def _apply_fsm_transition(self, *, obj, transition_name: str, request, kwargs=None) -> bool:
        """Replaces the mixin's direct call of the transition method."""
        try:
            self.perform_transition(obj, transition_name, actor=request.user, data=dict(kwargs or {}))
        except DomainError as error:
            self.message_refusal(request, error)
            return False
        self.message_user(request, _("Done: {label}.").format(label=self._label(obj, transition_name)),
                          level=messages.SUCCESS)
        return True

    def _label(self, obj, name: str) -> str:
        from .services import transition_label

        return transition_label(obj, name)

    def message_refusal(self, request, error: DomainError) -> None:
        reasons = [r.text() for r in getattr(error, "refusals", [])]
        field_errors = [m for msgs in getattr(error, "errors", {}).values() for m in msgs]
        details = reasons or field_errors
        if details and details != [error.text()]:
            message = format_html("{} {}", error.text(), "; ".join(d for d in details if d != error.text()))
        else:
            message = error.text()
        self.message_user(request, message, level=messages.ERROR)

    def fsm_transition_view(self, request: HttpRequest, object_id: str, transition_name: str,
                            **kwargs) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        availability = {a.name: a for a in available_transitions(obj, request.user)}
        if transition_name not in availability:
            raise Http404
        current = availability[transition_name]
        opts = self.model._meta
        change_url = f"admin:{opts.app_label}_{opts.model_name}_change"
        form_class, form_kwargs = self.get_transition_form(transition_name, obj)
        form = form_class(request.POST or None, **form_kwargs)
        if request.method == "POST" and form.is_valid():
            try:
                self.perform_transition(obj, transition_name, actor=request.user,
                                        data=dict(form.cleaned_data))
            except InvalidData as error:
                for key, msgs in error.errors.items():
                    for message in msgs:
                        form.add_error(key if key in form.fields else None, message)
                if not error.errors:
                    self.message_refusal(request, error)
            except WrongState as error:
                self.message_refusal(request, error)
                return redirect(change_url, object_id=obj.pk)
            except DomainError as error:
                self.message_refusal(request, error)
                return redirect(change_url, object_id=obj.pk)
            else:
                self.message_user(request, _("Done: {label}.").format(label=current.label),
                                  level=messages.SUCCESS)
                return redirect(change_url, object_id=obj.pk)
        return render(request, self.fsm_transition_form_template, {
            **self.admin_site.each_context(request),
            "opts": opts, "original": obj, "transition": current, "transition_form": form,
            "title": current.label, "has_view_permission": True,
        })


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "subject_type", "subject_id", "seq", "action", "actor", "actor_role", "states",
                    "hash_prefix")
    list_filter = ("action", "actor_role", "subject_type")
    search_fields = ("action", "subject_id", "reason", "hash")
    list_select_related = ("actor", "subject_type")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")

    @admin.display(description=_("from → to"))
    def states(self, event: AuditEvent) -> str:
        if not (event.source_state or event.target_state):
            return "—"
        return f"{event.source_state or '—'} → {event.target_state or '—'}"

    @admin.display(description=_("hash"))
    def hash_prefix(self, event: AuditEvent) -> str:
        return event.hash[:12]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "subject", "sent_at")
    list_filter = ("sent_at",)
    search_fields = ("subject", "key")
    list_select_related = ("recipient",)
    ordering = ("-created_at",)
