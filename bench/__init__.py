"""Benchmarks: `python -m bench --items N [--db sqlite|postgres] [--json FILE]` (see README.md)."""

from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
