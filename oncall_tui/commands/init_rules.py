"""Alerting rules read as live signals: an alert's expression split into a query, a
threshold and a direction by a real PromQL parser.

An alert fires only while its comparison holds, so the board would learn of it only
then; the query on the comparison's vector side shows the same number all the time,
judged against the same threshold. Only a comparison of a vector with a number at the
top of the expression can be split so: a vector against a vector, or `and`/`or`/
`unless` (a condition on other series), has no single threshold, and such a rule stays
an alert (through Alertmanager) with the reason written beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import promql_parser as promql

from oncall_tui_alertmanager.config import DEFAULT_SEVERITY_MAP

_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
"""The operator read from the vector's side when the number is written first."""
_SET_OPERATORS = frozenset({"and", "or", "unless"})
_NOISE_LABELS = frozenset({"instance", "pod", "container", "endpoint", "namespace", "job"})
"""Labels that say where a series was scraped, not what it is about: a component is
named from them only when nothing else identifies it."""
_TEMPLATE_LABEL = re.compile(r"\{\{-?\s*(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}")
"""`{{ $labels.x }}` (and `{{ .Labels.x }}`) in an annotation: a Go template is not
PromQL, and this one form is all that is turned into an oncall-tui `{x}`."""

_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("risk_rule", ("risk", "fraud", "rule", "interception", "credit_limit", "velocity")),
    ("dependency", (
        "dependency", "upstream", "external", "gateway", "bureau", "provider", "thirdparty",
        "third_party", "bank", "sms", "otp", "vendor", "partner", "probe",
    )),
    ("business", (
        "success", "approval", "approved", "payment", "order", "revenue", "conversion",
        "checkout", "signup", "business", "sales",
    )),
)  # fmt: skip
"""Words in a rule's name, labels or expression that suggest a kind; the first match
wins, health (our services) otherwise. A guess, written as one."""


@dataclass
class Rule:
    """One alerting rule as /api/v1/rules gives it."""

    name: str
    expr: str
    for_seconds: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    group: str = ""

    @property
    def severity(self) -> str:
        """warning or critical: the words Alertmanager's source maps to critical are
        critical, anything else (info included: it is alerting) warning."""
        word = self.labels.get("severity", "").strip().lower()
        return "critical" if DEFAULT_SEVERITY_MAP.get(word) == "critical" else "warning"


@dataclass
class Split:
    """A rule's expression as a query and a threshold."""

    query: str
    threshold: float
    below: bool
    unit: str
    labels: tuple[str, ...] | None
    """Labels the query's series carry, as far as the expression says (None: whatever
    its selectors' series carry)."""
    note: str = ""
    same: str = ""
    """What the query asks, spelled so that two spellings of one PromQL expression
    (spacing, matcher order, redundant parentheses, `by` label order) are equal: rules
    at two severities on one expression become one signal by it (`expression_key`)."""


class NotAThreshold(Exception):
    """The rule cannot be a threshold signal; the message says why."""


def split_rule(expr: str) -> Split:
    """The query, threshold and direction of `expr`'s top-level comparison, or raise
    NotAThreshold with the reason."""
    try:
        return _split(expr)
    except RecursionError:  # a tree deeper than Python's stack (a hostile answer)
        raise NotAThreshold("its expression is nested too deeply") from None


def _split(expr: str) -> Split:
    try:
        tree = promql.parse(expr)
    except (ValueError, RuntimeError) as exc:
        raise NotAThreshold(f"its expression does not parse: {str(exc)[:120]}") from None
    tree = _unwrap(tree)
    if not isinstance(tree, promql.BinaryExpr):
        raise NotAThreshold("its expression has no comparison at the top (it fires on any series)")
    op = str(tree.op)
    if op in _SET_OPERATORS:
        raise NotAThreshold(f"`{op}` makes it a condition on other series, not one threshold")
    if op not in _FLIP:
        raise NotAThreshold(f"its top-level operator is `{op}`, not a comparison")
    lhs, rhs = _unwrap(tree.lhs), _unwrap(tree.rhs)
    number_left = isinstance(lhs, promql.NumberLiteral)
    number_right = isinstance(rhs, promql.NumberLiteral)
    if number_left == number_right:
        raise NotAThreshold("it compares a vector with a vector, so it has no single threshold")
    number = lhs if number_left else rhs
    if not isinstance(number, promql.NumberLiteral):  # for the type checker: tested above
        raise NotAThreshold("it has no number to compare with")
    vector = tree.rhs if number_left else tree.lhs
    if number_left:
        op = _FLIP[op]
    limit = float(number.val)
    bool_modifier = tree.modifier is not None and bool(tree.modifier.return_bool)
    labels = output_labels(vector)
    if bool_modifier or op in ("==", "!="):
        # Equality has no "worse" side, and a `bool` comparison already yields 0 or 1:
        # the query keeps the comparison (as `bool`) and its 1 is the breach.
        query = _round_trip(f"{vector} {op} bool {_number(limit)}")
        same = f"{expression_key(vector)} {op} bool {_number(limit)}"
        return Split(query, 1.0, False, "bool", labels, "1 while the rule's condition holds", same)
    query = _round_trip(str(vector))
    below = op in ("<", "<=")
    return Split(query, limit, below, _unit(vector, limit), labels, same=expression_key(vector))


