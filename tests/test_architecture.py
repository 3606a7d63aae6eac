"""The engine knows nothing of the page: only the nnviz/figures/ package may import plotly (the pages too take
their figures and the figures' JSON from it); no engine module imports streamlit, pandas or the app's own
packages (ui: page state, URLs, the editable table, lessons)."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nnviz"
FRONT_END = {"streamlit", "plotly", "pandas", "ui", "streamlit_app"}
FIGURES = "figures"  # the figure builders' package: the one place that imports plotly


def imported_roots(source: str) -> set[str]:
    """Top-level package names a module imports, wherever the import statement sits."""
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_the_check_sees_every_kind_of_import():
    source = "import plotly.graph_objects as go\nfrom streamlit import x\ndef f():\n    import numpy\n" \
             "importlib.import_module('plotly.express')\n__import__('streamlit')\nfrom . import config\n"
    assert imported_roots(source) == {"plotly", "streamlit", "numpy"}


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_front_end_imports_in_the_engine(path):
    found = imported_roots(path.read_text(encoding="utf-8")) & FRONT_END
    allowed = {"plotly"} if path.relative_to(PACKAGE).parts[0] == FIGURES else set()
    assert found <= allowed, f"{path.name} imports {found}"


PAGES = sorted([PACKAGE.parent / "streamlit_app.py", *(PACKAGE.parent / "ui").rglob("*.py"),
                *(PACKAGE.parent / "views").rglob("*.py")])


@pytest.mark.parametrize("path", PAGES, ids=[str(p.relative_to(PACKAGE.parent)) for p in PAGES])
def test_the_pages_import_plotly_only_through_nnviz_figures(path):
    assert "plotly" not in imported_roots(path.read_text(encoding="utf-8")), f"{path.name} imports plotly"


def test_importing_nnviz_loads_no_front_end():
    code = ("import sys, nnviz, nnviz.cli, nnviz.export\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly', 'pandas', 'ui')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
