"""The LLM planner: one call splits the request, then one call per ticket specifies it.

    planner = LLMPlanner(make_client("openai", url, key, model))
    plan = planner.plan(ResearchContext(request, repo, index))

Each ticket is specified from its own retrieved code, in parallel with bounded concurrency.
Every answer is validated here (schema, tracker spec rules, paths that exist) and sent back
with its errors a bounded number of times; a hook whose path still does not exist is
dropped, never kept. The model only proposes: keys, dependencies and lanes come from the
validated split, the plan passes `plan_gate`, and the tracker stores it as draft tickets of
a `planned` batch. A provider failure ends the pass with the client's one-line message.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.llm import LLMClient, LLMError, LLMInvalidAnswerError, complete_validated
from intake.master import is_actionable_text, title_for
from intake.planner.base import NeedsClarification, PlanningError, ResearchContext
from intake.planner.llm_context import Retriever
from intake.planner.llm_prompts import SPLIT_SYSTEM, TICKET_SYSTEM, split_prompt, ticket_prompt
from intake.planner.llm_schema import (
    SPLIT_NAME,
    SPLIT_SCHEMA,
    TICKET_NAME,
    TICKET_SCHEMA,
    VERIFY,
    Hook,
    Split,
    TicketAnswer,
    Unit,
    clean_path,
    hook_path_problem,
    split_problems,
    ticket_problems,
    ticket_rules,
)
from intake.validation import plan_gate
from tracker.graph import topological_order
from tracker.plan import FileHook, Plan, PlannedTicket

log = logging.getLogger("foreman.research")

OVERVIEW_FILES = 8
VERIFY_KEY = "verify-live"
EMPTY_QUESTION = "What should be built or fixed, and in which part of the system?"


@dataclass(frozen=True)
class Specified:
    answer: TicketAnswer
    dropped: list[str] = field(default_factory=list)  # hook paths that did not survive


class LLMPlanner:
    name = "llm"

    def __init__(
        self,
        client: LLMClient,
        *,
        concurrency: int = 4,
        max_corrections: int = 2,
        context_files: int = 6,
    ) -> None:
        if concurrency < 1 or context_files < 1 or max_corrections < 0:
            raise ValueError(
                "concurrency and context_files must be at least 1, max_corrections at least 0"
            )
        self.client = client
        self.concurrency = concurrency
        self.max_corrections = max_corrections
        self.context_files = context_files

    def plan(self, context: ResearchContext) -> Plan | NeedsClarification:
        if not is_actionable_text(context.request):
            return NeedsClarification(EMPTY_QUESTION)
        try:
            return self._plan(context)
        except LLMError as exc:
            # The client's message already names what failed and the setting to change;
            # it is what the thread shows, so it goes out unwrapped.
            raise PlanningError(str(exc)) from exc

    def _plan(self, context: ResearchContext) -> Plan | NeedsClarification:
        started = time.perf_counter()
        retriever = Retriever(context.index)
        split = self._split(context, retriever)
        question = (split.question or "").strip()
        if question and not split.units:
            return NeedsClarification(question)
        title = split.title.strip() or title_for(context.request)
        units = with_final_verify(split.units, title)
        specified = self._specify_all(context, retriever, title, units)
        plan = assemble(context, title, units, specified)
        problems = plan_gate(plan, context.repo)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise PlanningError(f"the llm planner's plan failed validation: {problems[0]}{more}")
        log.info(
            "llm plan of %d tickets in %.1f s (%d calls at most %d at a time)",
            len(plan.tickets),
            time.perf_counter() - started,
            len(units) + 1,
            self.concurrency,
        )
        return plan

    # -- step 1: the split -------------------------------------------------------------

    def _split(self, context: ResearchContext, retriever: Retriever) -> Split:
        prompt = split_prompt(context.request, retriever.overview(context.request, OVERVIEW_FILES))
        try:
            answer = complete_validated(
                self.client,
                system=SPLIT_SYSTEM,
                user=prompt,
                schema=SPLIT_SCHEMA,
                name=SPLIT_NAME,
                validate=split_problems,
                max_corrections=self.max_corrections,
            )
        except LLMInvalidAnswerError as exc:
            raise PlanningError(f"splitting the request: {exc}") from exc
        return Split.model_validate(answer)

    # -- step 2: one call per ticket, in parallel --------------------------------------

    def _specify_all(
        self, context: ResearchContext, retriever: Retriever, title: str, units: list[Unit]
    ) -> dict[str, Specified]:
        # Retrieval runs here, one unit after the other: it is CPU-bound and quick, and the
        # index is not built for concurrent readers. Only the model calls run in parallel.
        prompts = {
            unit.key: ticket_prompt(
                plan_title=title,
                request=context.request,
                unit=unit,
                others=units,
                context=retriever.context(f"{unit.title} {unit.intent}", self.context_files),
            )
            for unit in units
        }
        pool = ThreadPoolExecutor(
            max_workers=min(self.concurrency, len(units)), thread_name_prefix="foreman-spec"
        )
        try:
            futures: dict[str, Future[Specified]] = {
                unit.key: pool.submit(self._specify, unit, prompts[unit.key], context.repo)
                for unit in units
            }
            wait(futures.values(), return_when=FIRST_EXCEPTION)
            for future in futures.values():
                if future.done() and future.exception() is not None:
                    future.result()  # raises it, from the earliest unit that failed
            return {key: future.result() for key, future in futures.items()}
        finally:
            # On failure the calls not yet sent are not sent; those in flight finish alone.
            pool.shutdown(wait=False, cancel_futures=True)

    def _specify(self, unit: Unit, prompt: str, repo: Path) -> Specified:
        try:
            answer = complete_validated(
                self.client,
                system=TICKET_SYSTEM,
                user=prompt,
                schema=TICKET_SCHEMA,
                name=TICKET_NAME,
                validate=lambda raw: ticket_problems(raw, repo),
                max_corrections=self.max_corrections,
            )
        except LLMInvalidAnswerError as exc:
            salvaged = salvage(exc.raw, repo)
            if salvaged is None:
                raise PlanningError(f"specifying ticket {unit.key!r}: {exc}") from exc
            log.info("ticket %s: dropped hooks that do not exist: %s", unit.key, salvaged.dropped)
            return salvaged
        return Specified(TicketAnswer.model_validate(answer))


def salvage(raw: str, repo: Path) -> Specified | None:
    """The last answer without its impossible hooks, if that is all that was wrong with it."""
    try:
        answer: Any = json.loads(raw)
        ticket = TicketAnswer.model_validate(answer)
    except ValueError:  # not JSON, or not the schema (pydantic's error is a ValueError)
        return None
    kept = [hook for hook in ticket.file_hooks if hook_path_problem(hook, repo) is None]
    dropped = [clean_path(h.path) or "(no path)" for h in ticket.file_hooks if h not in kept]
    if not dropped:
        return None
    trimmed = ticket.model_copy(update={"file_hooks": kept})
    if ticket_rules(trimmed, need_hooks=False):
        return None
    return Specified(trimmed, dropped)


# -- step 3: the plan -------------------------------------------------------------------


def with_final_verify(units: Sequence[Unit], plan_title: str) -> list[Unit]:
    """Units in dependency order, ending with a verify unit that waits for all the others.

    The model's own verify unit serves when nothing depends on it; otherwise one is added.
    The final unit gains a dependency on every unit nothing else waits for, so it comes
    after everything without redundant edges, and since nothing depends on it no cycle
    can appear.
    """
    depended_on = {dep for unit in units for dep in unit.depends_on}
    finals = [u for u in units if u.lane == VERIFY and u.key not in depended_on]
    if finals:
        final = finals[-1]
    else:
        keys = {unit.key for unit in units}
        key, n = VERIFY_KEY, 2
        while key in keys:
            key, n = f"{VERIFY_KEY}-{n}", n + 1
        final = Unit(
            key=key,
            title=f"Verify live: {plan_title}",
            lane=VERIFY,
            intent=(
                "Once everything else is merged and deployed, exercise the changed behaviour"
                " end to end against the running system and record the evidence as proof."
            ),
        )
    others = [unit for unit in units if unit.key != final.key]
    waited_on = {dep for unit in others for dep in unit.depends_on}
    sinks = [u.key for u in others if u.key not in waited_on and u.key not in final.depends_on]
    final = final.model_copy(update={"depends_on": [*final.depends_on, *sinks]})
    by_key = {unit.key: unit for unit in others}
    order = topological_order(list(by_key), {k: u.depends_on for k, u in by_key.items()})
    return [*(by_key[key] for key in order), final]


def assemble(
    context: ResearchContext, title: str, units: list[Unit], specified: dict[str, Specified]
) -> Plan:
    tickets: list[PlannedTicket] = []
    for unit in units:
        spec = specified[unit.key]
        answer = spec.answer
        hooks = _hooks(answer.file_hooks, context.repo)
        questions = [q.strip() for q in answer.open_questions if q.strip()]
        if spec.dropped and not hooks:
            questions.append(
                "Which files does this change? None of the proposed ones exist: "
                + ", ".join(spec.dropped)
            )
        tickets.append(
            PlannedTicket(
                key=unit.key,
                title=unit.title.strip(),
                scope=answer.scope.strip(),
                acceptance_criteria=_distinct(answer.acceptance_criteria),
                file_hooks=hooks,
                test_plan=answer.test_plan.strip(),
                finish_line=answer.finish_line.strip(),
                depends_on=list(dict.fromkeys(unit.depends_on)),
                lane=unit.lane,
                open_questions=questions,
            )
        )
    return Plan(title=title, request=context.request, repo=str(context.repo), tickets=tickets)


def _hooks(hooks: Sequence[Hook], repo: Path) -> list[FileHook]:
    out: dict[str, FileHook] = {}
    for hook in hooks:
        if hook_path_problem(hook, repo) is not None:
            continue
        path = clean_path(hook.path)
        exists = (repo / path).is_file()
        symbols = [s.strip() for s in hook.symbols if s.strip()]
        if exists:
            symbols = _present(symbols, repo / path)
        previous = out.get(path)
        if previous is not None:
            symbols = list(dict.fromkeys([*previous.symbols, *symbols]))
        out[path] = FileHook(
            path=path,
            why=previous.why if previous is not None else hook.why.strip(),
            # A file the model thought new but which exists is simply changed.
            new=hook.new and not exists,
            symbols=symbols,
        )
    return list(out.values())


def _present(symbols: list[str], path: Path) -> list[str]:
    """Symbols a worker can find in the file; a made-up name would send them looking."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [s for s in symbols if s.rsplit(".", 1)[-1].removesuffix("()") in text]


def _distinct(items: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        text = item.strip()
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    return list(seen.values())
