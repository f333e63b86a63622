// The graphql-http audit against a hub's /graphql: one line per check that is not "ok",
// then a summary; exit code 1 on any MUST failure.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs http://host:port/graphql');
  process.exit(2);
}
const results = await auditServer({ url, fetchFn: fetch });
let failures = 0;
let warnings = 0;
for (const result of results) {
  if (result.status === 'ok') continue;
  if (result.status === 'error') failures += 1;
  else warnings += 1;
  console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}`);
}
console.log(`audit: ${results.length} checks, ${failures} MUST failures, ${warnings} warnings`);
process.exit(failures ? 1 : 0);
