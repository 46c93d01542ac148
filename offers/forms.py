"""Forms of the NGO's pages.

Two kinds live here:

* Django forms for the organisation (registration, profile, invitations, attachments).
  They parse and keep what was typed; the rules are checked again by the services, whose
  InvalidData errors are put back at the fields (`add_service_errors`).
* The sections of the statutory offer form. A draft's section is a JSON document exactly
  as typed (offers/form.py reads it), so a section "form" here is a declarative list of
  fields that says how to draw the inputs and how to turn a POST back into that JSON.
  Nothing is validated here: validation never blocks saving a draft (hard rule 4); the
  problems come from offers.form.read_offer_from_db and are shown at their fields.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from workflow.errors import InvalidData

from .form import DECLARATIONS, SOURCE_KINDS, TEXT_LIMITS, parse_date
from .identifiers import clean_bank_account, clean_krs, clean_nip, clean_regon, format_bank_account
from .models import LegalForm, Organization, RepresentationRole


def add_service_errors(form: forms.Form, error: InvalidData) -> None:
    """Put a service's field errors at the form's fields (unknown keys go to the top)."""
    for key, messages in error.errors.items():
        name = key.rsplit(".", 1)[-1]
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)
    if not error.errors:
        form.add_error(None, error.text())


# --- the organisation ----------------------------------------------------------------------------


def _identifier_field(label, **kwargs) -> forms.CharField:
    # Wider than the stored value: people type "856-734-62-15" or "PL61 1090 …"; clean_<name> normalises.
    return forms.CharField(label=label, max_length=60, required=False, **kwargs)


class OrganizationForm(forms.ModelForm):
    """The organisation's profile (registration and edit)."""

    krs = _identifier_field(_("KRS number"), help_text=_("Ten digits, e.g. 0000123456."))
    nip = _identifier_field(_("NIP"), help_text=_("Ten digits; dashes are fine."))
    regon = _identifier_field(_("REGON"), help_text=_("Nine or fourteen digits."))
    bank_account = _identifier_field(
        _("bank account"),
        help_text=_("The account for the grant: 26 digits, optionally preceded by PL."),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "legal_form",
            "krs",
            "other_register",
            "nip",
            "regon",
            "street",
            "postal_code",
            "city",
            "correspondence_address",
            "email",
            "phone",
            "website",
            "bank_account",
            "statutory_activity",
        ]
        widgets = {
            "statutory_activity": forms.Textarea(attrs={"rows": 4}),
        }

    autocomplete = {
        "name": "organization",
        "street": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
        "email": "email",
        "phone": "tel",
        "website": "url",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.bank_account and not self.is_bound:
            self.initial["bank_account"] = format_bank_account(self.instance.bank_account)
        self.fields["krs"].help_text = _(
            "Ten digits, e.g. 0000123456. Leave empty if the organisation is "
            "not in the KRS and give the other register below."
        )
        self.fields["postal_code"].widget.attrs["placeholder"] = "00-000"
        self.fields["email"].label = _("organisation's e-mail")
        for name, token in self.autocomplete.items():
            self.fields[name].widget.attrs["autocomplete"] = token
        for name in ("krs", "nip", "regon", "bank_account"):
            self.fields[name].widget.attrs.update(
                {
                    "inputmode": "numeric" if name != "bank_account" else "text",
                    "autocomplete": "off",
                    "spellcheck": "false",
                }
            )

    def _identifier(self, name: str, cleaner) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        try:
            return cleaner(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc

    def clean_krs(self):
        return self._identifier("krs", clean_krs)

    def clean_nip(self):
        return self._identifier("nip", clean_nip)

    def clean_regon(self):
        return self._identifier("regon", clean_regon)

    def clean_bank_account(self):
        return self._identifier("bank_account", clean_bank_account)

    def clean(self):
        data = super().clean()
        if (
            not data.get("krs")
            and not (data.get("other_register") or "").strip()
            and "krs" not in self.errors
        ):
            self.add_error("krs", _("Give the KRS number or the other register and number."))
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AccountForm(forms.Form):
    """The person's own account, created together with the organisation or on an invitation."""

    first_name = forms.CharField(label=_("first name"), max_length=150)
    last_name = forms.CharField(label=_("last name"), max_length=150)
    email = forms.EmailField(label=_("your e-mail"))
    username = forms.CharField(
        label=_("user name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; you will log in with it."),
    )
    password1 = forms.CharField(
        label=_("password"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("password again"), strip=False, widget=forms.PasswordInput(render_value=False)
    )
    function = forms.CharField(
        label=_("your function in the organisation"),
        max_length=200,
        required=False,
        help_text=_("e.g. President of the Board"),
    )

    autocomplete = {
        "first_name": "given-name",
        "last_name": "family-name",
        "email": "email",
        "username": "username",
        "password1": "new-password",
        "password2": "new-password",
        "function": "organization-title",
    }

    def __init__(self, *args, with_function: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_function:
            del self.fields["function"]
        for name, token in self.autocomplete.items():
            if name in self.fields:
                self.fields[name].widget.attrs["autocomplete"] = token

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if not re.fullmatch(r"[\w.@+-]+", username):
            raise ValidationError(_("Use only letters, digits and @ . + - _"), code="invalid")
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is taken; choose another."), code="taken")
        return username

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(
                username=data.get("username", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def create_user(self):
        data = self.cleaned_data
        return get_user_model().objects.create_user(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("e-mail of the person"))
    role = forms.ChoiceField(
        label=_("role"), choices=RepresentationRole.choices, initial=RepresentationRole.EDITOR
    )
    function = forms.CharField(
        label=_("function"),
        max_length=200,
        required=False,
        help_text=_("e.g. Treasurer, project coordinator"),
    )


class RepresentationForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=RepresentationRole.choices)
    function = forms.CharField(label=_("function"), max_length=200, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("file"), required=False)
    requirement = forms.TypedChoiceField(
        label=_("which attachment is it"), coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(label=_("description"), max_length=300, required=False)

    def __init__(self, *args, requirements=(), max_bytes: int, upload_too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_too_large = upload_too_large
        self.max_bytes = max_bytes
        self.fields["requirement"].choices = [("", _("another attachment"))] + [
            (r.pk, r.name) for r in requirements
        ]
        megabytes = max_bytes // 1048576
        self.fields["file"].help_text = _("PDF, JPG, PNG, DOCX, XLSX, ODT or ODS; at most {mb} MB.").format(
            mb=megabytes
        )
        self.fields["file"].widget.attrs.update(
            {
                "data-max-bytes": str(max_bytes),
                "data-max-message": str(_("The file is too large: at most {mb} MB.").format(mb=megabytes)),
                "accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.odt,.ods",
            }
        )

    def clean(self):
        data = super().clean()
        if self.upload_too_large:
            # workflow.uploads cut the request at the limit: say so at the field, never a 500.
            self.errors.pop("file", None)
            self.add_error(
                "file", _("The file is too large: at most {mb} MB.").format(mb=self.max_bytes // 1048576)
            )
        elif not data.get("file") and "file" not in self.errors:
            self.add_error("file", _("Choose a file to attach."))
        return data


class OrganizationChoiceForm(forms.Form):
    organization = forms.TypedChoiceField(
        label=_("offeror"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the organisation that makes the offer.")},
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]
        if len(self.fields["organization"].choices) == 1:
            self.fields["organization"].initial = organizations[0].pk


# --- the sections of the offer form --------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One input of a section.

    `kind`: text, textarea, date, money, email, tel, url, select, radio or checkbox.
    """

    name: str
    label: Any
    kind: str = "text"
    help: Any = ""
    choices: tuple = ()
    autocomplete: str = ""
    wide: bool = False
    formatted: bool = False  # a long text kept with simple formatting (paragraphs, lists)
    rows: int = 4

    @property
    def is_rows(self) -> bool:
        return False


@dataclass(frozen=True)
class Rows:
    """A repeating group (schedule actions, indicators, co-offerors, signatories, cost lines)."""

    name: str
    label: Any  # singular, e.g. "Action"
    fields: tuple[Field, ...]
    add_label: Any
    legend: Any = ""
    help: Any = ""

    @property
    def is_rows(self) -> bool:
        return True


@dataclass(frozen=True)
class Group:
    """A fieldset of a section."""

    legend: Any
    items: tuple[Field | Rows, ...]
    help: Any = ""


def _t(key: str) -> str:
    limit = TEXT_LIMITS.get(key)
    return _("At most {limit} characters.").format(limit=limit) if limit else ""


FORMAT_HELP = _("Separate paragraphs with an empty line; start list items with “- ”.")
YES_NO_ARREARS = (("no", _("does not have")), ("yes", _("has")))
PAID_CHOICES = (
    ("unpaid", _("free of charge (nieodpłatnie)")),
    ("paid", _("for payment (odpłatnie)")),
    ("both", _("partly free of charge, partly for payment")),
)

ACTION_ROWS = Rows(
    "actions",
    _("Action"),
    (
        Field("name", _("name of the action"), wide=True),
        Field("description", _("description"), kind="textarea", wide=True, rows=3),
        Field("target_group", _("target group")),
        Field("start", _("planned from"), kind="date"),
        Field("end", _("planned until"), kind="date"),
        Field(
            "non_party",
            _("carried out by an entity that is not a party to the contract"),
            kind="checkbox",
            wide=True,
        ),
    ),
    _("Add an action"),
    legend=_("Actions"),
    help=_(
        "List the actions in the order they will be carried out. "
        "Each action needs at least one cost line in V.A."
    ),
)

INDICATOR_ROWS = Rows(
    "indicators",
    _("Result"),
    (
        Field("name", _("result"), wide=True),
        Field("target", _("planned level (target value)")),
        Field("monitoring", _("how it is monitored / source of information")),
    ),
    _("Add a result"),
    legend=_("III.6 Additional information on the results"),
)

PARTNER_ROWS = Rows(
    "partners",
    _("Co-offeror"),
    (
        Field("name", _("name"), wide=True),
        Field("legal_form", _("legal form"), kind="select", choices=(("", "—"),) + tuple(LegalForm.choices)),
        Field("krs", _("KRS number")),
        Field("other_register", _("other register and number")),
        Field("nip", _("NIP")),
        Field("regon", _("REGON")),
        Field("address", _("seat address"), wide=True),
        Field(
            "actions",
            _("actions this co-offeror carries out (art. 14 ust. 2)"),
            kind="textarea",
            wide=True,
            rows=3,
        ),
        Field("share", _("its share of the costs (V.C)"), kind="money"),
    ),
    _("Add a co-offeror"),
    legend=_("II.1 Co-offerors"),
)

SIGNATORY_ROWS = Rows(
    "signatories",
    _("Person"),
    (
        Field("name", _("first name and surname"), autocomplete="name"),
        Field("function", _("function")),
    ),
    _("Add a person"),
    legend=_("Persons authorised to make declarations of will for the offeror"),
)

COST_LINE_FIELDS = (
    Field("name", _("type of cost")),
    Field("unit", _("unit")),
    Field("unit_cost", _("unit cost"), kind="money"),
    Field("units", _("number of units"), kind="money"),
    Field("grant_part", _("of which from the grant"), kind="money"),
)
COST_ROWS = Rows("lines", _("Cost line"), COST_LINE_FIELDS, _("Add a cost line"), legend=_("V.A Cost lines"))


def _section_items(key: str, *, competition=None, task_areas=(), questions=()) -> tuple:
    if key == "basic":
        return (
            Field(
                "task_area",
                _("I.2 Type of public task (from the announcement)"),
                kind="select",
                choices=tuple((str(a.pk), f"{a.number}. {a.name}") for a in task_areas),
                wide=True,
            ),
        )
    if key == "offeror":
        return (
            Group(
                _("II.1 The offeror"),
                (
                    Field("name", _("name"), wide=True, autocomplete="organization"),
                    Field("legal_form", _("legal form"), kind="select", choices=tuple(LegalForm.choices)),
                    Field("krs", _("KRS number")),
                    Field(
                        "other_register",
                        _("other register and number"),
                        help=_("Only if the offeror is not in the KRS."),
                    ),
                    Field("nip", _("NIP")),
                    Field("regon", _("REGON")),
                    Field("street", _("street and number"), autocomplete="street-address"),
                    Field("postal_code", _("postal code"), autocomplete="postal-code", help="00-000"),
                    Field("city", _("town"), autocomplete="address-level2"),
                    Field("correspondence_address", _("address for correspondence, if different"), wide=True),
                    Field("email", _("e-mail"), kind="email"),
                    Field("phone", _("phone"), kind="tel"),
                    Field("website", _("website"), kind="url"),
                ),
            ),
            Group(
                _("II.2 Person authorised to give explanations about the offer"),
                (
                    Field("contact_name", _("first name and surname"), autocomplete="name"),
                    Field("contact_phone", _("phone"), kind="tel"),
                    Field("contact_email", _("e-mail"), kind="email"),
                ),
            ),
        )
    if key == "partners":
        return (
            Field(
                "joint",
                _("This is a joint offer of several offerors (art. 14 ust. 2)"),
                kind="checkbox",
                wide=True,
            ),
            Group(
                _("Only for a joint offer"),
                (
                    PARTNER_ROWS,
                    Field("lead_share", _("our share of the costs (V.C)"), kind="money"),
                    Field(
                        "representation",
                        _("how the co-offerors are represented towards the authority (art. 14 ust. 2)"),
                        kind="textarea",
                        wide=True,
                        rows=3,
                        help=_t("partners.representation"),
                    ),
                ),
            ),
        )
    if key == "task":
        return (
            Field("title", _("III.1 Title of the public task"), wide=True, help=_t("task.title")),
            Field("start", _("III.2 Start date"), kind="date"),
            Field("end", _("III.2 End date"), kind="date"),
            Field(
                "place", _("place of performance"), kind="textarea", wide=True, rows=2, help=_t("task.place")
            ),
            Field(
                "synthesis",
                _("III.3 Synthetic description of the task"),
                kind="textarea",
                wide=True,
                rows=10,
                formatted=True,
                help=_(
                    "Where it will take place, for whom, what needs it answers, how it complements other "
                    "actions. {limit}"
                ).format(limit=_t("task.synthesis")),
            ),
        )
    if key == "schedule":
        return (ACTION_ROWS,)
    if key == "results":
        return (
            Field(
                "expected_results",
                _("III.5 Expected results and their durability"),
                kind="textarea",
                wide=True,
                rows=8,
                formatted=True,
                help=_t("results.expected_results"),
            ),
            INDICATOR_ROWS,
        )
    if key == "capacity":
        return (
            Field(
                "prior_activity",
                _("IV.1 The offeror's prior activity in this field"),
                kind="textarea",
                wide=True,
                rows=8,
                formatted=True,
                help=_t("capacity.prior_activity"),
            ),
            Field(
                "resources",
                _("IV.2 Human, material and financial resources for the task"),
                kind="textarea",
                wide=True,
                rows=8,
                formatted=True,
                help=_t("capacity.resources"),
            ),
        )
    if key == "costs":
        return (COST_ROWS,)
    if key == "sources":
        items = [
            Field(kind_key, label, kind="money", help=_("V.B row {row}").format(row=row))
            for kind_key, row, label in SOURCE_KINDS
        ]
        if competition is not None and not competition.per_line_grant_split:
            items.insert(0, Field("grant", _("planned grant"), kind="money", help=_("V.B row 2")))
        return tuple(items)
    if key == "other":
        return (
            Field(
                "paid_activity",
                _("VI.1 The task will be performed"),
                kind="radio",
                choices=PAID_CHOICES,
                wide=True,
            ),
            Field(
                "paid_description",
                _("the terms of the paid activity"),
                kind="textarea",
                wide=True,
                rows=3,
                help=_("Only if the task is performed (partly) for payment. {limit}").format(
                    limit=_t("other.paid_description")
                ),
            ),
            Field(
                "other_information",
                _("VI.2 Other information relevant to the assessment"),
                kind="textarea",
                wide=True,
                rows=6,
                formatted=True,
                help=_t("other.other_information"),
            ),
        )
    if key == "questions":
        return tuple(
            Field(
                f"answers.{q.pk}",
                q.text,
                kind="textarea",
                wide=True,
                rows=5,
                formatted=True,
                help=" ".join(
                    filter(
                        None,
                        [
                            q.help_text,
                            str(_("At most {limit} characters.").format(limit=q.max_length)),
                            "" if q.required else str(_("Optional.")),
                        ],
                    )
                ),
            )
            for q in questions
        )
    if key == "declarations":
        return (
            Group(
                _("VII. The offeror declares that"),
                tuple(Field(name, text, kind="checkbox", wide=True) for name, text in DECLARATIONS)
                + (
                    Field(
                        "tax_arrears", _("the offeror … tax arrears"), kind="radio", choices=YES_NO_ARREARS
                    ),
                    Field(
                        "social_insurance_arrears",
                        _("the offeror … social insurance arrears"),
                        kind="radio",
                        choices=YES_NO_ARREARS,
                    ),
                ),
            ),
            SIGNATORY_ROWS,
        )
    return ()


@dataclass
class SectionForm:
    """How one section of the offer is drawn and read back from a POST."""

    key: str
    items: tuple
    competition: Any = None
    years: list[int] = field(default_factory=list)

    def flat_items(self):
        for item in self.items:
            if isinstance(item, Group):
                yield from item.items
            else:
                yield item

    def parse(self, post, current: dict | None = None) -> tuple[dict, dict[str, list[int]]]:
        """The section's JSON from a POST, as typed, and for each repeating group the posted
        row numbers in order (the page may have gaps after rows were removed in the browser).

        Keys the page does not show (an API client's extras) are kept from `current`, and a
        value that did not change keeps its stored form (1 stays 1, an absent field stays absent),
        so that a section posted back unchanged is the stored section.
        """
        current = current if isinstance(current, dict) else {}
        data: dict[str, Any] = dict(current)
        positions: dict[str, list[int]] = {}
        for item in self.flat_items():
            if item.is_rows:
                rows, order = self._parse_rows(item, post, current.get(item.name))
                data[item.name] = rows
                positions[item.name] = order
            elif item.name.startswith("answers."):
                answers = current.get("answers") if isinstance(current.get("answers"), dict) else {}
                data["answers"] = dict(data.get("answers") if isinstance(data.get("answers"), dict) else {})
                question = item.name.split(".", 1)[1]
                _put(data["answers"], answers, question, _text(post.get(input_name(item.name))))
            elif item.kind == "checkbox":
                _put(data, current, item.name, input_name(item.name) in post)
            else:
                _put(data, current, item.name, _text(post.get(input_name(item.name))))
        return data, positions

    def _parse_rows(self, rows: Rows, post, current_rows: Any) -> tuple[list[dict], list[int]]:
        pattern = re.compile(rf"^{re.escape(rows.name)}-(\d+)-key$")
        indices = sorted({int(m.group(1)) for name in post for m in [pattern.match(name)] if m})
        before = [r for r in current_rows if isinstance(r, dict)] if isinstance(current_rows, list) else []
        by_key = {str(r["key"]): r for r in before if r.get("key")}
        result = []
        for position, index in enumerate(indices):
            prefix = f"{rows.name}-{index}-"
            # A row keeps its key (cost lines refer to actions by it); a row that never had one keeps
            # none, since offers.form then identifies it by its position, as before.
            key = _text(post.get(prefix + "key"))
            old = by_key.get(key) if key else (before[position] if position < len(before) else None)
            old = old if old is not None and (not key or old.get("key") == key) else {}
            row: dict[str, Any] = dict(old)
            if key:
                row["key"] = key
            for item in rows.fields:
                value = (
                    (prefix + item.name) in post
                    if item.kind == "checkbox"
                    else _text(post.get(prefix + item.name))
                )
                _put(row, old, item.name, value)
            if rows.name == "lines":
                group = "admin" if post.get(prefix + "group") == "admin" else "action"
                _put(row, old, "group", group)
                if group == "action":
                    _put(row, old, "action", _text(post.get(prefix + "action")))
                else:
                    row.pop("action", None)
                if len(self.years) > 1:
                    row["years"] = [_text(post.get(f"{prefix}years-{y}")) for y in range(len(self.years))]
                if self.competition is not None and not self.competition.per_line_grant_split:
                    row.pop("grant_part", None)
            result.append(row)
        return result, indices


def _put(target: dict, stored: dict, name: str, value: Any) -> None:
    """Set a typed value, keeping the stored form of an unchanged one (1 for "1"; an absent field
    stays absent rather than becoming "" or False)."""
    old = stored.get(name) if isinstance(stored, dict) else None
    if old is None:
        if value in ("", False):
            target.pop(name, None)
        else:
            target[name] = value
    elif not isinstance(old, bool | dict | list) and str(old) == str(value) or old == value:
        target[name] = old
    else:
        target[name] = value


def _text(value: Any) -> str:
    return "" if value is None else str(value).replace("\r\n", "\n")


def input_name(name: str) -> str:
    return name.replace(".", "-")


def new_row_key() -> str:
    return uuid.uuid4().hex[:10]


def section_form(key: str, *, competition=None, task_areas=(), questions=(), years=()) -> SectionForm:
    return SectionForm(
        key,
        _section_items(key, competition=competition, task_areas=task_areas, questions=questions),
        competition=competition,
        years=list(years),
    )


def rows_spec(form: SectionForm, name: str) -> Rows | None:
    for item in form.flat_items():
        if item.is_rows and item.name == name:
            return item
    return None


def add_row(data: dict, rows_name: str, **values: Any) -> tuple[dict, int]:
    """A copy of `data` with an empty row appended to group `rows_name` (the no-JS "add row")."""
    rows = list(data.get(rows_name) or [])
    rows.append({"key": new_row_key(), **values})
    return {**data, rows_name: rows}, len(rows) - 1


def remove_row(data: dict, rows_name: str, position: int) -> dict:
    rows = list(data.get(rows_name) or [])
    if 0 <= position < len(rows):
        del rows[position]
    return {**data, rows_name: rows}


def date_for_input(value: Any) -> tuple[str, bool]:
    """(value, is_iso): a date as <input type=date> wants it, or the text as typed if it is not
    a date, so that nothing typed disappears from the page."""
    if value in (None, ""):
        return "", True
    parsed, error = parse_date(value)
    if parsed is not None and not error:
        return parsed.isoformat(), True
    return str(value), False


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date)


# --- drawing a section: values as typed, errors at their fields ------------------------------------

INPUT_TYPES = {"text": "text", "money": "text", "date": "date", "email": "email", "tel": "tel", "url": "text"}


def bind_field(
    item: Field, value: Any, *, key: str, name: str, errors: dict[str, list[str]]
) -> dict[str, Any]:
    dom = "f-" + key.replace(".", "-")
    bound: dict[str, Any] = {
        "spec": item,
        "key": key,
        "id": dom,
        "name": name,
        "label": item.label,
        "kind": item.kind,
        "help": item.help,
        "help_id": f"help-{dom}" if item.help else "",
        "error_id": f"err-{dom}",
        "errors": errors.get(key, []),
        "autocomplete": item.autocomplete,
        "text_rows": item.rows,
        "input_type": INPUT_TYPES.get(item.kind, "text"),
    }
    if item.kind == "checkbox":
        bound["checked"] = value is True
        bound["value"] = ""
    elif item.kind in ("select", "radio"):
        current = "" if value is None else str(value)
        bound["value"] = current
        choices = [(str(v), label, str(v) == current) for v, label in item.choices]
        if item.kind == "select" and current and current not in {c[0] for c in choices}:
            # a value from elsewhere (the API, an old version) stays visible and is kept on save
            choices.append((current, current, True))
        bound["choices"] = choices
    elif item.kind == "date":
        text, iso = date_for_input(value)
        bound["value"] = text
        if not iso:
            bound["input_type"] = "text"
    else:
        bound["value"] = "" if value is None else str(value)
    bound["describedby"] = " ".join(filter(None, [bound["help_id"], bound["error_id"]]))
    return bound


def bind_rows(
    rows: Rows,
    values: Any,
    *,
    section: str,
    errors: dict[str, list[str]],
    positions: list[int] | None = None,
    extra=None,
) -> dict[str, Any]:
    """A repeating group: its rows as typed (`positions` are the row numbers on the page) and an
    empty template row for the browser's "add row" (index __i__)."""
    values = values if isinstance(values, list) else []
    group_key = f"{section}.{rows.name}"
    items = []
    for position, row in enumerate(values):
        row = row if isinstance(row, dict) else {}
        index = positions[position] if positions and position < len(positions) else position
        items.append(
            bind_row(rows, row, section=section, index=index, position=position, errors=errors, extra=extra)
        )
    template = bind_row(rows, {}, section=section, index="__i__", position=None, errors={}, extra=extra)
    next_index = (max(positions) + 1) if positions else len(values)
    return {
        "spec": rows,
        "key": group_key,
        "id": "f-" + group_key.replace(".", "-"),
        "items": items,
        "template": template,
        "errors": errors.get(group_key, []),
        "error_id": "err-f-" + group_key.replace(".", "-"),
        "next_index": next_index,
    }


def bind_row(rows: Rows, row: dict, *, section: str, index, position, errors, extra=None) -> dict[str, Any]:
    key = f"{section}.{rows.name}.{index}"
    fields = []
    for item in rows.fields:
        fields.append(
            bind_field(
                item,
                row.get(item.name),
                key=f"{key}.{item.name}",
                name=f"{rows.name}-{index}-{item.name}",
                errors=errors,
            )
        )
    bound = {
        "index": index,
        "position": position,
        "number": (position + 1) if position is not None else "",
        "row_key": row.get("key") or "",
        "key": key,
        "id": "f-" + key.replace(".", "-"),
        "fields": fields,
        "by_name": {f["spec"].name: f for f in fields},
        "errors": errors.get(key, []),
        "error_id": "err-f-" + key.replace(".", "-"),
        "data": row,
    }
    if extra is not None:
        bound.update(extra(row, index, key))
    bound["invalid"] = (
        bool(bound["errors"])
        or any(f["errors"] for f in fields)
        or any(f["errors"] for f in bound.get("year_fields", []))
    )
    return bound


def bind_section(
    form: SectionForm,
    data: dict,
    *,
    errors: dict[str, list[str]],
    positions: dict[str, list[int]] | None = None,
) -> list[dict[str, Any]]:
    """What the section template draws: groups, fields and repeating rows, with values and errors."""
    data = data or {}

    def bind_item(item):
        if isinstance(item, Group):
            return {
                "group": True,
                "legend": item.legend,
                "help": item.help,
                "items": [bind_item(inner) for inner in item.items],
            }
        if item.is_rows:
            return {
                "rows": True,
                **bind_rows(
                    item,
                    data.get(item.name),
                    section=form.key,
                    errors=errors,
                    positions=(positions or {}).get(item.name),
                ),
            }
        if item.name.startswith("answers."):
            answers = data.get("answers") if isinstance(data.get("answers"), dict) else {}
            value = answers.get(item.name.split(".", 1)[1])
        else:
            value = data.get(item.name)
        return {
            "field": True,
            **bind_field(
                item, value, key=f"{form.key}.{item.name}", name=input_name(item.name), errors=errors
            ),
        }

    return [bind_item(item) for item in form.items]


def anchor_keys(bound_items: list[dict[str, Any]], extra: tuple[str, ...] = ()) -> set[str]:
    """Every key on the page a problem can be shown at."""
    keys: set[str] = set(extra)

    def walk(items):
        for item in items:
            if item.get("group"):
                walk(item["items"])
            elif item.get("rows"):
                keys.add(item["key"])
                for row in item["items"]:
                    keys.add(row["key"])
                    keys.update(f["key"] for f in row["fields"])
                    keys.update(f["key"] for f in row.get("year_fields", []))
            else:
                keys.add(item["key"])

    walk(bound_items)
    return keys


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """{"actions": [{"name": "x"}]} -> {"actions.1.name": "x"} (rows numbered from 1, as people count)."""
    if isinstance(value, dict):
        items: dict[str, str] = {}
        for key, inner in value.items():
            if key == "key" and prefix:
                continue  # a row's internal identifier means nothing to people
            items.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return items
    if isinstance(value, list):
        items = {}
        for index, inner in enumerate(value):
            items.update(flatten(inner, f"{prefix}.{index + 1}"))
        return items
    if value is True:
        return {prefix: str(_("yes"))}
    if value is False:
        return {prefix: str(_("no"))}
    return {prefix: "" if value is None else str(value)}


def field_label(form: SectionForm, flat_key: str) -> str:
    """A person's name for a flattened key of this section.

    "actions.2.name" -> "Action 2 › name of the action".
    """
    parts = flat_key.split(".")
    for item in form.flat_items():
        if item.is_rows and parts[0] == item.name and len(parts) >= 2:
            rest = ".".join(parts[2:])
            inner = next((f for f in item.fields if f.name == rest), None)
            label = inner.label if inner else rest
            if parts[2:3] == ["years"]:
                label = _("year {n}").format(n=parts[3] if len(parts) > 3 else "")
            return f"{item.label} {parts[1]} › {label}" if rest else f"{item.label} {parts[1]}"
        if not item.is_rows and input_name(item.name) == input_name(flat_key):
            return str(item.label)
    return flat_key
