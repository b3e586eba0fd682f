# syntax=docker/dockerfile:1
# Build stage: install the package and its dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY scheduler ./scheduler
RUN pip install .

# Runtime stage: only the virtual environment, run as an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN useradd --create-home --uid 10001 bot
COPY --from=build /opt/venv /opt/venv
USER bot
WORKDIR /home/bot
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
