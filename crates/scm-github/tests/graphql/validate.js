// Validates GraphQL documents against GitHub's published GraphQL schema.
//
// Usage: node validate.js <schema.graphql>  (documents as JSON on stdin:
// [{"name": "...", "document": "..."}])
//
// Prints one JSON object: {"validated": N, "errors": [{"name", "message"}]}.
// Uses graphql-js `parse` and `validate` with the standard rules, so an
// unknown field, a wrong argument type, an undeclared variable or a
// misspelled enum value is an error.
"use strict";

const fs = require("node:fs");
const { buildSchema, parse, validate } = require("graphql");

const schemaPath = process.argv[2];
if (!schemaPath) {
  console.error("usage: node validate.js <schema.graphql> < documents.json");
  process.exit(2);
}

// GitHub's published SDL repeats a few enterprise fields; that says nothing
// about our documents, so the SDL itself is not validated.
const schema = buildSchema(fs.readFileSync(schemaPath, "utf8"), { assumeValidSDL: true });
const documents = JSON.parse(fs.readFileSync(0, "utf8"));

const errors = [];
for (const { name, document } of documents) {
  let ast;
  try {
    ast = parse(document);
  } catch (error) {
    errors.push({ name, message: `syntax: ${error.message}` });
    continue;
  }
  for (const error of validate(schema, ast)) {
    errors.push({ name, message: error.message });
  }
  const operations = ast.definitions.filter((d) => d.kind === "OperationDefinition");
  if (operations.length !== 1 || !operations[0].name || operations[0].name.value !== name) {
    errors.push({ name, message: "expected exactly one operation, named as listed" });
  }
}

process.stdout.write(JSON.stringify({ validated: documents.length, errors }));
