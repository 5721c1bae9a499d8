//! The OpenAPI 3 document of RPC v1, generated from the action table.
//!
//! One path per action (`POST /v1/actions/{name}`): the request body is
//! the action's argument struct and the 200 answer the neutral result
//! envelope around the action's output type, both as JSON Schemas derived
//! from scm-core's types; every path shares the signing headers and the
//! coded error body. `docs/openapi.json` is this document; regenerate it
//! with `scm openapi > docs/openapi.json` (a test fails when it is stale).

use schemars::gen::{SchemaGenerator, SchemaSettings};
use scm_core::actions::{is_path_key, ArgumentRule, Requirement, PATH_ITEMS, REQUIREMENTS};
use scm_core::{ActionKind, ActionName, Error};
use serde_json::{json, Map, Value};

use crate::signing;

/// The path of an action.
pub fn action_path(action: ActionName) -> String {
    format!("/v1/actions/{}", action.as_str())
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn header_parameter(name: &str, description: &str, required: bool, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": schema,
    })
}

/// The signing headers every v1 request carries (see [`signing`]).
fn signing_parameters() -> Map<String, Value> {
    let text = json!({ "type": "string" });
    let rows = [
        ("KeyId", signing::KEY_ID, "The client key id.", true, text.clone()),
        ("Timestamp", signing::TIMESTAMP, "Unix seconds; refused outside ±5 minutes.", true, json!({ "type": "integer", "format": "int64" })),
        ("Nonce", signing::NONCE, "16-128 characters of [A-Za-z0-9_-], never reused within the window.", true, json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{16,128}$" })),
        ("Organization", signing::ORGANIZATION, "The organization id the call acts for.", true, json!({ "type": "integer", "format": "int64" })),
        ("Repository", signing::REPOSITORY, "Compact JSON: the repository id (`5`) or `[\"provider\",\"external id\"]`.", true, text.clone()),
        ("Referrer", signing::REFERRER, "Who is asking (quota allocation); default `shared`.", false, text.clone()),
        ("Signature", signing::SIGNATURE, "`v1=` + hex HMAC-SHA256(secret, canonical message): the lines `scm-rpc-v1`, method, path, timestamp, nonce, organization, repository, referrer and hex SHA-256 of the body, joined by a newline.", true, json!({ "type": "string", "pattern": "^v1=[0-9a-f]{64}$" })),
    ];
    rows.into_iter()
        .map(|(key, name, description, required, schema)| {
            (
                key.to_owned(),
                header_parameter(name, description, required, schema),
            )
        })
        .collect()
}

fn signed_refs() -> Vec<Value> {
    [
        "KeyId",
        "Timestamp",
        "Nonce",
        "Organization",
        "Repository",
        "Referrer",
        "Signature",
    ]
    .iter()
    .map(|name| json!({ "$ref": format!("#/components/parameters/{name}") }))
    .collect()
}

/// Schemas written here rather than derived: the envelope and the error
/// body are the wire protocol itself, not model types.
fn protocol_schemas() -> Map<String, Value> {
    let mut codes: Vec<&str> = Error::CODES.to_vec();
    codes.extend_from_slice(Error::RPC_CODES);
    let names: Vec<&str> = ActionName::ALL.iter().map(|a| a.as_str()).collect();
    let mut schemas = Map::new();
    schemas.insert(
        "ErrorObject".into(),
        json!({
            "type": "object",
            "required": ["code", "status", "title", "detail"],
            "properties": {
                "code": { "type": "string", "enum": codes, "description": "Stable machine-readable code." },
                "status": { "type": "integer", "description": "The HTTP status of the answer." },
                "title": { "type": "string" },
                "detail": { "type": "string" },
                "meta": {
                    "type": "object",
                    "description": "Where a provider error came from.",
                    "required": ["provider", "action"],
                    "properties": {
                        "provider": { "type": "string" },
                        "action": { "type": "string", "enum": names },
                    },
                },
            },
        }),
    );
    schemas.insert(
        "ErrorBody".into(),
        json!({
            "type": "object",
            "required": ["errors"],
            "properties": { "errors": { "type": "array", "items": schema_ref("ErrorObject") } },
        }),
    );
    schemas.insert(
        "ActionName".into(),
        json!({ "type": "string", "enum": names }),
    );
    schemas.insert(
        "Capabilities".into(),
        json!({
            "type": "object",
            "required": ["provider", "supported", "unsupported"],
            "properties": {
                "provider": { "type": "string" },
                "supported": { "type": "array", "items": schema_ref("ActionName") },
                "unsupported": { "type": "array", "items": schema_ref("ActionName") },
            },
        }),
    );
    schemas
}

/// The neutral result envelope around `data`.
fn envelope(data: Value) -> Value {
    json!({
        "type": "object",
        "required": ["status", "provider", "meta"],
        "description": "`status: ok` with `data`, or `status: not_modified` (conditional reads) without it.",
        "properties": {
            "status": { "type": "string", "enum": ["ok", "not_modified"] },
            "provider": { "type": "string" },
            "data": data,
            "raw": { "allOf": [schema_ref("RawResponse")], "nullable": true, "description": "The provider's answer as it was (no credentials)." },
            "meta": schema_ref("ResponseMeta"),
        },
    })
}

fn operation(action: ActionName, generator: &mut SchemaGenerator) -> Value {
    let (args, output) = action.schemas(generator);
    let ok = match output {
        Some(data) => json!({
            "description": format!("The result (`{}`).", action.output_type().replace(' ', "")),
            "content": { "application/json": { "schema": envelope(serde_json::to_value(data).unwrap_or_default()) } },
        }),
        None => json!({
            "description": "The bytes, streamed.",
            "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } },
        }),
    };
    let mut parameters = signed_refs();
    if matches!(action.kind(), ActionKind::Read | ActionKind::List) {
        parameters.push(json!({ "$ref": "#/components/parameters/IfNoneMatch" }));
        parameters.push(json!({ "$ref": "#/components/parameters/IfModifiedSince" }));
    }
    let summary = action.summary().trim();
    json!({ "post": {
        "operationId": action.as_str(),
        "summary": summary,
        "tags": [action.group().title()],
        "x-scm-kind": action.kind(),
        "parameters": parameters,
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": serde_json::to_value(args).unwrap_or_default() } },
        },
        "responses": {
            "200": ok,
            "default": { "$ref": "#/components/responses/Error" },
        },
        "security": [{ "scmSignature": [] }],
    }})
}

