# wakeful-httpd in a container: built on Debian 12 with the repository's own set-up script, run
# as an unprivileged user from a slim Debian 12 image.
#
#   docker build -t wakeful-httpd .
#   docker run --rm -p 8080:8080 wakeful-httpd                 # add flags after the image name
#   docker run --rm -p 8080:8080 -v "$PWD/site:/srv:ro" wakeful-httpd --root /srv --static-prefix /
#   docker run --rm -p 9000:9000 wakeful-httpd --port 9000        # the health check follows the port

FROM debian:12 AS build
WORKDIR /src
COPY scripts/setup-debian.sh scripts/
RUN scripts/setup-debian.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake --preset release -DWAKEFUL_BUILD_TESTS=OFF -DWAKEFUL_BUILD_LOAD=OFF -DWAKEFUL_BUILD_EXAMPLES=OFF \
 && cmake --build --preset release --target wakeful-httpd \
 && strip build/release/server/wakeful-httpd

FROM debian:12-slim
RUN useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin httpd
COPY --from=build /src/build/release/server/wakeful-httpd /usr/local/bin/wakeful-httpd
COPY --from=build /src/scripts/healthcheck.sh /usr/local/bin/wakeful-httpd-healthcheck
USER httpd
EXPOSE 8080
# SIGTERM (docker stop) drains: in-flight requests finish, then the process exits 0. Give it
# longer than --shutdown-timeout (10 s by default) with `docker stop -t`.
STOPSIGNAL SIGTERM
# /healthz (503 while draining) on the address and port the server (PID 1) listens on, whatever
# --bind and --port were given: scripts/healthcheck.sh finds its listening sockets in /proc.
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 CMD ["wakeful-httpd-healthcheck"]
ENTRYPOINT ["wakeful-httpd", "--bind", "0.0.0.0", "--port", "8080"]
