"""The NGO's pages: registration, organisation, the offer form with autosave and conflicts,
attachments, the printed offer, submission, receipt (HTML and PDF) and versions."""

from __future__ import annotations

import datetime as dt
import random
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offers.identifiers import generate_bank_account, generate_krs, generate_nip, generate_regon
from offers.models import Invitation, Offer, OfferState, Organization, Representation, RepresentationRole
from offers.receipt import ReceiptFontMissing, receipt_pdf
from offers.services import attachment_add, offer_save_section
from offers.templatetags.offers_tags import render_formatted

from ..factories import (
    CompetitionFactory,
    OfferFactory,
    OrganizationFactory,
    TaskAreaFactory,
    complete_sections,
)

HX = {"HTTP_HX_REQUEST": "true"}
ALL_SECTIONS = (
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


def tag(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<[a-z]+[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element #{element_id}"
    return unescape(match.group(1)).strip()


def section_url(offer, key):
    return reverse("offers:offer_section", args=[offer.pk, key])


def revision(offer, key) -> int:
    return offer.sections.get(key=key).revision


@pytest.fixture
def offer(organization):
    return OfferFactory(organization=organization)


def organization_post(**overrides):
    rng = random.Random(7)
    data = {
        "org-name": "Fundacja Pożytek Testowy",
        "org-legal_form": "fundacja",
        "org-krs": generate_krs(rng),
        "org-nip": generate_nip(rng),
        "org-regon": generate_regon(rng),
        "org-street": "ul. Żeromskiego 5",
        "org-postal_code": "41-300",
        "org-city": "Dąbrowa Górnicza",
        "org-email": "biuro@fundacja.example.org",
        "org-phone": "+48 32 100 20 30",
        "org-bank_account": generate_bank_account(rng),
        "org-statutory_activity": "Wspieranie organizacji pozarządowych.",
    }
    data.update(overrides)
    return data


def account_post(**overrides):
    data = {
        "user-first_name": "Zofia",
        "user-last_name": "Łęcka",
        "user-email": "zofia@example.org",
        "user-username": "zofia",
        "user-password1": "Źdźbło trawy 2027",
        "user-password2": "Źdźbło trawy 2027",
        "user-function": "Prezes Zarządu",
    }
    data.update(overrides)
    return data


# --- registration and the organisation --------------------------------------------------------------


@pytest.mark.django_db
def test_registration_creates_user_and_organisation_and_logs_in(client):
    response = client.post(reverse("offers:register"), {**account_post(), **organization_post()})
    organization = Organization.objects.get(name="Fundacja Pożytek Testowy")
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:organization", args=[organization.pk])
    representation = Representation.objects.get(organization=organization)
    assert representation.user.username == "zofia" and representation.role == RepresentationRole.ADMIN
    assert representation.function == "Prezes Zarządu"
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["is_admin"]
    assert "Fundacja Pożytek Testowy" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org-nip", "856-734-62-16", "NIP"),
        ("org-regon", "123456786", "REGON"),
        ("org-krs", "12345", "KRS"),
        ("org-bank_account", "PL61 1090 1014 0000 0712 1981 2875", "check digits"),
    ],
)
def test_bad_identifier_on_registration_is_shown_at_its_field_and_keeps_what_was_typed(
    client, field, value, message
):
    response = client.post(
        reverse("offers:register"), {**account_post(), **organization_post(**{field: value})}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert not Organization.objects.exists() and not Representation.objects.exists()
    field_id = "id_" + field
    assert 'aria-invalid="true"' in tag(html, field_id)
    assert f"err-{field_id}" in tag(html, field_id)
    assert message in text_of(html, f"err-{field_id}")
    # nothing typed is lost: every other value is back in the form, the wrong one too
    assert f'value="{value}"' in tag(html, field_id)
    for name in ("org-name", "org-street", "org-city", "user-first_name", "user-username", "user-email"):
        typed = {**account_post(), **organization_post()}[name]
        assert f'value="{typed}"' in tag(html, "id_" + name)
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_registration_refuses_mismatched_passwords_without_creating_anyone(client):
    response = client.post(
        reverse("offers:register"),
        {**account_post(**{"user-password2": "inne hasło 2027"}), **organization_post()},
    )
    assert response.status_code == 400
    assert "The two passwords differ." in text_of(response.content.decode(), "err-id_user-password2")
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_organisation_pages_by_role(client, organization, ngo_admin, ngo_editor, other_ngo_user):
    detail = reverse("offers:organization", args=[organization.pk])
    edit = reverse("offers:organization_edit", args=[organization.pk])
    client.force_login(ngo_admin)
    assert client.get(detail).status_code == 200
    assert client.get(edit).status_code == 200
    client.force_login(ngo_editor)
    page = client.get(detail)
    assert page.status_code == 200 and not page.context["is_admin"]
    assert client.get(edit).status_code == 403
    client.force_login(other_ngo_user)
    assert client.get(detail).status_code == 404
    assert client.get(edit).status_code == 404


@pytest.mark.django_db
def test_admin_edits_the_profile_and_a_bad_iban_stays_at_its_field(client, organization, ngo_admin):
    client.force_login(ngo_admin)
    url = reverse("offers:organization_edit", args=[organization.pk])
    data = {
        f"org-{name}": getattr(organization, name) or ""
        for name in (
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
        )
    }
    bad = client.post(url, {**data, "org-city": "Sosnowiec", "org-bank_account": "PL00 1234"})
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in tag(bad.content.decode(), "id_org-bank_account")
    assert 'value="Sosnowiec"' in tag(bad.content.decode(), "id_org-city")
    good = client.post(url, {**data, "org-city": "Sosnowiec"})
    assert good.status_code == 302
    organization.refresh_from_db()
    assert organization.city == "Sosnowiec"


@pytest.mark.django_db
def test_invitation_by_email_then_accepted_by_a_new_account(client, organization, ngo_admin):
    client.force_login(ngo_admin)
    with pytest.MonkeyPatch.context():
        response = client.post(
            reverse("offers:organization_invite", args=[organization.pk]),
            {"email": "Nowa@Example.org", "role": "signatory", "function": "Skarbnik"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(organization=organization)
    client.logout()
    url = reverse("offers:invitation", args=[invitation.token])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert organization.name in html and reverse("login") in html
    assert 'value="nowa@example.org"' in tag(html, "id_user-email")
    response = client.post(
        url,
        {
            key: value
            for key, value in account_post(
                **{"user-username": "nowa", "user-email": "nowa@example.org"}
            ).items()
            if key != "user-function"
        },
    )
    assert response.status_code == 302
    assert Representation.objects.get(organization=organization, user__username="nowa").role == "signatory"
    assert response.wsgi_request.user.username == "nowa"
    used = client.get(url)
    assert "already been used" in used.content.decode()


@pytest.mark.django_db
def test_invitation_sent_by_mail_is_accepted_by_a_logged_in_user(
    client, organization, ngo_admin, stranger, django_capture_on_commit_callbacks
):
    client.force_login(ngo_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("offers:organization_invite", args=[organization.pk]),
            {"email": stranger.email, "role": "editor"},
        )
    invitation = Invitation.objects.get()
    assert f"/ngo/invitations/{invitation.token}/" in mail.outbox[0].body
    client.force_login(stranger)
    response = client.post(reverse("offers:invitation", args=[invitation.token]))
    assert response.status_code == 302
    assert Representation.objects.get(organization=organization, user=stranger).role == "editor"


@pytest.mark.django_db
def test_non_admin_cannot_invite(client, organization, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post(
        reverse("offers:organization_invite", args=[organization.pk]),
        {"email": "x@example.org", "role": "admin"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- my offers and starting one ---------------------------------------------------------------------


@pytest.mark.django_db
def test_my_offers_shows_only_my_organisations_offers_with_state_badges(client, organization, ngo_admin):
    mine = OfferFactory(organization=organization, title="Nasza oferta")
    submitted = OfferFactory(organization=organization, title="Złożona", submitted=True)
    theirs = OfferFactory(title="Cudza oferta")
    client.force_login(ngo_admin)
    html = client.get(reverse("offers:my_offers")).content.decode()
    assert "Nasza oferta" in html and "Złożona" in html and theirs.title not in html
    assert 'class="badge badge-draft"' in html and 'class="badge badge-submitted"' in html
    assert reverse("offers:offer_edit", args=[mine.pk]) in html
    assert reverse("offers:offer_receipt", args=[submitted.pk]) in html


@pytest.mark.django_db
def test_my_offers_makes_the_same_number_of_queries_for_1_and_50_offers(
    client, organization, ngo_admin, django_assert_num_queries
):
    client.force_login(ngo_admin)
    url = reverse("offers:my_offers")
    OfferFactory(organization=organization)
    client.get(url)  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(49):
        OfferFactory(organization=organization)
    with django_assert_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["offers"]) == 50


@pytest.mark.django_db
def test_start_an_offer_choosing_among_several_organisations(client, organization, ngo_admin, published):
    second = OrganizationFactory(name="Druga Fundacja")
    Representation.objects.create(organization=second, user=ngo_admin, role=RepresentationRole.EDITOR)
    from offers.services import _grant

    _grant(second, ngo_admin, RepresentationRole.EDITOR)
    area = published.task_areas.get()
    client.force_login(ngo_admin)
    choice = client.get(reverse("offers:offer_new") + f"?task_area={area.pk}")
    html = choice.content.decode()
    assert choice.status_code == 200 and "Druga Fundacja" in html and organization.name in html
    missing = client.post(reverse("offers:offer_new"), {"task_area": area.pk})
    assert missing.status_code == 400 and "Choose the organisation" in missing.content.decode()
    response = client.post(reverse("offers:offer_new"), {"task_area": area.pk, "organization": second.pk})
    offer = Offer.objects.get()
    assert offer.organization == second and offer.task_area == area
    assert response["Location"] == section_url(offer, "basic")


@pytest.mark.django_db
def test_start_an_offer_with_one_organisation_and_anonymous_is_sent_to_log_in(
    client, organization, ngo_admin, published
):
    area = published.task_areas.get()
    anonymous = client.post(reverse("offers:offer_new"), {"task_area": area.pk})
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert f"task_area%3D{area.pk}" in anonymous["Location"]
    client.force_login(ngo_admin)
    response = client.post(reverse("offers:offer_new"), {"task_area": area.pk})
    assert response.status_code == 302
    assert Offer.objects.get().organization == organization


@pytest.mark.django_db
def test_no_offer_on_a_competition_not_accepting_offers(client, organization, ngo_admin):
    closed = CompetitionFactory(closed=True)
    client.force_login(ngo_admin)
    response = client.post(
        reverse("offers:offer_new"),
        {"task_area": closed.task_areas.get().pk, "organization": organization.pk},
    )
    assert response.status_code == 409
    assert not Offer.objects.exists()


# --- the offer form -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("key", ALL_SECTIONS)
def test_every_section_renders_for_a_representative_with_its_numbered_navigation(
    client, offer, ngo_editor, key
):
    client.force_login(ngo_editor)
    response = client.get(section_url(offer, key))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="step"' in html
    for number in ("I", "II", "III.1–3", "III.4", "V.A", "V.B", "VII"):
        assert f'<span class="nav-number">{number}</span>' in html


@pytest.mark.django_db
def test_another_ngo_gets_404_on_every_page_of_an_offer(client, organization, ngo_admin, other_ngo_user):
    offer = OfferFactory(organization=organization)
    attachment = attachment_add(
        offer=offer, actor=ngo_admin, upload=SimpleUploadedFile("statut.pdf", b"%PDF-1.4 x")
    )
    submitted = OfferFactory(organization=organization, submitted=True)
    client.force_login(other_ngo_user)
    urls = [section_url(offer, key) for key in ALL_SECTIONS] + [
        reverse("offers:offer_detail", args=[offer.pk]),
        reverse("offers:offer_versions", args=[offer.pk]),
        reverse("offers:offer_edit", args=[offer.pk]),
        reverse("offers:attachment_download", args=[offer.pk, attachment.pk]),
        reverse("offers:offer_receipt", args=[submitted.pk]),
        reverse("offers:offer_receipt_pdf", args=[submitted.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in (
        section_url(offer, "task"),
        reverse("offers:offer_transition", args=[offer.pk]),
        reverse("offers:attachment_upload", args=[offer.pk]),
        reverse("offers:attachment_remove", args=[offer.pk, attachment.pk]),
    ):
        assert (
            client.post(url, {"transition": "discard", "title": "x", "base_revision": "1"}).status_code == 404
        ), url
    assert offer.attachments.get().removed_at is None
    assert Offer.objects.get(pk=offer.pk).state == OfferState.DRAFT


def task_post(offer, **overrides):
    data = {
        "title": "Centrum wsparcia",
        "start": "2027-03-01",
        "end": "2027-12-15",
        "place": "Dąbrowa Górnicza",
        "synthesis": "Centrum doradza.\n- szkolenia",
        "base_revision": revision(offer, "task"),
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_autosave_saves_and_answers_with_status_revision_and_problems(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post(section_url(offer, "task"), task_post(offer, title="", end="2028-01-31"), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    saved = offer.sections.get(key="task")
    assert saved.data["end"] == "2028-01-31" and saved.data["title"] == ""
    assert 'id="save-status"' in html and "Saved at" in text_of(html, "save-status")
    assert f'value="{saved.revision}"' in tag(html, "base-revision") and 'hx-swap-oob="true"' in tag(
        html, "base-revision"
    )
    assert 'hx-swap-oob="true"' in tag(html, "problems")
    problems = text_of(html, "problems")
    assert "2 things to check" in problems
    assert "The task must end by 15.12.2027." in html and "Title (III.1) is required." in html
    assert 'hx-swap-oob="true"' in tag(html, "section-nav")
    # the field being typed in is never replaced: the answer holds no inputs of the section
    assert 'name="title"' not in html
    assert '"f-task-end": "The task must end by 15.12.2027."' in html


class _FormValues(HTMLParser):
    """What a browser would send from form#section-form (inert <template> rows left out)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []
        self.in_form = self.in_template = 0
        self.textarea: str | None = None
        self.select: str | None = None
        self.buffer = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "section-form":
            self.in_form = 1
        if not self.in_form:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self.textarea, self.buffer = a["name"], ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.values.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "template" and self.in_template:
            self.in_template -= 1
        elif tag == "textarea" and self.textarea:
            self.values.append((self.textarea, self.buffer.removeprefix("\n")))
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = 0

    def handle_data(self, data):
        if self.textarea:
            self.buffer += data


def form_values(html: str) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(html)
    values: dict[str, list[str]] = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    return values


@pytest.mark.django_db
@pytest.mark.parametrize("key", [k for k in ALL_SECTIONS if k != "attachments"])
def test_every_section_sends_back_exactly_what_it_shows(client, organization, ngo_editor, key):
    """Nothing is lost on the way through the page: the form posted as drawn is the stored section."""
    competition = CompetitionFactory(published=True, with_areas=False, allow_joint_offers=True)
    question = competition.extra_questions.create(text="Jak zadanie wpisuje się w program współpracy?")
    area = TaskAreaFactory(competition=competition)
    sections = complete_sections(area, organization)
    sections["partners"] = {
        "joint": True,
        "lead_share": "20000",
        "representation": "Lider reprezentuje.",
        "partners": [
            {
                "key": "p1",
                "name": "Fundacja B",
                "legal_form": "fundacja",
                "krs": "0000123456",
                "other_register": "",
                "nip": "",
                "regon": "",
                "address": "Sosnowiec",
                "actions": "- szkolenia",
                "share": "14000",
            }
        ],
    }
    sections["questions"] = {"answers": {str(question.pk): "Realizuje priorytet 2.\n\n- a\n- b"}}
    sections["task"]["synthesis"] = "Akapit.\n\n- punkt ąę\n- drugi"
    offer = OfferFactory(organization=organization, task_area=area, content=sections)
    client.force_login(ngo_editor)
    before = offer.sections.get(key=key).data
    values = form_values(client.get(section_url(offer, key)).content.decode())
    assert values["base_revision"] == [str(revision(offer, key))]
    response = client.post(section_url(offer, key), values, **HX)
    assert response.status_code == 200
    assert offer.sections.get(key=key).data == before
    assert offer.revisions.filter(section=key).count() == 0  # an unchanged section writes no version


@pytest.mark.django_db
def test_save_without_javascript_redirects_back_with_a_message(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post(section_url(offer, "task"), task_post(offer, title="Bez JS"), follow=True)
    assert response.redirect_chain[-1][0] == section_url(offer, "task")
    assert "Saved at" in response.content.decode()
    assert 'value="Bez JS"' in tag(response.content.decode(), "f-task-title")


@pytest.mark.django_db
def test_an_unchanged_autosave_writes_no_new_version(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    client.post(section_url(offer, "task"), task_post(offer, title="Raz"), **HX)
    count = offer.revisions.count()
    client.post(section_url(offer, "task"), task_post(offer, title="Raz"), **HX)
    assert offer.revisions.count() == count


@pytest.mark.django_db
def test_conflict_shows_both_versions_and_never_overwrites(client, offer, ngo_admin, ngo_editor):
    base = revision(offer, "task")
    offer_save_section(
        offer=offer,
        actor=ngo_admin,
        key="task",
        data={**offer.sections.get(key="task").data, "title": "Wersja Anny"},
        base_revision=base,
    )
    client.force_login(ngo_editor)
    response = client.post(
        section_url(offer, "task"), task_post(offer, title="Wersja Piotra", base_revision=base), **HX
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert offer.sections.get(key="task").data["title"] == "Wersja Anny"
    conflict = html[html.index('id="conflict"') :]
    assert "Wersja Anny" in conflict and "Wersja Piotra" in conflict
    assert ngo_admin.get_full_name() in conflict
    assert "Use mine (overwrite theirs)" in conflict and "Take theirs" in conflict
    theirs = revision(offer, "task")
    assert f'name="_overwrite" value="{theirs}"' in conflict
    assert "Not saved" in text_of(html, "save-status")
    # without JavaScript: the whole page, the form holding MY text, the base revision still mine
    page = client.post(
        section_url(offer, "task"), task_post(offer, title="Wersja Piotra", base_revision=base)
    )
    assert page.status_code == 409
    page_html = page.content.decode()
    assert 'value="Wersja Piotra"' in tag(page_html, "f-task-title")
    assert f'value="{base}"' in tag(page_html, "base-revision")
    # "Use mine" overwrites knowingly
    mine = client.post(
        section_url(offer, "task"),
        task_post(offer, title="Wersja Piotra", base_revision=base, _overwrite=theirs),
        **HX,
    )
    assert mine.status_code == 200
    assert offer.sections.get(key="task").data["title"] == "Wersja Piotra"


@pytest.mark.django_db
def test_a_post_without_base_revision_is_a_conflict_not_an_overwrite(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    data = task_post(offer, title="Bez bazy")
    del data["base_revision"]
    response = client.post(section_url(offer, "task"), data, **HX)
    assert response.status_code == 409
    assert offer.sections.get(key="task").data["title"] != "Bez bazy"


@pytest.mark.django_db
def test_cost_line_error_is_shown_at_its_line(client, organization, ngo_editor):
    sections = complete_sections(TaskAreaFactory(), organization)
    offer = OfferFactory(organization=organization)
    costs = offer.sections.get(key="costs")
    lines = sections["costs"]["lines"]
    lines[0]["grant_part"] = "999999.00"  # more than the line is worth
    lines[1]["unit_cost"] = "abc"
    costs.data = {"lines": lines}
    costs.save()
    client.force_login(ngo_editor)
    html = client.get(section_url(offer, "costs")).content.decode()
    assert "line-error" in tag(html, "f-costs-lines-0")
    grant = tag(html, "f-costs-lines-0-grant_part")
    assert 'aria-invalid="true"' in grant and "err-f-costs-lines-0-grant_part" in grant
    assert "exceeds the line's value" in text_of(html, "err-f-costs-lines-0-grant_part")
    assert "“abc” is not a number." in text_of(html, "err-f-costs-lines-1-unit_cost")
    assert 'aria-invalid="true"' in tag(html, "f-costs-lines-1-unit_cost")
    assert "aria-invalid" not in tag(html, "f-costs-lines-1-name")
    # the list of problems names the line
    assert "V.A line I.1.1: The grant part" in html and "V.A line II.1: “abc” is not a number." in html
    # the labels and totals of the form: I.1.1 under its action, II.1 administrative
    assert text_of(html, "lbl-f-costs-lines-0") == "I.1.1" and text_of(html, "lbl-f-costs-lines-1") == "II.1"


@pytest.mark.django_db
def test_autosave_of_costs_maps_errors_to_the_rows_as_numbered_on_the_page(client, offer, ngo_editor):
    """Rows removed in the browser leave gaps in the numbering until the page reloads."""
    client.force_login(ngo_editor)
    base = revision(offer, "costs")
    data = {
        "base_revision": base,
        "lines-0-key": "c1",
        "lines-0-group": "action",
        "lines-0-action": "a1",
        "lines-0-name": "Doradca",
        "lines-0-unit": "godz.",
        "lines-0-unit_cost": "100",
        "lines-0-units": "10",
        "lines-0-grant_part": "900",
        "lines-5-key": "c9",
        "lines-5-group": "admin",
        "lines-5-name": "Księgowa",
        "lines-5-unit": "mies.",
        "lines-5-unit_cost": "12,50",
        "lines-5-units": "2",
        "lines-5-grant_part": "30",
    }
    response = client.post(section_url(offer, "costs"), data, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert [line["key"] for line in offer.sections.get(key="costs").data["lines"]] == ["c1", "c9"]
    assert '"f-costs-lines-5-grant_part": "The grant part (30,00 z\\u0142) exceeds' in html
    assert '"val-f-costs-lines-5": "25,00 z\\u0142"' in html and '"lbl-f-costs-lines-5": "II.1"' in html
    assert '"tot-total": "1 025,00 z\\u0142"' in html


@pytest.mark.django_db
def test_rows_are_added_and_removed_without_javascript(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    url = section_url(offer, "schedule")
    page = client.get(url).content.decode()
    assert 'name="_add" value="actions"' in page
    data = {
        "base_revision": revision(offer, "schedule"),
        "actions-0-key": "a1",
        "actions-0-name": "Doradztwo",
        "actions-0-description": "Dyżury",
        "actions-0-start": "2027-03-01",
        "actions-0-end": "2027-12-15",
        "_add": "actions",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#f-schedule-actions-1")
    actions = offer.sections.get(key="schedule").data["actions"]
    assert len(actions) == 2 and actions[0]["name"] == "Doradztwo" and actions[1]["key"]
    data = {
        "base_revision": revision(offer, "schedule"),
        "actions-0-key": "a1",
        "actions-0-name": "Doradztwo",
        "actions-1-key": actions[1]["key"],
        "actions-1-name": "Nowa",
        "_remove": "actions:0",
    }
    client.post(url, data)
    assert [a["name"] for a in offer.sections.get(key="schedule").data["actions"]] == ["Nowa"]
    costs = client.post(
        section_url(offer, "costs"), {"base_revision": revision(offer, "costs"), "_add": "lines:admin"}
    )
    assert costs.status_code == 302
    assert offer.sections.get(key="costs").data["lines"][-1]["group"] == "admin"


@pytest.mark.django_db
def test_sources_table_is_budget_rows_with_values_and_shares(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    html = client.get(section_url(offer, "sources")).content.decode()
    assert text_of(html, "vb-value-1") == "34 000,00 zł" and text_of(html, "vb-pct-1") == "100,00 %"
    assert text_of(html, "vb-value-2") == "30 000,00 zł" and text_of(html, "vb-pct-2") == "88,24 %"
    assert text_of(html, "vb-value-31") == "4 000,00 zł"


@pytest.mark.django_db
def test_a_submitted_offer_is_not_editable_and_its_form_sends_to_the_printed_offer(
    client, organization, ngo_admin
):
    offer = OfferFactory(organization=organization, submitted=True)
    client.force_login(ngo_admin)
    response = client.get(section_url(offer, "task"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "offers:offer_detail", args=[offer.pk]
    )
    refused = client.post(section_url(offer, "task"), {"title": "x", "base_revision": "1"}, **HX)
    assert "can no longer be changed" in refused.content.decode()


@pytest.mark.django_db
def test_session_lapse_during_autosave_says_so_instead_of_pretending(client, offer):
    response = client.post(section_url(offer, "task"), {"title": "x"}, **HX)
    assert response.status_code == 200
    assert "you are logged out" in text_of(response.content.decode(), "save-status")


@pytest.mark.django_db
def test_without_javascript_a_lapsed_session_keeps_what_was_typed_for_after_login(client, offer, ngo_editor):
    url = section_url(offer, "task")
    response = client.post(url, task_post(offer, title="Wpisane przed wylogowaniem"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert offer.sections.get(key="task").data["title"] != "Wpisane przed wylogowaniem"
    client.force_login(ngo_editor)  # logging in keeps the session's data
    html = client.get(url).content.decode()
    assert 'value="Wpisane przed wylogowaniem"' in tag(html, "f-task-title")
    assert "Your session had ended" in html
    assert f'value="{revision(offer, "task")}"' in tag(html, "base-revision")
    assert 'value="Wpisane przed wylogowaniem"' not in tag(client.get(url).content.decode(), "f-task-title")


# --- attachments --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_download_and_remove_an_attachment(client, offer, ngo_editor, other_ngo_user):
    client.force_login(ngo_editor)
    response = client.post(
        reverse("offers:attachment_upload", args=[offer.pk]),
        {"file": SimpleUploadedFile("statut.pdf", b"%PDF-1.7 statut"), "description": "Statut"},
    )
    assert response.status_code == 302
    attachment = offer.attachments.get()
    page = client.get(section_url(offer, "attachments")).content.decode()
    assert "statut.pdf" in page
    download = client.get(reverse("offers:attachment_download", args=[offer.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 statut"
    assert "attachment" in download["Content-Disposition"]
    client.force_login(other_ngo_user)
    assert (
        client.get(reverse("offers:attachment_download", args=[offer.pk, attachment.pk])).status_code == 404
    )
    client.force_login(ngo_editor)
    client.post(reverse("offers:attachment_remove", args=[offer.pk, attachment.pk]))
    assert (
        client.get(reverse("offers:attachment_download", args=[offer.pk, attachment.pk])).status_code == 404
    )


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1500, 300_000])
def test_too_large_upload_is_a_field_error_never_a_500(client, offer, ngo_editor, settings, size):
    settings.POZYTEK_MAX_UPLOAD_BYTES = 1000
    client.force_login(ngo_editor)
    response = client.post(
        reverse("offers:attachment_upload", args=[offer.pk]),
        {"file": SimpleUploadedFile("duzy.pdf", b"%PDF" + b"0" * size)},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The file is too large" in text_of(html, "err-id_file")
    assert 'aria-invalid="true"' in tag(html, "id_file")
    assert 'data-max-bytes="1000"' in tag(html, "id_file")
    assert not offer.attachments.exists()


@pytest.mark.django_db
def test_too_large_upload_passes_the_csrf_check_and_is_a_field_error(offer, ngo_editor, settings):
    """The CSRF check reads the body before the view: the cut upload must still reach the form."""
    from django.test import Client

    settings.POZYTEK_MAX_UPLOAD_BYTES = 1000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ngo_editor)
    browser.get(section_url(offer, "attachments"))
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        reverse("offers:attachment_upload", args=[offer.pk]),
        {"csrfmiddlewaretoken": token, "file": SimpleUploadedFile("duzy.pdf", b"%PDF" + b"0" * 300_000)},
    )
    assert response.status_code == 400
    assert "The file is too large" in text_of(response.content.decode(), "err-id_file")


@pytest.mark.django_db
def test_wrong_file_type_is_a_field_error(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    response = client.post(
        reverse("offers:attachment_upload", args=[offer.pk]),
        {"file": SimpleUploadedFile("wirus.exe", b"MZ\x90\x00")},
    )
    assert response.status_code == 400
    assert "are not accepted" in text_of(response.content.decode(), "err-id_file")
    fake = client.post(
        reverse("offers:attachment_upload", args=[offer.pk]),
        {"file": SimpleUploadedFile("udawany.pdf", b"not a pdf")},
    )
    assert "is not a PDF file" in text_of(fake.content.decode(), "err-id_file")


# --- the printed offer, submission, receipt, versions ----------------------------------------------------


@pytest.mark.django_db
def test_printed_offer_shows_every_section_in_order_with_formatted_text(client, offer, ngo_admin, ngo_editor):
    client.force_login(ngo_editor)
    assert (
        'value="submit"' not in client.get(reverse("offers:offer_detail", args=[offer.pk])).content.decode()
    )
    client.force_login(ngo_admin)
    html = client.get(reverse("offers:offer_detail", args=[offer.pk])).content.decode()
    positions = [
        html.index(f'id="s{n}">{label}')
        for n, label in ((1, "I."), (2, "II."), (3, "III."), (4, "IV."), (5, "V."), (6, "VI."), (7, "VII."))
    ]
    assert positions == sorted(positions)
    assert "<p>Centrum doradza organizacjom.</p>" in html and "<li>szkolenia</li>" in html
    assert "I.1.1" in html and "II.1" in html and "34 000,00 zł" in html
    assert 'name="transition" value="submit"' in html


@pytest.mark.django_db
def test_submit_refused_lists_the_problems_with_links_to_their_sections(client, organization, ngo_admin):
    offer = OfferFactory(organization=organization)
    task = offer.sections.get(key="task")
    task.data = {**task.data, "title": ""}
    task.save()
    client.force_login(ngo_admin)
    page = client.get(reverse("offers:offer_detail", args=[offer.pk])).content.decode()
    assert f"{section_url(offer, 'task')}#f-task-title" in page
    response = client.post(reverse("offers:offer_transition", args=[offer.pk]), {"transition": "submit"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "was not submitted" in html and "problem(s) to fix" in html
    assert f"{section_url(offer, 'task')}#f-task-title" in html
    assert Offer.objects.get(pk=offer.pk).state == OfferState.DRAFT


@pytest.mark.django_db
def test_submit_after_the_deadline_is_refused_with_the_time(client, organization, ngo_admin):
    deadline = (timezone.now() - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    competition = CompetitionFactory(published=True, with_areas=False, submission_deadline=deadline)
    offer = OfferFactory(organization=organization, task_area=TaskAreaFactory(competition=competition))
    client.force_login(ngo_admin)
    response = client.post(reverse("offers:offer_transition", args=[offer.pk]), {"transition": "submit"})
    assert response.status_code == 409
    from workflow.calendar import format_local

    assert f"passed at {format_local(deadline)}" in response.content.decode()


@pytest.mark.django_db
def test_submit_then_receipt_and_its_pdf(client, organization, ngo_admin):
    offer = OfferFactory(organization=organization)
    client.force_login(ngo_admin)
    response = client.post(reverse("offers:offer_transition", args=[offer.pk]), {"transition": "submit"})
    assert response["Location"] == reverse("offers:offer_receipt", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.state == OfferState.SUBMITTED
    receipt = client.get(response["Location"]).content.decode()
    from workflow.calendar import format_local

    for text in (
        offer.number,
        organization.name,
        offer.competition.reference,
        offer.title,
        "30 000,00 zł",
        "34 000,00 zł",
        format_local(offer.submitted_at),
        ngo_admin.get_full_name(),
        offer.snapshot_sha256,
        "need not be printed",
    ):
        assert text in receipt, text
    pdf = client.get(reverse("offers:offer_receipt_pdf", args=[offer.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"DejaVu" in pdf.content  # the embedded font with Polish letters


@pytest.mark.django_db
def test_there_is_no_receipt_for_a_draft(client, offer, ngo_editor):
    client.force_login(ngo_editor)
    assert client.get(reverse("offers:offer_receipt", args=[offer.pk])).status_code == 404
    assert client.get(reverse("offers:offer_receipt_pdf", args=[offer.pk])).status_code == 404


@pytest.mark.django_db
def test_receipt_pdf_fails_clearly_without_the_font(organization):
    offer = OfferFactory(organization=organization, submitted=True)
    with pytest.raises(ReceiptFontMissing, match="fonts-dejavu-core"):
        receipt_pdf(offer, facts=[], font_dir=Path("/nonexistent/fonts"))


@pytest.mark.django_db
def test_withdraw_and_discard_through_the_transitions_block(client, organization, ngo_admin):
    draft = OfferFactory(organization=organization)
    client.force_login(ngo_admin)
    client.post(reverse("offers:offer_transition", args=[draft.pk]), {"transition": "submit"})
    response = client.post(reverse("offers:offer_transition", args=[draft.pk]), {"transition": "withdraw"})
    assert response.status_code == 302 and Offer.objects.get(pk=draft.pk).state == OfferState.WITHDRAWN
    other = OfferFactory(organization=organization)
    client.post(reverse("offers:offer_transition", args=[other.pk]), {"transition": "discard"})
    assert Offer.objects.get(pk=other.pk).state == OfferState.DISCARDED


@pytest.mark.django_db
def test_authority_staff_read_a_submitted_offer_after_the_deadline_but_never_a_draft(
    client, authority, officer, organization
):
    competition = CompetitionFactory(authority=authority, closed=True, with_areas=False)
    area = TaskAreaFactory(competition=competition)
    submitted = OfferFactory(
        organization=organization,
        task_area=area,
        submitted=True,
        snapshot={"sections": complete_sections(area, organization)},
    )
    draft = OfferFactory(organization=organization, task_area=area)
    client.force_login(officer)
    page = client.get(reverse("offers:offer_detail", args=[submitted.pk]))
    assert page.status_code == 200 and 'name="transition"' not in page.content.decode()
    assert client.get(section_url(submitted, "task"))["Location"] == reverse(
        "offers:offer_detail", args=[submitted.pk]
    )
    assert client.get(reverse("offers:offer_detail", args=[draft.pk])).status_code == 404


@pytest.mark.django_db
def test_versions_list_and_compare_two(client, offer, ngo_admin, ngo_editor):
    task = offer.sections.get(key="task")
    offer_save_section(
        offer=offer,
        actor=ngo_admin,
        key="task",
        data={**task.data, "title": "Pierwszy"},
        base_revision=task.revision,
    )
    offer_save_section(
        offer=offer,
        actor=ngo_editor,
        key="task",
        data={**task.data, "title": "Drugi"},
        base_revision=revision(offer, "task"),
    )
    client.force_login(ngo_editor)
    url = reverse("offers:offer_versions", args=[offer.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    numbers = [r.number for r in page.context["revisions"]]
    assert numbers == sorted(numbers, reverse=True)
    assert ngo_admin.get_full_name() in html and ngo_editor.get_full_name() in html
    newest, previous = numbers[0], numbers[1]
    compared = client.get(url, {"older": previous, "newer": newest}).context["comparison"]
    assert compared == [
        {
            "field": "task.title",
            "before": "Pierwszy",
            "after": "Drugi",
            "section": "III.1–3 The task",
            "label": "III.1 Title of the public task",
        }
    ]


def test_formatted_text_keeps_paragraphs_and_lists_and_drops_html():
    html = render_formatted(
        "Wstęp\n- pierwszy\n- drugi\n\nKoniec <script>alert(1)</script> <b onclick=x>b</b>"
    )
    assert "<p>Wstęp</p>" in html and "<ul>" in html and "<li>pierwszy</li>" in html
    assert "<script" not in html and "onclick" not in html and "alert(1)" not in html
