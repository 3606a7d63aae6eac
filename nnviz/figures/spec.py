"""Figures kept as the plain JSON-ready dicts they are built as.

Building and validating plotly objects cost more than the figure itself (the truth-table figure: ~100 ms of
plotly objects for ~15 ms of dicts), and a cached ``go.Figure`` is validated again when unpickled. A
:class:`SpecFigure` hands its dict to ``st.plotly_chart`` (``to_dict``) and to pickle as it is; the tests
validate every builder's output against plotly's schema instead (tests/test_figures*.py).
"""
from __future__ import annotations

import base64
import copy
from typing import Optional

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# numpy dtypes as plotly.js typed arrays name them (plotly 7 sends arrays as {"dtype", "bdata", "shape"})
_TYPED = {np.dtype(name): short for name, short in (("int8", "i1"), ("uint8", "u1"), ("int16", "i2"), ("uint16", "u2"),
                                                    ("int32", "i4"), ("uint32", "u4"), ("float32", "f4"),
                                                    ("float64", "f8"))}


def typed_array(values: np.ndarray) -> dict:
    """An array as plotly 7 sends it: base64 of its bytes with dtype and shape, as plotly's own conversion
    writes it, without walking the whole figure to find the arrays."""
    values = np.ascontiguousarray(values)
    spec = {"dtype": _TYPED[values.dtype], "bdata": base64.b64encode(values).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in values.shape)
    return spec


def figure_json(figure) -> str:
    """A figure (a go.Figure, a SpecFigure or its dict) as the JSON plotly.js takes: orjson, not validated again
    (the tests validate every builder's output). About 1.5 ms for the truth-table page's figure."""
    return pio.to_json(figure, validate=False)


# Keys whose arrays plotly's conversion leaves as they are.
_SKIPPED_KEYS = frozenset(("geojson", "layer", "layers", "range"))

# Where plotly.js takes no 64-bit integers, plotly narrows them to the first type that holds every value.
_NARROWER = {np.dtype("int64"): ("int8", "int16", "int32"), np.dtype("uint64"): ("uint8", "uint16", "uint32")}


def encode_arrays(node) -> None:
    """In place: every numpy array that is the value of a dict's key, as plotly 7's own ``convert_to_base64``
    writes it (the same output), looking only into dicts and lists of them. Plotly's walks every number and
    string of every list too: 70 % of building the truth-table figure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _SKIPPED_KEYS:
                continue
            if isinstance(value, np.ndarray):
                node[key] = _plotly_array(value)
            elif isinstance(value, (dict, list, tuple)):
                encode_arrays(value)
    elif isinstance(node, (list, tuple)):
        # the types present, found at C speed: most lists are long runs of numbers or strings
        if any(issubclass(kind, (dict, list, tuple)) for kind in set(map(type, node))):
            for value in node:
                if isinstance(value, (dict, list, tuple)):
                    encode_arrays(value)


def _plotly_array(values: np.ndarray):
    if values.size == 0:
        return values
    if values.dtype in _NARROWER:
        low, high = values.min(), values.max()
        for name in _NARROWER[values.dtype]:
            if np.iinfo(name).min <= low and high <= np.iinfo(name).max:
                values = values.astype(name)
                break
        else:
            return values
    return typed_array(values) if values.dtype in _TYPED else values


def decoded(node):
    """A copy of a figure's dict with its typed arrays back as numpy arrays."""
    if isinstance(node, dict):
        if "bdata" in node and "dtype" in node:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"]))
            shape = node.get("shape")
            return values.reshape([int(n) for n in shape.split(",")]) if shape else values
        return {key: decoded(value) for key, value in node.items()}
    if isinstance(node, list):
        return [decoded(value) for value in node]
    return node


class SpecFigure(go.Figure):
    """A figure that is its plain dict: ``to_dict`` (what st.plotly_chart sends) and pickling (st.cache_data)
    take the dict as it is, without plotly building and validating an object per trace and frame. The dict
    carries no template: Plotly.js's defaults, and 7 KB less per chart.

    ``data``, ``layout`` and ``frames`` are read-only views built (and validated, arrays as numpy) on first use,
    for tests and callers that inspect the figure; changing them does not change the dict.
    """

    def __init__(self, spec: Optional[dict] = None):
        self._spec = spec or {}
        self._view: Optional[go.Figure] = None
        self._ready = False  # plotly's own __init__ reads data/layout: its empty ones until then
        super().__init__()
        self._ready = True

    def _validated(self) -> go.Figure:
        if not self._ready:
            return super()
        if self._view is None:
            self._view = go.Figure(decoded(self._spec))
        return self._view

    @property
    def data(self):
        return self._validated().data

    @property
    def layout(self):
        return self._validated().layout

    @property
    def frames(self):
        return self._validated().frames

    def to_dict(self) -> dict:
        """The figure's own dict, not a copy: st.plotly_chart serializes it on every rerun."""
        return self._spec

    def to_plotly_json(self) -> dict:
        """A copy of the dict (callers such as presenter_style rewrite what they get)."""
        return copy.deepcopy(self._spec)

    def __reduce__(self):
        return SpecFigure, (self._spec,)
