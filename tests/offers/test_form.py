"""The statutory form's rules (DOMAIN.md §3.4), each at its exact field or budget line, and
properties of the money arithmetic (Decimal only, to the grosz).

These read offers with unsaved model instances: the form is pure code and needs no database.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from competitions.models import Competition, ExtraQuestion, RequiredAttachment, TaskArea
from offers.form import (
    DECLARATIONS,
    SECTION_KEYS,
    Budget,
    Line,
    money,
    parse_date,
    parse_decimal,
    pct,
    read_offer,
)
from offers.models import OfferAttachment

from ..factories import OrganizationFactory, complete_sections

D = Decimal


@pytest.fixture(autouse=True, scope="module")
def english():
    """The messages asserted here are the English source strings, whatever locale/pl holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


NBSP = "\u00a0"


def make_area(**overrides) -> TaskArea:
    fields = {
        "pk": 11,
        "number": 1,
        "name": "Centrum wsparcia",
        "sphere": "wspieranie_ngo",
        "form": "wspieranie",
        "budget": D("120000.00"),
        "min_grant": D("20000.00"),
        "max_grant": D("60000.00"),
        "min_own_contribution_pct": D("10.00"),
        "max_admin_costs_pct": D("15.00"),
        "window_start": dt.date(2027, 3, 1),
        "window_end": dt.date(2027, 12, 15),
    }
    fields.update(overrides)
    return TaskArea(**fields)


def make_competition(**overrides) -> Competition:
    return Competition(**{"per_line_grant_split": True, "allow_joint_offers": True, **overrides})


@pytest.fixture
def area():
    return make_area()


@pytest.fixture
def sections(area):
    return complete_sections(area, OrganizationFactory.build())


def read(data, *, area=None, competition=None, **kwargs):
    return read_offer(
        data, competition=competition or make_competition(), task_area=area or make_area(), **kwargs
    )


def by_key(result) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in result.problems:
        found.setdefault(problem.key, []).append(problem.text())
    return found


def blocking_keys(result) -> set[str]:
    return {p.key for p in result.blocking}


def test_the_complete_offer_has_no_problem(sections):
    result = read(sections)
    assert result.problems == []
    assert result.budget.total == D("34000.00") and result.budget.grant == D("30000.00")
    assert result.years == [2027] and [a.label for a in result.actions] == ["I.1"]
    assert [line.label for line in result.budget.lines] == ["I.1.1", "II.1"]


def test_every_section_of_the_form_is_known():
    assert SECTION_KEYS == (
        "basic",
        "offeror",
        "partners",
        "task",
        "schedule",
        "results",
        "capacity",
        "costs",
        "sources",
        "other",
        "questions",
        "declarations",
        "attachments",
    )


def test_an_empty_offer_reads_without_failing_and_lists_its_problems():
    result = read({})
    keys = blocking_keys(result)
    assert {
        "offeror.name",
        "task.title",
        "task.start",
        "schedule.actions",
        "results.indicators",
        "costs.lines",
        "other.paid_activity",
        "declarations.signatories",
    } <= keys
    assert all(p.text() for p in result.problems)


# --- rule 1: line value = unit cost × units, rounded; years sum to the value -----------------------------


def test_line_value_is_unit_cost_times_units_rounded_half_up():
    line = Line(0, "k", "action", "a1", "I.1.1", "x", "szt.", D("33.33"), D("0.15"), None, [])
    assert line.value == D("5.00")  # 4.9995 -> 5.00
    assert Line(0, "k", "action", "a1", "I.1.1", "x", "szt.", D("0.05"), D("0.50"), None, []).value == D(
        "0.03"
    )


def test_a_grant_part_above_the_line_value_points_at_that_line(sections):
    sections["costs"]["lines"].insert(
        1,
        {
            "key": "c3",
            "group": "action",
            "action": "a1",
            "name": "Sala",
            "unit": "godz.",
            "unit_cost": "120",
            "units": "100",
            "grant_part": "12500",
        },
    )
    result = read(sections)
    assert by_key(result)["costs.lines.1.grant_part"] == [
        "V.A line I.1.2: The grant part (12 500,00 zł) exceeds the line's value (12 000,00 zł) by 500,00 zł."
    ]
    problem = next(p for p in result.problems if p.key == "costs.lines.1.grant_part")
    assert (problem.section, problem.label) == ("costs", "V.A line I.1.2")


