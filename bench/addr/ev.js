// ev.js - npm email-validator's validate() over a file of addresses, one
// per line: the peer bench_addr is compared with (bench/addr/run.sh).
// The file is read and split before timing; the figure is the best of 3.
// Usage: node ev.js FILE [MODULE_DIR]
"use strict";
const fs = require("fs");
const path = require("path");

const file = process.argv[2];
const modDir = process.argv[3] ||
    path.join(__dirname, "..", "node_modules", "email-validator");
const ev = require(modDir);
const version = require(path.join(modDir, "package.json")).version;
const lines = fs.readFileSync(file, "utf8").split("\n");
if (lines.length && lines[lines.length - 1] === "")
	lines.pop();

let best = Infinity, valid = 0;
for (let r = 0; r < 3; r++) {
	const t0 = process.hrtime.bigint();
	let v = 0;
	for (let i = 0; i < lines.length; i++)
		if (ev.validate(lines[i]))
			v++;
	const s = Number(process.hrtime.bigint() - t0) / 1e9;
	if (s < best)
		best = s;
	valid = v;
}
console.log("email-validator " + version + " (node " + process.version +
    "): " + Math.round(lines.length / best) + " addr/s (" +
    best.toFixed(3) + " s, best of 3, " + valid + " valid of " +
    lines.length + ")");
