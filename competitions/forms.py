"""Forms of the authority's pages. They parse what was typed and keep it; the rules
themselves are checked again by the services, whose errors are put back at the fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.calendar import WARSAW
from workflow.errors import InvalidData

from .models import (
    Authority,
    CancellationGround,
    Channel,
    ChecklistItem,
    Competition,
    CompetitionState,
    Criterion,
    ExtraQuestion,
    PriorFunding,
    PublicationKind,
    RequiredAttachment,
    TaskArea,
)
from .selectors import PUBLIC_STATES

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class WarsawDateTimeField(forms.DateTimeField):
    """A date and time typed as Europe/Warsaw wall-clock time (input type=datetime-local), stored UTC.

    An hour that does not exist or happens twice when the clocks change is refused
    with a message, never guessed.
    """

    input_formats = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                        format=DATETIME_LOCAL))
        kwargs.setdefault("help_text", _("Polish time (Europe/Warsaw)."))
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(WARSAW):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(WARSAW):
            return super().prepare_value(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MoneyField(forms.DecimalField):
    """An amount in PLN; accepts "1 250,50" as well as "1250.50"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "money",
                                                           "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace(" ", "").replace(",", ".").replace("zł", "").strip()
        return super().to_python(value)


class PercentField(MoneyField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 5)
        kwargs["widget"] = forms.TextInput(attrs={"inputmode": "decimal", "class": "number",
                                                  "autocomplete": "off"})
        super().__init__(**kwargs)


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _formfield_callback(db_field, **kwargs):
    """Model fields as this project types them: money with a comma, dates as date pickers."""
    from django.db import models

    if isinstance(db_field, models.DecimalField):
        kwargs["form_class"] = PercentField if db_field.max_digits <= 5 else MoneyField
    elif isinstance(db_field, models.DateTimeField):
        kwargs["form_class"] = WarsawDateTimeField
    elif isinstance(db_field, models.DateField):
        kwargs["widget"] = DateInput()
    elif isinstance(db_field, models.TextField):
        kwargs["widget"] = _textarea()
    return db_field.formfield(**kwargs)


class ServiceErrorsMixin:
    """Put a service's InvalidData back on the form: at the field it names, or above the form."""

    def run_model_validators(self) -> None:
        """The model fields' own rules (e.g. the year's range), shown with the form's errors at once.
        The service validates the whole row again; this only spares a second round trip."""
        model = self._meta.model
        for name, value in list(self.cleaned_data.items()):
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if value in field.empty_values:
                continue
            try:
                field.run_validators(value)
            except ValidationError as error:
                self.add_error(name, error)

    def add_service_errors(self, error: InvalidData) -> None:
        for key, messages in error.errors.items():
            field = key if key in self.fields else None
            for message in messages:
                self.add_error(field, message)
        if not error.errors:
            self.add_error(None, error.text())


class CompetitionForm(ServiceErrorsMixin, forms.ModelForm):
    """The announcement (art. 13 ust. 2); pkt 2 (funds) and pkt 7 (prior years) are entered as items."""

    authority = forms.ModelChoiceField(queryset=Authority.objects.none(), label=_("authority"),
                                       empty_label=None)

    class Meta:
        model = Competition
        fields = ["authority", "reference", "title", "year", "task_type", "award_rules", "performance_terms",
                  "submission_deadline", "selection_procedure", "selection_date", "remedy_days",
                  "per_line_grant_split", "allow_joint_offers", "cancellation_reservation"]
        formfield_callback = _formfield_callback

    def __init__(self, *args, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["authority"]
        else:
            self.fields["authority"].queryset = (authorities if authorities is not None
                                                 else Authority.objects.none())
        self.fields["title"].widget.attrs["autocomplete"] = "off"
        self.fields["reference"].widget.attrs["autocomplete"] = "off"
        self.fields["year"].widget.attrs.update({"inputmode": "numeric", "class": "number"})
        self.fields["remedy_days"].widget.attrs.update({"inputmode": "numeric", "class": "number"})

    def _authority(self):
        if self.instance.pk:
            return self.instance.authority
        return self.cleaned_data.get("authority")

    def clean(self):
        cleaned = super().clean()
        authority, reference = self._authority(), cleaned.get("reference")
        if authority and reference:
            taken = Competition.objects.filter(authority=authority, reference=reference)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("reference", _("{authority} already has a competition with this reference "
                                              "number.").format(authority=authority.name))
        return cleaned

    def _post_clean(self):
        # Not ModelForm's full_clean of an instance: the service validates the row (with its authority).
        self.run_model_validators()

    def service_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "authority"}


class ItemForm(ServiceErrorsMixin, forms.ModelForm):
    """A configured item of a competition; competition_item_save validates and saves it."""

    def __init__(self, *args, competition: Competition, **kwargs):
        self.competition = competition
        super().__init__(*args, **kwargs)
        for name in ("order", "number", "year", "max_length"):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "number"})

    def _post_clean(self):
        self.run_model_validators()

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)

    layout: list[tuple[str | None, list[list[str]]]] = []

    def groups(self):
        """The fields as fieldsets of rows (`layout`), or one group of every field."""
        if not self.layout:
            return [(None, [[self[name]] for name in self.fields])]
        return [(legend, [[self[name] for name in row] for row in rows]) for legend, rows in self.layout]


