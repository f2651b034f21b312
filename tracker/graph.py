"""Dependency graphs: cycle detection that names the cycle, and a stable topological order."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycle(edges: Mapping[N, Iterable[N]]) -> list[N] | None:
    """Return one cycle as [a, b, …, a] if the graph `node -> depends on` has one."""
    white, grey, black = 0, 1, 2
    colour: dict[N, int] = {}
    for root in edges:
        if colour.get(root, white) != white:
            continue
        # Iterative DFS: plans and discovered-work chains can be deep.
        path: list[N] = [root]
        stack = [iter(edges.get(root, ()))]
        colour[root] = grey
        while stack:
            advanced = False
            for nxt in stack[-1]:
                state = colour.get(nxt, white)
                if state == grey:
                    return [*path[path.index(nxt) :], nxt]
                if state == white:
                    colour[nxt] = grey
                    path.append(nxt)
                    stack.append(iter(edges.get(nxt, ())))
                    advanced = True
                    break
            if not advanced:
                colour[path.pop()] = black
                stack.pop()
    return None


def topological_order(nodes: list[N], edges: Mapping[N, Iterable[N]]) -> list[N]:
    """Dependencies first; among equals, the order of `nodes`. Assumes no cycle."""
    position = {node: i for i, node in enumerate(nodes)}
    remaining = {node: {d for d in edges.get(node, ()) if d in position} for node in nodes}
    order: list[N] = []
    done: set[N] = set()
    while remaining:
        ready = sorted(
            (n for n, deps in remaining.items() if deps <= done), key=lambda n: position[n]
        )
        if not ready:
            raise ValueError("graph has a cycle")
        for node in ready:
            order.append(node)
            done.add(node)
            del remaining[node]
    return order
