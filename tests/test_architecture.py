"""The architecture (ARCHITECTURE.md), checked from the imports themselves: every `import` and
`from … import` in bot/**.py, read with `ast` (at any depth: a function's lazy import counts).

The layers, by module name:
- adapters: `bot.bluesky.*` and `bot.telegram.*`;
- runtime: `bot.runtime.*` (the composition root);
- entry points: `bot.cli` (the console script) and `bot.tune` (`factbot tune`);
- infrastructure: the SQLite stores and the start-up I/O (`INFRASTRUCTURE` below);
- core: every other module of `bot`, the pipeline and what it is made of.

The rules:
1. the core imports no adapter, runtime, entry point or infrastructure module, and no I/O
   library (`IO_LIBRARIES`);
2. infrastructure imports no adapter, runtime or entry point;
3. an adapter imports neither the other adapter, nor the runtime, nor an entry point;
4. no import cycles among bot modules;
5. no private name (`_x`) imported from another module;
6. no module over `MAX_LINES` lines: each can be read in one sitting.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"

ADAPTERS = ("bot.bluesky", "bot.telegram")
RUNTIME = ("bot.runtime",)
ENTRY_POINTS = ("bot.cli", "bot.tune")
# The stores (their tables, the one `Database`, the limits and the prune job over them), the
# read-only status queries, the JSON log set-up, and the config loader with its checks and its
# probe of the store's folder: I/O, used by the adapters and the runtime, never by the core.
INFRASTRUCTURE = (
    "bot.database",
    "bot.store",
    "bot.limits",
    "bot.retention",
    "bot.status",
    "bot.logs",
    "bot.config_load",
    "bot.config_check",
    "bot.config_probe",
    # Reading a large corpus's cache files into the page cache on a thread, at start.
    "bot.prefetch",
    # Images (bot/images): fetching (httpx), the hashes of images already read (sqlite3), OCR
    # (the tesseract binary), the reader that composes them, and reading an image file.
    "bot.images.fetch",
    "bot.images.seen",
    "bot.images.ocr",
    "bot.images.reader",
    "bot.images.files",
)
# The most lines a module of bot/ may have (new ones aim at under ~300).
MAX_LINES = 400
# Libraries that talk to the network, a database, a scheduler or other threads and
# processes. The model runtimes (torch, onnxruntime, sentence-transformers) are not here: the
# core computes with them, on weights that ship in packages.
IO_LIBRARIES = (
    "aiohttp",
    "apscheduler",
    "asyncio",
    "atproto",
    "atproto_client",
    "atproto_core",
    "atproto_firehose",
    "atproto_identity",
    "atproto_server",
    "concurrent",
    "ftplib",
    "http",
    "httpx",
    "multiprocessing",
    "prometheus_client",
    "pythonjsonlogger",
    "requests",
    "select",
    "selectors",
    "smtplib",
    "socket",
    "sqlite3",
    "sqlite_utils",
    "ssl",
    "subprocess",
    "telegram",
    "threading",
    "urllib.request",
    "urllib3",
    "websockets",
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "bot.bluesky.publish"
    target: str  # the imported module, e.g. "bot.ports" or "atproto"
    names: tuple[str, ...]  # `from target import names`; () for `import target`
    where: str  # "bot/bluesky/publish.py:19"

    def __str__(self) -> str:
        if self.names:
            return f"{self.where}: from {self.target} import {', '.join(self.names)}"
        return f"{self.where}: import {self.target}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def bot_modules() -> frozenset[str]:
    return frozenset(module_name(p) for p in BOT.rglob("*.py"))


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name `node` imports from (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(path: Path) -> list[Import]:
    source = path.read_text(encoding="utf-8")
    where = str(path.relative_to(ROOT))
    return imports_in(module_name(path), path.name == "__init__.py", source, where)


def imports_in(module: str, is_package: bool, source: str, where: str) -> list[Import]:
    found = []
    for node in ast.walk(ast.parse(source, filename=where)):
        at = f"{where}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, (), at) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node)
            names = tuple(alias.name for alias in node.names)
            # `from bot import logs`, `from bot.telegram import app`: the submodule itself.
            subs = [n for n in names if f"{target}.{n}" in bot_modules()]
            found += [Import(module, f"{target}.{n}", (), at) for n in subs]
            rest = tuple(n for n in names if n not in subs)
            if rest or not subs:
                found.append(Import(module, target, rest, at))
    return found


@cache
def all_imports() -> tuple[Import, ...]:
    return tuple(i for p in sorted(BOT.rglob("*.py")) for i in imports_of(p))


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer(module: str) -> str:
    for name, prefixes in (
        ("adapter", ADAPTERS),
        ("runtime", RUNTIME),
        ("entry point", ENTRY_POINTS),
        ("infrastructure", INFRASTRUCTURE),
    ):
        if within(module, prefixes):
            return name
    return "core"


def adapter_of(module: str) -> str | None:
    return next((a for a in ADAPTERS if within(module, (a,))), None)


def report(title: str, bad: list[str]) -> str:
    return f"{title} ({len(bad)}):\n  " + "\n  ".join(bad)


def core_violations(imports: tuple[Import, ...]) -> list[str]:
    bad = []
    for i in imports:
        if layer(i.module) != "core":
            continue
        if within(i.target, IO_LIBRARIES):
            bad.append(f"{i}  (the core imports the I/O library {i.target.split('.')[0]})")
        elif i.target.startswith("bot.") and layer(i.target) != "core":
            bad.append(f"{i}  (the core imports the {layer(i.target)} {i.target})")
    return bad


def infrastructure_violations(imports: tuple[Import, ...]) -> list[str]:
    return [
        f"{i}  (infrastructure imports the {layer(i.target)} {i.target})"
        for i in imports
        if layer(i.module) == "infrastructure"
        and layer(i.target) in ("adapter", "runtime", "entry point")
    ]


def adapter_violations(imports: tuple[Import, ...]) -> list[str]:
    bad = []
    for i in imports:
        mine = adapter_of(i.module)
        if mine is None or not i.target.startswith("bot."):
            continue
        theirs = adapter_of(i.target)
        if theirs is not None and theirs != mine:
            bad.append(f"{i}  (the adapter {mine} imports the adapter {theirs})")
        elif layer(i.target) in ("runtime", "entry point"):
            bad.append(f"{i}  (the adapter {mine} imports the {layer(i.target)} {i.target})")
    return bad


def cycles(imports: tuple[Import, ...]) -> list[list[str]]:
    """Each strongly connected group of bot modules (Tarjan), as one cycle through it."""
    graph: dict[str, set[str]] = {m: set() for m in bot_modules()}
    for i in imports:
        if i.target in graph and i.target != i.module:
            graph[i.module].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [path_through(graph, g) for g in groups]


def path_through(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One cycle inside a strongly connected `group`, from its first module back to it."""
    start, members = group[0], set(group)
    seen, todo = {start: [start]}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                return [*seen[v], start]
            if w not in seen:
                seen[w] = [*seen[v], w]
                todo.append(w)
    return group  # pragma: no cover - a strongly connected group always has one


