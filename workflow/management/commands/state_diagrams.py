"""`manage.py state_diagrams`: draw every state machine from the code (`make graph`).

Walks every model with an FSMField, reads its transitions from django-fsm-2
(`field.get_all_transitions`) and writes docs/state-diagrams.md — for each machine a
Mermaid `stateDiagram-v2` whose arrows carry the transition's name and the role its
permission rule names, and a table of transitions with their guards — and the same
diagrams into README.md between the state-diagrams markers. `--check` writes nothing
and exits 1 if either file differs from what the code says, so the pictures cannot
drift from the machines (tests/test_state_diagrams.py runs it).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django_fsm import ANY_OTHER_STATE, ANY_STATE, FSMFieldMixin

from workflow.guards import Guard
from workflow.rules import AnyRule, Rule

README_START = "<!-- state-diagrams:start -->"
README_END = "<!-- state-diagrams:end -->"
DOCS_PATH = Path("docs") / "state-diagrams.md"
README_PATH = Path("README.md")


@dataclass
class Edge:
    name: str
    label: str
    sources: list[str]
    target: str
    roles: list[str]
    guards: list[str]
    doc: str


@dataclass
class Machine:
    model: type
    field: Any
    states: list[tuple[str, str]]  # (value, English label) in declaration order
    initial: str | None
    edges: list[Edge]

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name).capitalize()

    @property
    def path(self) -> str:
        return f"{self.model._meta.app_label}.{self.model.__name__}.{self.field.name}"


# --- reading the machines --------------------------------------------------------------------------


def roles_of(permission: Any) -> list[str]:
    """The roles a transition's permission rule names; anything without a rule is denied."""
    if permission is None:
        return ["nobody (no rule)"]
    if isinstance(permission, AnyRule):
        return [rule.role for rule in permission.rules]
    if isinstance(permission, Rule):
        return [permission.role]
    if isinstance(permission, str):
        return [permission]
    return [getattr(permission, "__name__", "custom")]


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def _referenced(func: Callable, model: type) -> Iterable[tuple[str, Callable]]:
    """The model's methods and the defining module's functions a lambda guard calls."""
    for name in func.__code__.co_names:
        attribute = inspect.getattr_static(model, name, None)
        if inspect.isfunction(attribute):
            yield name, attribute
            continue
        candidate = func.__globals__.get(name)
        if inspect.isfunction(candidate) and candidate.__module__ == func.__module__:
            yield name, candidate


def describe_guard(condition: Callable, model: type) -> str:
    """A guard as its docstring, or its name; a lambda as what it calls and their docstrings."""
    func = condition.func if isinstance(condition, Guard) else condition
    doc = _first_paragraph(getattr(func, "__doc__", None))
    name = getattr(func, "__name__", type(func).__name__)
    if doc:
        return f"`{name}`: {doc}" if name != "<lambda>" else doc
    if name != "<lambda>":
        return f"`{name}`"
    parts = []
    for called, target in _referenced(func, model):
        called_doc = _first_paragraph(target.__doc__)
        parts.append(f"`{called}()`: {called_doc}" if called_doc else f"`{called}()`")
    return "; ".join(parts) or "a condition without a name"


def _expand(source: str, target: str, states: list[str]) -> list[str]:
    if source == ANY_STATE:
        return list(states)
    if source == ANY_OTHER_STATE:
        return [s for s in states if s != target]
    return [source]


def read_machines() -> list[Machine]:
    order = {config.label: index for index, config in enumerate(apps.get_app_configs())}
    machines = []
    for model in sorted(apps.get_models(), key=lambda m: (order[m._meta.app_label], m.__name__)):
        for field in model._meta.get_fields():
            if not isinstance(field, FSMFieldMixin) or field.model is not model:
                continue
            states = [(str(value), str(label)) for value, label in field.flatchoices]
            values = [value for value, _label in states]
            edges: dict[tuple[str, str], Edge] = {}
            for fsm_transition in field.get_all_transitions(model):
                target = fsm_transition.target
                target = str(target) if isinstance(target, str) else "(computed)"
                key = (fsm_transition.name, target)
                if key not in edges:
                    label = (fsm_transition.custom or {}).get("label")
                    edges[key] = Edge(
                        name=fsm_transition.name, label=str(label) if label else "", sources=[],
                        target=target, roles=roles_of(fsm_transition.permission),
                        guards=[describe_guard(c, model) for c in fsm_transition.conditions or []],
                        doc=_first_paragraph(getattr(fsm_transition.method, "__doc__", None)))
                for source in _expand(str(fsm_transition.source), target, values):
                    if source not in edges[key].sources:
                        edges[key].sources.append(source)
            default = field.get_default()
            initial = str(default) if default else None
            machines.append(Machine(model, field, states, initial, list(edges.values())))
    return machines


