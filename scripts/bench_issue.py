"""Issuance benchmark: credentials/s for build + validate + sign, per cryptosuite, one core (and OpenAttestation).

python scripts/bench_issue.py [--jcs N] [--rdfc N] [--peer N] [--json]     (same as `credanchor bench issue`)
"""

import sys

from anchor.cli.main import app

if __name__ == "__main__":
    app(["bench", "issue", *sys.argv[1:]])
