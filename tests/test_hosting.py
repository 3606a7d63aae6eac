"""Settings for hosting the page publicly: the server config, no visitor text as HTML, bounded caches."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted([REPO / "streamlit_app.py", *(REPO / "ui").glob("*.py"), *(REPO / "views").glob("*.py")])


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


# ---------------------------------------------------------------- one BLAS thread, a container, Kubernetes
import json  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

import yaml  # noqa: E402

from conftest import free_port  # noqa: E402

BLAS_THREADS_JS = """
import ctypes, glob, os, numpy
lib = glob.glob(os.path.join(os.path.dirname(numpy.__file__), '..', 'numpy.libs', 'libscipy_openblas*.so*'))
print(ctypes.CDLL(lib[0]).scipy_openblas_get_num_threads64_() if lib else -1)
"""


def _blas_threads(prelude: str, env: dict) -> int:
    done = subprocess.run([sys.executable, "-c", prelude + "\n" + BLAS_THREADS_JS], capture_output=True, text=True,
                          env=env, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_the_app_sets_one_blas_thread_before_numpy_loads():
    tree = ast.parse((REPO / "streamlit_app.py").read_text(encoding="utf-8"))
    first_import = next(i for i, node in enumerate(tree.body) if isinstance(node, (ast.Import, ast.ImportFrom))
                        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
                        and not (isinstance(node, ast.Import) and node.names[0].name == "os"))
    prelude = ast.unparse(ast.Module(body=tree.body[:first_import], type_ignores=[]))
    assert "OPENBLAS_NUM_THREADS" in prelude  # the setting stands before the first import that may load NumPy
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    assert _blas_threads("", env) >= 1, "NumPy's OpenBLAS not found: the thread count cannot be read"
    assert _blas_threads(prelude, env) == 1


def _dockerfile() -> dict:
    """Instruction -> list of its arguments (as written) in the Dockerfile, continuation lines joined."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.setdefault(word.upper(), []).append(rest.strip())
    return found


def test_the_image_runs_the_app_as_a_plain_process_with_one_blas_thread_and_a_health_check():
    docker = _dockerfile()
    env = dict(item.split("=", 1) for item in shlex.split(docker["ENV"][0]))
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    command = json.loads(docker["CMD"][-1])  # exec form: a plain process, signals reach it
    assert command[:5] == ["python", "-m", "streamlit", "run", "streamlit_app.py"]
    health = docker["HEALTHCHECK"][0]
    assert "/_stcore/health" in health
    for copied in ("requirements.txt", "streamlit_app.py", "nnviz/", "ui/", "views/", "static/", ".streamlit/"):
        assert any(line.split()[0] == copied for line in docker["COPY"]), copied
    # Start the image's command here, as the container would (its ENV, on a free local port), and ask it
    # for its health the way the HEALTHCHECK does.
    port = free_port()
    run_env = {**os.environ, **env, "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_SERVER_PORT": str(port)}
    command = [sys.executable if part == "python" else part for part in command]
    proc = subprocess.Popen(command, cwd=REPO, env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    try:
        check = json.loads(health.split("CMD", 1)[1])
        check = [sys.executable if part == "python" else part for part in check]
        deadline = time.monotonic() + 60
        while subprocess.run(check, env=run_env, capture_output=True, timeout=20).returncode != 0:
            assert proc.poll() is None, "the image's command exited"
            assert time.monotonic() < deadline, "no healthy answer within 60 s"
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200
        from ui.chart import PLOTLY_BUNDLE  # the charts' plotly.js (static/), as the page fetches it
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/app/static/{PLOTLY_BUNDLE}", timeout=5) as script:
            assert script.status == 200 and "javascript" in script.headers["Content-Type"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode in (0, -15)  # SIGTERM stops it cleanly


@pytest.fixture(scope="module")
def manifests() -> dict:
    with open(REPO / "deploy" / "kubernetes.yaml") as f:
        return {doc["kind"]: doc for doc in yaml.safe_load_all(f)}


def test_the_deployment_probes_health_and_runs_one_blas_thread_per_pod(manifests):
    pod = manifests["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/_stcore/health"
    assert {e["name"]: e["value"] for e in container["env"]}["OPENBLAS_NUM_THREADS"] == "1"
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert requests["cpu"] == "1" and requests["memory"] and limits["memory"]  # one process uses about one core
    assert manifests["Deployment"]["spec"]["selector"]["matchLabels"].items() <= \
        manifests["Deployment"]["spec"]["template"]["metadata"]["labels"].items()
    assert pod["securityContext"]["runAsNonRoot"] is True


def test_the_ingress_keeps_each_browser_on_one_pod_and_its_websocket_open(manifests):
    ingress, service = manifests["Ingress"], manifests["Service"]
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"  # a lecture hall behind one NAT spreads
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600  # an idle tab keeps its socket
    assert "/_stcore/metrics" in notes["nginx.ingress.kubernetes.io/server-snippet"]
    assert "frame-ancestors" in notes["nginx.ingress.kubernetes.io/configuration-snippet"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert service["spec"]["selector"] == manifests["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert manifests["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == \
        manifests["Deployment"]["metadata"]["name"]