/// Rewrites JSON Schema forms OpenAPI 3.0 does not have: `{"type":
/// "null"}` (the unit output of actions that return nothing) and `true`
/// as a schema (any JSON value).
fn openapi30(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("type") == Some(&Value::String("null".into())) {
                map.remove("type");
                map.insert("nullable".into(), Value::Bool(true));
                map.insert("enum".into(), json!([null]));
            }
            for (key, child) in map.iter_mut() {
                if (key == "items" || key == "schema") && child == &Value::Bool(true) {
                    *child = json!({});
                }
                if key == "properties" {
                    if let Value::Object(properties) = child {
                        for property in properties.values_mut() {
                            if property == &Value::Bool(true) {
                                *property = json!({});
                            }
                        }
                    }
                }
                openapi30(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(openapi30),
        _ => {}
    }
}

/// The largest value of each unsigned or signed integer format schemars
/// writes: OpenAPI validators ignore `format`, so without a bound a value
/// the server cannot deserialize (`4294967296` for a `u32`) is valid.
fn integer_bounds(format: &str) -> Option<(Value, Value)> {
    Some(match format {
        "uint8" => (json!(0), json!(u8::MAX)),
        "uint16" => (json!(0), json!(u16::MAX)),
        "uint32" => (json!(0), json!(u32::MAX)),
        "uint64" | "uint" => (json!(0), json!(u64::MAX)),
        "int32" => (json!(i32::MIN), json!(i32::MAX)),
        "int64" => (json!(i64::MIN), json!(i64::MAX)),
        _ => return None,
    })
}

/// Bounds every integer schema by its format (see [`integer_bounds`]).
fn bound_integers(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let bounds = map
                .get("format")
                .and_then(Value::as_str)
                .and_then(integer_bounds);
            if let (Some((min, max)), Some("integer")) =
                (bounds, map.get("type").and_then(Value::as_str))
            {
                map.insert("minimum".into(), min);
                map.insert("maximum".into(), max);
            }
            map.values_mut().for_each(bound_integers);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// The JSON pointer of an action's request body.
fn request_body_pointer(action: ActionName) -> String {
    format!(
        "/paths/{}/post/requestBody",
        action_path(action).replace('/', "~1")
    )
}

/// The name of an action's argument schema under `components/schemas`.
fn arguments_schema(doc: &Value, action: ActionName) -> Option<String> {
    let pointer = format!(
        "{}/content/application~1json/schema/$ref",
        request_body_pointer(action)
    );
    doc.pointer(&pointer)?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
}

/// What the server checks beyond the types ([`ArgumentRule`]: ids go
/// into URL paths as one segment, file paths segment by segment; and
/// [`REQUIREMENTS`] between arguments), said in the argument schemas with
/// the same rules the server applies.
fn refine_arguments(doc: &mut Value) {
    for action in ActionName::ALL {
        let Some(name) = arguments_schema(doc, *action) else {
            continue;
        };
        for field in action.fields() {
            let Some(rule) = ArgumentRule::of(*action, field) else {
                continue;
            };
            let pointer = format!("/components/schemas/{name}/properties/{}", field.name);
            let Some(Value::Object(map)) = doc.pointer_mut(&pointer) else {
                continue;
            };
            if let Value::Object(keywords) = rule.schema() {
                map.extend(keywords);
            }
        }
        let requirements: Vec<Value> = REQUIREMENTS
            .iter()
            .filter(|rule| rule.action == *action)
            .map(Requirement::schema)
            .collect();
        if let (false, Some(Value::Object(schema))) = (
            requirements.is_empty(),
            doc.pointer_mut(&format!("/components/schemas/{name}")),
        ) {
            schema.insert("allOf".into(), Value::Array(requirements));
        }
    }
}

/// The file paths inside list items ([`PATH_ITEMS`]: a commit's
/// actions), held to the path rule in every variant of the item's schema.
fn refine_path_items(doc: &mut Value) {
    fn refine(schema: &mut Value) {
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            for (key, property) in properties.iter_mut() {
                if let (true, Value::Object(map), Value::Object(keywords)) =
                    (is_path_key(key), property, ArgumentRule::Path.schema())
                {
                    map.extend(keywords);
                }
            }
        }
        for variants in ["oneOf", "anyOf"] {
            if let Some(Value::Array(items)) = schema.get_mut(variants) {
                items.iter_mut().for_each(refine);
            }
        }
    }
    for (_, item) in PATH_ITEMS {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{item}")) {
            refine(schema);
        }
    }
}