def test_line_numbers_follow_actions_and_the_admin_group(sections):
    sections["schedule"]["actions"].append(
        {
            "key": "a2",
            "name": "Warsztaty",
            "description": "Cykl warsztatów",
            "start": "2027-04-01",
            "end": "2027-06-30",
        }
    )
    lines = sections["costs"]["lines"]
    lines.insert(
        0,
        {
            "key": "c0",
            "group": "action",
            "action": "a2",
            "name": "Trener",
            "unit": "godz.",
            "unit_cost": "100",
            "units": "10",
            "grant_part": "0",
        },
    )
    lines.append(
        {
            "key": "c4",
            "group": "admin",
            "name": "Księgowość",
            "unit": "mies.",
            "unit_cost": "100",
            "units": "1",
        }
    )
    lines.append(
        {
            "key": "c5",
            "group": "action",
            "action": "a1",
            "name": "Materiały",
            "unit": "kpl.",
            "unit_cost": "10",
            "units": "1",
        }
    )
    result = read(sections)
    assert [line.label for line in result.budget.lines] == ["I.2.1", "I.1.1", "II.1", "II.2", "I.1.2"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unit_cost", "abc", "V.A line I.1.1: “abc” is not a number."),
        ("unit_cost", "10,555", "V.A line I.1.1: Give at most 2 decimal places."),
        ("unit_cost", "-5", "V.A line I.1.1: The amount cannot be negative."),
        ("unit_cost", "", "V.A line I.1.1: Enter an amount."),
        ("units", "0", "V.A line I.1.1: The number of units must be more than zero."),
        ("name", " ", "V.A line I.1.1: Name the type of cost."),
        ("unit", "", "V.A line I.1.1: Give the unit of measure."),
    ],
)
def test_a_bad_cell_is_reported_at_its_line_and_column(sections, field, value, message):
    sections["costs"]["lines"][0][field] = value
    assert message in by_key(read(sections))[f"costs.lines.0.{field}"]


def test_a_cost_of_an_unknown_action_asks_for_the_action(sections):
    sections["costs"]["lines"][0]["action"] = "nope"
    assert by_key(read(sections))["costs.lines.0.action"] == [
        "V.A line I.?.1: Choose the action (III.4) this cost belongs to."
    ]


@pytest.fixture
def two_years():
    area = make_area(window_end=dt.date(2028, 12, 15))
    data = complete_sections(area, OrganizationFactory.build())
    data["task"]["end"] = "2028-06-30"
    return area, data


def test_multi_year_lines_need_every_year_column(two_years):
    area, data = two_years
    data["costs"]["lines"][0]["years"] = ["20000", "12000"]
    result = read(data, area=area)
    assert result.years == [2027, 2028]
    found = by_key(result)
    assert found["costs.lines.1.years.0"] == ["V.A line II.1: Enter an amount."]
    assert found["costs.lines.1.years.1"] == ["V.A line II.1: Enter an amount."]
    assert not any(key.startswith("costs.lines.0") for key in found)


def test_multi_year_columns_must_add_up_to_the_line(two_years):
    area, data = two_years
    data["costs"]["lines"][0]["years"] = ["20000", "11000"]
    data["costs"]["lines"][1]["years"] = ["1000,50", "999,50"]
    result = read(data, area=area)
    assert by_key(result) == {
        "costs.lines.0.years": [
            "V.A line I.1.1: The years add up to 31 000,00 zł, not to the line's value 32 000,00 zł "
            "(difference 1 000,00 zł)."
        ]
    }
    assert result.budget.lines[1].year_values == [D("1000.50"), D("999.50")]


def test_a_task_longer_than_three_budget_years_is_refused():
    area = make_area(window_end=dt.date(2031, 12, 31))
    data = complete_sections(area, OrganizationFactory.build())
    data["task"]["end"] = "2030-01-31"
    assert "A task lasts at most 3 budget years." in by_key(read(data, area=area))["task.end"]


# --- rules 2–4: totals, sources, shares ----------------------------------------------------------------