def expression_key(node: promql.Expr) -> str:
    """`node` printed from its parsed tree so that what does not change its meaning
    does not change the text: parentheses are dropped (every binary operation is
    bracketed instead, so precedence still shows), label matchers, `by`/`without`,
    `on`/`ignoring` and `group_left`/`group_right` labels are sorted, and a metric name
    is one more matcher (`x` is `{__name__="x"}`). Spacing is gone with the parse.
    A node this does not know is printed as the parser prints it: two spellings of
    it then merge only when the parser prints them alike, never wrongly."""
    node = _unwrap(node)
    key = expression_key
    if isinstance(node, promql.BinaryExpr):
        return f"({key(node.lhs)} {node.op}{_binary_modifier(node)} {key(node.rhs)})"
    if isinstance(node, promql.AggregateExpr):
        modifier = node.modifier
        grouping = ""
        if modifier is not None:
            by = str(modifier.type).rsplit(".", 1)[-1].lower()
            grouping = f" {by} ({', '.join(sorted(modifier.labels))})"
        param = f"{key(node.param)}, " if node.param is not None else ""
        return f"{node.op}{grouping}({param}{key(node.expr)})"
    if isinstance(node, promql.Call):
        return f"{node.func.name}({', '.join(key(arg) for arg in node.args)})"
    if isinstance(node, promql.MatrixSelector):
        return f"{key(node.vector_selector)}[{node.range}]"
    if isinstance(node, promql.SubqueryExpr):
        step = node.step if node.step is not None else ""
        return f"{key(node.expr)}[{node.range}:{step}]{_offset_at(node)}"
    if isinstance(node, promql.UnaryExpr):
        return f"-{key(node.expr)}"
    if isinstance(node, promql.NumberLiteral):
        return repr(float(node.val))
    if isinstance(node, promql.VectorSelector):
        return _selector_key(node)
    return str(node)


def _selector_key(node: promql.VectorSelector) -> str:
    def spelled(matchers: Iterable[promql.Matcher]) -> list[str]:
        return sorted(f"{m.name}{m.op}{m.value!r}" for m in matchers)

    groups = [list(node.matchers.matchers), *map(list, node.matchers.or_matchers or ())]
    if node.name:
        named = f"__name__{promql.MatchOp.Equal}{node.name!r}"
        spelled_groups = [sorted([named, *spelled(group)]) for group in groups]
    else:
        spelled_groups = [spelled(group) for group in groups]
    text = " or ".join(",".join(group) for group in sorted(spelled_groups) if group)
    return "{" + text + "}" + _offset_at(node)


def _offset_at(node: promql.VectorSelector | promql.SubqueryExpr) -> str:
    offset = f" offset {node.offset}" if node.offset is not None else ""
    return offset + (f" {node.at}" if node.at is not None else "")


def _binary_modifier(node: promql.BinaryExpr) -> str:
    """`bool`, `on`/`ignoring` and the group side of a binary operation, labels sorted."""
    modifier = node.modifier
    if modifier is None:
        return ""
    text = " bool" if modifier.return_bool else ""
    matching = modifier.matching
    if matching is not None:
        kind = "on" if matching.type == promql.LabelModifierType.Include else "ignoring"
        text += f" {kind}({', '.join(sorted(matching.labels))})"
    card = str(modifier.card).rsplit(".", 1)[-1]
    if card in ("ManyToOne", "OneToMany"):
        side = "group_left" if card == "ManyToOne" else "group_right"
        text += f" {side}({', '.join(sorted(modifier.group_labels or ()))})"
    return text


def _round_trip(query: str) -> str:
    """`query` as the parser prints it, if that text parses back to the same tree: the
    written query must ask what the rule asks."""
    try:
        again = promql.parse(query)
    except (ValueError, RuntimeError) as exc:
        raise NotAThreshold(f"its query could not be written back: {str(exc)[:120]}") from None
    if str(again) != query:
        raise NotAThreshold("its query could not be written back unchanged")
    return query


def _unwrap(node: promql.Expr) -> promql.Expr:
    while isinstance(node, promql.ParenExpr):
        node = node.expr
    return node


