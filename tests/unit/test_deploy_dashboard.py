"""The Grafana dashboard (deploy/production/grafana/reelflow.json) asks only for metrics and
labels the services really expose: every PromQL expression is parsed, and each metric it names
must be in the Prometheus registry of a service built as its `__main__` builds it, each label it
selects or groups by must be one of that metric's labels or one every scrape configuration
(deploy/production/prometheus*.yml) puts on its targets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from tests.support.built_services import SERVICES, built_runtimes

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "deploy" / "production"
DASHBOARD = PRODUCTION / "grafana" / "reelflow.json"
SCRAPE_CONFIGS = (PRODUCTION / "prometheus.yml", PRODUCTION / "prometheus-kubernetes.yml")

SYNTHETIC = {"up": set[str](), "scrape_duration_seconds": set[str](), "scrape_samples_scraped": set[str]()}
"""Series Prometheus itself writes for every target (besides the target's own labels)."""

AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
}  # fmt: skip
FUNCTIONS = {
    "abs", "absent", "absent_over_time", "avg_over_time", "ceil", "changes", "clamp", "clamp_max",
    "clamp_min", "count_over_time", "delta", "deriv", "exp", "floor", "histogram_quantile", "idelta",
    "increase", "irate", "label_join", "label_replace", "last_over_time", "ln", "log2", "log10",
    "max_over_time", "min_over_time", "predict_linear", "quantile_over_time", "rate", "resets", "round",
    "scalar", "sort", "sort_desc", "sqrt", "stddev_over_time", "sum_over_time", "time", "timestamp", "vector",
}  # fmt: skip
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
OPERATORS = {"and", "or", "unless", "bool"}
GRAFANA_INTERVALS = re.compile(r"\$__(rate_interval|interval|range)\b")

TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      |(?P<range>\[[^\]]*\])
      |(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      |(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
      |(?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){},])
      |(?P<space>\s+)""",
    re.X,
)


@dataclass
class Selector:
    metric: str
    matchers: dict[str, tuple[str, str]] = field(default_factory=dict)
    """label -> (operator, value)"""


@dataclass
class Query:
    selectors: list[Selector] = field(default_factory=list)
    grouping: set[str] = field(default_factory=set)
    """labels named in by/without/on/ignoring/group_left/group_right"""


def tokens(expr: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(expr):
        match = TOKEN.match(expr, at)
        if match is None:
            raise ValueError(f"cannot read {expr[at:]!r} in {expr!r}")
        if match.lastgroup != "space":
            found.append((match.lastgroup or "", match.group()))
        at = match.end()
    return found


def parse(expr: str) -> Query:
    """The metric selectors and grouping labels of a PromQL expression (Grafana's interval
    variables stand for a duration); raises ValueError on a function PromQL does not have."""
    toks = tokens(GRAFANA_INTERVALS.sub("5m", expr))
    query, i = Query(), 0

    def labels_in_parentheses(start: int) -> tuple[list[str], int]:
        assert toks[start][1] == "(", expr
        names, j = [], start + 1
        while toks[j][1] != ")":
            if toks[j][0] == "ident":
                names.append(toks[j][1])
            j += 1
        return names, j + 1

    def matchers(start: int) -> tuple[dict[str, tuple[str, str]], int]:
        found, j = {}, start + 1
        while toks[j][1] != "}":
            if toks[j][1] == ",":
                j += 1
                continue
            (kind, label), (_, op), (value_kind, value) = toks[j], toks[j + 1], toks[j + 2]
            if kind != "ident" or op not in ("=", "!=", "=~", "!~") or value_kind != "string":
                raise ValueError(f"bad matcher near {label!r} in {expr!r}")
            found[label] = (op, value[1:-1])
            j += 3
        return found, j + 1

    while i < len(toks):
        kind, text = toks[i]
        following = toks[i + 1][1] if i + 1 < len(toks) else ""
        if kind == "op" and text == "{":
            raise ValueError(f"a selector without a metric name in {expr!r}")
        if kind != "ident":
            i += 1
        elif text in GROUPING and following == "(":
            names, i = labels_in_parentheses(i + 1)
            query.grouping.update(names)
        elif text in GROUPING or text in OPERATORS or (text in AGGREGATIONS and following in ("(", "by", "without")):
            i += 1
        elif following == "(":
            if text not in FUNCTIONS:
                raise ValueError(f"no PromQL function {text!r} in {expr!r}")
            i += 1
        elif text == "offset":
            raise ValueError(f"offset is not read by this test: {expr!r}")
        else:
            selector = Selector(text)
            i += 1
            if i < len(toks) and toks[i][1] == "{":
                selector.matchers, i = matchers(i)
            query.selectors.append(selector)
    return query


def target_labels() -> set[str]:
    """Labels every target of every scrape configuration gets: `job`, `instance` and those each
    job's relabelling writes (in all of them)."""
    per_job = []
    for path in SCRAPE_CONFIGS:
        for job in yaml.safe_load(path.read_text())["scrape_configs"]:
            written = {r["target_label"] for r in job.get("relabel_configs", []) if "target_label" in r}
            per_job.append({label for label in written if not label.startswith("__")})
    return {"job", "instance"} | set.intersection(*per_job)