def test_the_total_is_actions_plus_administration(sections):
    budget = read(sections).budget
    assert (budget.action_total, budget.admin_total, budget.total) == (
        D("32000.00"),
        D("2000.00"),
        D("34000.00"),
    )


@pytest.mark.parametrize(("own", "text"), [("3000", "1 000,00 zł missing"), ("4000.01", "0,01 zł too much")])
def test_sources_must_equal_the_total_to_the_grosz(sections, own, text):
    area = make_area(min_own_contribution_pct=None)
    sections["sources"]["own_financial"] = own
    found = by_key(read(sections, area=area))
    assert list(found) == ["sources.total"]
    assert found["sources.total"][0].startswith("V.B 1: The sources add up to ")
    assert found["sources.total"][0].endswith(f"but the costs total 34 000,00 zł: {text}.")


def test_the_v_b_table_of_the_complete_offer(sections):
    rows = {r["number"]: (r["value"], r["pct"]) for r in read(sections).budget.rows()}
    assert rows == {
        "1": (D("34000.00"), D("100.00")),
        "2": (D("30000.00"), D("88.24")),
        "3": (D("4000.00"), D("11.76")),
        "3.1": (D("4000.00"), D("11.76")),
        "3.2": (D("0.00"), D("0.00")),
        "4": (D("0.00"), D("0.00")),
    }


def test_a_zero_row_never_shows_a_negative_share():
    # 666,70 / 2000 = 33.335 % and 1333,30 / 2000 = 66.665 % both round up: 100.01 %
    budget = Budget([], D("2000.00"), D("0.00"), D("666.70"), sources(own_financial="1333.30"))
    rows = {r["number"]: r["pct"] for r in budget.rows()}
    assert rows["4"] == D("0.00") and rows["3.2"] == D("0.00")
    assert rows["2"] + rows["3"] + rows["4"] == D("100.00")


# --- rule 5: the grant within the announcement's limits ---------------------------------------------------


def test_a_grant_above_the_maximum_names_the_excess():
    area = make_area()
    data = complete_sections(area, OrganizationFactory.build(), grant="61250.00", own="7000.00")
    assert by_key(read(data, area=area)) == {
        "sources.grant": ["V.B 2: The grant exceeds the task's maximum of 60 000,00 zł by 1 250,00 zł."]
    }
    problem = read(data, area=area).problems[0]
    assert (problem.section, problem.label) == ("sources", "V.B 2")


def test_a_grant_below_the_minimum_names_the_gap():
    area = make_area()
    data = complete_sections(area, OrganizationFactory.build(), grant="19000.00", own="3000.00")
    assert by_key(read(data, area=area)) == {
        "sources.grant": ["V.B 2: The grant is below the task's minimum of 20 000,00 zł by 1 000,00 zł."]
    }


def test_a_grant_at_the_limits_is_accepted():
    area = make_area()
    for grant, own in (("60000.00", "7000.00"), ("20000.00", "3000.00")):
        assert (
            read(
                complete_sections(area, OrganizationFactory.build(), grant=grant, own=own), area=area
            ).problems
            == []
        )


def test_without_the_per_line_split_the_grant_is_entered_in_v_b(sections):
    competition = make_competition(per_line_grant_split=False)
    result = read(sections, competition=competition)
    assert by_key(result)["sources.grant"][0] == "V.B 2: Enter an amount."
    sections["sources"]["grant"] = "30 000,00"
    result = read(sections, competition=competition)
    assert result.problems == [] and result.budget.grant == D("30000.00")


# --- rule 6: the form of the task and the own contribution ------------------------------------------------


def test_wspieranie_grant_must_be_less_than_the_total():
    area = make_area(min_own_contribution_pct=None, max_grant=None)
    data = complete_sections(area, OrganizationFactory.build(), grant="34000.00", own="0")
    assert by_key(read(data, area=area)) == {
        "sources.grant": [
            "V.B 2: In the form of support (wspieranie) the grant co-finances the task: "
            "it must be less than the total "
            "cost (art. 5 ust. 4 pkt 2)."
        ]
    }


