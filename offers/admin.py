"""Back office for organisations and offers (see workflow/admin.py for the rules).

An offer's content is written only by its organisation through the services (autosave,
revisions, the frozen snapshot), and a representative's rights are guardian permissions
that the services keep in step with the role, so those are shown here, not edited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflow.admin import HTTPS_URLS, AuditedAdminMixin, NoDeleteMixin, ReadOnlyAdmin, TransitionAdminMixin

from .identifiers import clean_bank_account
from .models import (
    CostLine,
    Invitation,
    Offer,
    OfferAttachment,
    OfferRevision,
    OfferSection,
    Organization,
    OrganizationUserObjectPermission,
    Representation,
)
from .services import offer_discard, offer_submit, offer_withdraw

OFFER_SERVICES = {"submit": offer_submit, "withdraw": offer_withdraw, "discard": offer_discard}


def _https_urls(db_field, **kwargs):
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "legal_form", "krs", "other_register", "nip", "regon", "street", "postal_code",
                  "city", "correspondence_address", "email", "phone", "website", "bank_account",
                  "statutory_activity", "is_active"]
        formfield_callback = _https_urls

    def clean_bank_account(self):
        value = self.cleaned_data.get("bank_account", "")
        if not value:
            return value
        try:
            return clean_bank_account(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("krs") and not cleaned.get("other_register") and "krs" not in self.errors:
            self.add_error("krs", _("Give the KRS number or the other register and number."))
        return cleaned


class RepresentationInline(admin.TabularInline):
    model = Representation
    extra = 0
    fields = ("user", "role", "function", "is_active", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(AuditedAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    form = OrganizationAdminForm
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "legal_form", "krs", "nip", "city", "is_active")
    list_filter = ("legal_form", "is_active")
    search_fields = ("name", "krs", "nip", "regon", "city")
    readonly_fields = ("created_at", "updated_at")
    inlines = [RepresentationInline]

    def has_add_permission(self, request) -> bool:
        # an organisation registers itself, and its first user becomes its administrator
        return False


@admin.register(OrganizationUserObjectPermission)
class OrganizationUserObjectPermissionAdmin(ReadOnlyAdmin):
    list_display = ("content_object", "user", "permission")
    list_select_related = ("content_object", "user", "permission")


@admin.register(Representation)
class RepresentationAdmin(ReadOnlyAdmin):
    list_display = ("user", "organization", "role", "function", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("organization__name", "user__username", "user__last_name")
    list_select_related = ("user", "organization")


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "organization", "role", "created_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email", "organization__name")
    list_select_related = ("organization",)
    exclude = ("token",)


class OfferSectionInline(admin.TabularInline):
    model = OfferSection
    extra = 0
    fields = ("key", "revision", "updated_by", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OfferAttachmentInline(OfferSectionInline):
    model = OfferAttachment
    fields = ("filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "removed_at")
    readonly_fields = fields


@admin.register(Offer)
class OfferAdmin(NoDeleteMixin, TransitionAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "organization", "competition", "task_area", "state", "grant_requested",
                    "submitted_at")
    list_filter = ("state", "competition__authority", "competition")
    search_fields = ("title", "organization__name", "competition__reference", "snapshot_sha256")
    list_select_related = ("competition", "organization", "task_area")
    inlines = [OfferSectionInline, OfferAttachmentInline]
    exclude = ("snapshot",)

    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("id", "snapshot")] + ["number"]

    def perform_transition(self, obj, name: str, *, actor, data: dict[str, Any]):
        service = OFFER_SERVICES.get(name)
        if service is not None:
            return service(obj, actor=actor, reason=data.get("reason", "") or "")
        return super().perform_transition(obj, name, actor=actor, data=data)


class ContentAdmin(ReadOnlyAdmin):
    list_select_related = ("offer",)


@admin.register(OfferSection)
class OfferSectionAdmin(ContentAdmin):
    list_display = ("offer", "key", "revision", "updated_at")
    list_filter = ("key",)


@admin.register(OfferRevision)
class OfferRevisionAdmin(ContentAdmin):
    list_display = ("offer", "number", "section", "author", "at")
    list_filter = ("section",)
    list_select_related = ("offer", "author")


@admin.register(OfferAttachment)
class OfferAttachmentAdmin(ContentAdmin):
    list_display = ("offer", "filename", "content_type", "size", "uploaded_at", "removed_at")
    exclude = ("file",)


@admin.register(CostLine)
class CostLineAdmin(ContentAdmin):
    list_display = ("offer", "label", "name", "unit_cost", "units", "value", "grant_part")
