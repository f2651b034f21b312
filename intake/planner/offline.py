"""The built-in planner: deterministic, no model, grounded in the repository's own code.

It splits the request into units of work, reads each unit through the concept lexicon
(what people say → what code says), grounds it in the files and symbols the index ranks
highest, and specifies each ticket: scope, checkable acceptance criteria, real file hooks
with the reason each was chosen, the tests to run or create, a finish line a machine can
check, and the dependency order (configuration first, features next, live verification
last: merged is not shipped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from intake.concepts import LANE_ORDER, Concept, concepts_in
from intake.master import title_for
from intake.planner.base import NeedsClarification, ResearchContext
from intake.planner.grounding import Grounder, Grounding, suite_command, test_command
from intake.units import content_words, is_actionable, split_units
from tracker.plan import FileHook, Plan, PlannedTicket

CLARIFY = (
    "What should I plan? Say what should be built, fixed or made visible, e.g. "
    '"page the on-call when the nightly export fails".'
)
LIVE_CHECK = "observed working in a running deployment"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class Draft:
    key: str
    unit: str
    concept: Concept | None
    grounding: Grounding
    lane: str
    title: str | None = None


class OfflinePlanner:
    name = "offline"

    def plan(self, context: ResearchContext) -> Plan | NeedsClarification:
        if not is_actionable(context.request):
            return NeedsClarification(CLARIFY)
        units = split_units(context.request)
        grounder = Grounder(context.index)
        drafts = self._drafts(units, grounder)
        if not drafts:
            return NeedsClarification(CLARIFY)
        drafts = self._settings_first(drafts, grounder)
        tickets = [self._specify(d, context.repo) for d in drafts]
        tickets = _order(tickets, drafts)
        tickets.append(self._verification(tickets, drafts, context))
        return Plan(
            title=title_for(context.request),
            request=context.request,
            repo=str(context.repo),
            tickets=tickets,
        )

    # -- units → drafts -------------------------------------------------------------------

    def _drafts(self, units: list[str], grounder: Grounder) -> list[Draft]:
        drafts: list[Draft] = []
        owned: set[str] = set()
        for unit in units:
            found = concepts_in(unit)
            concept = found[0] if found else None
            words = " ".join(subject_words(unit))
            facets = concept.facets if concept else ("",)
            grounding = grounder.ground(words, facets, avoid=owned)
            owned.update(h.path for h in grounding.hooks[:1])
            key = _unique(_slug(concept.name if concept else words) or "work", drafts)
            drafts.append(
                Draft(key, unit, concept, grounding, concept.lane if concept else "build")
            )
        return drafts

    def _settings_first(self, drafts: list[Draft], grounder: Grounder) -> list[Draft]:
        """Work that needs a knob gets a configuration ticket ahead of it."""
        from intake.concepts import CONCEPTS

        configuration = next(c for c in CONCEPTS if c.name == "configuration")
        needed = [d for d in drafts if d.concept and d.concept.needs_setting]
        if not needed or any(d.lane == "config" for d in drafts):
            return drafts
        setting = needed[0].concept.needs_setting if needed[0].concept else ""
        grounding = grounder.ground("", configuration.facets)
        unit = f"Make {setting} configurable"
        draft = Draft(
            _unique("settings", drafts),
            unit,
            configuration,
            grounding,
            "config",
            title=f"Configure {setting}",
        )
        return [draft, *drafts]

    # -- drafts → tickets -----------------------------------------------------------------

    def _specify(self, draft: Draft, repo: Path) -> PlannedTicket:
        g = draft.grounding
        area = _area(g)
        symbol, path = _anchor(g)
        test = test_command(repo, g.test_files)
        tests_named = ", ".join(g.test_files) or "the new test"
        concept = draft.concept
        title = draft.title or (
            concept.title.format(area=area, when=_condition(draft.unit, area))
            if concept and g.hooks
            else draft.unit
        )
        fill = {"symbol": symbol, "path": path, "area": area, "test": tests_named}
        criteria = (
            [c.format(**fill) for c in concept.criteria]
            if concept and g.hooks
            else [
                f"{draft.unit}, implemented in {path}" if g.hooks else draft.unit,
                f"a test in {tests_named} shows the new behaviour",
            ]
        )
        criteria.append(
            f"`{test}` exits 0, and the existing suite (`{suite_command(repo)}`) still passes"
        )
        hooks = [_hook(h) for h in g.hooks]
        if g.new_test and g.hooks:
            hooks.append(
                FileHook(
                    path=g.new_test,
                    new=True,
                    why=f"new: the tests of this ticket (no test exercises {path} yet)",
                )
            )
        questions = (
            []
            if g.hooks
            else [
                f'Which part of the codebase does "{draft.unit}" concern? Nothing in the '
                f"repository matched {', '.join(content_words(draft.unit)[:6])}."
            ]
        )
        touched = ", ".join(f"`{h.path}`" for h in hooks if not h.new) or "the files named below"
        scope = (
            f"{draft.unit}. Work in {touched}"
            + (f", starting at `{symbol}`" if g.hooks else "")
            + ". Keep the change to what the acceptance criteria need: no new dependencies, "
            "no unrelated refactors."
        )
        plan_tests = (
            f"Extend {', '.join(g.tests)}"
            if g.tests
            else f"Create {g.new_test}"
            if g.new_test
            else "Add a test beside the code you change"
        )
        return PlannedTicket(
            key=draft.key,
            title=_clip_title(title),
            scope=scope,
            acceptance_criteria=criteria,
            file_hooks=hooks,
            test_plan=f"{plan_tests}: cover every acceptance criterion above; run `{test}`.",
            finish_line=test,
            depends_on=[],
            lane=draft.lane,
            open_questions=questions,
        )

    def _verification(
        self, tickets: list[PlannedTicket], drafts: list[Draft], context: ResearchContext
    ) -> PlannedTicket:
        names = list(
            dict.fromkeys(d.concept.name for d in drafts if d.concept and d.lane != "config")
        )
        words = names or [w for w in subject_words(context.request) if w.isalnum()][:3]
        script = f"scripts/verify_{'_'.join(words[:3]) or 'request'}.py"
        checks = [
            f"{t.title}: {d.concept.live_check if d.concept else LIVE_CHECK}"
            for t, d in zip(tickets, _matching(tickets, drafts), strict=True)
        ]
        return PlannedTicket(
            key="verify-live",
            title=_clip_title(f"Verify live: {title_for(context.request, limit=60)}"),
            scope="Merged is not shipped. Exercise the deployed behaviour end to end and record "
            "the evidence as proof; a gap found here is filed as discovered work, not ignored.",
            acceptance_criteria=[
                *checks,
                f"`python {script}` exits non-zero and names the "
                "failing check when any check fails",
            ],
            file_hooks=[
                FileHook(
                    path=script, new=True, why="new: runs every live check of this batch on demand"
                )
            ],
            test_plan=f"Run `python {script}` against a running deployment (staging, or "
            "`foreman dev` locally) and attach its output as the proof.",
            finish_line=f"python {script}",
            depends_on=[t.key for t in tickets],
            lane="verify",
            open_questions=[],
        )


# Prose that says nothing about where in the code the work lands.
_PROSE = frozenset(
    "system doing production prod broken breaks break everything app application service "
    "somebody person people us team visibility visible paged page paging".split()
)


def subject_words(text: str) -> list[str]:
    """What a unit is about in the codebase's own terms (not how the request phrased it)."""
    return [w for w in content_words(text) if w not in _PROSE]