def test_powierzenie_allows_full_financing():
    area = make_area(form="powierzenie", min_own_contribution_pct=None, max_grant=None)
    data = complete_sections(area, OrganizationFactory.build(), grant="34000.00", own="0")
    result = read(data, area=area)
    assert result.problems == []
    assert {r["number"]: r["pct"] for r in result.budget.rows()}["2"] == D("100.00")


def test_powierzenie_grant_cannot_exceed_the_total(sections):
    area = make_area(form="powierzenie", min_own_contribution_pct=None, max_grant=None)
    sections["sources"]["own_financial"] = "0"
    sections["costs"]["lines"][0]["grant_part"] = "32000.01"
    found = by_key(read(sections, area=area))
    assert "V.B 2: The grant cannot exceed the total cost." in found["sources.grant"]


def test_own_contribution_below_the_minimum_names_the_missing_amount():
    area = make_area()
    data = complete_sections(area, OrganizationFactory.build(), grant="30000.00", own="3000.00")
    assert by_key(read(data, area=area)) == {
        "sources.own_financial": [
            "V.B 3: The own contribution is 9.09% of the cost; the announcement requires at least 10.00% "
            "(3 300,00 zł), 300,00 zł more."
        ]
    }


def test_own_contribution_is_compared_exactly_not_after_rounding_the_share():
    """9.995 % rounds to 10.00 % but is 50,00 zł short of 10 % of 1 000 000,00 zł."""
    area = make_area(max_grant=None, budget=D("2000000.00"))
    data = complete_sections(area, OrganizationFactory.build(), grant="900050.00", own="99950.00")
    assert by_key(read(data, area=area)) == {
        "sources.own_financial": [
            "V.B 3: The own contribution is 9.99% of the cost; the announcement requires at least 10.00% "
            "(100 000,00 zł), 50,00 zł more."
        ]
    }
    exact = complete_sections(area, OrganizationFactory.build(), grant="900000.00", own="100000.00")
    assert read(exact, area=area).problems == []


def test_non_financial_contribution_counts_towards_the_own_contribution(sections):
    sections["sources"] = {"own_financial": "1000", "personal": "2000", "in_kind": "1000"}
    result = read(sections)
    assert result.problems == []
    rows = {r["number"]: (r["value"], r["pct"]) for r in result.budget.rows()}
    assert rows["3"] == (D("4000.00"), D("11.76"))
    assert rows["3.1"][0] == D("1000.00") and rows["3.2"][0] == D("3000.00")
    assert rows["3.1"][1] + rows["3.2"][1] == rows["3"][1]


def test_minimum_own_financial_contribution(sections):
    area = make_area(min_own_financial_pct=D("1.00"))
    sections["sources"] = {"personal": "4000"}
    assert by_key(read(sections, area=area)) == {
        "sources.own_financial": [
            "V.B 3.1: The own financial contribution is 0.00% of the cost; at least 1.00% is required."
        ]
    }


def test_beneficiary_payments_are_a_source(sections):
    sections["sources"] = {"own_financial": "3400", "beneficiary_payments": "600"}
    result = read(sections)
    assert result.problems == []
    assert result.budget.sources_total == result.budget.total


# --- rule 7: administrative costs ----------------------------------------------------------------------


def test_administrative_costs_above_the_cap_name_the_excess():
    area = make_area()
    data = complete_sections(area, OrganizationFactory.build(), admin="6000.00")
    assert by_key(read(data, area=area)) == {
        "costs.admin_total": [
            "V.A II: Administrative costs are 6 000,00 zł, 17.65% of the total; "
            "at most 15.00% (5 100,00 zł) is "
            "allowed, 900,00 zł too much."
        ]
    }


def test_administrative_costs_are_compared_exactly():
    """15 % of 33 333,30 zł is 4 999,995 zł: 5 000,00 zł is over the cap, however it rounds."""
    area = make_area()
    data = complete_sections(
        area, OrganizationFactory.build(), grant="29933.30", own="3400.00", admin="5000.00"
    )
    assert by_key(read(data, area=area)) == {
        "costs.admin_total": [
            "V.A II: Administrative costs are 5 000,00 zł, 15.01% of the total; "
            "at most 15.00% (4 999,99 zł) is "
            "allowed, 0,01 zł too much."
        ]
    }


