"""The statutory offer form (Reg. 2057 Annex 1) in code: its sections, how their content
is read from what was typed, the budget arithmetic, and every rule of DOMAIN.md §3.4.

A draft's sections are JSON documents exactly as the user typed them. `read_offer`
turns them into typed values and a list of Problems, each pointing at its section,
field and budget line ("V.A line I.2.1: …"). Reading never fails and never blocks
saving a draft: problems are only shown as the user goes, and only submission is
refused while any remain.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from .identifiers import clean_krs, clean_nip, clean_regon

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_YEARS = 3


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    title: Any


SECTIONS: tuple[Section, ...] = (
    Section("basic", "I", _("Basic information")),
    Section("offeror", "II", _("Offeror")),
    Section("partners", "II, V.C, VI", _("Joint offer")),
    Section("task", "III.1–3", _("The task")),
    Section("schedule", "III.4", _("Plan and schedule of actions")),
    Section("results", "III.5–6", _("Expected results")),
    Section("capacity", "IV", _("The offeror's experience and resources")),
    Section("costs", "V.A", _("Cost calculation")),
    Section("sources", "V.B", _("Sources of financing")),
    Section("other", "VI", _("Other information")),
    Section("questions", "+", _("Questions of the announcement")),
    Section("declarations", "VII", _("Declarations")),
    Section("attachments", "+", _("Attachments")),
)
SECTION_KEYS = tuple(s.key for s in SECTIONS)
DATA_SECTION_KEYS = tuple(k for k in SECTION_KEYS if k != "attachments")
SECTION_BY_KEY = {s.key: s for s in SECTIONS}

# Long text fields and their limits in characters (the form's boxes; generous but finite).
TEXT_LIMITS = {
    "task.title": 500, "task.synthesis": 10000, "task.place": 1000,
    "results.expected_results": 6000, "capacity.prior_activity": 6000, "capacity.resources": 6000,
    "other.other_information": 6000, "other.paid_description": 3000, "partners.representation": 3000,
}

SOURCE_KINDS = (
    # DOMAIN.md §3.2: a richer internal enum mapped to the V.B rows of the 2018 form
    ("own_financial", "3.1", _("own financial contribution")),
    ("other_public", "3.1", _("other public funds (within the own financial contribution)")),
    ("personal", "3.2", _("personal contribution (volunteers, members' unpaid work)")),
    ("in_kind", "3.2", _("in-kind contribution")),
    ("beneficiary_payments", "4", _("payments from the beneficiaries of the task")),
)
DECLARATIONS = (
    ("public_benefit_scope", _("The task will be carried out only within the offeror's public benefit activity.")),
    ("payments_within_paid_activity",
     _("Payments from beneficiaries will be collected only within paid public benefit activity.")),
    ("register_data_true", _("The data in section II agree with the KRS or the other register.")),
    ("information_true", _("All information in the offer and its attachments is true and current.")),
    ("personal_data_consents",
     _("The persons whose personal data the offer contains have made the statements required by data "
       "protection law.")),
)


# --- reading what was typed ------------------------------------------------------------------------

_MONEY_RE = re.compile(r"^-?\d+(\.\d+)?$")
_SPACES_RE = re.compile(r"\s+")


def without_nul(value: Any) -> Any:
    """U+0000 means nothing in a form's text, and PostgreSQL's jsonb and text columns cannot store it
    (a 500, not a field error): drop it from every key and string of what was posted."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value


