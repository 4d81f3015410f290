"""Every named URL is either on the explicit public list below or exercised through the role
matrix (``tests.rolematrix.assert_role_matrix``); a new URL in neither fails the full run.

``assert_role_matrix`` records the URL name of each request it checks. At the end of a full
run (``make test``, no selection by -k, -m or paths) the names are compared with every named
URL of the project; with pytest-xdist each worker sends its names to the controller. A URL
that must answer without a role matrix — open to anyone, or a pure redirect — is listed in
``PUBLIC`` with the reason.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

COVERED: set[str] = set()

# Open to everyone (or to any logged-in account, with nothing to leak between personas):
# covered by their own tests, not by a role matrix.
PUBLIC = {
    # accounts: the same page for everyone
    "core:login", "core:logout", "core:password-reset", "core:password-reset-done",
    "core:password-reset-confirm", "core:password-reset-complete", "core:account-setup",
    "set_language", "core:healthz",
    # the public side: the home page, filed centres and their disclosures, receipts verified
    # by QR code
    "parents:index", "registry:public-centres", "registry:public-disclosures", "registry:verify",
    # the support administration (Django admin, staff only, its own login)
    "admin",
}


def all_url_names(resolver=None, namespace: str = "") -> set[str]:
    """Every named URL of the project as ``namespace:name`` (the admin counted as "admin")."""
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                names.add("admin")
                continue
            inner = pattern.namespace or ""
            prefix = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            names |= all_url_names(pattern, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def uncovered(names: set[str], covered: set[str], public: set[str]) -> set[str]:
    return names - covered - public


def _full_run(config) -> bool:
    option = config.option
    selected = any(getattr(option, name, None) for name in
                   ("keyword", "markexpr", "lf", "deselect", "exitfirst", "collectonly"))
    return not selected and not any("::" in arg or arg.endswith(".py") or "/" in arg.strip("/")
                                    for arg in config.args)


def pytest_configure(config):
    config._url_coverage = set()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    node.config._url_coverage |= set(node.workeroutput.get("url_coverage", []))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if hasattr(config, "workerinput"):  # an xdist worker: hand the names to the controller
        config.workeroutput["url_coverage"] = sorted(COVERED)
        return
    if exitstatus != 0 or not _full_run(config):
        return
    import django
    from django.apps import apps

    if not apps.ready:  # the xdist controller runs no test, so nothing has set Django up
        django.setup()
    missing = uncovered(all_url_names(), COVERED | config._url_coverage, PUBLIC)
    if missing:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        reporter.write_sep("=", "URLs with no role-matrix test", red=True)
        for name in sorted(missing):
            reporter.write_line(f"  {name}")
        reporter.write_line("Cover each with tests.rolematrix.assert_role_matrix, or list it "
                            "in tests/urlcoverage.py PUBLIC with the reason.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