def private_violations(imports: tuple[Import, ...]) -> list[str]:
    return [
        f"{i}  (private: {', '.join(n for n in i.names if is_private(n))})"
        for i in imports
        if i.target.startswith("bot") and any(is_private(n) for n in i.names)
    ]


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def line_counts(root: Path) -> dict[str, int]:
    """The lines of every module under `root`, by path relative to the repository."""
    return {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted(root.rglob("*.py"))
    }


def too_long(counts: dict[str, int], limit: int) -> list[str]:
    return [f"{path}: {n} lines (over {limit})" for path, n in counts.items() if n > limit]


# --- the rules, on the code ------------------------------------------------------------------


def test_the_core_imports_no_adapter_runtime_or_io_library() -> None:
    bad = core_violations(all_imports())
    assert not bad, report("core modules with outward or I/O imports", bad)


def test_infrastructure_imports_no_adapter_or_runtime() -> None:
    bad = infrastructure_violations(all_imports())
    assert not bad, report("infrastructure modules with outward imports", bad)


def test_adapters_never_import_each_other_or_the_runtime() -> None:
    bad = adapter_violations(all_imports())
    assert not bad, report("adapter imports that cross a boundary", bad)


def test_no_import_cycles_among_bot_modules() -> None:
    found = cycles(all_imports())
    assert not found, report("import cycles", [" → ".join(c) for c in found])


