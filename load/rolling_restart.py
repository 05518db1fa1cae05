#!/usr/bin/env python3
"""load/rolling_restart.py: a deployment rehearsal on loopback. Debian's nginx balances wrk's load
over two wakeful-httpd processes, which are restarted one after the other while wrk runs: each
first stopped (SIGTERM, drain) and started again on its port, then each upgraded in place
(SIGUSR2). Passes when wrk saw no error at all: no socket error, no timeout, no response other
than 2xx.

  load/rolling_restart.py --httpd build/release/server/wakeful-httpd [--seconds 10]

Everything lives in a temporary directory (nginx's configuration, pid file, logs and temporary
paths); the ports are free ones on 127.0.0.1; every process started is stopped by its pid. ctest
runs it when nginx and wrk are installed.
"""

import argparse
import os
import pathlib
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
user {user};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{ worker_connections 1024; }}

http {{
  access_log off;
  client_body_temp_path {prefix}/body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;

  upstream wakeful {{
    # max_fails=0: a server being restarted is tried again at once, never marked down, so
    # that the two restarts in a row never leave nginx with "no live upstreams".
    server 127.0.0.1:{a} max_fails=0;
    server 127.0.0.1:{b} max_fails=0;
    keepalive 16;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://wakeful;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # A stopped server refuses at once; a draining one lets a connect wait (its listener
      # drops SYNs): either way nginx passes the request to the other server.
      proxy_connect_timeout 500ms;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def wait_for_line(log, pattern, timeout=20.0):
    """Waits until the file `log` has a line matching `pattern`: the match."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, log.read_text())
        if match:
            return match
        time.sleep(0.05)
    raise RuntimeError(f"no line matching {pattern!r} in {log} after {timeout} s")


def wait_for_exit(pid, timeout=20.0):
    """Waits until the process `pid` is gone (a child of ours, or an upgraded server's orphan)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # not our child: look for it
            if not pathlib.Path(f"/proc/{pid}").exists():
                return
        time.sleep(0.05)
    raise RuntimeError(f"pid {pid} still runs {timeout} s after SIGTERM")


class Httpd:
    """One wakeful-httpd on its port; its pid changes when it is upgraded."""

    def __init__(self, binary, port, workdir, name):
        self.binary, self.port, self.name = binary, port, name
        self.log = workdir / f"{name}.log"
        self.log.write_text("")
        self.upgrades = 0
        self.start()

    def start(self):
        with open(self.log, "a") as log:
            self.process = subprocess.Popen([self.binary, "--bind", "127.0.0.1", "--port", str(self.port),
                                             "--threads", "1"], stdout=log, stderr=log)
        self.pid = self.process.pid
        wait_for_port(self.port, self.process)

    def restart(self):
        """Stopped (SIGTERM: it drains), then started again on the same port."""
        os.kill(self.pid, signal.SIGTERM)
        wait_for_exit(self.pid)
        self.start()

    def upgrade(self):
        """Upgraded in place (SIGUSR2): the new process inherits the listening socket."""
        os.kill(self.pid, signal.SIGUSR2)
        self.upgrades += 1
        matches = []
        deadline = time.monotonic() + 20
        while len(matches) < self.upgrades and time.monotonic() < deadline:
            matches = re.findall(r"upgrade: pid (\d+) (serves|failed.*)", self.log.read_text())
            time.sleep(0.05)
        if len(matches) < self.upgrades or matches[-1][1] != "serves":
            raise RuntimeError(f"{self.name}: upgrade failed: {matches[-1:] or 'no word'}")
        old, self.pid = self.pid, int(matches[-1][0])
        wait_for_exit(old)

    def stop(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
            wait_for_exit(self.pid)
        except (ProcessLookupError, RuntimeError):
            os.kill(self.pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--httpd", required=True, help="the wakeful-httpd binary")
    parser.add_argument("--nginx", default="nginx")
    parser.add_argument("--wrk", default="wrk")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's run (the restarts take about 6 s)")
    args = parser.parse_args()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="wakeful-rolling-"))
    workdir.chmod(0o755)
    prefix = workdir / "nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True)
    servers = []
    nginx = None
    passed = False
    try:
        servers = [Httpd(args.httpd, free_port(), workdir, name) for name in ("a", "b")]
        port = free_port()
        (prefix / "nginx.conf").write_text(NGINX_CONF.format(
            user=pwd.getpwuid(os.getuid()).pw_name, prefix=prefix, a=servers[0].port, b=servers[1].port, port=port))
        nginx = subprocess.Popen([args.nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                  "-e", str(prefix / "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=open(workdir / "nginx.stderr", "w"))
        wait_for_port(port, nginx)

        wrk = subprocess.Popen([args.wrk, "-t", "2", "-c", "32", "-d", f"{args.seconds}s", "--timeout", "10s",
                                f"http://127.0.0.1:{port}/plaintext"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1)  # wrk is under way
        steps = [(s, "restart") for s in servers] + [(s, "upgrade") for s in servers]
        for server, how in steps:
            getattr(server, how)()
            print(f"{server.name}: {how} done (pid {server.pid})", flush=True)
            # As a deployment waits for a server's health check before it restarts the next: here
            # for the requests nginx still sends to a draining server (whose connects wait up to
            # proxy_connect_timeout) to have gone to the other one.
            time.sleep(1)
        output, _ = wrk.communicate(timeout=args.seconds + 60)
        print(output)
        if wrk.returncode != 0:
            print(f"FAIL: wrk exited with status {wrk.returncode}")
            return 1
        requests = re.search(r"(\d+) requests in", output)
        errors = [line.strip() for line in output.splitlines()
                  if line.strip().startswith(("Socket errors", "Non-2xx or 3xx responses"))]
        if not requests or int(requests.group(1)) == 0:
            print("FAIL: wrk made no request")
            return 1
        if errors:
            print("FAIL: " + "; ".join(errors))
            return 1
        print(f"PASS: {requests.group(1)} requests, no error, across two restarts and two upgrades")
        passed = True
        return 0
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=20)
        for server in servers:
            server.stop()
        if passed:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}")

if __name__ == "__main__":
    sys.exit(main())
