"""The `[topology]` table: which component depends on which.

Keys may be glob patterns (`"jiebei/*"`), so "what does X depend on" is the union of
the lists of every key matching X. Values are component names. The config loader asks
`topology_problems` for cycles (a cycle would make every member the other's symptom,
and nothing the cause); the probable-cause logic asks `Topology.depends_on`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

_GLOB = frozenset("*?[")
_CACHE_SIZE = 100_000
"""Components remembered per table; a board whose component names never repeat
(a label with a request id) must not grow it without bound."""


def is_pattern(key: str) -> bool:
    """Whether a topology key is a glob rather than one component's name."""
    return any(char in _GLOB for char in key)


def key_path(key: str) -> str:
    """How a problem names a topology key: `topology."jiebei/*"`, quoted as TOML
    quotes it, so a key with dots or slashes reads unambiguously."""
    return f"topology.{json.dumps(key, ensure_ascii=False)}"


class Topology:
    """A validated or recorded `[topology]` table, with glob keys resolved per name.

    Lookups are cached per component: a board of thousands of signals asks about the
    same few hundred components on every change.
    """

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        self.table: dict[str, tuple[str, ...]] = {
            str(key): tuple(str(v) for v in values) for key, values in table.items()
        }
        self._literal = {k: v for k, v in self.table.items() if not is_pattern(k)}
        self._patterns = [(k, v) for k, v in self.table.items() if is_pattern(k)]
        self._cache: dict[str, tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.table)

    def direct(self, component: str) -> tuple[str, ...]:
        """What `component` depends on directly: the lists of its own key and of every
        glob key matching it, in table order, without repeats."""
        cached = self._cache.get(component)
        if cached is not None:
            return cached
        found: dict[str, None] = {}
        for dependency in self._literal.get(component, ()):
            found[dependency] = None
        for pattern, dependencies in self._patterns:
            if fnmatchcase(component, pattern):
                for dependency in dependencies:
                    found[dependency] = None
        # A glob such as "pay-*" = ["pay-gateway"] matches its own value: every pay-*
        # service depends on the gateway, not the gateway on itself.
        found.pop(component, None)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[component] = result = tuple(found)
        return result

    def depends_on(self, component: str) -> set[str]:
        """Every component `component` depends on, transitively. Safe on a cyclic
        table (a recording edited by hand): each name is visited once."""
        seen: set[str] = set()
        stack = list(self.direct(component))
        while stack:
            name = stack.pop()
            if name in seen or name == component:
                continue
            seen.add(name)
            stack.extend(self.direct(name))
        return seen

    def names(self) -> list[str]:
        """Every component the table names literally: plain keys and all values."""
        found: dict[str, None] = {}
        for key, values in self.table.items():
            if not is_pattern(key):
                found[key] = None
            for value in values:
                found[value] = None
        return list(found)


def topology_problems(table: Mapping[str, list[str]]) -> list[str]:
    """Every problem of a `[topology]` table, each as `path: message`: empty names,
    and each cycle once, with the path it runs (`topology."a": cycle a -> b -> a`)."""
    problems: list[str] = []
    for key, values in table.items():
        if not key.strip():
            problems.append(f"{key_path(key)}: a component name cannot be empty")
        for index, value in enumerate(values):
            if not value.strip():
                problems.append(f"{key_path(key)}[{index}]: a component name cannot be empty")
    topology = Topology(table)
    reported: set[frozenset[str]] = set()
    for cycle in _cycles(topology):
        members = frozenset(cycle)
        if members in reported:
            continue
        reported.add(members)
        start, following = cycle[0], cycle[1]
        key = _key_for(topology, start, following)
        problems.append(f"{key_path(key)}: cycle {' -> '.join(cycle)}")
    return problems


def _key_for(topology: Topology, component: str, dependency: str) -> str:
    """The key whose list makes `component` depend on `dependency`: where to fix it."""
    if dependency in topology.table.get(component, ()):
        return component
    for key, values in topology.table.items():
        if is_pattern(key) and dependency in values and fnmatchcase(component, key):
            return key
    return component


def _cycles(topology: Topology) -> list[list[str]]:
    """Cycles among the named components, found by depth-first search; each as the
    path from its first member back to it (`[a, b, a]`). A glob key joins a cycle
    through the names it matches."""
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = {}
    found: list[list[str]] = []

    for root in topology.names():
        if colour.get(root, white) != white:
            continue
        path: list[str] = [root]
        colour[root] = grey
        iterators = [iter(_edges(topology, root))]
        while iterators:
            try:
                nxt = next(iterators[-1])
            except StopIteration:
                iterators.pop()
                colour[path.pop()] = black
                continue
            state = colour.get(nxt, white)
            if state == grey:
                found.append([*path[path.index(nxt) :], nxt])
            elif state == white:
                colour[nxt] = grey
                path.append(nxt)
                iterators.append(iter(_edges(topology, nxt)))
    return found


def _edges(topology: Topology, component: str) -> tuple[str, ...]:
    """Direct dependencies, plus the component itself when its own key lists it
    (`"a" = ["a"]`): `direct` drops that for lookups, but written out it is a cycle."""
    direct = topology.direct(component)
    return (*direct, component) if component in topology.table.get(component, ()) else direct
