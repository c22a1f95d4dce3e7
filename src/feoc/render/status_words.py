"""A verdict's status in words, the same in every format: the status itself (verdicts/status.py), each
reading's answer when the readings disagree, a contested credit as a range, and the missing facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feoc.law.law import Law

WORDS = {"feoc": "FEOC", "not_feoc": "not a FEOC"}  # every other status: its name with spaces


def words(status: str) -> str:
    """`FEOC`, `not a FEOC`, `cannot be determined`, `contested`, `not in force`, `no credit`, …"""
    return WORDS.get(status, status.replace("_", " "))


def usd(amount: float) -> str:
    return f"${amount:,.0f}"


def credit_range(v: Any) -> str:
    """A vehicle's credit across the readings, `$0–$3,750` (one amount when they agree)."""
    low, high = v.credit_range
    return usd(low) if low == high else f"{usd(low)}–{usd(high)}"


def reading_answers(v: Any) -> list[tuple[str, str]]:
    """Each judged reading's answer in words, sorted by reading: `not a FEOC`, `eligible, $3,750`."""
    out = []
    for name, answer in sorted(v.readings.items()):
        if isinstance(answer, tuple):  # a vehicle: (status, credit)
            status, credit = answer
            out.append((name, f"{words(status)}, {usd(credit)}"))
        else:
            out.append((name, words(answer)))
    return out


def disagree(v: Any) -> bool:
    """Whether the readings judged gave different answers (shown one by one)."""
    return len(set(v.readings.values())) > 1


def label(law: Law, name: str) -> str:
    """A rule, §30D step or parameter named in a few words, as rules/ gives them: a rule's `label` (else its
    title), the check of the step a verdict is decided by (`credit_order.yaml`), a parameter's `label` (else
    its description); an unknown name as it is."""
    rule = next((src.rule for src in law.rules if src.rule.id == name), None)
    if rule is not None:
        return rule.label or rule.title
    step = next((s for s in law.credit_order.steps_30d if s.deciding_rule == name and s.check), None)
    if step is not None:
        return step.check
    param = law.parameters.get(name)
    return (param.label or param.description or name) if param is not None else name
