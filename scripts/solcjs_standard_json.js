// A stand-in for a native `solc` binary, for tools that call one (slither's crytic-compile):
// `--version` answers like native solc, and `--standard-json` compiles the Standard JSON input on
// stdin with the pinned solcjs (npm package `solc`) and writes the output to stdout. No import
// callback: the input must carry every source inline (scripts/static_analysis.py builds it so).
"use strict";
const fs = require("fs");
const solc = require("solc");

const args = process.argv.slice(2);
if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
} else if (args.includes("--standard-json")) {
  // Written without process.exit(), so a large output on a pipe is flushed whole.
  process.stdout.write(solc.compile(fs.readFileSync(0, "utf8")));
} else {
  process.stderr.write("usage: solcjs_standard_json.js --version | --standard-json [--allow-paths DIR] < INPUT.json\n");
  process.exitCode = 2;
}