def _condition(unit: str, area: str) -> str:
    match = re.search(r"\b(when|whenever|if)\b(.+)$", unit, re.IGNORECASE)
    return (
        f"{match.group(1).lower()}{match.group(2).rstrip('.')}" if match else f"when {area} fails"
    )


def _order(tickets: list[PlannedTicket], drafts: list[Draft]) -> list[PlannedTicket]:
    """Configuration first; features wait for it, and for earlier work on the same files."""
    ordered = sorted(tickets, key=lambda t: LANE_ORDER.get(t.lane, 1))
    config = [t.key for t in ordered if LANE_ORDER.get(t.lane, 1) == 0]
    owners: dict[str, str] = {}
    result = []
    for ticket in ordered:
        deps = [] if ticket.key in config else list(config)
        for hook in ticket.file_hooks:
            owner = owners.get(hook.path)
            if owner and owner not in deps and owner != ticket.key:
                deps.append(owner)
            owners.setdefault(hook.path, ticket.key)
        result.append(ticket.model_copy(update={"depends_on": deps}))
    return result


def _matching(tickets: list[PlannedTicket], drafts: list[Draft]) -> list[Draft]:
    by_key = {d.key: d for d in drafts}
    return [by_key[t.key] for t in tickets]


def _hook(hit: object) -> FileHook:
    from intake.index import Hit

    assert isinstance(hit, Hit)
    named = ", ".join(f"`{s.name}` (line {s.line})" for s in hit.symbols)
    matched = "; ".join(hit.reasons[:2])
    why = f"defines {named}; {matched}" if named else matched
    return FileHook(
        path=hit.path,
        why=why or "ranked first for this work",
        symbols=[s.name for s in hit.symbols],
    )


def _anchor(g: Grounding) -> tuple[str, str]:
    if not g.hooks:
        return "the code this needs", "the repository"
    first = g.hooks[0]
    return (first.symbols[0].name if first.symbols else PurePosixPath(first.path).stem, first.path)


def _area(g: Grounding) -> str:
    if not g.hooks:
        return "the system"
    path = PurePosixPath(g.hooks[0].path)
    parts = [*path.parent.parts, path.stem]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or path.stem


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:40]


def _unique(key: str, drafts: list[Draft]) -> str:
    taken = {d.key for d in drafts}
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}-{n}", n + 1
    return candidate


def _clip_title(title: str) -> str:
    return title if len(title) <= 120 else title[:119].rstrip() + "…"
