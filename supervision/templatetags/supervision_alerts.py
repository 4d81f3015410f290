"""``{{ alert.rule|rule_title }}``: a rule's title from the rule registry, or its code when no
rule of that code is registered; ``{{ basis|legal_basis }}``: a legal basis written out
(``supervision.checks.basis.cite``). (The Alert model does not import the checks: the registry is
read here, where the title is shown.)"""

from django import template

from ..checks.basis import cite
from ..checks.registry import rule_title as _rule_title

register = template.Library()

register.filter("legal_basis", cite)


@register.filter
def rule_title(code: str) -> str:
    return _rule_title(code)