def test_administrative_costs_at_the_cap_are_accepted():
    area = make_area()
    assert (
        read(complete_sections(area, OrganizationFactory.build(), admin="5100.00"), area=area).problems == []
    )


# --- rule 8: dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "key", "message"),
    [
        ("2027-02-28", "2027-12-15", "task.start", "The task may start on 01.03.2027 at the earliest."),
        ("2027-03-01", "2027-12-16", "task.end", "The task must end by 15.12.2027."),
        ("2027-06-01", "2027-05-01", "task.end", "The task ends before it starts."),
        ("31.02.2027", "2027-12-15", "task.start", "“31.02.2027” is not a date; use the format 31.12.2027."),
        ("", "2027-12-15", "task.start", "Give the date the task starts."),
    ],
)
def test_dates_within_the_window(sections, start, end, key, message):
    sections["task"].update(start=start, end=end)
    assert message in by_key(read(sections))[key]


def test_dates_in_polish_format_are_read(sections):
    sections["task"].update(start="01.03.2027", end="15.12.2027")
    assert read(sections).problems == []


def test_an_action_outside_the_task_dates(sections):
    sections["schedule"]["actions"][0]["end"] = "2027-12-31"
    assert by_key(read(sections)) == {
        "schedule.actions.0.start": ["III.4 action 1: The action lies outside the task's dates."]
    }


# --- rule 9: every action has a cost line; non-party actions flagged -------------------------------------


def test_every_action_needs_a_cost_line(sections):
    sections["schedule"]["actions"].append(
        {"key": "a2", "name": "Warsztaty", "description": "Cykl", "start": "2027-04-01", "end": "2027-06-30"}
    )
    assert by_key(read(sections)) == {"costs.lines": ["Action I.2 “Warsztaty” has no cost line."]}


def test_an_admin_line_does_not_count_as_an_actions_cost(sections):
    sections["costs"]["lines"][1]["action"] = "a1"
    sections["costs"]["lines"] = sections["costs"]["lines"][1:]
    assert "Action I.1 “Doradztwo” has no cost line." in by_key(read(sections))["costs.lines"]


def test_a_non_party_action_is_flagged_but_not_blocking(sections):
    sections["schedule"]["actions"][0]["non_party"] = True
    result = read(sections)
    assert [p.text() for p in result.problems] == [
        "Action I.1 is carried out by an entity that is not a party to the contract; "
        "its costs are flagged for "
        "the committee."
    ]
    assert result.problems[0].warning and result.blocking == []


# --- rule 10: joint offers -------------------------------------------------------------------------------


@pytest.fixture
def joint(sections):
    sections["partners"] = {
        "joint": True,
        "lead_share": "20000",
        "representation": "Oferenci działają łącznie przez prezesów.",
        "partners": [
            {
                "name": "Fundacja Partner",
                "address": "ul. Polna 1, 41-300 Dąbrowa Górnicza",
                "actions": "Działanie I.1 w części szkoleniowej",
                "krs": "0000123456",
                "nip": "8567346215",
                "regon": "123456785",
                "share": "14000",
            }
        ],
    }
    return sections


def test_a_joint_offer_whose_shares_sum_to_the_total(joint):
    assert read(joint).problems == []


def test_joint_offer_shares_must_sum_to_the_total(joint):
    joint["partners"]["partners"][0]["share"] = "10000"
    assert by_key(read(joint)) == {
        "partners.shares": [
            "V.C: The co-offerors' shares add up to 30 000,00 zł, not to the total cost 34 000,00 zł."
        ]
    }


def test_each_co_offeror_is_described_as_in_ii_1(joint):
    partner = joint["partners"]["partners"][0]
    partner.update(name="", actions="", krs="", other_register="Ewidencja starosty nr 3", nip="8567346216")
    found = by_key(read(joint))
    assert found["partners.partners.0.name"] == ["Co-offeror 1: Give the co-offeror's name."]
    assert found["partners.partners.0.actions"] == [
        "Co-offeror 1: Say which actions this co-offeror carries out (art. 14 ust. 2)."
    ]
    assert found["partners.partners.0.nip"] == [
        "Co-offeror 1: This NIP's check digit is wrong; check for a typo."
    ]
    assert "partners.partners.0.krs" not in found  # a partner may be outside the KRS, in another register


