// Lints Cypher statements with Neo4j's language support, so that every statement the hub
// sent to the embedded store during the tests is also valid for Neo4j 5.
// Usage: node lint.mjs statements.json   (a JSON array of statement texts)
import { readFileSync } from 'node:fs';
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const ERROR = 1;
const statements = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
let failures = 0;
for (const statement of statements) {
  const { diagnostics } = lintCypherQuery(statement, {});
  // Parameters are bound at run time; the linter cannot know them.
  const errors = diagnostics.filter(
    (d) => d.severity === ERROR && !/^Parameter \$\w+ is not defined/.test(d.message),
  );
  for (const error of errors) {
    failures += 1;
    console.log(`${error.message}\n  in: ${statement}\n  at: ${error.offsets.start}`);
  }
}
console.log(`cypher-lint: ${statements.length} statements, ${failures} errors`);
process.exit(failures ? 1 : 0);
