"""Back office for contracts, reports and settlement (see workflow/admin.py for the rules).

The interest rate table and the interest rules are maintained here by the finance officer (each
change audited); contracts, reports and settlements are read here and change only through the
services (the transition buttons), never by editing a field."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from evaluation.admin import ReadOnlyInline, ServiceTransitionAdmin
from workflow.admin import AuditedAdminMixin, NoDeleteMixin, ReadOnlyAdmin
from workflow.errors import WrongState

from . import services
from .models import (
    Annex,
    Clarification,
    Contract,
    ContractLine,
    DocumentShare,
    FinancialDocument,
    InterestRate,
    InterestRule,
    Report,
    ReportSection,
    ReturnItem,
    ReturnPayment,
    Settlement,
    Signature,
    Tranche,
)


@admin.register(InterestRate)
class InterestRateAdmin(AuditedAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("effective_from", "rate", "source")
    ordering = ("-effective_from",)


@admin.register(InterestRule)
class InterestRuleAdmin(AuditedAdminMixin, NoDeleteMixin, admin.ModelAdmin):
    list_display = ("effective_from", "rounding", "threshold", "allocation", "days_in_year")
    ordering = ("-effective_from",)


class ServicesOnlyAdmin(ServiceTransitionAdmin):
    """Only the transitions with a service here are offered: the others need what only their page
    gathers (signatures, documents, the notice of return) and are done there, never bare."""

    def transitions_for(self, request, obj):
        allowed, blocked = super().transitions_for(request, obj)
        return ([a for a in allowed if a.name in self.service_for],
                [a for a in blocked if a.name in self.service_for])

    def perform_transition(self, obj, name: str, *, actor, data):
        if name not in self.service_for:
            raise WrongState(_("Do this on the object's own page."), code="use_the_page")
        return super().perform_transition(obj, name, actor=actor, data=data)


class LineInline(ReadOnlyInline):
    model = ContractLine


class TrancheInline(ReadOnlyInline):
    model = Tranche


class SignatureInline(ReadOnlyInline):
    model = Signature


class DateForm(forms.Form):
    due_on = forms.DateField(label=_("Due by"))


@admin.register(Contract)
class ContractAdmin(ServicesOnlyAdmin):
    list_display = ("number", "organization", "authority", "state", "grant", "task_end")
    list_filter = ("state", "authority")
    search_fields = ("number", "organization__name", "title")
    list_select_related = ("organization", "authority")
    inlines = [LineInline, TrancheInline, SignatureInline]
    service_for = {
        "end_implementation": lambda obj, *, actor, reason="": services.contract_end(obj, actor=actor),
    }


@admin.register(Annex)
class AnnexAdmin(ServicesOnlyAdmin):
    service_for = {
        "withdraw": lambda obj, *, actor, reason="": services.annex_withdraw(obj, actor=actor, reason=reason),
    }
    list_display = ("contract", "number", "state", "in_force_on")
    list_filter = ("state",)
    list_select_related = ("contract",)


@admin.register(Report)
class ReportAdmin(ServicesOnlyAdmin):
    list_display = ("contract", "kind", "state", "due_on", "submitted_at")
    list_filter = ("state", "kind")
    search_fields = ("contract__number", "contract__organization__name")
    list_select_related = ("contract__organization",)
    transition_forms = {"call_in_writing": DateForm}
    service_for = {
        "call_in_writing": lambda obj, *, actor, due_on: services.report_call_in_writing(obj, actor=actor,
                                                                                           due_on=due_on),
        "accept": lambda obj, *, actor, reason="": services.report_accept(obj, actor=actor, note=reason),
        "reject": lambda obj, *, actor, reason="": services.report_reject(obj, actor=actor, note=reason),
    }


class ReturnItemInline(ReadOnlyInline):
    model = ReturnItem


@admin.register(Settlement)
class SettlementAdmin(ServicesOnlyAdmin):
    list_display = ("contract", "state", "computed_at", "closed_at")
    list_filter = ("state",)
    list_select_related = ("contract",)
    inlines = [ReturnItemInline]
    service_for = {
        "compute": lambda obj, *, actor, reason="": services.settlement_compute(obj, actor=actor),
        "close_nothing_due": lambda obj, *, actor, reason="": services.settlement_conclude(obj, actor=actor),
        "notify_return": lambda obj, *, actor, reason="": services.settlement_conclude(obj, actor=actor),
    }


# the rows inside a contract, a report or a settlement: read here, written only by the services
for _model in (ContractLine, Signature, Tranche, ReportSection, FinancialDocument, DocumentShare, Clarification,
               ReturnItem, ReturnPayment):
    admin.site.register(_model, ReadOnlyAdmin)
