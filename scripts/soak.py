"""Soak test: issue and verify continuously against anvil + PostgreSQL while the anchoring worker is
killed (SIGKILL) at a random moment of every --restart-every seconds; then audit that nothing was lost.

    python scripts/soak.py [--minutes N] [--restart-every S] [--database-url URL] [--rpc URL] [--rate R]
                           [--max-size N] [--max-age S] [--revoke-every N] [--seed N] [--keep] [--json]

Exit code 0 only if every issued credential was anchored exactly once (the discrepancies otherwise).
"""

import sys

from anchor.cli.main import app  # registers every command, `soak` (anchor.cli.soak) among them

if __name__ == "__main__":
    app(["soak", *sys.argv[1:]])
