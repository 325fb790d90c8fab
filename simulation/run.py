"""``python -m simulation.run`` (``ta-run``): one run, or a sweep with ``-m``; the code is in :mod:`simulation.runs`."""

from simulation.runs import interrupts


def main() -> None:
    """The command: Ctrl-C is taken from the start, while the command's own modules are imported too."""
    interrupts.install()
    try:
        from simulation.runs import cli
    except KeyboardInterrupt:
        interrupts.exit_interrupted()
    cli.main()


__all__ = ["main"]

if __name__ == "__main__":
    main()
