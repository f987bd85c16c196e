"""Start JupyterLab with RISE on localhost for presenting; print the URL of the first deck.

Offline by design: the server binds to 127.0.0.1, RISE bundles reveal.js, and the decks load
no web fonts. Press Alt+R in a notebook for slides, or open a /rise/ URL directly.
"""

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lab_command(port: int, token: str) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={ROOT}",
        f"--IdentityProvider.token={token}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8888)
    args = parser.parse_args()
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(16)
    first = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))[0].name
    print(f"\n  First deck:  http://127.0.0.1:{args.port}/rise/notebooks/{first}?token={token}")
    print(f"  JupyterLab:  http://127.0.0.1:{args.port}/lab?token={token}")
    print("  In a notebook, Alt+R toggles the slides. Ctrl+C stops the server.\n", flush=True)
    try:
        return subprocess.call(lab_command(args.port, token), cwd=ROOT)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