def test_a_co_offeror_without_any_register_is_named(joint):
    joint["partners"]["partners"][0].update(krs="", other_register="")
    assert by_key(read(joint))["partners.partners.0.krs"] == [
        "Co-offeror 1: Give the KRS number or the other register and number."
    ]


def test_joint_offers_need_a_partner_and_representation(joint):
    joint["partners"].update(partners=[], representation="", lead_share="34000")
    found = by_key(read(joint))
    assert found["partners.partners"] == ["Name at least one co-offeror (II.1)."]
    assert found["partners.representation"] == [
        "How the co-offerors are represented (art. 14 ust. 2) is required."
    ]


def test_a_competition_without_joint_offers_refuses_one(joint):
    assert by_key(read(joint, competition=make_competition(allow_joint_offers=False))) == {
        "partners.joint": ["This competition does not accept joint offers."]
    }


# --- rule 11: declarations; signatories -----------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, _t in DECLARATIONS])
def test_each_declaration_must_be_confirmed(sections, name):
    text = str(dict(DECLARATIONS)[name])
    sections["declarations"][name] = False
    assert by_key(read(sections)) == {f"declarations.{name}": [f"VII: Confirm: {text}"]}


@pytest.mark.parametrize("name", ["tax_arrears", "social_insurance_arrears"])
def test_arrears_must_be_declared_and_are_recorded_not_blocked(sections, name):
    sections["declarations"][name] = "yes"  # has arrears: recorded, the announcement decides the effect
    assert read(sections).problems == []
    del sections["declarations"][name]
    what = "tax arrears" if name == "tax_arrears" else "social insurance arrears"
    assert by_key(read(sections)) == {f"declarations.{name}": [f"VII: State whether the offeror has {what}."]}


@pytest.mark.parametrize("signatories", [[], [{"name": " ", "function": "Prezes"}], "Anna Nowak"])
def test_the_offer_names_who_signs(sections, signatories):
    sections["declarations"]["signatories"] = signatories
    assert by_key(read(sections)) == {
        "declarations.signatories": [
            "VII: Name the person or persons authorised to make declarations of will for the offeror."
        ]
    }


# --- attachments and extra questions of the announcement --------------------------------------------------


def attachment_requirements():
    return [
        RequiredAttachment(pk=71, name="Statut", required_for="all"),
        RequiredAttachment(pk=72, name="Wyciąg z ewidencji", required_for="no_krs"),
        RequiredAttachment(pk=73, name="Umowa partnerska", required_for="joint"),
    ]


def test_an_attachment_required_of_every_offer(sections):
    result = read(sections, requirements=attachment_requirements())
    assert by_key(result) == {"attachments.71": ["Attach: Statut."]}
    attached = [OfferAttachment(requirement_id=71)]
    assert read(sections, requirements=attachment_requirements(), attachments=attached).problems == []


def test_an_attachment_required_only_without_krs(sections):
    sections["offeror"].update(krs="", other_register="Ewidencja starosty nr 12")
    attached = [OfferAttachment(requirement_id=71)]
    assert by_key(read(sections, requirements=attachment_requirements(), attachments=attached)) == {
        "attachments.72": ["Attach: Wyciąg z ewidencji."]
    }


def test_an_attachment_required_only_of_joint_offers(joint):
    attached = [OfferAttachment(requirement_id=71)]
    assert by_key(read(joint, requirements=attachment_requirements(), attachments=attached)) == {
        "attachments.73": ["Attach: Umowa partnerska."]
    }
    attached.append(OfferAttachment(requirement_id=73))
    assert read(joint, requirements=attachment_requirements(), attachments=attached).problems == []


def test_extra_questions_of_the_announcement(sections):
    questions = [
        ExtraQuestion(pk=5, text="Ilu wolontariuszy zaangażujecie?", required=True, max_length=20),
        ExtraQuestion(pk=6, text="Uwagi", required=False, max_length=2000),
    ]
    assert by_key(read(sections, questions=questions)) == {
        "questions.answers.5": ["Answer the question: “Ilu wolontariuszy zaangażujecie?”."]
    }
    sections["questions"] = {"answers": {"5": "x" * 21}}
    assert by_key(read(sections, questions=questions)) == {
        "questions.answers.5": ["The answer is too long: 21 characters, at most 20."]
    }
    sections["questions"] = {"answers": {"5": "12 osób"}}
    assert read(sections, questions=questions).problems == []


