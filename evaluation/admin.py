"""Back office for the evaluation (see workflow/admin.py for the rules).

Everything here is read in the admin and changed only through the services: the transition
buttons run the domain service that wraps each transition (audited, guarded, as the user who
presses them), and no field is edited by hand — scores, declarations and amounts are the
members' and the approver's own acts, each with its audit event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflow.admin import NoDeleteMixin, ReadOnlyAdmin, ReasonForm, TransitionAdminMixin
from workflow.services import transition

from . import services
from .models import (
    Award,
    AwardUpdate,
    CheckItemResult,
    Committee,
    Declaration,
    Evaluation,
    ExportJob,
    FormalCheck,
    JustificationRequest,
    Score,
    ScoreSheet,
    Seat,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ServiceTransitionAdmin(NoDeleteMixin, TransitionAdminMixin, admin.ModelAdmin):
    """Every field read-only; the state changes through the buttons, i.e. through `services`."""

    service_for: dict[str, Any] = {}

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def perform_transition(self, obj, name: str, *, actor, data: dict[str, Any]):
        service = self.service_for.get(name)
        if service is None:
            return super().perform_transition(obj, name, actor=actor, data=data)
        return service(obj, actor=actor, **data)


class SignedByForm(forms.Form):
    signed_by = forms.CharField(label=_("Members present who sign the protocol"), max_length=2000)


class DecisionReferenceForm(forms.Form):
    decision_reference = forms.CharField(label=_("Decision (zarządzenie/uchwała)"), max_length=200)


class AppointmentForm(forms.Form):
    appointment_reference = forms.CharField(label=_("Appointed by (zarządzenie)"), max_length=200)


class RemedyForm(forms.Form):
    message = forms.CharField(label=_("What to remedy"), widget=forms.Textarea(attrs={"rows": 3}))
    sections = forms.MultipleChoiceField(label=_("The offeror may change"),
                                         choices=[(key, key) for key in services.REMEDIABLE_SECTIONS],
                                         widget=forms.CheckboxSelectMultiple)


class RejectForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons for the rejection"), widget=forms.Textarea(attrs={"rows": 3}))


class ProposeForm(forms.Form):
    amount = forms.CharField(label=_("Proposed grant"), max_length=30)
    justification = forms.CharField(label=_("The committee's justification"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    cut_reason = forms.CharField(label=_("Reason for the lower amount"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class SelectForm(ReasonForm):
    amount = forms.CharField(label=_("Decided grant"), max_length=30)
    field_order = ["amount", "reason"]


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening the sheet"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Evaluation)
class EvaluationAdmin(ServiceTransitionAdmin):
    list_display = ("competition", "state", "started_at", "scoring_closed_at", "resolved_at")
    list_filter = ("state",)
    search_fields = ("competition__reference", "competition__title")
    list_select_related = ("competition",)
    transition_forms = {"close_scoring": SignedByForm, "resolve": DecisionReferenceForm}
    service_for = {
        "start_merit_review": lambda obj, *, actor, reason="": services.evaluation_start_merit_review(
            obj, actor=actor, reason=reason),
        "close_scoring": lambda obj, *, actor, signed_by: services.evaluation_close_scoring(
            obj, actor=actor, signed_by=signed_by),
        "resolve": lambda obj, *, actor, decision_reference: services.evaluation_resolve(
            obj, actor=actor, decision_reference=decision_reference),
    }


class CheckItemResultInline(ReadOnlyInline):
    model = CheckItemResult


@admin.register(FormalCheck)
class FormalCheckAdmin(ServiceTransitionAdmin):
    list_display = ("offer", "state", "remedy_deadline", "decided_at")
    list_filter = ("state",)
    search_fields = ("offer__title", "offer__organization__name")
    list_select_related = ("offer",)
    inlines = [CheckItemResultInline]
    transition_forms = {"request_remedy": RemedyForm, "reject": RejectForm}
    service_for = {
        "request_remedy": lambda obj, *, actor, message, sections: services.formal_check_request_remedy(
            obj, actor=actor, message=message, sections=list(sections)),
        "remedy": lambda obj, *, actor, reason="": services.formal_check_remedy(obj, actor=actor),
        "accept": lambda obj, *, actor, reason="": services.formal_check_accept(obj, actor=actor),
        "reject": lambda obj, *, actor, reasons: services.formal_check_reject(obj, actor=actor, reasons=reasons),
    }


class SeatInline(ReadOnlyInline):
    model = Seat
    fields = ("user", "role", "kind", "nominated_by", "nominated_by_name", "is_active")


@admin.register(Committee)
class CommitteeAdmin(ServiceTransitionAdmin):
    list_display = ("competition", "state", "appointment_reference", "appointed_at")
    list_filter = ("state",)
    list_select_related = ("competition",)
    inlines = [SeatInline]
    transition_forms = {"appoint": AppointmentForm}
    service_for = {
        "appoint": lambda obj, *, actor, appointment_reference: services.committee_appoint(
            obj, actor=actor, appointment_reference=appointment_reference),
        "reform": lambda obj, *, actor, reason="": transition(obj, "reform", actor=actor, reason=reason),
    }


@admin.register(Seat)
class SeatAdmin(ReadOnlyAdmin):
    """Seats are added and removed on the committee page (seat_add, seat_remove: art. 15 ust. 2d)."""

    list_display = ("user", "committee", "role", "kind", "nominated_by_name", "is_active")
    list_filter = ("role", "kind", "is_active")
    list_select_related = ("user", "committee__competition")


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    """A member's own declaration; the admin only reads it."""

    list_display = ("seat", "offer", "state", "declared_at")
    list_filter = ("state",)
    list_select_related = ("seat__user", "seat__committee__competition", "offer")


