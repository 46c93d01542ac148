"""Forms of the committee's pages: they carry what was typed back to the page and hand it to
the services, which alone decide what is valid (numbers are parsed there, the Polish way)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from offers.form import parse_decimal

from .models import AwardState

# KPA art. 24 § 1 and § 3, which art. 15 ust. 2f of the Act applies to the committee's members,
# read for a member giving an opinion on an offer.
KPA_GROUNDS = (
    ("kpa24_1_1", _("KPA art. 24 § 1 pkt 1"),
     _("I am the offeror, or I am in such a legal relationship with it that the outcome may affect my "
       "rights or duties (for example I am its member, employee or volunteer).")),
    ("kpa24_1_2", _("KPA art. 24 § 1 pkt 2"),
     _("A person acting for the offeror is my spouse, or my relative or in-law up to the second degree.")),
    ("kpa24_1_3", _("KPA art. 24 § 1 pkt 3"),
     _("A person acting for the offeror is linked to me by adoption, guardianship or curatorship.")),
    ("kpa24_1_4", _("KPA art. 24 § 1 pkt 4"),
     _("I am or was the offeror's representative, or one of the persons above represents it.")),
    ("kpa24_1_5", _("KPA art. 24 § 1 pkt 5"),
     _("I took part in an earlier decision on this offer that is now being reviewed.")),
    ("kpa24_1_6", _("KPA art. 24 § 1 pkt 6"),
     _("Disciplinary or criminal proceedings were started against me in connection with the offeror.")),
    ("kpa24_1_7", _("KPA art. 24 § 1 pkt 7"),
     _("A person acting for the offeror is my superior at work.")),
    ("kpa24_3", _("KPA art. 24 § 3"),
     _("Another circumstance that may raise doubt about my impartiality.")),
)
KPA_GROUND_LABELS = {code: (article, text) for code, article, text in KPA_GROUNDS}


class ConflictForm(forms.Form):
    """A declared conflict of interest: the ground of KPA art. 24 and, optionally, the details."""

    ground = forms.ChoiceField(label=_("Ground"), choices=[("", _("Choose the ground"))] + [
        (code, f"{article}: {text}") for code, article, text in KPA_GROUNDS],
        error_messages={"required": _("Choose the ground of the conflict.")})
    details = forms.CharField(label=_("Details (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def ground_text(self) -> str:
        article, text = KPA_GROUND_LABELS[self.cleaned_data["ground"]]
        details = self.cleaned_data.get("details", "").strip()
        return f"{article}: {text}" + (f" — {details}" if details else "")


class ScoreSheetForm:
    """The member's score sheet as posted: raw text per criterion (kept to show it back) and
    the shape scores_save takes. Field names: points-<criterion id>, comment-<criterion id>."""

    def __init__(self, criteria, data=None):
        self.criteria = list(criteria)
        self.data = data

    @staticmethod
    def points_name(criterion) -> str:
        return f"points-{criterion.pk}"

    @staticmethod
    def comment_name(criterion) -> str:
        return f"comment-{criterion.pk}"

    def raw(self, criterion) -> tuple[str, str]:
        if self.data is None:
            return "", ""
        return (str(self.data.get(self.points_name(criterion), "")).strip(),
                str(self.data.get(self.comment_name(criterion), "")))

    @property
    def comment(self) -> str:
        return str(self.data.get("comment", "")) if self.data is not None else ""

    def scores(self) -> dict[int, dict[str, str]]:
        """What scores_save takes; a criterion left empty is not sent (nothing to save)."""
        result = {}
        for criterion in self.criteria:
            points, comment = self.raw(criterion)
            if points:
                result[criterion.pk] = {"points": points, "comment": comment}
        return result


class ReopenForm(forms.Form):
    sheet = forms.TypedChoiceField(label=_("Member"), coerce=int, choices=(),
                                   error_messages={"required": _("Choose whose sheet to reopen.")})
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Give the reason for reopening the sheet.")})

    def __init__(self, *args, sheets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [("", _("Choose a member"))] + [
            (sheet.pk, sheet.seat.user.get_full_name() or sheet.seat.user.username) for sheet in sheets]


class CloseScoringForm(forms.Form):
    """The members present who sign the protocol (DOMAIN.md §5: signed by those present)."""

    present = forms.MultipleChoiceField(label=_("Members present"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    others = forms.CharField(label=_("Others present who sign (optional)"), required=False, max_length=500,
                             help_text=_("Names separated by commas."))

    def __init__(self, *args, seats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.names = {str(seat.pk): seat.user.get_full_name() or seat.user.username for seat in seats}
        self.fields["present"].choices = [
            (str(seat.pk), f"{self.names[str(seat.pk)]} — {seat.get_role_display()}") for seat in seats]
        if not self.is_bound:
            self.initial["present"] = list(self.names)

    def signed_by(self) -> str:
        names = [self.names[pk] for pk in self.cleaned_data.get("present", []) if pk in self.names]
        names += [n.strip() for n in self.cleaned_data.get("others", "").split(",") if n.strip()]
        return ", ".join(names)


class ProposalForm:
    """One offer's proposal as typed: amount, the committee's justification and the reason
    for a lower amount. Field names carry the award's id: amount-<id> and so on."""

    FIELDS = ("amount", "justification", "cut_reason")

    def __init__(self, award, data=None):
        self.award = award
        self.data = data
        self.errors: dict[str, list[str]] = {}

    def name(self, field: str) -> str:
        return f"{field}-{self.award.pk}"

    def value(self, field: str) -> str:
        if self.data is not None and self.name(field) in self.data:
            return str(self.data.get(self.name(field), ""))
        if field == "amount":
            amount = self.award.proposed_amount
            return f"{amount:.2f}".replace(".", ",") if amount is not None else ""
        return getattr(self.award, field) or ""

    @property
    def value_amount(self) -> str:
        return self.value("amount")

    @property
    def value_justification(self) -> str:
        return self.value("justification")

    @property
    def value_cut_reason(self) -> str:
        return self.value("cut_reason")

    def changed(self) -> bool:
        """Whether the row says anything new (an unchanged proposal is not proposed again)."""
        if self.data is None or not self.value("amount").strip():
            return False
        amount, _error = parse_decimal(self.value("amount"))
        return (amount is None or amount != self.award.proposed_amount
                or self.value("justification") != self.award.justification
                or self.value("cut_reason") != self.award.cut_reason
                or self.award.state != AwardState.PROPOSED)
