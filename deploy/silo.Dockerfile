# The silo host, published self-contained (no .NET runtime in the image).
#   docker build -f deploy/silo.Dockerfile -t precision-silo .        (from the repository root)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo/Precision.Orleans.Silo.csproj -c Release -r linux-x64 --self-contained true \
      -p:PublishSingleFile=false -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
# curl runs the probes: kubelet's httpGet probes can neither speak cleartext HTTP/2 nor carry the cluster token
# from a Secret, so the probes are `curl --http2-prior-knowledge` with the token from the container's environment.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
# 11111: grain calls, run API and probes (HTTP/2, h2c); 8080: the same endpoints over HTTP/1.1 for browsers.
EXPOSE 11111 8080
ENV PRECISION_PORT=11111 \
    PRECISION_DASHBOARD_PORT=8080 \
    PRECISION_LISTEN=0.0.0.0
WORKDIR /runs
USER 1000
ENTRYPOINT ["/app/Precision.Orleans.Silo"]
