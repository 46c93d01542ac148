"""The Polish translation (locale/pl): complete, safe to format, compiled, and actually used.

Polish is the site's default language (LANGUAGE_CODE "pl"); every source string is English. These tests read
the .po catalogue with a small parser of their own (no extra dependency) and check that:
- every entry is translated and none is fuzzy;
- a translation keeps exactly the placeholders of its source, so `.format(**params)` and `%`-formatting
  (blocktranslate) can never crash or lose a value;
- the compiled .mo is the current .po;
- the key strings come out Polish, with the three Polish plural forms;
- pages render in Polish without an Accept-Language header, and in English after /i18n/setlang/.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext as gnu_gettext
import string
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from offers.models import RepresentationRole
from workflow.errors import Refusal
from workflow.services import available_transitions

from .factories import CompetitionFactory, OfferFactory, representative

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "pl" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"


# --- a minimal .po reader ------------------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int | None, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def sources(self) -> list[str]:
        return [self.msgid] + ([self.msgid_plural] if self.msgid_plural is not None else [])

    def where(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a PO string: {text!r}")
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None

    def start(number: int) -> Entry:
        nonlocal current
        if current is None:
            current = Entry(line=number)
        return current

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            if current is not None:
                entries.append(current)
            current, target = None, None
            continue
        if line.startswith("#~"):
            start(number).obsolete = True
            continue
        if line.startswith("#,"):
            start(number).flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#:"):
            start(number).references.extend(line[2:].split())
            continue
        if line.startswith("#"):
            continue
        entry = start(number)
        if line.startswith('"'):
            assert target is not None, f"django.po:{number}: a continuation line without a keyword"
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += _unquote(line)
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + _unquote(line))
            continue
        keyword, _, value = line.partition(" ")
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else None
            entry.msgstr[index] = _unquote(value)
            target = ("msgstr", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(value))
            entry.line = entry.line if keyword != "msgid" else number
            target = (keyword, None)
        else:
            raise AssertionError(f"django.po:{number}: unexpected line {raw!r}")
    if current is not None:
        entries.append(current)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), "locale/pl/LC_MESSAGES/django.po is missing"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [e for e in po_entries if not e.is_header and not e.obsolete]


# --- placeholder helpers ---------------------------------------------------------------------------------------


def brace_fields(text: str) -> set[str] | None:
    """Field names of a str.format() template, or None when the text is not one (unbalanced braces)."""
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text)
                if name is not None}
    except ValueError:
        return None


class _Recorder(dict):
    """A mapping for %-formatting that accepts any key and remembers which were used."""

    def __init__(self):
        super().__init__()
        self.used: set[str] = set()

    def __missing__(self, key):
        self.used.add(key)
        return "1"


def percent_fields(text: str) -> set[str] | None:
    """Names used by `text % mapping`, or None when the text is not a valid %-format with a mapping."""
    recorder = _Recorder()
    try:
        text % recorder
    except (TypeError, ValueError, KeyError):
        return None
    return recorder.used


# --- (a) complete, no fuzzy -----------------------------------------------------------------------------------


def _polish_form(n: int) -> int:
    """The Polish plural rule, written out: 1 | 2–4, 22–24, 32–34… (not 12–14) | everything else."""
    if n == 1:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def test_header_declares_polish_and_its_three_plural_forms(po_entries):
    header = next(e for e in po_entries if e.is_header)
    text = header.msgstr[None]
    assert "Language: pl\n" in text
    assert "charset=UTF-8" in text
    assert "fuzzy" not in header.flags
    plural_forms = next(line for line in text.splitlines() if line.startswith("Plural-Forms:"))
    assert "nplurals=3;" in plural_forms
    rule = gnu_gettext.c2py(plural_forms.split("plural=", 1)[1].rstrip(";"))
    assert [rule(n) for n in range(0, 300)] == [_polish_form(n) for n in range(0, 300)]


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 900, "the catalogue looks truncated"
    untranslated = [e.where() for e in messages if not all(e.msgstr.values())]
    fuzzy = [e.where() for e in messages if "fuzzy" in e.flags]
    plural_shape = [e.where() for e in messages if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1, 2]]
    assert untranslated == []
    assert fuzzy == []
    assert plural_shape == [], "plural entries need exactly msgstr[0], [1] and [2]"


def test_no_obsolete_entries_linger(po_entries):
    assert [e.where() for e in po_entries if e.obsolete] == []


def test_translations_are_not_left_in_english(messages):
    """A translation identical to its source is allowed only for codes and names that Polish shares."""
    same = [e.msgid for e in messages if e.msgid_plural is None and e.msgstr[None] == e.msgid]
    allowed = {"NIP", "REGON", "E-mail", "e-mail", "system", "Ranking"}
    assert [s for s in same if s not in allowed] == []


# --- (b) placeholders survive -------------------------------------------------------------------------------


def test_brace_placeholders_are_the_same_in_every_translation(messages):
    problems = []
    for entry in messages:
        source_sets = [brace_fields(s) for s in entry.sources]
        if any(s is None for s in source_sets):
            assert "python-brace-format" not in entry.flags, entry.where()
            continue
        for index, translated in entry.msgstr.items():
            got = brace_fields(translated)
            if got is None:
                problems.append((entry.where(), index, "unbalanced braces", translated))
                continue
            if entry.msgid_plural is None:
                expected = source_sets[0]
                if got != expected:
                    problems.append((entry.where(), index, sorted(expected), sorted(got)))
            else:
                # a singular form may drop the count ("once"); no form may invent a name
                allowed = source_sets[0] | source_sets[1]
                if not got <= allowed or (index and got != source_sets[1]):
                    problems.append((entry.where(), index, sorted(source_sets[1]), sorted(got)))
    assert problems == []


def test_format_never_crashes_on_a_translation(messages):
    crashes = []
    for entry in messages:
        names = set().union(*(brace_fields(s) or set() for s in entry.sources))
        if not names or any(brace_fields(s) is None for s in entry.sources):
            continue
        params = dict.fromkeys(names, "X")
        for translated in entry.msgstr.values():
            try:
                translated.format(**params)
            except (KeyError, IndexError, ValueError) as exc:
                crashes.append((entry.where(), translated, repr(exc)))
    assert crashes == []


def test_percent_placeholders_are_the_same_in_every_translation(messages):
    """Wherever the source works with `%` and a mapping (blocktranslate, %(name)s), the translation must too."""
    problems = []
    for entry in messages:
        source_sets = [percent_fields(s) for s in entry.sources]
        if any(s is None for s in source_sets):
            continue
        for index, translated in entry.msgstr.items():
            got = percent_fields(translated)
            if got is None:
                problems.append((entry.where(), index, "not a valid %-format", translated))
            elif entry.msgid_plural is None and got != source_sets[0]:
                problems.append((entry.where(), index, sorted(source_sets[0]), sorted(got)))
            elif entry.msgid_plural is not None and (
                not got <= source_sets[0] | source_sets[1] or (index and got != source_sets[1])
            ):
                problems.append((entry.where(), index, sorted(source_sets[1]), sorted(got)))
    assert problems == []


def test_html_markup_is_kept(messages):
    changed = []
    for entry in messages:
        for tag in ("<strong>", "</strong>", "<a href=", "</a>"):
            for translated in entry.msgstr.values():
                if entry.msgid.count(tag) != translated.count(tag):
                    changed.append((entry.where(), tag))
    assert changed == []


# --- the compiled catalogue -----------------------------------------------------------------------------------


def test_compiled_mo_is_the_current_po(messages):
    assert MO_PATH.exists(), "run: manage.py compilemessages -l pl"
    with MO_PATH.open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            got = (compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt is not None
                   else compiled.gettext(entry.msgid))
            if got != entry.msgstr[None]:
                stale.append(entry.where())
        else:
            for n, index in ((1, 0), (3, 1), (5, 2)):
                got = (compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                       if entry.msgctxt is not None else compiled.ngettext(entry.msgid, entry.msgid_plural, n))
                if got != entry.msgstr[index]:
                    stale.append((entry.where(), n))
    assert stale == [], "django.mo is older than django.po: run compilemessages"


# --- (c) key strings in Polish ----------------------------------------------------------------------------------


def test_key_strings_come_out_polish():
    with translation.override("pl"):
        assert translation.gettext("Submit the offer") == "Złóż ofertę"
        assert translation.gettext("Withdraw the offer") == "Wycofaj ofertę"
        assert translation.gettext("The deadline for offers has already passed.") == (
            "Termin składania ofert już upłynął.")
        assert translation.gettext("Open competitions for offers") == "Otwarte konkursy ofert"
        # one English word, two Polish meanings: the form's "Cancel" and the competition's cancellation
        assert translation.gettext("Cancel") == "Anuluj"
        assert translation.pgettext("competition transition", "Cancel") == "Unieważnij"
    with translation.override("en"):
        assert translation.gettext("Submit the offer") == "Submit the offer"
        assert translation.pgettext("competition transition", "Cancel") == "Cancel"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1 problem"), (2, "2 problemy"), (4, "4 problemy"), (5, "5 problemów"), (12, "12 problemów"),
     (14, "14 problemów"), (21, "21 problemów"), (22, "22 problemy"), (25, "25 problemów"),
     (112, "112 problemów"), (124, "124 problemy"), (0, "0 problemów")],
)
def test_polish_plural_forms(n, expected):
    with translation.override("pl"):
        assert translation.ngettext("{n} problem", "{n} problems", n).format(n=n) == expected


def test_the_deadline_guard_explains_itself_in_polish(db):
    offer = OfferFactory()
    competition = offer.competition
    competition.submission_deadline = (timezone.now() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    competition.save(update_fields=["submission_deadline"])
    user = representative(offer.organization, RepresentationRole.ADMIN)

    with translation.override("pl"):
        submit = next(a for a in available_transitions(offer, user) if a.name == "submit")
        assert str(submit.label) == "Złóż ofertę"
        assert not submit.allowed
        texts = [r.text() for r in submit.reasons]
    deadline = next(r for r in submit.reasons if r.code == "deadline_passed")
    assert any(t.startswith("Termin składania ofert upłynął ") for t in texts), texts

    both = deadline.as_dict()
    assert both["message_pl"].startswith("Termin składania ofert upłynął ")
    assert both["message_en"].startswith("The deadline for offers passed at ")
    assert both["message_pl"].split("upłynął ")[1] == both["message_en"].split("passed at ")[1]


def test_a_refusal_with_a_label_reads_well_in_both_languages():
    from competitions.models import CompetitionState

    refusal = Refusal("competition_not_open", translation.gettext_lazy(
        "The competition is not accepting offers ({state})."), {"state": CompetitionState.SUBMISSION_CLOSED.label})
    both = refusal.as_dict()
    assert both["message_pl"] == "Konkurs nie przyjmuje ofert (stan: nabór zamknięty)."
    assert both["message_en"] == "The competition is not accepting offers (submissions closed)."


# --- (d) pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def polish_default(settings):
    """The site's real default. The test profile switches to English so that other tests can assert the
    English source strings; here the production default is restored."""
    from config.settings import base

    assert base.LANGUAGE_CODE == "pl"
    settings.LANGUAGE_CODE = base.LANGUAGE_CODE
    return settings


def test_production_settings_default_to_polish():
    from config.settings import base

    assert base.LANGUAGE_CODE == "pl"
    assert [code for code, _name in base.LANGUAGES] == ["pl", "en"]
    assert "django.middleware.locale.LocaleMiddleware" in base.MIDDLEWARE
    assert Path(base.LOCALE_PATHS[0]) == LOCALE_DIR.parent.parent


def test_pages_are_polish_by_default_and_english_after_choosing_it(client, db, polish_default):
    CompetitionFactory(published=True)
    CompetitionFactory(published=True)

    home = client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert '<html lang="pl">' in html
    assert "Konkursy" in html
    assert "Otwarte konkursy ofert na realizację zadań publicznych" in html
    assert "Open competitions for public tasks" not in html

    listing = client.get("/competitions/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Otwarte konkursy ofert" in html
    assert "2 konkursy" in html
    assert "Open competitions for offers" not in html

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/competitions/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/competitions/"

    listing = client.get("/competitions/")
    html = listing.content.decode()
    assert '<html lang="en">' in html
    assert "Open competitions for offers" in html
    assert "2 competitions" in html
    assert "Otwarte konkursy ofert" not in html

    home = client.get("/")
    assert "Competitions" in home.content.decode()
    assert "Konkursy" not in home.content.decode()

    client.post("/i18n/setlang/", {"language": "pl", "next": "/"})
    assert "Otwarte konkursy ofert" in client.get("/competitions/").content.decode()


def test_accept_language_english_is_honoured_without_a_cookie(client, db, polish_default):
    html = client.get("/competitions/", headers={"accept-language": "en"}).content.decode()
    assert "Open competitions for offers" in html
    html = client.get("/competitions/", headers={"accept-language": "de"}).content.decode()
    assert "Otwarte konkursy ofert" in html