def test_no_private_names_imported_across_modules() -> None:
    bad = private_violations(all_imports())
    assert not bad, report("private names imported from another module", bad)


def test_no_module_is_too_long_to_read_in_one_sitting() -> None:
    counts = line_counts(BOT)
    assert len(counts) == len(bot_modules())  # every module counted, and only modules
    bad = too_long(counts, MAX_LINES)
    assert not bad, report("modules to split", bad)


def test_every_layer_names_modules_that_exist() -> None:
    """A renamed or removed module must not leave a rule that checks nothing."""
    modules = bot_modules()
    for prefix in (*ADAPTERS, *RUNTIME, *ENTRY_POINTS, *INFRASTRUCTURE):
        assert any(within(m, (prefix,)) for m in modules), f"{prefix}: no such module in bot/"
    assert {"bot.pipeline", "bot.domain", "bot.ports", "bot.config"} <= {
        m for m in modules if layer(m) == "core"
    }
    assert "sqlite3" in sys.stdlib_module_names  # the I/O list names real modules


# --- the checks themselves, on imports that break each rule ---------------------------------


def made_up(files: dict[str, str]) -> tuple[Import, ...]:
    """The imports of small made-up sources, read as if they were these bot modules."""
    return tuple(
        i for module, source in files.items() for i in imports_in(module, False, source, module)
    )


def test_the_checks_catch_each_kind_of_bad_import() -> None:
    imports = made_up(
        {
            "bot.pipeline": "import sqlite3\nfrom bot.bluesky.app import BlueskyBot\n",
            "bot.match": "def later():\n    from bot.runtime.service import Runtime\n",
            "bot.store": "from bot.telegram.store import TelegramStore\n",
            "bot.bluesky.publish": "from bot.telegram.deps import TelegramDeps\n",
            "bot.telegram.handlers": "from bot.runtime import service\n",
            "bot.embed": "from bot.minilm import _session\n",
        },
    )
    core = core_violations(imports)
    assert any("import sqlite3" in b and "I/O library sqlite3" in b for b in core)
    assert any("the core imports the adapter bot.bluesky.app" in b for b in core)
    assert any("the core imports the runtime bot.runtime.service" in b for b in core)
    assert ["infrastructure imports the adapter bot.telegram.store"] == [
        b.split("  (")[1].rstrip(")") for b in infrastructure_violations(imports)
    ]
    adapters = adapter_violations(imports)
    assert any(
        "from bot.telegram.deps import TelegramDeps" in b
        and "the adapter bot.bluesky imports the adapter bot.telegram" in b
        for b in adapters
    )
    assert any("the adapter bot.telegram imports the runtime bot.runtime" in b for b in adapters)
    assert ["bot.bluesky.publish:1", "bot.telegram.handlers:1"] == [
        b.split(": ")[0] for b in adapters
    ]
    assert any("private: _session" in b for b in private_violations(imports))


def test_the_length_check_names_each_long_file_and_its_count() -> None:
    counts = line_counts(BOT)
    longest = max(counts, key=counts.__getitem__)
    n = counts[longest]
    assert [f"{longest}: {n} lines (over {n - 1})"] == too_long(counts, n - 1)
    assert [] == too_long(counts, n)


def test_a_cycle_is_named_module_by_module() -> None:
    modules = bot_modules()
    a, b, c = sorted(m for m in modules if layer(m) == "core")[:3]
    made_up = (
        Import(a, b, (), "x.py:1"),
        Import(b, c, (), "y.py:1"),
        Import(c, a, (), "z.py:1"),
    )
    assert [[a, b, c, a]] == cycles(made_up)
    assert [] == cycles(made_up[:2])