def parse_index(value: Any) -> int | None:
    """A row number or an id from a form or a URL: ASCII digits only ("²" is a digit to str.isdigit,
    not to int), at most nine of them; anything else is None."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def parse_decimal(value: Any, *, places: int = 2) -> tuple[Decimal | None, Any]:
    """Read "1 250,50", "1250.50" or "1.250,50" as Decimal("1250.50"); never a float.

    Returns (value, None), (None, None) for an empty input, or (None, message).
    """
    if value is None:
        return None, None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        # any space groups thousands: " ", no-break (U+00A0), narrow no-break (U+202F), thin (U+2009)…
        text = _SPACES_RE.sub("", str(value)).replace("zł", "").replace("zl", "")
        if text == "":
            return None, None
        # "1.234,56" (dots group thousands when a comma is the decimal sign) or "1234,56" / "1234.56"
        text = text.replace(".", "").replace(",", ".") if "," in text and "." in text else text.replace(",", ".")
        if not _MONEY_RE.match(text):
            return None, _("“{value}” is not a number.").format(value=str(value)[:40])
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, _("“{value}” is not a number.").format(value=str(value)[:40])
    if number < 0:
        return None, _("The amount cannot be negative.")
    if number.as_tuple().exponent < -places:
        return None, _("Give at most {places} decimal places.").format(places=places)
    if number >= Decimal("1e12"):
        return None, _("The number is too large.")
    return number.quantize(Decimal(1).scaleb(-places)), None


def parse_date(value: Any) -> tuple[dt.date | None, Any]:
    if value in (None, ""):
        return None, None
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date(), None
        except ValueError:
            continue
    return None, _("“{value}” is not a date; use the format 31.12.2027.").format(value=text[:20])


def money(value: Decimal | None) -> str:
    """1250.5 -> "1 250,50 zł" (the Polish way, with a non-breaking thin space)."""
    if value is None:
        return "—"
    quantized = value.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    whole, cents = f"{abs(quantized):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{cents} zł"


def pct(part: Decimal, total: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    if not total:
        return ZERO
    return (Decimal(100) * part / total).quantize(CENT, rounding=rounding)


@dataclass
class Problem:
    section: str
    key: str
    message: Any
    label: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    warning: bool = False

    def text(self) -> str:
        message = str(self.message).format(**self.params) if self.params else str(self.message)
        return f"{self.label}: {message}" if self.label else message


@dataclass
class Action:
    index: int
    key: str
    label: str
    name: str
    non_party: bool


@dataclass
class Line:
    index: int
    key: str
    group: str
    action_key: str
    label: str
    name: str
    unit: str
    unit_cost: Decimal | None
    units: Decimal | None
    grant_part: Decimal | None
    year_values: list[Decimal | None]

    @property
    def value(self) -> Decimal | None:
        if self.unit_cost is None or self.units is None:
            return None
        return (self.unit_cost * self.units).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Budget:
    lines: list[Line]
    action_total: Decimal
    admin_total: Decimal
    grant: Decimal
    sources: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return self.action_total + self.admin_total

    @property
    def own_financial(self) -> Decimal:
        return self.sources["own_financial"] + self.sources["other_public"]

    @property
    def own_non_financial(self) -> Decimal:
        return self.sources["personal"] + self.sources["in_kind"]

    @property
    def own_contribution(self) -> Decimal:
        return self.own_financial + self.own_non_financial

    @property
    def sources_total(self) -> Decimal:
        return self.grant + sum(self.sources.values(), ZERO)

    def rows(self) -> list[dict[str, Any]]:
        """The V.B table: value and share of each row (DOMAIN.md §3.4 rule 4).

        When the sources add up to the total, the shares of rows 2, 3 and 4 sum to exactly
        100.00 and those of 3.1 and 3.2 to row 3: the last non-zero row of each group takes
        the remainder, so that a row worth 0,00 zł never shows -0.01 %. When the sources do
        not add up (a problem the form reports), each share is simply its own percentage.
        """
        total = self.total
        values = [
            ("1", _("Total cost of the task"), total),
            ("2", _("Planned grant"), self.grant),
            ("3", _("Own contribution"), self.own_contribution),
            ("3.1", _("own financial contribution"), self.own_financial),
            ("3.2", _("own non-financial contribution (personal and in-kind)"), self.own_non_financial),
            ("4", _("Payments from beneficiaries"), self.sources["beneficiary_payments"]),
        ]
        value_of = {n: v for n, _label, v in values}
        shares = {n: pct(v, total) for n, v in value_of.items()}
        shares["1"] = Decimal("100.00") if total else ZERO

        def remainder(whole: Decimal, parts: tuple[str, ...]) -> None:
            nonzero = [n for n in parts if value_of[n]]
            if nonzero:
                last = nonzero[-1]
                shares[last] = whole - sum((shares[n] for n in parts if n != last), ZERO)

        if total and self.sources_total == total:
            remainder(Decimal("100.00"), ("2", "3", "4"))
            remainder(shares["3"], ("3.1", "3.2"))
        return [{"number": n, "label": label, "value": v, "pct": shares[n]} for n, label, v in values]


@dataclass
class ReadOffer:
    data: dict[str, dict]
    start: dt.date | None
    end: dt.date | None
    years: list[int]
    actions: list[Action]
    budget: Budget
    problems: list[Problem]

    def problems_by_section(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = {key: [] for key in SECTION_KEYS}
        for problem in self.problems:
            grouped.setdefault(problem.section, []).append(problem)
        return grouped

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


class _Reader:
    def __init__(self, data: dict[str, dict], *, competition, task_area, questions, attachments, requirements):
        self.data = {key: (data.get(key) or {}) for key in DATA_SECTION_KEYS}
        self.competition = competition
        self.area = task_area
        self.questions = questions
        self.attachments = attachments
        self.requirements = requirements
        self.problems: list[Problem] = []

    # helpers
    def problem(self, section: str, key: str, message: Any, label: str = "", warning: bool = False, **params):
        self.problems.append(Problem(section, key, message, label, params, warning))

    def text(self, section: str, name: str, label: Any, *, required: bool = True) -> str:
        value = str(self.data[section].get(name) or "").strip()
        key = f"{section}.{name}"
        if required and not value:
            self.problem(section, key, _("{field} is required."), field=label)
        limit = TEXT_LIMITS.get(key)
        if limit and len(value) > limit:
            self.problem(section, key, _("{field} is too long: {length} characters, at most {limit}."),
                         field=label, length=len(value), limit=limit)
        return value

    def amount(self, section: str, key: str, value: Any, label: str = "", *, required: bool = False):
        number, error = parse_decimal(value)
        if error:
            self.problem(section, key, error, label)
        elif number is None and required:
            self.problem(section, key, _("Enter an amount."), label)
        return number

    # sections
    def read(self) -> ReadOffer:
        self.read_offeror()
        start, end, years = self.read_task()
        actions = self.read_schedule(start, end)
        self.read_results()
        self.text("capacity", "prior_activity", _("Prior activity (IV.1)"))
        self.text("capacity", "resources", _("Resources (IV.2)"))
        budget = self.read_budget(actions, years)
        self.read_partners(budget)
        self.read_other()
        self.read_questions()
        self.read_declarations()
        self.read_attachments()
        return ReadOffer(self.data, start, end, years, actions, budget, self.problems)

    def read_offeror(self):
        section = self.data["offeror"]
        for name, label in (("name", _("Name")), ("legal_form", _("Legal form")), ("street", _("Street")),
                            ("postal_code", _("Postal code")), ("city", _("Town")), ("email", _("E-mail"))):
            self.text("offeror", name, label)
        self.read_identifiers("offeror", section, "offeror")
        contact = section.get("contact_name"), section.get("contact_phone"), section.get("contact_email")
        if not (contact[0] and (contact[1] or contact[2])):
            self.problem("offeror", "offeror.contact_name",
                         _("Name the person who will give explanations about the offer, with a phone or e-mail "
                           "(II.2)."))
        postal = str(section.get("postal_code") or "").strip()
        if postal and not re.fullmatch(r"\d{2}-\d{3}", postal):
            self.problem("offeror", "offeror.postal_code", _("A postal code looks like 41-300."))

    def read_identifiers(self, section: str, values: dict, prefix: str, label: str = ""):
        krs, other = str(values.get("krs") or "").strip(), str(values.get("other_register") or "").strip()
        if not krs and not other:
            self.problem(section, f"{prefix}.krs", _("Give the KRS number or the other register and number."),
                         label)
        for name, cleaner in (("krs", clean_krs), ("nip", clean_nip), ("regon", clean_regon)):
            value = str(values.get(name) or "").strip()
            if value:
                try:
                    cleaner(value)
                except ValueError as exc:
                    self.problem(section, f"{prefix}.{name}", str(exc), label)

    def read_task(self):
        self.text("task", "title", _("Title (III.1)"))
        self.text("task", "synthesis", _("Synthetic description (III.3)"))
        self.text("task", "place", _("Place of performance"))
        start, error_start = parse_date(self.data["task"].get("start"))
        end, error_end = parse_date(self.data["task"].get("end"))
        for name, value, error in (("start", start, error_start), ("end", end, error_end)):
            if error:
                self.problem("task", f"task.{name}", error)
            elif value is None:
                self.problem("task", f"task.{name}", _("Give the date the task {which}."),
                             which=_("starts") if name == "start" else _("ends"))
        years: list[int] = []
        if start and end:
            if start > end:
                self.problem("task", "task.end", _("The task ends before it starts."))
            else:
                years = list(range(start.year, end.year + 1))
                if len(years) > MAX_YEARS:
                    self.problem("task", "task.end", _("A task lasts at most {n} budget years."), n=MAX_YEARS)
            area = self.area
            # DOMAIN.md §3.4 rule 8: within the window the announcement allows
            if start < area.window_start:
                self.problem("task", "task.start", _("The task may start on {date} at the earliest."),
                             date=area.window_start.strftime("%d.%m.%Y"))
            if end > area.window_end:
                self.problem("task", "task.end", _("The task must end by {date}."),
                             date=area.window_end.strftime("%d.%m.%Y"))
        return start, end, years or ([start.year] if start else [])

    def read_schedule(self, start, end) -> list[Action]:
        items = self.data["schedule"].get("actions") or []
        if not isinstance(items, list) or not items:
            self.problem("schedule", "schedule.actions", _("Plan at least one action (III.4)."))
            return []
        actions = []
        for index, item in enumerate(items):
            item = item if isinstance(item, dict) else {}
            label = f"III.4 {_('action')} {index + 1}"
            key = str(item.get("key") or index)
            prefix = f"schedule.actions.{index}"
            name = str(item.get("name") or "").strip()
            if not name:
                self.problem("schedule", f"{prefix}.name", _("Name the action."), label)
            if not str(item.get("description") or "").strip():
                self.problem("schedule", f"{prefix}.description", _("Describe the action."), label)
            a_start, e1 = parse_date(item.get("start"))
            a_end, e2 = parse_date(item.get("end"))
            for suffix, value, error in (("start", a_start, e1), ("end", a_end, e2)):
                if error:
                    self.problem("schedule", f"{prefix}.{suffix}", error, label)
                elif value is None:
                    self.problem("schedule", f"{prefix}.{suffix}", _("Give the planned dates."), label)
            if a_start and a_end:
                if a_start > a_end:
                    self.problem("schedule", f"{prefix}.end", _("The action ends before it starts."), label)
                if start and end and (a_start < start or a_end > end):
                    self.problem("schedule", f"{prefix}.start", _("The action lies outside the task's dates."), label)
            actions.append(Action(index, key, f"I.{index + 1}", name, bool(item.get("non_party"))))
        return actions

    def read_results(self):
        self.text("results", "expected_results", _("Expected results (III.5)"))
        indicators = self.data["results"].get("indicators") or []
        if not isinstance(indicators, list) or not indicators:
            self.problem("results", "results.indicators", _("Give at least one result with its target value (III.6)."))
            return
        for index, item in enumerate(indicators):
            item = item if isinstance(item, dict) else {}
            label = f"III.6 {_('result')} {index + 1}"
            for name, message in (("name", _("Name the result.")), ("target", _("Give the planned level.")),
                                  ("monitoring", _("Say how it will be monitored."))):
                if not str(item.get(name) or "").strip():
                    self.problem("results", f"results.indicators.{index}.{name}", message, label)

    def read_budget(self, actions: list[Action], years: list[int]) -> Budget:
        raw_lines = self.data["costs"].get("lines") or []
        if not isinstance(raw_lines, list):
            raw_lines = []
        action_by_key = {a.key: a for a in actions}
        counters: dict[str, int] = {}
        admin_counter = 0
        lines: list[Line] = []
        split = self.competition.per_line_grant_split
        for index, item in enumerate(raw_lines):
            item = item if isinstance(item, dict) else {}
            group = "admin" if item.get("group") == "admin" else "action"
            action_key = str(item.get("action") or "")
            if group == "admin":
                admin_counter += 1
                label = f"II.{admin_counter}"
            elif action_key in action_by_key:
                action = action_by_key[action_key]
                counters[action.key] = counters.get(action.key, 0) + 1
                label = f"{action.label}.{counters[action.key]}"
            else:
                label = f"I.?.{index + 1}"
            shown = f"V.A {_('line')} {label}"
            prefix = f"costs.lines.{index}"
            if group == "action" and action_key not in action_by_key:
                self.problem("costs", f"{prefix}.action", _("Choose the action (III.4) this cost belongs to."), shown)
            name = str(item.get("name") or "").strip()
            unit = str(item.get("unit") or "").strip()
            if not name:
                self.problem("costs", f"{prefix}.name", _("Name the type of cost."), shown)
            if not unit:
                self.problem("costs", f"{prefix}.unit", _("Give the unit of measure."), shown)
            unit_cost = self.amount("costs", f"{prefix}.unit_cost", item.get("unit_cost"), shown, required=True)
            units = self.amount("costs", f"{prefix}.units", item.get("units"), shown, required=True)
            if units is not None and units == 0:
                self.problem("costs", f"{prefix}.units", _("The number of units must be more than zero."), shown)
            grant_part = None
            if split:
                grant_part = self.amount("costs", f"{prefix}.grant_part", item.get("grant_part"), shown)
            year_values: list[Decimal | None] = []
            raw_years = item.get("years") if isinstance(item.get("years"), list) else []
            if len(years) > 1:
                for y_index, _year in enumerate(years):
                    raw = raw_years[y_index] if y_index < len(raw_years) else None
                    year_values.append(self.amount("costs", f"{prefix}.years.{y_index}", raw, shown, required=True))
            line = Line(index, str(item.get("key") or index), group, action_key, label, name, unit, unit_cost, units,
                        grant_part if grant_part is not None else (ZERO if split else None), year_values)
            value = line.value
            if value is not None and split and grant_part is not None and grant_part > value:
                self.problem("costs", f"{prefix}.grant_part",
                             _("The grant part ({part}) exceeds the line's value ({value}) by {excess}."), shown,
                             part=money(grant_part), value=money(value), excess=money(grant_part - value))
            if value is not None and len(years) > 1 and all(v is not None for v in year_values):
                year_sum = sum(year_values, ZERO)
                if year_sum != value:
                    # §3.4 rule 1: for multi-year tasks the value is the sum of the year columns
                    self.problem("costs", f"{prefix}.years",
                                 _("The years add up to {sum}, not to the line's value {value} "
                                   "(difference {diff})."), shown,
                                 sum=money(year_sum), value=money(value), diff=money(abs(year_sum - value)))
            lines.append(line)
        if not lines:
            self.problem("costs", "costs.lines", _("The cost calculation has no lines."))
        for action in actions:
            # §3.4 rule 9: every action has at least one cost line
            if not any(line.action_key == action.key and line.group == "action" for line in lines):
                self.problem("costs", "costs.lines", _("Action {action} “{name}” has no cost line."),
                             action=action.label, name=action.name or "…")
            if action.non_party and any(line.action_key == action.key for line in lines):
                self.problem("costs", "costs.lines",
                             _("Action {action} is carried out by an entity that is not a party to the contract; "
                               "its costs are flagged for the committee."), action=action.label, warning=True)
        action_total = sum((line.value or ZERO for line in lines if line.group == "action"), ZERO)
        admin_total = sum((line.value or ZERO for line in lines if line.group == "admin"), ZERO)

        sources_data = self.data["sources"]
        sources = {}
        for kind, _row, label in SOURCE_KINDS:
            sources[kind] = self.amount("sources", f"sources.{kind}", sources_data.get(kind), f"V.B {label}") or ZERO
        if split:
            grant = sum((line.grant_part or ZERO for line in lines), ZERO)
        else:
            grant = self.amount("sources", "sources.grant", sources_data.get("grant"), "V.B 2", required=True) or ZERO
        budget = Budget(lines, action_total, admin_total, grant, sources)
        self.check_budget(budget)
        return budget

    def check_budget(self, budget: Budget):
        area, total, grant = self.area, budget.total, budget.grant
        if not total:
            return
        # §3.4 rule 3: the sources equal the total cost, to the grosz
        if budget.sources_total != total:
            diff = budget.sources_total - total
            self.problem("sources", "sources.total",
                         _("The sources add up to {sources} but the costs total {total}: {diff} {direction}."),
                         "V.B 1", sources=money(budget.sources_total), total=money(total), diff=money(abs(diff)),
                         direction=_("too much") if diff > 0 else _("missing"))
        # §3.4 rule 5: within the announcement's limits
        if area.max_grant is not None and grant > area.max_grant:
            self.problem("sources", "sources.grant", _("The grant exceeds the task's maximum of {max} by {excess}."),
                         "V.B 2", max=money(area.max_grant), excess=money(grant - area.max_grant))
        if area.min_grant is not None and grant < area.min_grant:
            self.problem("sources", "sources.grant", _("The grant is below the task's minimum of {min} by {gap}."),
                         "V.B 2", min=money(area.min_grant), gap=money(area.min_grant - grant))
        if grant == 0:
            self.problem("sources", "sources.grant", _("The offer requests no grant."), "V.B 2")
        # §3.4 rule 6: wspieranie is co-financing (art. 5 ust. 4 pkt 2)
        if area.form == "wspieranie" and grant >= total:
            self.problem("sources", "sources.grant",
                         _("In the form of support (wspieranie) the grant co-finances the task: it must be less "
                           "than the total cost (art. 5 ust. 4 pkt 2)."), "V.B 2")
        if area.form == "powierzenie" and grant > total:
            self.problem("sources", "sources.grant", _("The grant cannot exceed the total cost."), "V.B 2")
        # The limits are compared exactly, not after rounding the share to 0.01 %: on 1 000 000,00 zł
        # a share of 9.995 % rounds to 10.00 % yet lacks 50,00 zł. Shown shares round away from the limit.
        min_own, min_financial, max_admin = (area.min_own_contribution_pct, area.min_own_financial_pct,
                                              area.max_admin_costs_pct)
        if min_own is not None and budget.own_contribution * 100 < total * min_own:
            needed = (total * area.min_own_contribution_pct / 100).quantize(CENT, rounding=ROUND_CEILING)
            self.problem("sources", "sources.own_financial",
                         _("The own contribution is {share}% of the cost; the announcement requires at least "
                           "{min}% ({needed}), {gap} more."), "V.B 3",
                         share=pct(budget.own_contribution, total, rounding=ROUND_FLOOR),
                         min=area.min_own_contribution_pct, needed=money(needed),
                         gap=money(needed - budget.own_contribution))
        if min_financial is not None and budget.own_financial * 100 < total * min_financial:
            self.problem("sources", "sources.own_financial",
                         _("The own financial contribution is {share}% of the cost; at least {min}% is "
                           "required."), "V.B 3.1", share=pct(budget.own_financial, total, rounding=ROUND_FLOOR),
                         min=area.min_own_financial_pct)
        # §3.4 rule 7: administrative costs capped by the announcement
        if max_admin is not None and budget.admin_total and budget.admin_total * 100 > total * max_admin:
            limit = (total * area.max_admin_costs_pct / 100).quantize(CENT, rounding=ROUND_FLOOR)
            self.problem("costs", "costs.admin_total",
                         _("Administrative costs are {admin}, {share}% of the total; at most {max}% ({limit}) "
                           "is allowed, {excess} too much."), "V.A II",
                         admin=money(budget.admin_total),
                         share=pct(budget.admin_total, total, rounding=ROUND_CEILING),
                         max=area.max_admin_costs_pct, limit=money(limit),
                         excess=money(budget.admin_total - limit))

    def read_partners(self, budget: Budget):
        section = self.data["partners"]
        if not section.get("joint"):
            return
        if not self.competition.allow_joint_offers:
            self.problem("partners", "partners.joint", _("This competition does not accept joint offers."))
            return
        partners = section.get("partners") if isinstance(section.get("partners"), list) else []
        if not partners:
            self.problem("partners", "partners.partners", _("Name at least one co-offeror (II.1)."))
        shares_total = ZERO
        lead = self.amount("partners", "partners.lead_share", section.get("lead_share"), "V.C", required=True)
        shares_total += lead or ZERO
        for index, partner in enumerate(partners):
            partner = partner if isinstance(partner, dict) else {}
            label = f"{_('Co-offeror')} {index + 1}"
            prefix = f"partners.partners.{index}"
            for name, message in (("name", _("Give the co-offeror's name.")),
                                  ("address", _("Give the co-offeror's seat address.")),
                                  ("actions", _("Say which actions this co-offeror carries out (art. 14 ust. 2)."))):
                if not str(partner.get(name) or "").strip():
                    self.problem("partners", f"{prefix}.{name}", message, label)
            self.read_identifiers("partners", partner, prefix, label)
            share = self.amount("partners", f"{prefix}.share", partner.get("share"), f"V.C {label}", required=True)
            shares_total += share or ZERO
        self.text("partners", "representation", _("How the co-offerors are represented (art. 14 ust. 2)"))
        # §3.4 rule 10: the split between co-offerors adds up to the total cost
        if budget.total and shares_total != budget.total:
            self.problem("partners", "partners.shares",
                         _("The co-offerors' shares add up to {sum}, not to the total cost {total}."), "V.C",
                         sum=money(shares_total), total=money(budget.total))

    def read_other(self):
        paid = self.data["other"].get("paid_activity")
        if paid not in ("unpaid", "paid", "both"):
            self.problem("other", "other.paid_activity",
                         _("Declare whether the task will be performed for payment or free of charge (VI.1)."))
        elif paid in ("paid", "both"):
            self.text("other", "paid_description", _("The terms of the paid activity"))
        self.text("other", "other_information", _("Other information"), required=False)

    def read_questions(self):
        answers = self.data["questions"].get("answers") or {}
        answers = answers if isinstance(answers, dict) else {}
        for question in self.questions:
            answer = str(answers.get(str(question.pk)) or "").strip()
            key = f"questions.answers.{question.pk}"
            if question.required and not answer:
                self.problem("questions", key, _("Answer the question: “{question}”."), question=question.text)
            if len(answer) > question.max_length:
                self.problem("questions", key, _("The answer is too long: {length} characters, at most {limit}."),
                             length=len(answer), limit=question.max_length)

    def read_declarations(self):
        section = self.data["declarations"]
        for name, text in DECLARATIONS:
            if section.get(name) is not True:
                self.problem("declarations", f"declarations.{name}", _("Confirm: {text}"), "VII", text=text)
        for name, label in (("tax_arrears", _("tax arrears")), ("social_insurance_arrears",
                                                                   _("social insurance arrears"))):
            # §3.4 rule 11: arrears are recorded, not blocked
            if section.get(name) not in ("no", "yes"):
                self.problem("declarations", f"declarations.{name}", _("State whether the offeror has {what}."),
                             "VII", what=label)
        signatories = section.get("signatories") if isinstance(section.get("signatories"), list) else []
        named = [s for s in signatories if isinstance(s, dict) and str(s.get("name") or "").strip()]
        if not named:
            self.problem("declarations", "declarations.signatories",
                         _("Name the person or persons authorised to make declarations of will for the offeror."),
                         "VII")

    def read_attachments(self):
        joint = bool(self.data["partners"].get("joint"))
        has_krs = bool(str(self.data["offeror"].get("krs") or "").strip())
        present = {a.requirement_id for a in self.attachments}
        for requirement in self.requirements:
            needed = (requirement.required_for == "all" or (requirement.required_for == "joint" and joint)
                      or (requirement.required_for == "no_krs" and not has_krs))
            if needed and requirement.pk not in present:
                self.problem("attachments", f"attachments.{requirement.pk}", _("Attach: {name}."),
                             name=requirement.name)


def read_offer(data: dict[str, dict], *, competition, task_area, questions=(), attachments=(), requirements=()):
    return _Reader(data, competition=competition, task_area=task_area, questions=list(questions),
                   attachments=list(attachments), requirements=list(requirements)).read()


def read_offer_from_db(offer) -> ReadOffer:
    """Read a stored offer: its sections, the announcement's questions and requirements, its attachments."""
    data = {s.key: s.data for s in offer.sections.all()}
    competition = offer.competition
    return read_offer(
        data, competition=competition, task_area=offer.task_area,
        questions=competition.extra_questions.all(), requirements=competition.required_attachments.all(),
        attachments=offer.attachments.filter(removed_at__isnull=True),
    )


def check_offer(offer) -> list[Problem]:
    return read_offer_from_db(offer).blocking