/// A tree entry points at an object by `sha` or carries `content`, never
/// both (the provider refuses both; neither removes the path), which
/// schemars cannot say of two optional fields.
fn exclusive_tree_entry(doc: &mut Value) {
    if let Some(Value::Object(entry)) = doc.pointer_mut("/components/schemas/InputTreeEntry") {
        let given = json!({ "not": { "enum": [null] } });
        entry.insert(
            "not".into(),
            json!({
                "required": ["sha", "content"],
                "properties": { "sha": given, "content": given },
            }),
        );
    }
}

/// An action whose arguments are all optional takes no body at all (the
/// server reads an empty body as `{}`), so its body is not required.
fn optional_bodies(doc: &mut Value) {
    for action in ActionName::ALL {
        let Some(name) = arguments_schema(doc, *action) else {
            continue;
        };
        let required = doc
            .pointer(&format!("/components/schemas/{name}/required"))
            .and_then(Value::as_array)
            .is_some_and(|fields| !fields.is_empty());
        if let Some(body) = doc.pointer_mut(&request_body_pointer(*action)) {
            body["required"] = Value::Bool(required);
        }
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut doc = raw_document();
    openapi30(&mut doc);
    bound_integers(&mut doc);
    refine_arguments(&mut doc);
    refine_path_items(&mut doc);
    exclusive_tree_entry(&mut doc);
    optional_bodies(&mut doc);
    doc
}

fn raw_document() -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let mut paths = Map::new();
    paths.insert(
        "/v1/capabilities".into(),
        json!({ "get": {
            "operationId": "capabilities",
            "summary": "Which actions the repository's provider supports.",
            "tags": ["Service"],
            "parameters": signed_refs(),
            "responses": {
                "200": { "description": "The capabilities.", "content": { "application/json": { "schema": schema_ref("Capabilities") } } },
                "default": { "$ref": "#/components/responses/Error" },
            },
            "security": [{ "scmSignature": [] }],
        }}),
    );
    paths.insert(
        "/v1/openapi.json".into(),
        json!({ "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "tags": ["Service"],
            "responses": { "200": { "description": "The OpenAPI document.", "content": { "application/json": {} } } },
        }}),
    );
    for action in ActionName::ALL {
        paths.insert(action_path(*action), operation(*action, &mut generator));
    }
    generator.subschema_for::<scm_core::RawResponse>();
    generator.subschema_for::<scm_core::ResponseMeta>();
    let mut schemas: Map<String, Value> = generator
        .take_definitions()
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_default()))
        .collect();
    schemas.extend(protocol_schemas());
    let mut parameters = signing_parameters();
    parameters.insert(
        "IfNoneMatch".into(),
        header_parameter(
            "if-none-match",
            "Conditional read: an ETag from `meta.etag`.",
            false,
            json!({ "type": "string" }),
        ),
    );
    parameters.insert(
        "IfModifiedSince".into(),
        header_parameter(
            "if-modified-since",
            "Conditional read: an HTTP date from `meta.last_modified`.",
            false,
            json!({ "type": "string" }),
        ),
    );
    let mut sorted_schemas: Vec<(String, Value)> = schemas.into_iter().collect();
    sorted_schemas.sort_by(|a, b| a.0.cmp(&b.0));
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "SCM RPC",
            "version": "v1",
            "description": "Every action of the provider-neutral SCM platform over signed HTTP. Generated from the action table; do not edit by hand.",
        },
        "servers": [{ "url": "http://127.0.0.1:8080" }],
        "paths": paths,
        "components": {
            "schemas": sorted_schemas.into_iter().collect::<Map<String, Value>>(),
            "parameters": parameters,
            "responses": {
                "Error": {
                    "description": "A coded error; the HTTP status is the code's.",
                    "content": { "application/json": { "schema": schema_ref("ErrorBody") } },
                },
            },
            "securitySchemes": {
                "scmSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": signing::SIGNATURE,
                    "description": "HMAC-SHA256 request signature v1 (see the `Signature` parameter).",
                },
            },
        },
    })
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}