def _number(value: float) -> str:
    return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def output_labels(node: promql.Expr) -> tuple[str, ...] | None:
    """The labels an expression's result series carry where the expression fixes them
    (an aggregation's `by`), None where they are whatever its selectors' series have."""
    node = _unwrap(node)
    if isinstance(node, promql.AggregateExpr):
        modifier = node.modifier
        if modifier is None:
            return ()
        if modifier.type == promql.AggModifierType.By:
            return tuple(modifier.labels)
        return None
    if isinstance(node, promql.Call):
        vectors = [
            a for a in node.args if not isinstance(a, promql.NumberLiteral | promql.StringLiteral)
        ]
        return output_labels(vectors[0]) if vectors else ()
    if isinstance(node, promql.UnaryExpr | promql.SubqueryExpr):
        return output_labels(node.expr)
    if isinstance(node, promql.BinaryExpr):
        lhs, rhs = _unwrap(node.lhs), _unwrap(node.rhs)
        if isinstance(lhs, promql.NumberLiteral):
            return output_labels(rhs)
        card = node.modifier.card if node.modifier is not None else None
        if card == promql.VectorMatchCardinality.OneToMany:
            return output_labels(rhs)
        return output_labels(lhs)
    if isinstance(node, promql.NumberLiteral):
        return ()
    return None


def _unit(vector: promql.Expr, limit: float) -> str:
    node = _unwrap(vector)
    text = str(node)
    if isinstance(node, promql.BinaryExpr) and str(node.op) == "/" and 0 <= limit <= 1:
        return "ratio"
    if "seconds" in text and "rate(" not in text:
        return "seconds"
    if isinstance(node, promql.Call) and node.func.name in ("rate", "irate"):
        return "per_second"
    if isinstance(node, promql.AggregateExpr) and "rate(" in text:
        return "per_second"
    return "count"


def template_labels(texts: Iterable[str]) -> list[str]:
    """Label names the annotations' `{{ $labels.x }}` use, in order of appearance."""
    found: list[str] = []
    for text in texts:
        for name in _TEMPLATE_LABEL.findall(text):
            if name not in found:
                found.append(name)
    return found


def identity_labels(labels: Sequence[str] | None, fallback: Sequence[str]) -> list[str]:
    """The labels that say what a series is about: the expression's own, else the
    annotations' — the scrape location (instance, job, pod) only when nothing else."""
    chosen = list(labels) if labels is not None else list(fallback)
    chosen = [name for name in chosen if name not in ("__name__", "alertname", "severity")]
    meaningful = [name for name in chosen if name not in _NOISE_LABELS]
    return sorted(meaningful or chosen)


def runbook_template(url: str) -> tuple[str, str]:
    """An annotation's runbook_url as an oncall-tui template, or ("", why not)."""
    if not url.strip():
        return "", ""
    literal = _TEMPLATE_LABEL.sub("", url)
    if "{{" in literal:
        return "", f"its runbook_url uses a template oncall-tui cannot fill: {url[:120]}"
    parts: list[str] = []
    last = 0
    for match in _TEMPLATE_LABEL.finditer(url):
        parts.append(_escape_braces(url[last : match.start()]))
        parts.append("{" + match.group(1) + "}")
        last = match.end()
    parts.append(_escape_braces(url[last:]))
    template = "".join(parts)
    if not url.startswith(("http://", "https://")):
        return "", f"its runbook_url is not an http(s) link: {url[:120]}"
    return template, ""


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def guess_kind(words: Iterable[str]) -> tuple[str, str]:
    """(kind, the word that decided it) from a rule's name, labels and expression."""
    text = " ".join(words).lower()
    for kind, hints in _KIND_WORDS:
        for hint in hints:
            if hint in text:
                return kind, hint
    return "health", ""


def rule_words(rule: Rule) -> list[str]:
    """What a kind is guessed from: the rule's name, group, labels and expression."""
    return [
        _snake(rule.name),
        rule.group,
        *(f"{k} {v}" for k, v in rule.labels.items() if k != "severity"),
        rule.expr,
    ]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def merged_limits(
    splits: Mapping[str, tuple[Split, Rule]],
) -> tuple[float | None, float | None, list[str]]:
    """warning and critical from rules on one query at their severities, and notes for
    what could not be kept (two rules at one severity, limits in the wrong order)."""
    notes: list[str] = []
    warning = splits["warning"][0].threshold if "warning" in splits else None
    critical = splits["critical"][0].threshold if "critical" in splits else None
    if warning is not None and critical is not None:
        below = next(iter(splits.values()))[0].below
        if (warning > critical) if not below else (warning < critical):
            notes.append(
                f"the warning rule's limit ({_number(warning)}) is past the critical one's "
                f"({_number(critical)}): warning left out"
            )
            warning = None
    return warning, critical, notes
