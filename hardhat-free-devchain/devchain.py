"""Drive the local anvil devchain without the console script: python hardhat-free-devchain/devchain.py up|down|status.

The logic lives in `anchor.devchain`; this only forwards to `credanchor devchain ...`.
"""

import sys

from anchor.cli import app

if __name__ == "__main__":
    app(["devchain", *sys.argv[1:]])
