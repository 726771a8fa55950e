// Runs the pinned solcjs (npm package `solc`) on a Standard JSON input file and writes the
// Standard JSON output to a file. Used by compile_contracts.py when no native solc is installed.
// (The solcjs command line truncates large outputs on a pipe, hence files.)
"use strict";
const fs = require("fs");
const solc = require("solc");

const [inputPath, outputPath] = process.argv.slice(2);
if (!inputPath || !outputPath) {
  console.error("usage: node solcjs_compile.js INPUT.json OUTPUT.json");
  process.exit(2);
}
if (process.argv.includes("--version")) {
  console.log(solc.version());
} else {
  const output = solc.compile(fs.readFileSync(inputPath, "utf8"));
  fs.writeFileSync(outputPath, output);
}
