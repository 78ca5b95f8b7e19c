FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY foerderradar ./foerderradar
RUN pip install --no-cache-dir .
COPY config ./config
ENV FOERDERRADAR_CONFIG=/app/config
ENTRYPOINT ["foerderradar"]
CMD ["serve"]
