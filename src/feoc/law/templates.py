"""The wording templates of the law (`explain:` and `remedy:` of each rule, `note`, `reason` and
`not_in_force` of rules/credit_order.yaml), checked when the rules load so that filling them in cannot fail.

The attack this defends against (issue 15, class 5): `str.format` is a small language. `{x.__class__.__mro__}`
and `{x[0]}` reach into Python objects (printing internals, or crashing on a value without the attribute),
a nested field in a spec (`{x:{y}}`) formats a spec at run time, and an unbounded width (`{x:999999999}`)
exhausts memory. A template may therefore hold only `{field}` and `{field:spec}` (a remedy also `!c` and
`!w`), where `field` is a plain name the template may use, and `spec` is the format-spec mini-language with
a width and a precision of at most three digits. Each field is then formatted once with a sample of every
value it can take (its fact field's type, or the parameter's dated values), so a spec that does not fit the
value (`{subject_name:.2%}` on text) is refused here rather than shown as a broken sentence later.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Collection, Iterable, Mapping
from typing import Any

MAX_SPEC_DIGITS = 3  # widths and precisions up to 999: enough for any sentence, and bounded
# [[fill]align][sign][z][#][0][width][grouping][.precision][type]: the standard mini-language, with no nested
# field (no brace) and no control character as the fill
_SPEC = re.compile(r"(?:[^{}\x00-\x1f\x7f-\x9f]?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?"
                   r"(?:\.(?P<precision>\d+))?[bcdeEfFgGnosxX%]?")
# one sample value per field type: formatting a spec with it shows whether the spec fits that type
REMEDY_CONVERSIONS = ("c", "w")  # render.markdown_remedy: `!c` a code span, `!w` snake_case as words
SAMPLES: dict[type, tuple[Any, ...]] = {str: ("text",), float: (1.0,), bool: (True,), int: (1,), dt.date: (dt.date.min,)}


def template_problems(template: str, samples: Mapping[str, Iterable[Any]],
                      conversions: Collection[str] = ()) -> list[tuple[str, str]]:
    """What is wrong with `template`, as (what, fix) pairs to follow the template's name ("explain", "note");
    `samples` maps each name it may use to the values that name can take when it is filled in,
    `conversions` lists the `!x` it may use (without the `!`)."""
    try:
        parsed = [(name, spec or "", conv) for _, name, spec, conv in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:  # a lone `{` or `}`
        return [(f"is not a template ({exc})", "write a literal brace twice: {{ or }}")]
    known = ", ".join(sorted(samples))
    plain = [(name, spec, conv) for name, spec, conv in parsed if name.isidentifier()]
    # `{}`, `{0}`, `{x.attr}`, `{x[0]}`: positional, attribute or index access
    problems = [(f"`{_shown(*field)}`: only a plain field name is allowed (no attribute, index or position)",
                 f"write {{name}} or {{name:spec}} with a name from: {known}")
                for field in parsed if not field[0].isidentifier()]
    unknown = sorted({n for n, _, _ in plain if n not in samples}) + sorted(
        {f"!{c}" for _, _, c in plain if c is not None and c not in conversions})
    if unknown:
        allowed = "".join(f", `!{c}`" for c in conversions)
        problems.append((f"names unknown fields{' or conversions' if conversions else ''}: {', '.join(unknown)}",
                         f"use {known}{allowed}"))
    for name, spec, conv in plain:
        if name not in samples or (conv is not None and conv not in conversions):
            continue
        # what the spec formats: `!c` makes a code span (the spec is ignored), `!w` text
        values = () if conv == "c" else [str(v) for v in samples[name]] if conv else samples[name]
        wrong = _spec_problem(spec, values)
        if wrong:
            problems.append((f"`{_shown(name, spec, conv)}`: {wrong[0]}", wrong[1]))
    return problems


def _shown(name: str, spec: str, conversion: str | None) -> str:
    return "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def _spec_problem(spec: str, values: Iterable[Any]) -> tuple[str, str] | None:
    """A spec outside the bounded mini-language, or one the field's values cannot be formatted with."""
    if not spec:
        return None
    match = _SPEC.fullmatch(spec)
    if match is None:
        return ("the format spec is not [[fill]align][sign][#][0][width][,][.precision][type] "
                "(no nested field, no control character)", "write e.g. {share:.2%} or {amount:,.0f}")
    for part in ("width", "precision"):
        if len(match[part] or "") > MAX_SPEC_DIGITS:
            return f"the {part} `{match[part]}` is too large", f"use at most {MAX_SPEC_DIGITS} digits"
    return _misfit(values, spec)


def _misfit(values: Iterable[Any], spec: str) -> tuple[str, str] | None:
    """The first value `spec` cannot format, as a problem."""
    for value in values:
        if isinstance(value, dt.date):  # date.__format__ is strftime: a spec would be written as it stands
            return "a date takes no format spec", "write it plainly: it is shown as YYYY-MM-DD"
        try:
            format(value, spec)
        except (ValueError, TypeError) as exc:
            kind = "no value" if value is None else f"a {_KIND.get(type(value), type(value).__name__)} value"
            return f"the format spec does not fit {kind} ({exc})", "use a spec for that kind of value, or none"
    return None


_KIND = {str: "text", float: "number", int: "number", bool: "true/false", list: "list", dict: "mapping"}
