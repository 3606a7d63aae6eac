"""The floor benchmarks/app.py compares a first visit with: a bare Streamlit page with one small Plotly chart.

Served from the repo root like the app (the same .streamlit/config.toml), so only the page differs.
"""
import plotly.graph_objects as go
import streamlit as st

st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2, 3], y=[1, 3, 2, 4], mode="lines+markers")), key="bare_chart",
                theme=None)