class ScoreInline(ReadOnlyInline):
    model = Score


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ServiceTransitionAdmin):
    list_display = ("seat", "offer", "state", "submitted_at")
    list_filter = ("state",)
    list_select_related = ("seat__user", "seat__committee__competition", "offer")
    inlines = [ScoreInline]
    transition_forms = {"reopen": ReopenForm}
    service_for = {
        "reopen": lambda obj, *, actor, reason: services.sheet_reopen(obj, actor=actor, reason=reason),
    }


class AwardUpdateInline(admin.StackedInline):
    model = AwardUpdate
    extra = 0
    can_delete = False
    readonly_fields = ("sections", "revision", "updated_by", "updated_at", "snapshot_sha256")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Award)
class AwardAdmin(ServiceTransitionAdmin):
    list_display = ("offer", "state", "proposed_amount", "decided_amount", "update_deadline")
    list_filter = ("state",)
    search_fields = ("offer__title", "offer__organization__name")
    list_select_related = ("offer",)
    inlines = [AwardUpdateInline]
    transition_forms = {"propose": ProposeForm, "select": SelectForm, "reject": ReasonForm}
    service_for = {
        "propose": lambda obj, *, actor, amount, justification="", cut_reason="": services.award_propose(
            obj, actor=actor, amount=amount, justification=justification, cut_reason=cut_reason),
        "select": lambda obj, *, actor, amount, reason="": services.award_decide(
            obj, actor=actor, select=True, amount=amount, reason=reason),
        "reject": lambda obj, *, actor, reason="": services.award_decide(obj, actor=actor, select=False,
                                                                         reason=reason),
        "accept_with_update": lambda obj, *, actor, reason="": services.award_accept_with_update(obj, actor=actor),
        "decline": lambda obj, *, actor, reason="": services.award_decline(obj, actor=actor, reason=reason),
    }


@admin.register(JustificationRequest)
class JustificationRequestAdmin(ReadOnlyAdmin):
    """Answered on the officer's page (justification_answer), which e-mails the answer."""

    list_display = ("name", "evaluation", "received_at", "answer_due", "answered_at")
    list_select_related = ("evaluation__competition",)
    search_fields = ("name", "email")


@admin.register(ExportJob)
class ExportJobAdmin(ReadOnlyAdmin):
    list_display = ("kind", "evaluation", "requested_by", "state", "progress", "total", "created_at",
                    "finished_at")
    list_filter = ("kind", "state")
    list_select_related = ("evaluation__competition", "requested_by")


@admin.register(CheckItemResult)
class CheckItemResultAdmin(ReadOnlyAdmin):
    list_display = ("formal_check", "item", "outcome", "recorded_by", "recorded_at")
    list_filter = ("outcome",)
    list_select_related = ("formal_check__offer", "item", "recorded_by")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("sheet", "criterion", "points")
    list_select_related = ("sheet__seat__user", "criterion")


@admin.register(AwardUpdate)
class AwardUpdateAdmin(ReadOnlyAdmin):
    list_display = ("award", "revision", "updated_by", "updated_at", "snapshot_sha256")
    list_select_related = ("award__offer", "updated_by")
