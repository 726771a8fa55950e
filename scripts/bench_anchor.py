"""Anchoring benchmark: Merkle root of 1M leaves, gas per credential vs batch size, issue→anchor
and verification rates, on the embedded chain and on anvil.

    python scripts/bench_anchor.py [--count N] [--cryptosuite S] [--verify N] [--rpc URL] [--no-anvil] [--json]
"""

import sys

from anchor.cli.main import app

if __name__ == "__main__":
    app(["bench", "anchor", *sys.argv[1:]])
