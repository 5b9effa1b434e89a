"""Benchmark: several app processes behind a reverse proxy on one PostgreSQL (not run in the tests).

    THIDUA_DB_URL=postgresql+psycopg://thidua:thidua@localhost/thidua_tai python3 benchmarks/may_chu.py

Needs Debian's nginx and wrk (`apt-get install nginx-light wrk`). It loads the sample's organisation tree and
one quan_tri account into the database, starts two `streamlit run app.py` processes on free loopback ports, logs
in once through the first one (POST /dang-nhap, the form's CSRF cookie included), checks that the session cookie
is accepted by the second (sessions live in the database), writes an nginx configuration that spreads requests
over both (least_conn) on a third port, and runs wrk with the session cookie against one process alone and
against nginx: every request is a page load that the login middleware checks against the sessions table.
Prints requests per second, latency and the ratio two processes / one. Everything listens on 127.0.0.1 only,
and every process it starts is stopped at the end."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mat-khau-tai-thu"
SECONDS = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"máy chủ {url} không trả lời sau {seconds:.0f} giây")


def prepare(url: str) -> None:
    from scoring.input.dataset import validate_dataset
    from scoring.plans.bundled import sample_folder
    from scoring.store import Store, connect
    from scoring.store.accounts import SYSTEM

    store = Store(connect(url))
    dataset, _ = validate_dataset(sample_folder())
    assert dataset is not None
    if not store.names():
        store.import_tree(SYSTEM, dataset.to_chuc.astype(object))
    if "tai_thu" not in set(store.accounts(SYSTEM)["ten_dang_nhap"]):
        store.create_account(SYSTEM, "tai_thu", PASSWORD, "quan_tri", None)
    store.engine.dispose()


def log_in(base: str) -> str:
    """The session cookie's value after logging in through the login form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/dang-nhap").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None, "biểu mẫu đăng nhập không có trường csrf"
    body = urllib.parse.urlencode(
        {"ten_dang_nhap": "tai_thu", "mat_khau": PASSWORD, "csrf": csrf.group(1), "next": "/"}
    )
    opener.open(f"{base}/dang-nhap", data=body.encode()).read()
    token = next((c.value for c in jar if c.name == "thidua_phien"), None)
    assert token, "đăng nhập không thành công"
    return token


def wrk(url: str, cookie: str) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{SECONDS}s", "--latency", "-H", f"Cookie: thidua_phien={cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return rate, f"p50 {p50.group(1) if p50 else '?'}, p99 {p99.group(1) if p99 else '?'}"


def main() -> None:
    url = os.environ.get("THIDUA_DB_URL", "")
    if not url.startswith("postgresql"):
        raise SystemExit("đặt THIDUA_DB_URL là một cơ sở dữ liệu PostgreSQL dành cho phép đo này")
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"cần {tool}: apt-get install nginx-light wrk")
    prepare(url)
    ports = [free_port(), free_port()]
    proxy = free_port()
    work = Path(tempfile.mkdtemp(prefix="thidua_may_chu_"))
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=(work / f"app_{port}.log").open("w"), stderr=subprocess.STDOUT,
        )
        for port in ports
    ]  # fmt: skip
    nginx = None
    try:
        for port in ports:
            wait_for(f"http://127.0.0.1:{port}/dang-nhap")
        token = log_in(f"http://127.0.0.1:{ports[0]}")
        second = urllib.request.Request(
            f"http://127.0.0.1:{ports[1]}/xep_hang", headers={"Cookie": f"thidua_phien={token}"}
        )
        with urllib.request.urlopen(second) as answer:
            assert "dang-nhap" not in answer.url, "tiến trình thứ hai không nhận phiên của tiến trình thứ nhất"
        conf = work / "nginx.conf"
        conf.write_text(
            f"""pid {work}/nginx.pid; error_log {work}/nginx_error.log; worker_processes 2;
events {{ worker_connections 1024; }}
http {{
  access_log off; client_body_temp_path {work}; proxy_temp_path {work};
  fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream thidua {{ least_conn; server 127.0.0.1:{ports[0]}; server 127.0.0.1:{ports[1]}; }}
  server {{
    listen 127.0.0.1:{proxy};
    location / {{
      proxy_pass http://thidua; proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host; proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 86400;
    }}
  }}
}}
"""
        )
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])
        wait_for(f"http://127.0.0.1:{proxy}/dang-nhap")
        one, one_latency = wrk(f"http://127.0.0.1:{ports[0]}/xep_hang", token)
        two, two_latency = wrk(f"http://127.0.0.1:{proxy}/xep_hang", token)
        print(f"Cơ sở dữ liệu: {url.split('@')[-1]}; mỗi phép đo {SECONDS} giây, wrk 2 luồng, 16 kết nối")
        print(f"  một tiến trình:               {one:8.1f} yêu cầu/giây ({one_latency})")
        print(f"  hai tiến trình sau nginx:     {two:8.1f} yêu cầu/giây ({two_latency})")
        print(f"  tỷ lệ hai / một:              {two / one:8.2f}")
    finally:
        if nginx is not None:
            nginx.terminate()
        for process in processes:
            process.terminate()
        for process in [*processes, *([nginx] if nginx else [])]:
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