# --- rule 13: identifiers in section II; other required fields ---------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nip", "8567346216", "This NIP's check digit is wrong; check for a typo."),
        ("regon", "123456786", "This REGON's check digit is wrong; check for a typo."),
        ("krs", "12345", "A KRS number has exactly 10 digits, e.g. 0000123456."),
        ("postal_code", "41300", "A postal code looks like 41-300."),
    ],
)
def test_offeror_identifiers_are_checked(sections, field, value, message):
    sections["offeror"][field] = value
    assert by_key(read(sections)) == {f"offeror.{field}": [message]}


def test_offeror_needs_krs_or_another_register(sections):
    sections["offeror"].update(krs="", other_register="")
    assert by_key(read(sections)) == {
        "offeror.krs": ["Give the KRS number or the other register and number."]
    }
    sections["offeror"]["other_register"] = "Ewidencja uczniowskich klubów sportowych, nr 7"
    assert read(sections).problems == []


def test_offeror_needs_a_contact_person(sections):
    sections["offeror"].update(contact_phone="", contact_email="")
    assert list(by_key(read(sections))) == ["offeror.contact_name"]


def test_a_too_long_text_names_its_length(sections):
    sections["task"]["title"] = "T" * 501
    assert by_key(read(sections)) == {
        "task.title": ["Title (III.1) is too long: 501 characters, at most 500."]
    }


def test_paid_activity_needs_its_terms(sections):
    sections["other"] = {"paid_activity": "paid"}
    assert list(by_key(read(sections))) == ["other.paid_description"]


# --- properties of the money arithmetic --------------------------------------------------------------------

AMOUNTS = st.decimals(
    min_value=0, max_value=D("999999999999.99"), places=2, allow_nan=False, allow_infinity=False
)


@given(
    st.one_of(
        st.none(),
        st.text(max_size=40),
        st.integers(),
        AMOUNTS,
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
    )
)
def test_parse_decimal_never_returns_a_float(value):
    number, error = parse_decimal(value)
    assert number is None or type(number) is Decimal
    assert error is None or str(error)
    assert not (number is not None and error is not None)
    if number is not None:
        assert number >= 0 and number.as_tuple().exponent == -2


@given(AMOUNTS)
def test_money_round_trips_through_parse_decimal(amount):
    text = money(amount)
    assert text.endswith(" zł")
    assert parse_decimal(text) == (amount, None)
    assert parse_decimal(text.replace(" ", NBSP)) == (amount, None)


@pytest.mark.parametrize(
    "spelling",
    [
        "1 250,50",
        "1250.50",
        "1.250,50",
        "1250,5",
        f"1{NBSP}250,50",
        "1 250,50 zł",
        " 1250.50 ",
        D("1250.50"),
        "1250,50zł",
        "1\u202f250,50",
        "1\u2009250,50",
        "1 250,50\t",
    ],
)
def test_the_spellings_of_an_amount_are_equal(spelling):
    assert parse_decimal(spelling) == (D("1250.50"), None)


