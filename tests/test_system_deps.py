"""`make deps` (tests/system_deps.sh): installs the Debian packages the tests use, or says what to install."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("system_deps.sh")


def fake_bin(tmp_path: Path, uid: int, *, sudo: bool = False, tools: tuple[str, ...] = ()) -> Path:
    """A PATH with bash, a fake `id`, a recording apt-get (and sudo), and the given tools present."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "bash").symlink_to(shutil.which("bash") or "/bin/bash")
    scripts = {
        "id": f"echo {uid}",
        "apt-get": f'echo "apt-get $*" >> {tmp_path}/calls',
    }
    if sudo:
        scripts["sudo"] = (
            f'[ "$1" = -n ] && shift && [ "$1" = true ] && exit 0; echo "sudo" >> {tmp_path}/calls; "$@"'
        )
    for tool in tools:
        scripts[tool] = "exit 0"
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!{bin_dir}/bash\n{body}\n")
        path.chmod(0o755)
    return bin_dir


def run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT)], env={"PATH": str(bin_dir)}, capture_output=True, text=True
    )


def test_as_root_it_installs_only_what_is_missing(tmp_path) -> None:
    proc = run(fake_bin(tmp_path, 0, tools=("systemd-analyze", "flock", "unshare")))
    assert proc.returncode == 0, proc.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls == ["apt-get update -qq", "apt-get install -y -qq --no-install-recommends chromium"]


def test_with_sudo_it_uses_sudo(tmp_path) -> None:
    proc = run(fake_bin(tmp_path, 1000, sudo=True, tools=("chromium",)))
    assert proc.returncode == 0, proc.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[-1] == "apt-get install -y -qq --no-install-recommends systemd util-linux"
    assert calls.count("sudo") == 2


def test_without_root_or_sudo_it_stops_with_one_line(tmp_path) -> None:
    proc = run(fake_bin(tmp_path, 1000))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "make test needs the Debian packages: chromium systemd util-linux; "
        "install them with: sudo apt-get install -y chromium systemd util-linux"
    ]
    assert not (tmp_path / "calls").exists()


def test_nothing_to_do_when_everything_is_there(tmp_path) -> None:
    proc = run(fake_bin(tmp_path, 1000, tools=("chromium", "systemd-analyze", "flock", "unshare")))
    assert (proc.returncode, proc.stderr, os.path.exists(tmp_path / "calls")) == (0, "", False)
