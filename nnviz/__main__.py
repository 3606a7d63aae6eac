"""``python -m nnviz``: see :mod:`nnviz.cli`."""
import os
import sys

from .cli import main

try:
    status = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader (``| head``) stopped early: not an error worth a traceback. The
    # Python docs' recipe: point stdout at devnull so the exit-time flush is quiet.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    status = 1
sys.exit(status)
