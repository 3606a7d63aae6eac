"""What a server process does once, on the first run of the page: imported, never re-run.

The garbage collector: a Streamlit server holds ~140k objects after its imports (Streamlit, NumPy, pandas,
plotly, the app), and each rerun made Python walk all of them again in a full collection (measured: almost
one per rerun, most of an unchanged rerun's CPU). They live as long as the process, so they are moved out of
the collector's sight; what reruns, sessions and caches create later is collected as before.
"""
import gc

gc.freeze()
