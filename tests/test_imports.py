"""Imports point one way (../shared/STYLE.md section 1): every `import` and `from ... import` in
yanbao/, function-level ones included, read with `ast` and checked against the layers.

    base     settings, errors, types, progress, quantity, hashing, data ... (modules at the top)
    ingest   files -> chunks
    index    chunks -> an index; may use ingest's name tables (brokers), never run its loaders or pipeline
    library  report files -> the index (ingest, then index): add, remove, sync, corrections
    qa       index + question -> answer
    ui, eval answers -> a chat / scores; never each other
    bench    measurements over all of the above
    cli      the `yanbao` command: wires everything, bench included; nothing imports it

A module imports from its own package or from a layer below it, nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "yanbao"
RANK = {"base": 0, "ingest": 1, "index": 2, "library": 2.5, "qa": 3, "ui": 4, "eval": 4, "bench": 5, "cli": 6}
# The only ingest modules the index may import: data about names, no I/O and no pipeline.
INDEX_MAY_USE_FROM_INGEST = frozenset({"yanbao.ingest.brokers"})

# Violations allowed for now; each entry must still occur, so this set cannot go stale (the
# store redesign of issue 20 emptied it: yanbao/library.py now runs ingest, not index/store.py).
KNOWN: set[tuple[str, str]] = set()


def layer(module: str) -> str:
    """The layer of a dotted yanbao module name ('yanbao.index.store' -> 'index')."""
    parts = module.split(".")
    if len(parts) < 2:
        return "base"  # the package itself
    return parts[1] if parts[1] in RANK else "base"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(path: Path, source: str | None = None) -> list[tuple[int, str, str]]:
    """(line, imported yanbao module, the statement as written) for each yanbao import in a file
    (or in `source`, read as if it were that file).

    `from yanbao.index import milvus` names the module yanbao.index.milvus; relative imports
    are resolved against the file's package."""
    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "yanbao":
                    out.append((node.lineno, alias.name, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != "yanbao":
                continue
            text = f"from {'.' * node.level}{node.module or ''} import {', '.join(a.name for a in node.names)}"
            for alias in node.names:
                target = f"{source}.{alias.name}"
                out.append((node.lineno, target if _is_module(target) else source, text))
    return sorted(set(out))


def problem(source: str, target: str) -> str | None:
    """Which rule an import from module `source` of module `target` breaks, or None."""
    a, b = layer(source), layer(target)
    if a == b:
        return None
    if a == "index" and b == "ingest" and target not in INDEX_MAY_USE_FROM_INGEST:
        return (f"index may use ingest's name tables ({', '.join(sorted(INDEX_MAY_USE_FROM_INGEST))}), "
                f"never run its loaders or pipeline")
    if RANK[b] < RANK[a]:
        return None
    if RANK[b] == RANK[a]:
        return f"{a} and {b} never import each other"
    return f"{a} must not import {b}: imports point ingest -> index -> qa -> ui/eval (STYLE.md section 1)"


def violations() -> list[tuple[str, int, str, str, str]]:
    """(file, line, imported module, statement, rule) for each import against the direction."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        for line, target, text in imports(path):
            rule = problem(source, target)
            if rule:
                found.append((str(path.relative_to(ROOT)), line, target, text, rule))
    return found


def test_imports_point_one_way():
    found = violations()
    new = [v for v in found if (v[0], v[2]) not in KNOWN]
    assert not new, "imports against the direction:\n" + "\n".join(
        f"  {f}:{line}: `{text}`: {rule}" for f, line, _, text, rule in new)


def test_known_exceptions_still_occur():
    """An entry of KNOWN whose import is gone must be deleted, so the list only ever shrinks."""
    seen = {(f, target) for f, _, target, _, _ in violations()}
    stale = sorted(KNOWN - seen)
    assert not stale, "KNOWN lists imports that no longer occur; delete them from tests/test_imports.py: " + \
        ", ".join(f"{f} -> {t}" for f, t in stale)


def test_the_checker_sees_each_kind_of_import():
    """The reader finds imports inside functions, `from pkg import module` and relative ones, and
    each rule names what it forbids (on real module names, so the layers are the real ones)."""
    source = "\n".join([
        "import os",
        "from yanbao.qa.query import named_reports",
        "def f():",
        "    from yanbao.index import milvus",
        "    import yanbao.ui.render",
        "from . import store",
        "from ..ingest import brokers",
    ])
    got = imports(PACKAGE / "index" / "probe.py", source)  # parsed as if it lived in yanbao/index
    assert [(line, target) for line, target, _ in got] == [
        (2, "yanbao.qa.query"), (4, "yanbao.index.milvus"), (5, "yanbao.ui.render"),
        (6, "yanbao.index.store"), (7, "yanbao.ingest.brokers")]
    assert "index must not import qa" in problem("yanbao.index.probe", "yanbao.qa.query")
    assert "ui and eval never import each other" in problem("yanbao.ui.app", "yanbao.eval.run")
    assert "never run its loaders or pipeline" in problem("yanbao.index.store", "yanbao.ingest.pipeline")
    assert "base must not import index" in problem("yanbao.settings", "yanbao.index.milvus")
    assert problem("yanbao.index.milvus", "yanbao.ingest.brokers") is None
    assert problem("yanbao.eval.run", "yanbao.index.store") is None
    assert problem("yanbao.types", "yanbao.errors") is None
