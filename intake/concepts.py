"""What common requests mean in code: the words people use, and the words code uses.

A request says "visibility" or "paged"; code says `log`, `event`, `record`, `notify`,
`escalate`. Each concept links the two, and carries what a finished ticket of that kind
must show (acceptance), how to check it live, and where it sits in the dependency order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lanes, in the order work has to happen: configuration and infrastructure first,
# features next, verification of the live behaviour last.
LANE_ORDER = {"config": 0, "infra": 0, "build": 1, "verify": 2}


@dataclass(frozen=True)
class Concept:
    name: str
    triggers: tuple[str, ...]  # regex fragments matched against the request, word-initial
    code_terms: str  # what to look for in the repository
    facets: tuple[str, ...]  # separate searches, each a different place such work lands
    lane: str
    title: str  # {area} is the part of the codebase the hooks point at
    criteria: tuple[str, ...]  # {symbol}, {path}, {area}, {test} are filled in
    live_check: str  # how the verification ticket proves it in a running system
    needs_setting: str | None = None  # a knob this work needs configured first
    weight: float = 1.0  # how strongly a mention makes this the unit's main intent


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        name="observability",
        facets=(
            "event record",
            "log logger logging",
            "metric counter gauge",
            "audit history",
            "trace span",
        ),
        triggers=(
            "visib",
            "observ",
            "insight",
            "what the system",
            "what it is doing",
            "log",
            "metric",
            "trac",
            "monitor",
            "dashboard",
            "telemetr",
            "audit",
            "instrument",
        ),
        code_terms="log logger logging event events record audit metric counter trace status "
        "health emit history",
        lane="build",
        title="Record what {area} is doing: a structured event for every state change",
        criteria=(
            "every state change that passes through `{symbol}` ({path}) leaves a structured "
            "record with who, what, from, to, when and why",
            "the records can be read back in order by a command or an API, without a debugger",
            "a test in {test} drives one real operation and asserts the records it produced",
            "no secret or token appears in a record (redaction is applied before it is written)",
        ),
        live_check="after one real operation in a running deployment, its records can be "
        "read back with who, what and when",
    ),
    Concept(
        name="alerting",
        facets=(
            "escalate escalation ask wall",
            "failure report diagnose",
            "alert notify page",
            "incident",
        ),
        triggers=(
            "page",
            "paging",
            "paged",
            "alert",
            "on-call",
            "oncall",
            "notif",
            "wake",
            "escalat",
            "incident",
            "someone knows",
            "tell someone",
        ),
        code_terms="alert notify notification page escalate escalation incident failure error "
        "report ask post message channel diagnose",
        lane="build",
        title="Page a person {when}",
        criteria=(
            "a failure that reaches `{symbol}` ({path}) produces exactly one page that names "
            "what failed, why, and the action a person must take",
            "the same failure seen again while the page is open raises its count instead of "
            "paging twice",
            "a test in {test} simulates the failure and asserts one page with that content",
        ),
        live_check="a synthetic failure injected into a running deployment produces exactly "
        "one page in the configured destination",
        needs_setting="where pages go (the destination channel or service)",
    ),
    Concept(
        name="failure",
        facets=("error exception failure", "health check status", "timeout retry"),
        triggers=(
            "break",
            "broke",
            "crash",
            "outage",
            "down",
            "fail",
            "error",
            "exception",
            "goes wrong",
            "production",
        ),
        code_terms="error exception failure fail crash health check timeout retry status",
        lane="build",
        title="Detect failures in {area}",
        criteria=(
            "a failure raised inside `{symbol}` ({path}) is caught, classified and reported "
            "once, with its cause",
            "a test in {test} forces the failure and asserts it is reported",
        ),
        live_check="a forced failure in a running deployment is reported with its cause",
        # "paged when production breaks" is about paging; the failure is its condition.
        weight=0.4,
    ),
    Concept(
        name="configuration",
        facets=("settings config", "environment env variable"),
        triggers=(
            "config",
            "setting",
            "environment variable",
            "env var",
            "flag",
            "toggle",
            "credential",
            "secret",
            "token",
            "api key",
        ),
        code_terms="settings config configuration environment env field default secret",
        lane="config",
        title="Make {area} configurable",
        criteria=(
            "the new setting is read in `{symbol}` ({path}) with a safe default and a clear "
            "error when it is invalid",
            "the setting is documented next to the others (name, default, meaning)",
            "a test in {test} covers the default, an override and an invalid value",
        ),
        live_check="the deployed process reports the configured value at start-up",
    ),
    Concept(
        name="performance",
        facets=("cache", "index query", "batch bulk"),
        triggers=("fast", "slow", "latenc", "speed", "perform", "cache", "optimi", "quick"),
        code_terms="cache index query batch bulk performance timeout latency",
        lane="build",
        title="Speed up {area}",
        criteria=(
            "a benchmark script measures `{symbol}` ({path}) before and after, and prints both "
            "figures",
            "the measured time improves by the target stated in the scope, with results unchanged",
            "a test in {test} pins the results so the speed-up changes nothing visible",
        ),
        live_check="the deployed build shows the improved timing on a real request",
    ),
    Concept(
        name="reliability",
        facets=("retry backoff", "timeout", "resume recover idempotent lease"),
        triggers=("retr", "resilien", "flak", "timeout", "backoff", "robust", "recover", "resum"),
        code_terms="retry retries backoff timeout tenacity resume recover idempotent lease",
        lane="build",
        title="Make {area} recover from transient failures",
        criteria=(
            "a transient failure in `{symbol}` ({path}) is retried with backoff a bounded "
            "number of times, then reported",
            "a permanent failure is not retried and is reported at once",
            "a test in {test} injects both kinds and asserts the retries and the report",
        ),
        live_check="a transient fault injected in a running deployment recovers without help",
    ),
)

_COMPILED = {
    c.name: re.compile(r"\b(?:" + "|".join(c.triggers) + ")", re.IGNORECASE) for c in CONCEPTS
}


def concepts_in(text: str) -> list[Concept]:
    """The concepts a unit of work speaks of, strongest first (ties keep catalogue order)."""
    scored = []
    for position, concept in enumerate(CONCEPTS):
        hits = len(_COMPILED[concept.name].findall(text)) * concept.weight
        if hits:
            scored.append((-hits, position, concept))
    return [c for _, _, c in sorted(scored, key=lambda item: (item[0], item[1]))]
