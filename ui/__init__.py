"""Streamlit pieces of the nnviz page that are bigger than a few lines: the "Look closer" teaching tools.

The engine (``nnviz``) knows nothing of Streamlit; these modules turn its records and figures into panels.
"""
