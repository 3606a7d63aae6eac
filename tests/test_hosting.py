"""Settings for hosting the page publicly: the server config, no visitor text as HTML, bounded caches."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted([REPO / "streamlit_app.py", *(REPO / "ui").glob("*.py"), *(REPO / "pages").glob("*.py")])


@pytest.fixture(scope="module")
def config() -> dict:
    with open(REPO / ".streamlit" / "config.toml", "rb") as f:
        return tomllib.load(f)


def test_upload_size_is_limited(config):
    assert 0 < config["server"]["maxUploadSize"] <= 1  # MB; the CSV loaders refuse more than 256 KB anyway
    assert config["server"].get("maxMessageSize", 200) <= 200


def test_xsrf_protection_is_on(config):
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True  # Streamlit's default; never switched off


def test_no_usage_statistics_no_file_watcher_no_tracebacks(config):
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False
    assert config["server"]["headless"] is True
    assert config["client"]["showErrorDetails"] == "none"


def _calls(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants = {  # module-level NAME = "constant string"
        node.targets[0].id
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, constants


def _is_constant(node: ast.AST, constants: set) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.Name) and node.id in constants:
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "a" "b" or CONSTANT + "c"
        return _is_constant(node.left, constants) and _is_constant(node.right, constants)
    return False


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_html_is_only_ever_a_constant(path):
    """Every call with unsafe_allow_html=True (or st.html) renders a constant string, never a visitor's text."""
    for call, constants in _calls(path):
        unsafe = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                     for k in call.keywords)
        is_html = isinstance(call.func, ast.Attribute) and call.func.attr == "html"
        if not (unsafe or is_html):
            continue
        assert call.args and all(_is_constant(a, constants) for a in call.args[:1]), (
            f"{path.name}:{call.lineno}: HTML from something that is not a constant string")


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_cache_is_bounded(path):
    """st.cache_data / st.cache_resource always with max_entries and ttl: memory per server stays bounded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            name = ast.unparse(target)
            if name.endswith(("cache_data", "cache_resource", "lru_cache", "functools.cache")) or name == "cache":
                keywords = {k.arg for k in deco.keywords} if isinstance(deco, ast.Call) else set()
                if "lru_cache" in name:
                    args = deco.args if isinstance(deco, ast.Call) else []
                    bounded = (keywords & {"maxsize"} or args) and not any(
                        isinstance(a, ast.Constant) and a.value is None for a in args)
                    assert bounded, f"{path.name}:{node.lineno}: {node.name} has an unbounded lru_cache"
                    continue
                assert {"max_entries", "ttl"} <= keywords, (
                    f"{path.name}:{node.lineno}: {node.name} is cached without max_entries and ttl")
