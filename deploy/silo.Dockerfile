# The silo host, published self-contained (no .NET runtime in the image).
#   docker build -f deploy/silo.Dockerfile -t precision-silo .        (from the repository root)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Silo/Precision.Orleans.Silo.csproj -c Release -r linux-x64 --self-contained true \
      -p:PublishSingleFile=false -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
COPY --from=build /app /app
# 11111: silo-to-silo; 30000: client gateway; 8080: Orleans Dashboard, run pages and runs API (behind the login).
EXPOSE 11111 30000 8080
ENV PRECISION_Silo__SiloPort=11111 \
    PRECISION_Silo__GatewayPort=30000 \
    PRECISION_Silo__WebPort=8080
WORKDIR /runs
USER 1000
ENTRYPOINT ["/app/Precision.Orleans.Silo"]
