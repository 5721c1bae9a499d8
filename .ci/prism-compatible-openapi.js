#!/usr/bin/env node
// Writes a copy of an OpenAPI 3.0 description that prism 5.14.2 can fully
// validate requests against.
//
// Why: GitHub's description has schemas with `nullable: true` but no `type`
// (for example `milestone` in POST /repos/{owner}/{repo}/issues, which is
// `oneOf: [string, integer], nullable: true`). Prism compiles schemas with
// ajv, ajv refuses `nullable` without `type`, and prism swallows the compile
// error and treats the request body as valid. Without this rewrite, prism
// silently skips body validation for issue create/update and a few others.
//
// The rewrite keeps GitHub's intent ("this value may also be null"):
//   oneOf/anyOf + nullable  ->  the same list plus {"type": "null"}
//   allOf + nullable        ->  anyOf: [{allOf: [...]}, {"type": "null"}]
//   nullable alone          ->  dropped (the schema accepts anything anyway)
// Nothing else is changed.
//
// Usage: prism-compatible-openapi.js <input.json> <output.json>
"use strict";

const fs = require("fs");

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: prism-compatible-openapi.js <input.json> <output.json>");
  process.exit(2);
}

const spec = JSON.parse(fs.readFileSync(input, "utf8"));
let rewritten = 0;

function visit(node) {
  if (Array.isArray(node)) {
    node.forEach(visit);
    return;
  }
  if (node === null || typeof node !== "object") return;
  for (const value of Object.values(node)) visit(value);

  if (node.nullable !== true || "type" in node) return;
  delete node.nullable;
  rewritten += 1;
  if (Array.isArray(node.oneOf)) {
    node.oneOf.push({ type: "null" });
  } else if (Array.isArray(node.anyOf)) {
    node.anyOf.push({ type: "null" });
  } else if (Array.isArray(node.allOf)) {
    node.anyOf = [{ allOf: node.allOf }, { type: "null" }];
    delete node.allOf;
  }
}

visit(spec);
fs.writeFileSync(output, JSON.stringify(spec));
console.log(`rewrote ${rewritten} typeless nullable schemas`);
