"""axe-core in the browser tests: the vendored script (tests/e2e/vendor/README.md) is evaluated
in the page through the DevTools protocol, which the page's Content-Security-Policy does not
govern, so the page under test runs with its real policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# The impacts that fail a test (axe's four: minor, moderate, serious, critical).
AXE_IMPACTS = ("serious", "critical")

RUN_AXE = """
async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(" "), html: n.html.slice(0, 160),
        summary: n.failureSummary || "",
      })),
    }));
}
"""


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """The violations of impact AXE_IMPACTS on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(RUN_AXE, list(AXE_IMPACTS))


def format_violations(violations: list[dict], nodes: int = 5) -> list[str]:
    """One readable block per violation: the rule, its impact and help, and its first nodes
    with axe's summary of what to fix."""
    lines = []
    for v in violations:
        block = [f"axe {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes; "
                 f"{v['helpUrl']})"]
        for node in v["nodes"][:nodes]:
            summary = " ".join(node["summary"].split())
            block.append(f"      {node['target']}  {node['html']}\n        → {summary}")
        if len(v["nodes"]) > nodes:
            block.append(f"      … {len(v['nodes']) - nodes} more")
        lines.append("\n".join(block))
    return lines
