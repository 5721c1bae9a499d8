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
// Second rewrite: GitHub writes response examples as
//   "examples": {"default": {"value": {"$ref": "#/components/examples/issue"}}}
// where the referenced component is itself an Example Object
// ({"value": {...}}). Prism resolves the $ref literally and answers
// {"value": {...}}, one level too deep. Such a value is replaced by the
// referenced example's own value.
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

const componentExamples = (spec.components && spec.components.examples) || {};
let inlined = 0;
function inlineExampleRefs(node) {
  if (Array.isArray(node)) {
    node.forEach(inlineExampleRefs);
    return;
  }
  if (node === null || typeof node !== "object") return;
  if (node.examples && typeof node.examples === "object" && !Array.isArray(node.examples)) {
    for (const example of Object.values(node.examples)) {
      const ref = example && example.value && example.value.$ref;
      const prefix = "#/components/examples/";
      if (typeof ref === "string" && ref.startsWith(prefix)) {
        const target = componentExamples[ref.slice(prefix.length)];
        if (target && "value" in target) {
          example.value = target.value;
          inlined += 1;
        }
      }
    }
  }
  for (const value of Object.values(node)) inlineExampleRefs(value);
}
inlineExampleRefs(spec.paths);
fs.writeFileSync(output, JSON.stringify(spec));
console.log(`rewrote ${rewritten} typeless nullable schemas, inlined ${inlined} example references`);