@given(AMOUNTS)
def test_polish_and_dotted_spellings_agree(amount):
    dotted = f"{amount:.2f}"
    whole, cents = dotted.split(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    assert parse_decimal(dotted)[0] == parse_decimal(f"{whole},{cents}")[0] == amount
    assert parse_decimal(f"{grouped},{cents}")[0] == amount


@pytest.mark.parametrize("value", ["1e3", "1,250.50", "12,345,678", "--5", "5-", "NaN", "Infinity", "0x10"])
def test_what_is_not_an_amount_is_an_error_not_a_guess(value):
    number, error = parse_decimal(value)
    assert number is None and error


def test_parse_date_formats():
    assert parse_date("2027-03-01") == (dt.date(2027, 3, 1), None)
    assert parse_date("01.03.2027") == (dt.date(2027, 3, 1), None)
    assert parse_date("") == (None, None)
    assert parse_date("jutro")[0] is None and parse_date("jutro")[1]


def sources(**values) -> dict[str, Decimal]:
    base = dict.fromkeys(
        ("own_financial", "other_public", "personal", "in_kind", "beneficiary_payments"), D("0")
    )
    base.update({k: D(v) for k, v in values.items()})
    return base


CENTS = st.integers(min_value=0, max_value=10**11)


@settings(max_examples=300)
@given(
    grant=CENTS,
    own_financial=CENTS,
    other_public=CENTS,
    personal=CENTS,
    in_kind=CENTS,
    beneficiary=CENTS,
    admin_share=st.integers(min_value=0, max_value=100),
)
def test_v_b_shares_always_sum_to_exactly_100(
    grant, own_financial, other_public, personal, in_kind, beneficiary, admin_share
):
    parts = [D(c) / 100 for c in (grant, own_financial, other_public, personal, in_kind, beneficiary)]
    total = sum(parts, D("0.00"))
    assume(total > 0)
    admin = (total * admin_share / 100).quantize(D("0.01"))
    budget = Budget(
        [],
        total - admin,
        admin,
        parts[0],
        sources(
            own_financial=parts[1],
            other_public=parts[2],
            personal=parts[3],
            in_kind=parts[4],
            beneficiary_payments=parts[5],
        ),
    )
    rows = {r["number"]: r for r in budget.rows()}
    share = {n: r["pct"] for n, r in rows.items()}
    assert share["1"] == D("100.00")
    assert share["2"] + share["3"] + share["4"] == D("100.00")
    assert share["3.1"] + share["3.2"] == share["3"]
    for number, row in rows.items():
        assert type(row["pct"]) is Decimal and row["pct"].as_tuple().exponent == -2
        assert row["pct"] >= 0, number
        if row["value"] == 0:
            assert row["pct"] == 0, number
        exact = D(100) * row["value"] / total
        assert abs(row["pct"] - exact) <= D("0.02"), number
    assert rows["3.1"]["value"] + rows["3.2"]["value"] == rows["3"]["value"]


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["action", "admin"]),
            st.decimals(min_value=0, max_value=D("99999.99"), places=2),
            st.decimals(min_value=D("0.01"), max_value=D("9999.99"), places=2),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_line_values_sum_to_the_total_to_the_grosz(lines):
    data = complete_sections(make_area(), OrganizationFactory.build())
    data["costs"]["lines"] = [
        {
            "key": f"c{i}",
            "group": group,
            "action": "a1",
            "name": "Koszt",
            "unit": "szt.",
            "unit_cost": str(unit_cost).replace(".", ","),
            "units": str(units),
        }
        for i, (group, unit_cost, units) in enumerate(lines)
    ]
    budget = read(data).budget
    expected = [(uc * u).quantize(D("0.01"), rounding="ROUND_HALF_UP") for _g, uc, u in lines]
    assert [line.value for line in budget.lines] == expected
    assert budget.total == sum(expected, D("0.00"))
    assert budget.action_total + budget.admin_total == budget.total
    assert budget.admin_total == sum(
        (v for (g, _uc, _u), v in zip(lines, expected, strict=True) if g == "admin"), D("0.00")
    )


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(SECTION_KEYS),
        st.dictionaries(
            st.sampled_from(
                [
                    "lines",
                    "actions",
                    "indicators",
                    "partners",
                    "joint",
                    "answers",
                    "signatories",
                    "start",
                    "end",
                    "title",
                    "krs",
                    "nip",
                    "grant",
                    "own_financial",
                    "lead_share",
                    "paid_activity",
                ]
            ),
            JSON,
            max_size=6,
        ),
        max_size=8,
    )
)
def test_reading_whatever_was_typed_never_fails(data):
    result = read(
        copy.deepcopy(data),
        questions=[ExtraQuestion(pk=5, text="Q", required=True, max_length=10)],
        requirements=attachment_requirements(),
    )
    for problem in result.problems:
        assert problem.text()
    result.budget.rows()


def test_pct_is_rounded_half_up_and_zero_for_no_total():
    assert pct(D("1"), D("3")) == D("33.33")
    assert pct(D("2"), D("3")) == D("66.67")
    assert pct(D("5"), D("0")) == D("0.00")
