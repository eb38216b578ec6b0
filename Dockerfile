# One image for every role of the scale-out topology (deploy/compose.yaml): API instance, index
# builder and chroma server. The ONNX exports are made once here, so no instance imports torch.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    ASSISTANT_DATA_DIR=/var/lib/assistant \
    ASSISTANT_ONNX_DIR=/opt/assistant/onnx \
    ASSISTANT_HOST=0.0.0.0

WORKDIR /opt/assistant
# The CPU build of torch first, so pip does not resolve the several-GB CUDA one.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY corpus corpus
COPY index index
COPY guardrails guardrails
COPY assistant assistant
COPY evaluation evaluation
RUN pip install . && assistant index export

RUN useradd --system --home-dir /var/lib/assistant assistant \
    && mkdir -p /var/lib/assistant && chown assistant /var/lib/assistant
USER assistant
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
CMD ["assistant", "serve"]
