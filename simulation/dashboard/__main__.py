"""``python -m simulation.dashboard [--port 8765]`` (or ``ta-dashboard``): the classroom dashboard on 127.0.0.1.

Installs Solara's browser assets from npm if they are missing (``assets.py``;
once, online), then runs ``solara run simulation.dashboard.app`` in production
mode (no auto-reload), bound to the loopback interface only, with Solara's
telemetry and version check off so that nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import sys

from simulation.dashboard.assets import REGISTRY, ensure_assets

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def solara_command(port: int) -> list[str]:
    """The ``solara run`` command line of the dashboard."""
    return [
        sys.executable, "-m", "solara", "run", "simulation.dashboard.app",
        "--host", HOST, "--port", str(port),
        "--production", "--no-open", "--no-check-version", "--log-level", "warning",
    ]  # fmt: skip


#: Solara warns, on every page load from 127.0.0.1 over http, that it falls back to samesite=lax cookies
#: (``solara/server/starlette.py``): that fallback is what a loopback-only server wants, so the warning is noise
#: in the server's log. Only this warning is silenced (a ``-W`` filter: message prefix, category, module).
SAMESITE_WARNING_FILTER = "ignore:Cookies with samesite=none require https:UserWarning:solara.server.starlette"


def solara_environment() -> dict[str, str]:
    """The server's environment: no telemetry, no Solara banner, a closed tab's session freed after a minute."""
    env = dict(os.environ)
    env.update(
        SOLARA_TELEMETRY_MIXPANEL_ENABLE="False",
        # A tab that loses its connection keeps its session (and models) this long for a reconnect;
        # a tab that is closed frees it at once. Solara's default is 24 h.
        SOLARA_KERNEL_CULL_TIMEOUT="60s",
        # "This website runs on Solara", in English, drawn over the lower right of the page (the chart):
        # ``solara.server.settings.ThemeSettings.show_banner``, env prefix ``solara_theme_``.
        SOLARA_THEME_SHOW_BANNER="False",
        MPLBACKEND="Agg",
        PYTHONWARNINGS=",".join(w for w in (os.environ.get("PYTHONWARNINGS"), SAMESITE_WARNING_FILTER) if w),
    )
    return env


def main(argv: list[str] | None = None) -> None:
    """Parse the options, make sure the assets are there, and become the Solara server."""
    parser = argparse.ArgumentParser(prog="python -m simulation.dashboard", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on {HOST} (default {DEFAULT_PORT})")
    args = parser.parse_args(argv)
    try:
        ensure_assets()
    except OSError as e:
        raise SystemExit(
            f"error: the dashboard's browser assets are missing and could not be downloaded from {REGISTRY} ({e}).\n"
            "Run 'python -m simulation.dashboard.assets' once while online."
        ) from None
    print(f"Classroom dashboard: http://{HOST}:{args.port}/  (Ctrl+C to stop)", flush=True)
    cmd = solara_command(args.port)
    os.execvpe(cmd[0], cmd, solara_environment())  # the server replaces this process: one PID to stop


if __name__ == "__main__":
    main()
