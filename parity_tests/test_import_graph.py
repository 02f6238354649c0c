"""The package's import graph, from the source (every import, function-level ones too):
``caffe2ss.models`` never imports ``caffe2ss.converter.backends``, the framework-free
core imports no framework, and no caffe2ss modules import each other in a cycle."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"converter": "caffe2ss.converter", "models": "caffe2ss.models",
            "protos": "caffe2ss.protos"}
FRAMEWORKS = ("torch", "tensorflow", "keras", "onnx", "onnxruntime", "safetensors", "h5py")


def _modules() -> dict:
    """module name -> (path, is_package)"""
    out = {}
    for folder, name in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            is_pkg = parts[-1] == "__init__"
            parts = parts[:-1] if is_pkg else parts
            out[".".join((name, *parts))] = (path, is_pkg)
    return out


MODULES = _modules()


def _imports(name: str) -> set:
    """Every module ``name`` imports (absolute names), at any nesting level."""
    path, is_pkg = MODULES[name]
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            subs = {f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in MODULES}
            # `from pkg import sub` imports the submodule pkg.sub (pkg is its parent)
            found.update(subs if len(subs) == len(node.names) else subs | {mod})
    return found


GRAPH = {m: {i for i in _imports(m) if i in MODULES and i != m} for m in MODULES}
EXTERNAL = {m: {i.split(".")[0] for i in _imports(m)} for m in MODULES}


def test_the_walk_sees_the_package():
    assert "caffe2ss.converter.reader.load" in GRAPH
    assert "caffe2ss.converter.layers" in GRAPH["caffe2ss.converter.reader.netbuild"]
    assert "caffe2ss.models.torch.ops" in GRAPH["caffe2ss.models.torch.fcn"]


def test_models_never_import_converter_backends():
    bad = sorted((m, i) for m in GRAPH if m.startswith("caffe2ss.models")
                 for i in GRAPH[m] if i.startswith("caffe2ss.converter.backends"))
    assert not bad, bad


def test_core_imports_no_framework():
    core = [m for m in MODULES if m.startswith("caffe2ss.converter")
            and not m.startswith("caffe2ss.converter.backends.")]
    bad = sorted((m, sorted(EXTERNAL[m] & set(FRAMEWORKS))) for m in core
                 if EXTERNAL[m] & set(FRAMEWORKS))
    assert not bad, bad


def _cycles() -> list:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles() == []


def test_a_cycle_would_be_found():
    GRAPH["caffe2ss.converter.errors"].add("caffe2ss.converter.ir")
    try:
        assert any({"caffe2ss.converter.errors", "caffe2ss.converter.ir"} <= set(c)
                   for c in _cycles())
    finally:
        GRAPH["caffe2ss.converter.errors"].discard("caffe2ss.converter.ir")


#: modules allowed a function-level import of caffe2ss code, and why
LAZY_OK = {"caffe2ss.models.registry": "discovers the model families by import on first use",
           "caffe2ss.converter.backends.torch": "imports its torch half (.runtime) on first "
           "use of run/load_converted, so a .safetensors is converted without torch"}


def test_function_level_imports_are_only_lazy_framework_imports():
    bad = []
    for name, (path, _) in MODULES.items():
        if name in LAZY_OK:
            continue
        for fn in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (
                        node.level or (node.module or "").startswith("caffe2ss")):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(
                        a.name.startswith("caffe2ss") for a in node.names):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, bad
