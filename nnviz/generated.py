"""Python source that nnviz writes and compiles at run time (:mod:`nnviz.program`, the activations'
and losses' statements), registered with :mod:`linecache` so that a traceback through it shows the
generated line, not only ``File "<nnviz.program>", line 38``."""
from __future__ import annotations

import hashlib
import linecache
import threading
from collections import OrderedDict

# Compiled programs kept, with their lines for tracebacks: a long-lived server compiles many
# configurations, so the least recently compiled are forgotten. Statement functions (a few per
# activation and loss) are kept for good.
MAX_PROGRAMS = 256
_programs: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def compile_source(source: str, kind: str, keep: bool = True):
    """``source`` compiled as a module under the file name ``<nnviz.KIND HASH>``, whose lines linecache
    knows. ``keep=False``: one of at most MAX_PROGRAMS recent ones (compiled once while it is)."""
    filename = f"<nnviz.{kind} {hashlib.sha1(source.encode()).hexdigest()[:12]}>"
    with _lock:
        code = _programs.get(filename)
        if code is not None:
            _programs.move_to_end(filename)
            return code
        # mtime None: linecache.checkcache leaves the entry alone (there is no file to compare it with).
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec")
        if not keep:
            _programs[filename] = code
            while len(_programs) > MAX_PROGRAMS:
                linecache.cache.pop(_programs.popitem(last=False)[0], None)
        return code
