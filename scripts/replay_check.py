"""Replay an xxgk archive through pywb and check that every capture's bytes come back exactly.

pywb cannot live in the project's environment (it pins ``redis<3``; Prefect's ``pydocket``
needs ``redis>=6``), so this check runs pywb from its own virtualenv:

    python3 -m venv /tmp/pywb && /tmp/pywb/bin/pip install pywb
    .venv/bin/python scripts/replay_check.py --data-dir data --pywb-bin /tmp/pywb/bin

It copies the WARC files into a fresh pywb collection (``wb-manager add`` indexes them, revisit
records included), starts ``wayback`` on a free loopback port, asks for every capture in the
index with the identity modifier (``/coll/id_/<url>``: the archived payload, unrewritten) and
compares its sha256 with the index. Exit 0 when all match, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=60) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data-dir", required=True, type=Path)
    ap.add_argument("--pywb-bin", required=True, type=Path, help="bin dir with wayback, wb-manager")
    args = ap.parse_args()
    archive = args.data_dir / "archive"
    db = sqlite3.connect(archive / "index.sqlite")
    rows = db.execute(
        "SELECT url, final_url, sha256 FROM captures WHERE status BETWEEN 200 AND 299"
    ).fetchall()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run([args.pywb_bin / "wb-manager", "init", "coll"], cwd=work, check=True)
        warcs = sorted(str(p) for p in archive.glob("*.warc.gz"))
        subprocess.run(
            [args.pywb_bin / "wb-manager", "add", "coll", *warcs],
            cwd=work,
            check=True,
            capture_output=True,
        )
        port = _free_port()
        server = subprocess.Popen(
            [args.pywb_bin / "wayback", "-p", str(port), "-b", "127.0.0.1"],
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/coll/id_/"
            for _ in range(120):
                try:
                    _get(f"http://127.0.0.1:{port}/")
                    break
                except OSError:
                    time.sleep(0.5)
            bad = 0
            seen: set[tuple[str, str]] = set()
            for url, final_url, sha in rows:
                target = final_url or url
                if (target, sha) in seen:
                    continue
                seen.add((target, sha))
                status, body = _get(base + target)
                got = hashlib.sha256(body).hexdigest()
                ok = status == 200 and got == sha
                bad += not ok
                print(f"{'ok ' if ok else 'BAD'} {status} {len(body):>10} {target}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{len(seen) - bad}/{len(seen)} captures replayed byte for byte")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
