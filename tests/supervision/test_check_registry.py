"""The rule registry (supervision.checks.registry): rules of any installed app are discovered
and scheduled by their own group, one code has one rule, the registry imports no models, and
supervision has no import cycle (models never import the checks)."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from supervision.checks import engine, registry

SUPERVISION = Path(__file__).resolve().parents[2] / "supervision"


@pytest.fixture
def rules(monkeypatch):
    """A copy of the registry's rules for the test to change."""
    copy = dict(registry._RULES)
    monkeypatch.setattr(registry, "_RULES", copy)
    return copy


def test_rules_are_listed_in_code_order():
    codes = [rule.code for rule in registry.all_rules()]
    assert codes[:4] == ["A1", "A2", "A3", "A4"]
    assert codes.index("A9") < codes.index("A10") < codes.index("A38")


def test_each_rule_declares_the_group_settings_give_it():
    for rule in registry.all_rules():
        assert rule.schedule == settings.CHECK_SCHEDULES[rule.code], rule.code
        assert registry.schedule_of(rule.code) == rule.schedule
    assert registry.rules_for_schedule("hourly") == ["A1", "A8", "A9"]
    assert registry.rules_for_schedule("quarter_hourly") == ["A10", "A11"]


def test_a_rule_title_falls_back_to_its_code():
    assert registry.rule_title("A1") == str(registry.get("A1").title)
    assert registry.rule_title("A99") == "A99"
    assert registry.get("A99") is None


def test_another_apps_rule_is_discovered_and_runs_in_its_own_group(rules, monkeypatch, db):
    package = importlib.import_module("tests.supervision.rules_app")
    # An app config as Django's translation machinery reads it too (name, module, path).
    other_app = SimpleNamespace(name=package.__name__, module=package,
                                path=str(Path(package.__file__).parent))
    monkeypatch.setattr(apps, "get_app_configs", lambda: [*apps.app_configs.values(),
                                                          other_app])
    monkeypatch.delitem(sys.modules, "tests.supervision.rules_app.checks", raising=False)
    registry.autodiscover()
    try:
        assert registry.get("Z1").title == "Another app's rule"
        assert registry.rules_for_schedule("hourly") == ["A1", "A8", "A9", "Z1"]
        assert "Z1" in [rule.code for rule in registry.all_rules()]
        assert engine.run_rule("Z1").created == 0
        monkeypatch.setitem(settings.CHECK_SCHEDULES, "Z1", "daily")  # a deployment moves it
        assert "Z1" not in registry.rules_for_schedule("hourly")
        assert registry.rules_for_schedule("daily")[-1] == "Z1"
    finally:
        sys.modules.pop("tests.supervision.rules_app.checks", None)


def test_one_code_has_one_rule(rules):
    def impostor(now):
        return iter(())

    with pytest.raises(ImproperlyConfigured, match="A1 is registered twice"):
        registry.register("A1", "red", "Impostor", "none")(impostor)
    assert rules["A1"].func.__name__ == "carers_on_duty"


def test_the_registry_imports_no_models():
    code = ("import sys, supervision.checks.registry; "
            "print(sorted(m for m in sys.modules if m.endswith('.models')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=SUPERVISION.parent, check=True).stdout
    assert out.strip() == "[]"


def _imports(path: Path, module: str) -> set[str]:
    """supervision modules ``module`` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "supervision"}


def _graph() -> dict[str, set[str]]:
    modules = {}
    for path in SUPERVISION.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SUPERVISION.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return {name: {i for i in _imports(path, name) if i in modules and i != name}
            for name, path in modules.items()}


def test_supervision_has_no_import_cycle():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(node, trail):
        state[node] = "visiting"
        for nxt in sorted(graph[node]):
            # A package imports its own modules (models/__init__, checks/rules/__init__): an
            # edge to the package from inside it is not a cycle of code.
            if node.startswith(nxt + "."):
                continue
            if state.get(nxt) == "visiting":
                pytest.fail("import cycle: " + " → ".join([*trail, node, nxt]))
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_models_do_not_import_the_checks():
    graph = _graph()
    for name, imported in graph.items():
        if name.startswith("supervision.models"):
            assert not any(i.startswith("supervision.checks") for i in imported), name
