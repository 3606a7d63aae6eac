# The nnviz app as one container: one `streamlit run` process on port 8501. Scale by running more
# containers (deploy/kubernetes.yaml); one process uses about one core at a time.
FROM python:3.11-slim

# One BLAS thread per process: at nnviz's sizes a second OpenBLAS thread only adds spikes (3-7 s for the
# largest runs on a busy 2-core machine, against 0.3-0.6 s with one). Set before NumPy loads.
ENV OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY .streamlit/ .streamlit/
COPY streamlit_app.py ./
COPY nnviz/ nnviz/
COPY ui/ ui/
COPY views/ views/
COPY static/ static/

# Nothing runs as root inside the container.
RUN useradd --create-home --uid 10001 nnviz
USER nnviz

EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:' + os.environ['STREAMLIT_SERVER_PORT'] + '/_stcore/health', timeout=2); sys.exit(0 if r.read().strip() == b'ok' else 1)"]

# A plain process (no shell): SIGTERM from the orchestrator reaches Streamlit directly.
CMD ["python", "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
