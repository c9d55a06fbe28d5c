"""bot/ has no import cycle (issue 15): every import counts, the
ones inside functions too (a lazy import hides a cycle from the interpreter, not from
the reader)."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

# None left: a new cycle is a failure, not an entry here.
KNOWN: set[frozenset[str]] = set()


def _cycles(package: str) -> set[frozenset[str]]:
    """The strongly connected groups of more than one module among `package`'s modules
    (Tarjan's algorithm, without recursion)."""
    graph = grimp.build_graph(package)
    modules = sorted(graph.modules)
    edges = {
        m: sorted(d for d in graph.find_modules_directly_imported_by(m) if d in graph.modules)
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(frozenset(group))
    return found


def test_i18n_and_rendering_do_not_import_each_other() -> None:
    """The money and dates inside the domain's phrases are written by `bot.views.formats`, which
    both use: `bot.views.i18n` imports
    neither `bot.views.rendering` nor anything that imports it."""
    graph = grimp.build_graph("bot")
    assert (
        graph.find_shortest_chain(importer="bot.views.i18n", imported="bot.views.rendering") is None
    )
    assert (
        graph.find_shortest_chain(importer="bot.views.formats", imported="bot.views.phrases")
        is None
    )
    assert not any("bot.views.i18n" in group for group in _cycles("bot"))


def test_no_new_import_cycles_in_bot() -> None:
    """bot/ has no import cycle (KNOWN is empty: none is tolerated)."""
    assert _cycles("bot") <= KNOWN


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: two modules importing each other (one lazily) are a cycle."""
    package = tmp_path / "cyclic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic import b\n")
    (package / "b.py").write_text("def f():\n    from cyclic import a\n    return a\n")
    (package / "c.py").write_text("from cyclic import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles("cyclic") == {frozenset({"cyclic.a", "cyclic.b"})}
