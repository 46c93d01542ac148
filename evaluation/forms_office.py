"""Forms of the officer's, approver's, offeror's and public evaluation pages.

They only collect what was typed and keep it: the rules are the services' (one source of
every message), whose InvalidData comes back here and is put at its field.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from competitions.forms import PercentField
from offers.form import SECTION_BY_KEY
from offers.models import Organization
from workflow.errors import InvalidData

from .models import Committee, ItemOutcome, NgoAbsence, SeatKind, SeatRole
from .services import REMEDIABLE_SECTIONS


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ServiceErrorsMixin:
    """Put a service's InvalidData at the fields it names; the rest above the form."""

    # service key -> form field, where they differ
    error_fields: dict[str, str] = {}

    def add_service_errors(self, error: InvalidData) -> None:
        for key, messages in error.errors.items():
            name = self.error_fields.get(key, key)
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)
        if not error.errors:
            self.add_error(None, error.text())


# --- the formal check ----------------------------------------------------------------------------


class ChecklistForm(ServiceErrorsMixin, forms.Form):
    """One outcome and one note per requirement of the competition's checklist."""

    def __init__(self, *args, items, recorded=None, **kwargs):
        recorded = recorded or {}
        initial = {}
        for item in items:
            result = recorded.get(item.pk)
            if result is not None:
                initial[f"item_{item.pk}"] = result.outcome
                initial[f"note_{item.pk}"] = result.note
        super().__init__(*args, initial=initial, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text, required=False, choices=ItemOutcome.choices, widget=forms.RadioSelect)
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), required=False, widget=_textarea(2), max_length=4000,
                help_text=_("Required for a defect: the offeror reads it."))

    def rows(self):
        """(item, outcome field, note field) per requirement, for the page."""
        return [(item, self[f"item_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(cleaned.get(f"item_{item.pk}") for item in self.items):
            raise forms.ValidationError(_("Choose met, defect or not applicable for at least one requirement."))
        return cleaned

    def results(self) -> dict[int, tuple[str, str]]:
        return {item.pk: (self.cleaned_data[f"item_{item.pk}"], self.cleaned_data.get(f"note_{item.pk}", ""))
                for item in self.items if self.cleaned_data.get(f"item_{item.pk}")}

    def add_service_errors(self, error: InvalidData) -> None:
        for key, messages in error.errors.items():
            prefix, _dot, raw = key.partition(".")
            field = None
            if prefix == "items" and f"item_{raw}" in self.fields:
                # a defect without its description belongs to the note
                outcome = self.data.get(self.add_prefix(f"item_{raw}"))
                field = f"note_{raw}" if outcome == ItemOutcome.DEFECT else f"item_{raw}"
            for message in messages:
                self.add_error(field, message)
        if not error.errors:
            self.add_error(None, error.text())


def section_label(key: str) -> str:
    """ "VII Declarations"; a part the form does not number ("+") is named alone."""
    section = SECTION_BY_KEY[key]
    return str(section.title) if section.number == "+" else f"{section.number} {section.title}"


def remediable_section_choices() -> list[tuple[str, str]]:
    return [(key, section_label(key)) for key in REMEDIABLE_SECTIONS]


class RemedyForm(ServiceErrorsMixin, forms.Form):
    message = forms.CharField(label=_("What the offeror must remedy"), required=False, widget=_textarea(5),
                              max_length=8000, help_text=_("Sent to the offeror by e-mail and shown on its "
                                                           "offer's page."))
    sections = forms.MultipleChoiceField(
        label=_("What the offeror may change"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these parts of the submitted offer open for changes; the substance of the offer "
                    "cannot change."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = remediable_section_choices()


class RejectForm(ServiceErrorsMixin, forms.Form):
    reasons = forms.CharField(label=_("Reasons for the rejection"), required=False, widget=_textarea(4),
                              max_length=8000, help_text=_("The offeror reads them on its evaluation card."))


# --- the committee ---------------------------------------------------------------------------------


class SeatForm(ServiceErrorsMixin, forms.Form):
    person = forms.CharField(label=_("Person (username or e-mail)"), max_length=254,
                             help_text=_("An existing user account. Ask the person to create one first."))
    role = forms.ChoiceField(label=_("Role in the committee"), choices=SeatRole.choices, initial=SeatRole.MEMBER)
    kind = forms.ChoiceField(label=_("Seat"), choices=SeatKind.choices, initial=SeatKind.AUTHORITY)
    nominated_by = forms.CharField(
        label=_("Nominated by a registered organisation"), required=False, max_length=300,
        help_text=_("Its KRS number or its name as registered."))
    nominated_by_name = forms.CharField(
        label=_("…or nominated by (a named body)"), required=False, max_length=300,
        help_text=_("E.g. the council for public benefit activity, or several organisations jointly."))

    error_fields = {"user": "person"}

    def clean_person(self):
        value = self.cleaned_data["person"].strip()
        users = list(get_user_model().objects.filter(Q(username__iexact=value) | Q(email__iexact=value),
                                                     is_active=True)[:2])
        if not users:
            raise forms.ValidationError(_("No user has this username or e-mail."))
        if len(users) > 1:
            raise forms.ValidationError(_("Several accounts use this e-mail; give the username."))
        return users[0]

    def clean_nominated_by(self):
        value = self.cleaned_data["nominated_by"].strip()
        if not value:
            return None
        found = list(Organization.objects.filter(Q(krs=value) | Q(name__iexact=value), is_active=True)[:2])
        if not found:
            raise forms.ValidationError(_("No registered organisation has this KRS number or name."))
        if len(found) > 1:
            raise forms.ValidationError(_("Several organisations match; give the KRS number."))
        return found[0]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"user": data["person"], "role": data["role"], "kind": data["kind"],
                "nominated_by": data["nominated_by"], "nominated_by_name": data["nominated_by_name"].strip()}


class NgoAbsenceForm(ServiceErrorsMixin, forms.Form):
    ngo_absence = forms.ChoiceField(label=_("The committee acts without members nominated by organisations because"),
                                    required=False)
    ngo_absence_note = forms.CharField(label=_("Circumstances"), required=False, widget=_textarea(3),
                                       max_length=4000, help_text=_("E.g. the dates of the call for nominations "
                                                                    "and what came of it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ngo_absence"].choices = [("", _("— a nominee sits on the committee —")), *NgoAbsence.choices]

    @classmethod
    def for_committee(cls, committee: Committee, data=None):
        return cls(data, prefix="absence",
                   initial={"ngo_absence": committee.ngo_absence, "ngo_absence_note": committee.ngo_absence_note})


class ThresholdsForm(ServiceErrorsMixin, forms.Form):
    quorum = forms.IntegerField(label=Committee._meta.get_field("quorum").verbose_name, required=False, min_value=1,
                                max_value=500, help_text=Committee._meta.get_field("quorum").help_text,
                                widget=forms.NumberInput(attrs={"class": "number", "inputmode": "numeric"}))
    comment_below_pct = PercentField(label=Committee._meta.get_field("comment_below_pct").verbose_name)
    spread_flag_pct = PercentField(label=Committee._meta.get_field("spread_flag_pct").verbose_name)

    @classmethod
    def for_committee(cls, committee: Committee, data=None):
        return cls(data, prefix="thresholds", initial={
            "quorum": committee.quorum, "comment_below_pct": committee.comment_below_pct,
            "spread_flag_pct": committee.spread_flag_pct})


class AppointForm(ServiceErrorsMixin, forms.Form):
    appointment_reference = forms.CharField(label=_("Appointed by (zarządzenie)"), required=False, max_length=200,
                                            help_text=_("E.g. Zarządzenie nr 12/2027 Prezydenta Miasta."))


# --- the decision ----------------------------------------------------------------------------------


class DecisionForm(ServiceErrorsMixin, forms.Form):
    """The approver's decision on one offer; the amount is passed to the service as typed."""

    amount = forms.CharField(label=_("Grant"), required=False, max_length=40,
                             widget=forms.TextInput(attrs={"class": "money", "inputmode": "decimal",
                                                           "autocomplete": "off"}))
    reason = forms.CharField(label=_("Reason"), required=False, widget=_textarea(2), max_length=4000,
                             help_text=_("Required when the amount departs from the committee's proposal; "
                                         "the offeror reads it."))


class ResolveForm(ServiceErrorsMixin, forms.Form):
    decision_reference = forms.CharField(
        label=_("Decision (zarządzenie or uchwała)"), required=False, max_length=200,
        help_text=_("E.g. Zarządzenie nr 45/2027 Prezydenta Miasta z dnia …"))


class AnswerForm(ServiceErrorsMixin, forms.Form):
    answer = forms.CharField(label=_("Answer"), required=False, widget=_textarea(6), max_length=20000,
                             help_text=_("Sent by e-mail to the address given in the request."))


# --- the public ------------------------------------------------------------------------------------


class JustificationRequestForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), required=False, max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.CharField(label=_("Your e-mail"), required=False, max_length=254,
                            help_text=_("The answer is sent here."),
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    offer = forms.ChoiceField(label=_("The offer you ask about"), required=False,
                              help_text=_("Leave empty to ask about the selection as a whole."))
    text = forms.CharField(label=_("Your request"), required=False, widget=_textarea(6), max_length=10000)

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = {str(offer.pk): offer for offer in offers}
        self.fields["offer"].choices = [("", _("— the selection as a whole —"))] + [
            (str(offer.pk), f"{offer.organization.name} — {offer.title}") for offer in offers]

    def chosen_offer(self):
        return self.offers.get(self.cleaned_data.get("offer") or "")
