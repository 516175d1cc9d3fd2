"""The package layout: one job per package, dependencies pointing one way, and a pure core.

Hosts (``skill.local``'s dispatcher, ``skill.web``, ``skill.cli``) use the voice I/O (``skill.voice``)
and the in-process device (``skill.device``), which use the skill (``skill.alexa``, the coach), which
uses understanding and content. The Lambda ships without the laptop's packages, so the skill must
never reach one; and a circle between packages would make every one of them depend on all the others.
Imports are read from the source with ``ast``, lazy and type-only ones included: each is a dependency.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import skill

ROOT = Path(__file__).resolve().parents[2]
SKILL_DIR = ROOT / "skill"
PURE = ("skill.understanding", "skill.content", "skill.routine", "skill.speech")
HOSTS = ("skill.local", "skill.web", "skill.cli")
LAPTOP = (*HOSTS, "skill.voice", "skill.device")
BUILD_TOOLS = "skill.tools"  # laptop-side build commands: they may render with the local voice
FRAMEWORKS = ("flask", "werkzeug", "ask_sdk")  # top-level names, ask_sdk as a prefix of ask_sdk_core...

Graph = Mapping[str, frozenset[str]]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, module: str) -> set[str]:
    """Every module ``path`` (module ``module``) imports, anywhere in the file, as absolute dotted names
    (relative ones resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # ``from skill.voice import audio``
    return names


def unit(name: str) -> str:
    """The package a ``skill`` module belongs to in the layout: ``skill.voice.speaker`` -> ``skill.voice``;
    a top-level module (``skill.coach``) is its own unit."""
    return ".".join(name.split(".")[:2])


def sources() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SKILL_DIR.rglob("*.py"))}


def package_graph(files: Mapping[str, Path]) -> tuple[Graph, Graph]:
    """(unit -> the other units it imports, unit -> the third-party top-level names it imports)."""
    inner: dict[str, set[str]] = {}
    outer: dict[str, set[str]] = {}
    for module, path in files.items():
        source = unit(module)
        inner.setdefault(source, set())
        outer.setdefault(source, set())
        for name in imported_names(path, module):
            if name == "skill" or name.startswith("skill."):
                if unit(name) not in (source, "skill"):
                    inner[source].add(unit(name))
            else:
                outer[source].add(name.split(".")[0])
    return ({k: frozenset(v) for k, v in inner.items()}, {k: frozenset(v) for k, v in outer.items()})


def find_cycle(graph: Graph) -> list[str] | None:
    """One circle in ``graph`` as ``[a, b, ..., a]``, or ``None`` when it has none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for after in sorted(graph.get(node, ())):
            if state.get(after) == "open":
                return [*path[path.index(after):], after]
            if after not in state and (found := visit(after)):
                return found
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def reachable(graph: Graph, start: str) -> set[str]:
    """``start`` and every unit it depends on, directly or not."""
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def frameworks_in(names: Iterable[str]) -> set[str]:
    return {name for name in names if name.startswith(FRAMEWORKS)}


@pytest.fixture(scope="module")
def graphs() -> tuple[Graph, Graph]:
    return package_graph(sources())


# ----- the helpers can fail ----------------------------------------------------------------------------


def test_find_cycle_finds_a_circle_and_only_a_circle() -> None:
    assert find_cycle({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"})}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": frozenset({"b", "c"}), "b": frozenset({"c"}), "c": frozenset()}) is None


def test_imports_are_read_lazy_relative_and_from_package(tmp_path: Path) -> None:
    module = tmp_path / "skill" / "speech" / "thing.py"
    module.parent.mkdir(parents=True)
    module.write_text("from .plan import Plan\nfrom skill.voice import audio\n"
                      "def later():\n    import flask\n", encoding="utf-8")
    inner, outer = package_graph({"skill.speech.thing": module})
    assert imported_names(module, "skill.speech.thing") >= {"skill.speech.plan", "skill.voice.audio", "flask"}
    assert inner == {"skill.speech": frozenset({"skill.voice"})} and outer["skill.speech"] == {"flask"}


# ----- the layout ----------------------------------------------------------------------------------------


def test_every_skill_module_imports() -> None:
    names = sorted(info.name for info in pkgutil.walk_packages(skill.__path__, "skill."))
    assert {"skill.web.server", "skill.cli.chat", "skill.voice.speaker", "skill.device.conversation"} <= set(names)
    for name in names:
        importlib.import_module(name)


def test_the_package_graph_has_no_circle(graphs: tuple[Graph, Graph]) -> None:
    inner, _ = graphs
    assert {"skill.web", "skill.cli", "skill.voice", "skill.device"} <= inner.keys()  # the graph sees the layout
    assert find_cycle(inner) is None


def test_the_two_hosts_share_the_device_and_the_voice_not_each_other(graphs: tuple[Graph, Graph]) -> None:
    inner, _ = graphs
    assert {"skill.device", "skill.voice"} <= inner["skill.web"] & inner["skill.cli"]
    assert "skill.cli" not in reachable(inner, "skill.web") and "skill.web" not in reachable(inner, "skill.cli")


@pytest.mark.parametrize("low", ["skill.voice", "skill.device"])
def test_voice_io_and_the_device_never_reach_a_host(graphs: tuple[Graph, Graph], low: str) -> None:
    inner, _ = graphs
    assert not reachable(inner, low) & set(HOSTS)


def test_nothing_the_lambda_ships_reaches_a_laptop_package(graphs: tuple[Graph, Graph]) -> None:
    inner, _ = graphs
    shipped = [name for name in inner if name not in (*LAPTOP, BUILD_TOOLS)]
    assert "skill.alexa" in shipped and "skill.coach" in shipped
    assert {name: sorted(reachable(inner, name) & {*LAPTOP, BUILD_TOOLS})
            for name in shipped if reachable(inner, name) & {*LAPTOP, BUILD_TOOLS}} == {}


@pytest.mark.parametrize("pure", PURE)
def test_the_pure_core_imports_no_host_voice_flask_or_sdk(graphs: tuple[Graph, Graph], pure: str) -> None:
    inner, outer = graphs
    depends_on = reachable(inner, pure)
    assert not depends_on & {*LAPTOP, BUILD_TOOLS, "skill.alexa"}
    assert not frameworks_in(name for unit_name in depends_on for name in outer.get(unit_name, ()))


def test_importing_the_pure_core_loads_no_framework_or_laptop_module() -> None:
    """The same rule at run time, in a fresh interpreter: every module of the pure packages, imported."""
    script = (
        "import importlib, json, pkgutil, sys\n"
        f"for name in {list(PURE)!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    loaded = json.loads(done.stdout)
    assert "skill.understanding.matcher" in loaded and "skill.speech.ssml" in loaded
    assert not frameworks_in(name.split(".")[0] for name in loaded)
    assert not [name for name in loaded if unit(name) in (*LAPTOP, BUILD_TOOLS, "skill.alexa")]
