"""Drive the local anvil devchain without the console script: python hardhat-free-devchain/devchain.py up|down|status.

The logic lives in `anchor.chain.devchain`; this only forwards to `credanchor devchain ...`.
"""

import sys

from anchor.cli.main import app

if __name__ == "__main__":
    app(["devchain", *sys.argv[1:]])
