"""What a server process does once, on the first run of the page: imported, never re-run.

The garbage collector: a Streamlit server holds ~140k objects after its imports (Streamlit, NumPy, pandas,
plotly, the app), and every full collection walks all of them again (Streamlit forced one after each run,
now off in .streamlit/config.toml; Python runs its own every so often). They live as long as the process,
so they are moved out of the collector's sight; what reruns, sessions and caches create later is collected
as before.
"""
import gc

gc.freeze()
