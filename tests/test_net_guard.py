from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pages_fixtures import ROOT, copy_entries, write_config


def test_sockets_to_the_internet_fail_the_test() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(AssertionError, match="reach the network"):
            sock.connect(("93.184.216.34", 80))
    finally:
        sock.close()


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
        assert client.getpeername() == server.getsockname()
    finally:
        client.close()
        server.close()


# --- a whole build, its children included ---------------------------------------------------
#
# The guard above covers this process only; Pagefind and the search worker run as children.
# So a real `mkdocs build` (a handful of entries, search on) runs once in a network namespace
# of its own with no interface up (`unshare -rn`: any connection fails, even to loopback),
# and under `strace -f`, which records every connect/sendto/sendmsg of every child: the
# build must succeed, write its search index, and attempt no IPv4 or IPv6 connection.
# Where user namespaces are not allowed (some CI runners) strace alone is the proof; with
# neither tool the test skips locally with the reason, and fails under CI.

STRACE_INET = re.compile(r"^\d+\s+(connect|sendto|sendmsg)\(.*sa_family=AF_INET6?\b.*$", re.M)


def _works(argv: list[str]) -> bool:
    tool = shutil.which(argv[0])
    if tool is None:
        return False
    probe = subprocess.run([tool, *argv[1:]], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


def test_a_whole_build_with_its_children_makes_no_connection(tmp_path: Path) -> None:
    wrappers: list[str] = []
    if _works(["unshare", "-rn", "true"]):
        wrappers += ["unshare", "-rn"]
    trace = tmp_path / "connections.txt"
    if _works(["strace", "-f", "-o", os.devnull, "true"]):
        wrappers += ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace)]
    if not wrappers:
        message = "neither `unshare -rn` nor strace can run here, so children are not watched"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must prove the build offline (install strace)")
        pytest.skip(message)

    entries = [ROOT / "entries" / "maidstone" / "mote-park-health-walk.yml"]
    entries += sorted((ROOT / "entries" / "dartford").glob("*.yml"))[:3]
    config = write_config(tmp_path, copy_entries(entries, tmp_path / "entries"), search=True)
    command = [*wrappers, sys.executable, "-m", "mkdocs", "build", "-f", str(config)]
    command += ["-d", str(tmp_path / "site")]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "pagefind" / "pagefind.js").is_file()  # the children ran
    assert (tmp_path / "site" / "activities" / "mote-park-health-walk" / "index.html").is_file()
    if "strace" in wrappers:
        calls = trace.read_text(encoding="utf-8", errors="replace")
        assert STRACE_INET.findall(calls) == [], STRACE_INET.findall(calls)[:5]


def test_the_trace_check_sees_a_connection(tmp_path: Path) -> None:
    """The strace pattern matches a real attempt (so an empty match means none was made)."""
    if not _works(["strace", "-f", "-o", os.devnull, "true"]):
        pytest.skip("strace is not installed")
    trace = tmp_path / "trace.txt"
    code = "import socket; s = socket.socket(); s.connect_ex(('127.0.0.1', 9))"  # loopback only
    subprocess.run(
        [
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=connect",
            "-o",
            str(trace),
            sys.executable,
            "-c",
            code,
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert STRACE_INET.findall(trace.read_text(encoding="utf-8"))
