"""The state diagrams in docs/ and README.md are drawn from the code and cannot drift."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django_fsm import FSMFieldMixin

from workflow.guards import guard
from workflow.management.commands.state_diagrams import (
    README_END,
    README_START,
    describe_guard,
    read_machines,
    roles_of,
)
from workflow.rules import SYSTEM, Rule

BASE = Path(settings.BASE_DIR)
DOCS = BASE / "docs" / "state-diagrams.md"
README = BASE / "README.md"


def all_transitions():
    """Every (model, name, source, target) of every FSMField, read straight from django-fsm."""
    found = []
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, FSMFieldMixin):
                for t in field.get_all_transitions(model):
                    found.append((model, t.name, str(t.source), str(t.target), t.permission))
    return found


def readme_block() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index(README_START):text.index(README_END)]


def test_the_committed_diagrams_are_up_to_date():
    call_command("state_diagrams", "--check")


def test_every_transition_of_every_machine_is_drawn_and_tabled():
    transitions = all_transitions()
    models = {model for model, *_rest in transitions}
    assert {m.__name__ for m in models} >= {"Competition", "Offer"}
    docs, block = DOCS.read_text(encoding="utf-8"), readme_block()
    for model in models:
        assert f"`{model._meta.app_label}.{model.__name__}.state`" in docs
    for _model, name, source, target, permission in transitions:
        who = " or ".join(roles_of(permission))
        arrow = f"    {source} --> {target} : {name} ({who})"
        assert arrow in docs, arrow
        assert arrow in block, arrow
        assert f"| `{name}`" in docs, name


def test_arrows_name_the_role_of_the_permission_rule():
    docs = DOCS.read_text(encoding="utf-8")
    assert "draft --> submitted : submit (ngo_signatory)" in docs
    assert "draft --> approved : approve (approver)" in docs
    assert "published --> submission_closed : close_submissions (system or officer)" in docs


def test_the_table_lists_each_guard_by_its_docstring_or_name():
    docs = DOCS.read_text(encoding="utf-8")
    row = next(line for line in docs.splitlines() if line.startswith("| `submit`"))
    assert "`_deadline_guard`" in row and "`_content_guard`" in row
    row = next(line for line in docs.splitlines() if line.startswith("| `approve`"))
    assert "What the announcement still lacks (art. 13 ust. 2)" in row


def _copies(tmp_path: Path) -> tuple[Path, Path]:
    docs, readme = tmp_path / "state-diagrams.md", tmp_path / "README.md"
    docs.write_text(DOCS.read_text(encoding="utf-8"), encoding="utf-8")
    readme.write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
    return docs, readme


def test_check_fails_with_exit_status_1_when_a_diagram_is_stale(tmp_path):
    docs, readme = _copies(tmp_path)
    docs.write_text(docs.read_text(encoding="utf-8").replace("submit (ngo_signatory)", "submit (anyone)"),
                    encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("state_diagrams", "--check", docs=str(docs), readme=str(readme))
    assert caught.value.returncode == 1
    assert str(docs) in str(caught.value)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    command = [sys.executable, "manage.py", "state_diagrams", "--check",
               "--docs", str(docs), "--readme", str(readme)]
    result = subprocess.run(command, cwd=BASE, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode == 1, result.stderr
    assert "out of date" in result.stderr


def test_check_fails_when_the_readme_block_is_stale(tmp_path):
    docs, readme = _copies(tmp_path)
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END)
    readme.write_text(text[:start] + README_START + "\nold picture\n" + text[end:], encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("state_diagrams", "--check", docs=str(docs), readme=str(readme))


def test_writing_rewrites_only_the_block_and_then_check_passes(tmp_path):
    docs, readme = tmp_path / "docs" / "state-diagrams.md", tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n\n{README_START}\nstale\n{README_END}\n\nafter\n",
                      encoding="utf-8")
    call_command("state_diagrams", docs=str(docs), readme=str(readme))
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n\n" + README_START)
    assert text.endswith(README_END + "\n\nafter\n")
    assert "stale" not in text and "stateDiagram-v2" in text
    assert docs.read_text(encoding="utf-8") == DOCS.read_text(encoding="utf-8")
    call_command("state_diagrams", "--check", docs=str(docs), readme=str(readme))


def test_a_readme_without_the_markers_is_refused(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(CommandError, match="state-diagrams:start"):
        call_command("state_diagrams", docs=str(tmp_path / "d.md"), readme=str(readme))
    assert not (tmp_path / "d.md").exists()


def test_machines_read_in_app_order_with_their_initial_state():
    machines = read_machines()
    names = [m.model.__name__ for m in machines]
    assert names.index("Competition") < names.index("Offer")
    assert all(m.initial == "draft" for m in machines if m.model.__name__ in ("Competition", "Offer"))


def test_guard_descriptions():
    def named():
        """Explains itself.

        More detail that the table leaves out."""

    def undocumented(obj):
        return None

    class Model:
        def problems(self):
            """What is missing."""

    assert describe_guard(guard(named), Model) == "`named`: Explains itself."
    assert describe_guard(undocumented, Model) == "`undocumented`"
    described = describe_guard(guard(lambda obj: obj.problems() or None), Model)
    assert described == "`problems()`: What is missing."
    assert roles_of(SYSTEM | Rule("officer", lambda o, u: False)) == ["system", "officer"]
    assert roles_of(None) == ["nobody (no rule)"]
