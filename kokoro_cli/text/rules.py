"""The normalizers' rules: a pattern, what its match is read as, and a gate that skips the rule.

A rule runs only on a sentence holding one of its gate's strings (DIGIT: any digit). Most
sentences of prose hold no digit, and skipping the rules that need one keeps the front end's
cost per sentence near that of a few regular expressions (issue 26: many readers, same speed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Rule = Callable[[re.Match[str]], str]
Gate = tuple[str, ...] | None
DIGIT: Gate = ("<digit>",)
RuleList = list[tuple[re.Pattern[str], Rule, Gate]]
_HAS_DIGIT = re.compile(r"\d")


def gated(gate: Gate, rules: Iterable[tuple[re.Pattern[str], Rule]]) -> RuleList:
    """The same rules, each with `gate`."""
    return [(pattern, rule, gate) for pattern, rule in rules]


def apply(rules: RuleList, text: str) -> str:
    """Run the rules in order over `text`, each rewriting what it recognizes."""
    digit = bool(_HAS_DIGIT.search(text))  # no rule writes a digit that was not there
    for pattern, rule, gate in rules:
        if gate == DIGIT:
            if not digit:
                continue
        elif gate and not any(g in text for g in gate):
            continue
        text = pattern.sub(rule, text)
    return text