class TaskAreaForm(ItemForm):
    class Meta:
        model = TaskArea
        fields = ["number", "name", "description", "sphere", "form", "budget", "min_grant", "max_grant",
                  "min_own_contribution_pct", "min_own_financial_pct", "max_admin_costs_pct", "window_start",
                  "window_end", "pass_threshold_pct", "tie_break"]
        formfield_callback = _formfield_callback

    layout = [
        (_("The task"), [["number"], ["name"], ["description"], ["sphere", "form"]]),
        (_("Budget and limits"), [["budget"], ["min_grant", "max_grant"],
                                  ["min_own_contribution_pct", "min_own_financial_pct"],
                                  ["max_admin_costs_pct"]]),
        (_("When the task may be carried out"), [["window_start", "window_end"]]),
        (_("Scoring"), [["pass_threshold_pct"], ["tie_break"]]),
    ]

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = TaskArea.objects.filter(competition=self.competition, number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Task no. %(number)s already exists in this competition."), code="taken",
                                  params={"number": number})
        return number

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("The task must end on or after the day it may start."))
        low, high = cleaned.get("min_grant"), cleaned.get("max_grant")
        if low is not None and high is not None and high < low:
            self.add_error("max_grant", _("The maximum grant is lower than the minimum grant."))
        budget = cleaned.get("budget")
        if budget is not None and high is not None and high > budget:
            self.add_error("max_grant", _("The maximum grant exceeds the task's budget."))
        return cleaned


class CriterionForm(ItemForm):
    class Meta:
        model = Criterion
        fields = ["task_area", "order", "name", "description", "max_points", "step", "statutory_basis"]
        formfield_callback = _formfield_callback

    def __init__(self, *args, competition: Competition, **kwargs):
        super().__init__(*args, competition=competition, **kwargs)
        self.fields["task_area"].queryset = competition.task_areas.order_by("number")
        self.fields["task_area"].empty_label = None
        self.fields["max_points"].widget.attrs["class"] = "number"
        self.fields["step"].widget.attrs["class"] = "number"


class ChecklistItemForm(ItemForm):
    class Meta:
        model = ChecklistItem
        fields = ["order", "text", "remediable"]
        formfield_callback = _formfield_callback


class RequiredAttachmentForm(ItemForm):
    class Meta:
        model = RequiredAttachment
        fields = ["order", "name", "description", "required_for"]
        formfield_callback = _formfield_callback


class ExtraQuestionForm(ItemForm):
    class Meta:
        model = ExtraQuestion
        fields = ["order", "text", "help_text", "required", "max_length"]
        formfield_callback = _formfield_callback


class PriorFundingForm(ItemForm):
    class Meta:
        model = PriorFunding
        fields = ["year", "description", "total_cost", "grants_to_ngos"]
        formfield_callback = _formfield_callback

    def clean(self):
        cleaned = super().clean()
        cost, grants = cleaned.get("total_cost"), cleaned.get("grants_to_ngos")
        if cost is not None and grants is not None and grants > cost:
            self.add_error("grants_to_ngos", _("The grants to NGOs cannot exceed the cost of the tasks."))
        return cleaned


class PublicationForm(ServiceErrorsMixin, forms.Form):
    """art. 13 ust. 3: where and when the notice appeared."""

    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices)
    kind = forms.ChoiceField(label=_("notice"), choices=PublicationKind.choices,
                             initial=PublicationKind.ANNOUNCEMENT)
    published_on = forms.DateField(label=_("published on"), widget=DateInput(),
                                   initial=timezone.localdate)
    url = forms.URLField(label=_("address (URL)"), required=False, assume_scheme="https",
                         widget=forms.URLInput(attrs={"autocomplete": "url"}))


class ApproveForm(ServiceErrorsMixin, forms.Form):
    approval_reference = forms.CharField(
        label=_("approved by (zarządzenie/uchwała)"), max_length=200,
        help_text=_("The number and date of the ordinance or resolution approving the announcement."))
    reason = forms.CharField(label=_("Comment (optional)"), required=False, widget=_textarea(2))


class ExtendDeadlineForm(ServiceErrorsMixin, forms.Form):
    new_deadline = WarsawDateTimeField(label=_("New deadline for offers"))
    reason = forms.CharField(label=_("Reason for the extension"), widget=_textarea(3),
                             help_text=_("Published with the change of the announcement."))


class CancelForm(ServiceErrorsMixin, forms.Form):
    ground = forms.ChoiceField(label=_("Ground for cancellation (art. 18a)"), required=False)
    reason = forms.CharField(label=_("Reason for the cancellation"), widget=_textarea(3),
                             help_text=_("Published with the cancellation."))

    def __init__(self, *args, competition: Competition, **kwargs):
        super().__init__(*args, **kwargs)
        if competition.state in (CompetitionState.DRAFT, CompetitionState.APPROVED):
            # An unpublished announcement is withdrawn; the model records that ground itself.
            del self.fields["ground"]
        else:
            self.fields["ground"].choices = [
                ("", _("— decided from the offers —")),
                *[(g.value, g.label) for g in (CancellationGround.NO_OFFERS,
                                               CancellationGround.NO_VALID_OFFERS,
                                               CancellationGround.RESERVATION)],
            ]


class PublicFilterForm(forms.Form):
    authority = forms.ModelChoiceField(queryset=Authority.objects.none(), required=False,
                                       label=_("authority"), empty_label=_("All authorities"))
    state = forms.ChoiceField(required=False, label=_("state"))

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities
        self.fields["state"].choices = [("", _("All states"))] + [
            (state.value, state.label) for state in PUBLIC_STATES]