# --- writing them ----------------------------------------------------------------------------------


def _who(roles: list[str]) -> str:
    return " or ".join(roles)


def mermaid(machine: Machine) -> list[str]:
    lines = ["```mermaid", "stateDiagram-v2"]
    if machine.initial:
        lines.append(f"    [*] --> {machine.initial}")
    for value, label in machine.states:
        if label != value:
            lines.append(f"    {value} : {value} ({label})")
    outgoing = set()
    for edge in machine.edges:
        for source in edge.sources:
            outgoing.add(source)
            lines.append(f"    {source} --> {edge.target} : {edge.name} ({_who(edge.roles)})")
    for value, _label in machine.states:
        if value not in outgoing:
            lines.append(f"    {value} --> [*]")
    lines.append("```")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(machine: Machine) -> list[str]:
    lines = ["| transition | from | to | who | guards |", "| --- | --- | --- | --- | --- |"]
    for edge in machine.edges:
        name = f"`{edge.name}`" + (f" — {edge.label}" if edge.label else "")
        sources = ", ".join(f"`{s}`" for s in edge.sources)
        guards = "<br>".join(_cell(g) for g in edge.guards) or "—"
        who = _cell(_who(edge.roles))
        lines.append(f"| {_cell(name)} | {sources} | `{edge.target}` | {who} | {guards} |")
    return lines


def render_docs(machines: list[Machine]) -> str:
    out = [
        "# State diagrams",
        "",
        "<!-- Generated by `make graph` (manage.py state_diagrams) from the code; do not edit by hand. -->",
        "",
        "Generated from the state machines in the code by `make graph` (`manage.py state_diagrams`); "
        "`make test` fails when this file is out of date.",
        "",
        "Each arrow is a transition, labelled with its name and, in brackets, the role whose permission rule "
        "allows it (`system` is the scheduler). Nobody calls a transition method directly: every change goes "
        "through `workflow.services.transition`, which locks the row, checks the state (409), the permission "
        "(403) and the guards (409, or 400 with field errors), runs the transition and writes the audit "
        "event, in one transaction. `GET …/transitions/` tells a user which transitions they may take now "
        "and, for the others, why not.",
        "",
    ]
    for machine in machines:
        out += [f"## {machine.title} (`{machine.path}`)", ""]
        out += mermaid(machine)
        out.append("")
        out.append("States: " + ", ".join(f"`{value}` ({label})" for value, label in machine.states) + ".")
        out.append("")
        out += table(machine)
        out.append("")
    return "\n".join(out)


def render_readme_block(machines: list[Machine]) -> str:
    out = [README_START, "", "<!-- Generated by `make graph` from the code; do not edit by hand. -->", ""]
    for machine in machines:
        out += [f"#### {machine.title}", ""]
        out += mermaid(machine)
        out.append("")
    out += [f"Every transition with its guards: [{DOCS_PATH.as_posix()}]({DOCS_PATH.as_posix()}).", "",
            README_END]
    return "\n".join(out)


def replace_block(readme: str, block: str) -> str:
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise CommandError(f"README.md has no {README_START} … {README_END} block to rewrite.")
    return readme[:start] + block + readme[end + len(README_END):]


class Command(BaseCommand):
    help = ("Draw every state machine from the code into docs/state-diagrams.md and README.md; with --check, "
            "exit 1 if either is out of date.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        base = Path(settings.BASE_DIR)
        parser.add_argument("--check", action="store_true",
                            help="Write nothing; exit 1 if a file is out of date.")
        parser.add_argument("--docs", default=str(base / DOCS_PATH), help="The diagrams file.")
        parser.add_argument("--readme", default=str(base / README_PATH), help="The README.")

    def handle(self, *args, **options):
        with translation.override("en"):  # the same bytes whatever the locale
            machines = read_machines()
            docs = render_docs(machines) + "\n"
            block = render_readme_block(machines)
        docs_path, readme_path = Path(options["docs"]), Path(options["readme"])
        if not readme_path.exists():
            raise CommandError(f"{readme_path} does not exist.")
        readme_now = readme_path.read_text(encoding="utf-8")
        wanted = {docs_path: docs, readme_path: replace_block(readme_now, block)}
        stale = [path for path, text in wanted.items()
                 if not path.exists() or path.read_text(encoding="utf-8") != text]
        if options["check"]:
            if stale:
                raise CommandError(
                    "State diagrams out of date: " + ", ".join(str(p) for p in stale) + ". Run `make graph`.",
                    returncode=1)
            self.stdout.write(f"State diagrams up to date ({len(machines)} machines).")
            return
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted[path], encoding="utf-8")
        for path in wanted:
            self.stdout.write(f"{path}: {'written' if path in stale else 'unchanged'}")
