# Build stage: the official Swift image, release build of the server only.
FROM swift:6.3-bookworm AS build
# The same packages as the Makefile's BUILD_PACKAGES (make test checks it: scripts/check-dockerfile.sh).
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev pkg-config libmemcached-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY loadtest ./loadtest
RUN swift build -c release --product simplepush --static-swift-stdlib \
    && cp .build/release/simplepush /usr/local/bin/simplepush

# Run stage: a slim Debian with only the runtime libraries the binary links (SQLite, libmemcached
# and its util library, OpenSSL's libssl for TLS on the device listener), as a non-root user.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 libmemcached11 libmemcachedutil2 \
        libssl3 libstdc++6 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/simplepush simplepush
COPY --from=build /usr/local/bin/simplepush /usr/local/bin/simplepush
COPY config.sample.toml /etc/simplepush/config.toml
USER simplepush
WORKDIR /var/lib/simplepush
# The sample binds to 127.0.0.1; in a container listen on every interface. Set
# SIMPLEPUSH_ENDPOINT_URL to the public URL app servers use to reach port 8081.
ENV SIMPLEPUSH_WEBSOCKET_LISTENER_ADDR=0.0.0.0:8080 \
    SIMPLEPUSH_ENDPOINT_LISTENER_ADDR=0.0.0.0:8081
EXPOSE 8080 8081
ENTRYPOINT ["simplepush"]
CMD ["serve", "--config", "/etc/simplepush/config.toml"]
