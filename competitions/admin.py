"""Back office for authorities and competitions (see workflow/admin.py for the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflow.admin import (
    HTTPS_URLS,
    AuditedAdminMixin,
    NoDeleteMixin,
    ReadOnlyAdmin,
    ReasonForm,
    TransitionAdminMixin,
)
from workflow.services import transition

from .forms import WarsawDateTimeField
from .models import (
    Authority,
    AuthorityGroupObjectPermission,
    AuthorityUserObjectPermission,
    CancellationGround,
    ChecklistItem,
    Competition,
    CompetitionState,
    Criterion,
    ExtraQuestion,
    PriorFunding,
    PublicationRecord,
    RequiredAttachment,
    TaskArea,
)
from .services import competition_cancel, competition_extend_deadline

# While a draft, the announcement and its items may change; after approval only `is_active`.
ALWAYS_EDITABLE = ("is_active",)


class ApproveAdminForm(ReasonForm):
    approval_reference = forms.CharField(label=_("approved by (zarządzenie/uchwała)"), max_length=200)
    field_order = ["approval_reference", "reason"]


class ExtendDeadlineAdminForm(forms.Form):
    new_deadline = WarsawDateTimeField(label=_("New deadline for offers"))
    reason = forms.CharField(label=_("Reason for the extension"), widget=forms.Textarea(attrs={"rows": 3}))


class CancelAdminForm(forms.Form):
    ground = forms.ChoiceField(label=_("Ground for cancellation (art. 18a)"), required=False,
                               choices=[("", _("— decided from the offers —")), *CancellationGround.choices])
    reason = forms.CharField(label=_("Reason for the cancellation"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Authority)
class AuthorityAdmin(AuditedAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "kind", "slug", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug", "organ")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(AuthorityUserObjectPermission)
class AuthorityUserObjectPermissionAdmin(ReadOnlyAdmin):
    list_display = ("content_object", "user", "permission")
    list_select_related = ("content_object", "user", "permission")


@admin.register(AuthorityGroupObjectPermission)
class AuthorityGroupObjectPermissionAdmin(ReadOnlyAdmin):
    list_display = ("content_object", "group", "permission")
    list_select_related = ("content_object", "group", "permission")


class CompetitionItemAdminMixin(AuditedAdminMixin):
    """An item of an announcement joins its competition's audit chain, and changes only in a draft."""

    competition_path = "competition"

    def competition_of(self, obj) -> Competition:
        for part in self.competition_path.split("__"):
            obj = getattr(obj, part)
        return obj

    def audit_subject(self, obj):
        return self.competition_of(obj)

    def _draft(self, obj) -> bool:
        return obj is None or self.competition_of(obj).state == CompetitionState.DRAFT

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._draft(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # never in bulk; one by one, and only while the announcement is a draft
        return obj is not None and super().has_delete_permission(request, obj) and self._draft(obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "competition":
            kwargs["queryset"] = Competition.objects.filter(state=CompetitionState.DRAFT)
        elif db_field.name == "task_area":
            kwargs["queryset"] = TaskArea.objects.filter(competition__state=CompetitionState.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ("order", "name", "max_points", "step", "statutory_basis")

    def _draft(self, obj) -> bool:
        return obj is None or obj.competition.state == CompetitionState.DRAFT

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._draft(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._draft(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._draft(obj)


class TaskAreaInline(admin.StackedInline):
    model = TaskArea
    extra = 0
    show_change_link = True
    fields = ("number", "name", "sphere", "form", "budget", "min_grant", "max_grant", "window_start",
              "window_end")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PublicationInline(admin.TabularInline):
    model = PublicationRecord
    formfield_overrides = HTTPS_URLS
    extra = 0
    fields = ("kind", "version", "channel", "published_on", "url", "recorded_by", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Competition)
class CompetitionAdmin(AuditedAdminMixin, NoDeleteMixin, TransitionAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "title", "authority", "year", "state", "submission_deadline", "is_active")
    list_filter = ("state", "is_active", "authority", "year")
    search_fields = ("reference", "title")
    list_select_related = ("authority",)
    date_hierarchy = "submission_deadline"
    inlines = [TaskAreaInline, PublicationInline]
    readonly_fields = ("version", "approval_reference", "approved_at", "published_at", "closed_at",
                       "cancellation_ground", "created_at", "updated_at")
    fieldsets = [
        (None, {"fields": ["authority", "reference", "title", "year", "state", "is_active"]}),
        (_("Announcement (art. 13 ust. 2)"), {"fields": [
            "task_type", "award_rules", "performance_terms", "submission_deadline", "selection_procedure",
            "selection_date"]}),
        (_("Terms"), {"fields": ["remedy_days", "per_line_grant_split", "allow_joint_offers",
                                 "cancellation_reservation"]}),
        (_("Record"), {"fields": ["version", "approval_reference", "approved_at", "published_at", "closed_at",
                                  "cancellation_ground", "created_at", "updated_at"]}),
    ]
    transition_forms = {"approve": ApproveAdminForm, "extend_deadline": ExtendDeadlineAdminForm,
                        "cancel": CancelAdminForm}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != CompetitionState.DRAFT:
            # after approval the announcement is what was approved and published
            editable = set(ALWAYS_EDITABLE)
            readonly += [f.name for f in self.model._meta.fields
                         if f.name not in editable and f.name not in readonly and f.name != "id"]
        return readonly

    def perform_transition(self, obj, name: str, *, actor, data: dict[str, Any]):
        if name == "extend_deadline":
            return competition_extend_deadline(obj, actor=actor, new_deadline=data["new_deadline"],
                                               reason=data["reason"])
        if name == "cancel":
            return competition_cancel(obj, actor=actor, reason=data["reason"], ground=data.get("ground", ""))
        if name == "approve":
            return transition(obj, "approve", actor=actor, reason=data.get("reason", ""),
                              approval_reference=data["approval_reference"])
        return super().perform_transition(obj, name, actor=actor, data=data)


@admin.register(TaskArea)
class TaskAreaAdmin(CompetitionItemAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "competition", "form", "budget", "min_grant", "max_grant")
    list_filter = ("form", "sphere")
    search_fields = ("name", "competition__reference")
    list_select_related = ("competition",)
    inlines = [CriterionInline]

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        competition = form.instance.competition
        for obj in formset.deleted_objects:
            self._audit(request, obj, "delete", {"what": str(obj)}, subject=competition)
            obj.delete()
        for obj in instances:
            obj.save()
            self._audit(request, obj, "save", {"name": obj.name, "max_points": obj.max_points},
                        subject=competition)
        formset.save_m2m()


@admin.register(Criterion)
class CriterionAdmin(CompetitionItemAdminMixin, admin.ModelAdmin):
    competition_path = "task_area__competition"
    list_display = ("name", "task_area", "max_points", "order")
    search_fields = ("name",)
    list_select_related = ("task_area__competition",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(CompetitionItemAdminMixin, admin.ModelAdmin):
    list_display = ("text", "competition", "remediable", "order")
    list_select_related = ("competition",)


@admin.register(RequiredAttachment)
class RequiredAttachmentAdmin(CompetitionItemAdminMixin, admin.ModelAdmin):
    list_display = ("name", "competition", "required_for", "order")
    list_select_related = ("competition",)


@admin.register(ExtraQuestion)
class ExtraQuestionAdmin(CompetitionItemAdminMixin, admin.ModelAdmin):
    list_display = ("text", "competition", "required", "order")
    list_select_related = ("competition",)


@admin.register(PriorFunding)
class PriorFundingAdmin(CompetitionItemAdminMixin, admin.ModelAdmin):
    list_display = ("description", "competition", "year", "total_cost", "grants_to_ngos")
    list_select_related = ("competition",)


@admin.register(PublicationRecord)
class PublicationRecordAdmin(ReadOnlyAdmin):
    """Recorded on the office page (publication_record), where the state rules apply."""

    list_display = ("competition", "kind", "version", "channel", "published_on", "recorded_by")
    list_filter = ("kind", "channel")
    list_select_related = ("competition", "recorded_by")