@dataclass
class Exposed:
    """What one registry exposes: sample names, and the label names of each."""

    labels: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, registry: CollectorRegistry) -> Exposed:
        # prometheus_client keeps a metric's label names on it (`_labelnames`): a labelled metric
        # with no values yet has no samples to read them from.
        declared: dict[str, set[str]] = {}
        for collector, names in registry._collector_to_names.items():
            for name in names:
                declared[name] = set(getattr(collector, "_labelnames", ()))
        exposed = cls()
        for family in registry.collect():
            suffixes = {
                "counter": ("_total", "_created"),
                "histogram": ("_bucket", "_count", "_sum", "_created"),
                "summary": ("", "_count", "_sum", "_created"),
                "info": ("_info",),
            }.get(family.type, ("",))
            for suffix in suffixes:
                name = family.name + suffix
                labels = declared.get(family.name, set()) | {k for s in family.samples for k in s.labels}
                exposed.labels[name] = labels | ({"le"} if suffix == "_bucket" else set())
        return exposed


@pytest.fixture(scope="module")
def exposed() -> dict[str, Exposed]:
    return {name: Exposed.of(runtime.metrics.registry) for name, runtime in built_runtimes().items()}


def expressions(dashboard: dict) -> Iterator[tuple[str, str]]:
    """(panel title, expr) of every query of every panel, rows' panels included."""
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                yield inner["title"], target["expr"]


def problems(expr: str, exposed: dict[str, Exposed], extra_labels: set[str]) -> list[str]:
    query = parse(expr)
    found: list[str] = []
    if not query.selectors:
        found.append("names no metric")
    metric_labels: set[str] = set()
    for selector in query.selectors:
        if selector.metric in SYNTHETIC:
            where = {"prometheus": SYNTHETIC[selector.metric]}
        else:
            where = {svc: e.labels[selector.metric] for svc, e in exposed.items() if selector.metric in e.labels}
        if not where:
            found.append(f"{selector.metric}: no service exposes it")
            continue
        op, value = selector.matchers.get("service", ("", ""))
        if op == "=" and value not in where and selector.metric not in SYNTHETIC:
            found.append(f"{selector.metric}: the {value} service does not expose it (only {sorted(where)})")
        labels = set.union(*where.values()) | extra_labels
        metric_labels |= labels
        found += [f"{selector.metric} has no label {label}" for label in selector.matchers if label not in labels]
    found += [f"grouped by {label}, which none of its metrics has" for label in query.grouping - metric_labels]
    return found


def test_every_query_of_the_dashboard_names_metrics_and_labels_the_services_expose(
    exposed: dict[str, Exposed],
) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    extra = target_labels()
    assert "service" in extra, "every scrape configuration must label its targets with `service`"
    queries = list(expressions(dashboard))
    assert len(queries) >= 30
    wrong = {f"{title}: {expr}": found for title, expr in queries if (found := problems(expr, exposed, extra))}
    assert not wrong
    named = {s.metric for _, expr in queries for s in parse(expr).selectors}
    for wanted in (
        "faststream_received_messages_total",
        "faststream_published_messages_total",
        "reelflow_handler_duration_seconds_bucket",
        "reelflow_handler_retries_total",
        "reelflow_dead_letters_total",
        "reelflow_outbox_backlog",
        "reelflow_outbox_set_aside",
        "reelflow_jobs",
        "reelflow_job_attempts_total",
        "reelflow_job_duration_seconds_bucket",
        "reelflow_renders_total",
        "reelflow_ai_calls_total",
        "reelflow_ai_tokens_total",
        "reelflow_http_requests_total",
        "reelflow_http_event_streams_open",
    ):
        assert wanted in named, f"the dashboard shows no {wanted}"


def test_the_service_variable_is_a_target_label_and_names_the_services() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["service"]["allValue"].split("|") == list(SERVICES)
    used = {m for _, expr in expressions(dashboard) for m in re.findall(r"\$\{?(\w+)", expr) if not m.startswith("__")}
    assert used <= set(variables)
    panel_ids = [p["id"] for p in dashboard["panels"]]
    assert len(panel_ids) == len(set(panel_ids))


def test_the_check_finds_a_made_up_metric_a_wrong_label_and_a_wrong_service(exposed: dict[str, Exposed]) -> None:
    extra = target_labels()
    assert (
        problems('sum by (group) (rate(reelflow_handler_retries_total{service=~"$service"}[5m]))', exposed, extra) == []
    )
    assert problems("rate(reelflow_handler_retry_total[5m])", exposed, extra) == [
        "reelflow_handler_retry_total: no service exposes it"
    ]
    assert problems('reelflow_jobs{state="queued"}', exposed, extra) == ["reelflow_jobs has no label state"]
    assert problems('reelflow_renders_total{service="image"}', exposed, extra) == [
        "reelflow_renders_total: the image service does not expose it (only ['video'])"
    ]
    assert problems("sum by (route) (reelflow_jobs)", exposed, extra) == [
        "grouped by route, which none of its metrics has"
    ]
    with pytest.raises(ValueError, match="no PromQL function"):
        parse("rates(reelflow_jobs[5m])")


def test_the_parser_reads_selectors_and_grouping() -> None:
    query = parse(
        'histogram_quantile(0.95, sum by (kind, le) (rate(reelflow_job_duration_seconds_bucket{service=~"$service", '
        'outcome="done"}[$__rate_interval]))) / on (kind) group_left max(reelflow_jobs)'
    )
    assert [s.metric for s in query.selectors] == ["reelflow_job_duration_seconds_bucket", "reelflow_jobs"]
    assert query.selectors[0].matchers == {"service": ("=~", "$service"), "outcome": ("=", "done")}
    assert query.grouping == {"kind", "le"}
