//! The OpenAPI 3.1 description of protocol v1, served at `GET /api/openapi.json`.
//!
//! Written by hand (the wire types live in `doorstep_protocol`,
//! which knows nothing of OpenAPI). A test checks that every route of the
//! router is described here and nothing else is.

use serde_json::{Value, json};

fn error_responses(codes: &[(&str, &str)]) -> Value {
    let mut out = serde_json::Map::new();
    for (status, what) in codes {
        out.insert(
            (*status).to_owned(),
            json!({
                "description": what,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ApiError" } } }
            }),
        );
    }
    Value::Object(out)
}

fn ok_json(schema: &str, what: &str) -> Value {
    json!({
        "description": what,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn with(mut responses: Value, status: &str, response: Value) -> Value {
    if let Value::Object(map) = &mut responses {
        map.insert(status.to_owned(), response);
    }
    responses
}

/// The whole document.
pub fn document() -> Value {
    let auth_errors = [
        (
            "401",
            "No valid token (`unauthorized`, `token_expired`, `token_revoked`)",
        ),
        (
            "429",
            "Too many requests for this token (`rate_limited`, with `retry_after_s`)",
        ),
    ];
    let body_errors = [
        (
            "400",
            "The body is not valid JSON for this call (`bad_json`)",
        ),
        (
            "413",
            "The body is too large (`payload_too_large`, `too_many_ops`)",
        ),
    ];
    let json_body = |schema: &str| {
        json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
        })
    };
    let sha_param = json!({
        "name": "sha256", "in": "path", "required": true,
        "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
        "description": "Lowercase hex SHA-256 of the blob's bytes"
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Doorstep sync protocol",
            "version": "1",
            "description": "The JSON the Doorstep (入户通) phone app and server exchange. Every error is an ApiError with a stable code and messages in Chinese and English. Every call but login, health and this document needs `Authorization: Bearer <token>`. A request may declare `X-Doorstep-Protocol: 1`; another version is refused with 400 `unsupported_protocol`."
        },
        "components": {
            "securitySchemes": { "device_token": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "ApiError": {
                    "type": "object",
                    "required": ["code", "message_zh", "message_en", "retryable"],
                    "properties": {
                        "code": { "type": "string", "description": "Stable, machine-readable" },
                        "message_zh": { "type": "string" },
                        "message_en": { "type": "string" },
                        "retryable": { "type": "boolean" },
                        "retry_after_s": { "type": "integer", "minimum": 0 }
                    }
                },
                "LoginRequest": {
                    "type": "object",
                    "required": ["username", "password", "device_name"],
                    "properties": {
                        "username": { "type": "string" },
                        "password": { "type": "string" },
                        "device_name": { "type": "string" }
                    }
                },
                "Grid": {
                    "type": "object",
                    "required": ["id", "code", "name", "community", "subdistrict"],
                    "properties": {
                        "id": { "type": "string", "format": "uuid" },
                        "code": { "type": "string" },
                        "name": { "type": "string" },
                        "community": { "type": "string" },
                        "subdistrict": { "type": "string" }
                    }
                },
                "LoginResponse": {
                    "type": "object",
                    "required": ["token", "expires_at", "account"],
                    "properties": {
                        "token": { "type": "string", "description": "64 hex characters, shown once" },
                        "expires_at": { "type": "string", "format": "date-time" },
                        "account": {
                            "type": "object",
                            "required": ["user_id", "username", "display_name", "role", "grids"],
                            "properties": {
                                "user_id": { "type": "string", "format": "uuid" },
                                "username": { "type": "string" },
                                "display_name": { "type": "string" },
                                "role": { "enum": ["worker", "supervisor", "admin"] },
                                "grids": { "type": "array", "items": { "$ref": "#/components/schemas/Grid" } }
                            }
                        }
                    }
                },
                "DeviceInstant": {
                    "type": "object",
                    "required": ["utc", "offset_seconds"],
                    "properties": {
                        "utc": { "type": "string", "format": "date-time" },
                        "offset_seconds": { "type": "integer" }
                    }
                },
                "PhotoRef": {
                    "type": "object",
                    "required": ["sha256", "bytes", "width", "height", "field"],
                    "properties": {
                        "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                        "bytes": { "type": "integer" },
                        "width": { "type": "integer" },
                        "height": { "type": "integer" },
                        "field": { "type": "string" }
                    }
                },
                "VisitSubmission": {
                    "type": "object",
                    "required": ["visit_id", "visit_group", "revision", "template_id", "template_version",
                                 "household_id", "started", "finalized", "answers", "photos"],
                    "properties": {
                        "visit_id": { "type": "string", "format": "uuid" },
                        "visit_group": { "type": "string", "format": "uuid" },
                        "revision": { "type": "integer", "minimum": 1 },
                        "template_id": { "type": "string" },
                        "template_version": { "type": "integer" },
                        "household_id": { "type": "string", "format": "uuid" },
                        "started": { "$ref": "#/components/schemas/DeviceInstant" },
                        "finalized": { "$ref": "#/components/schemas/DeviceInstant" },
                        "answers": { "type": "object", "description": "Answers keyed by field name" },
                        "door_check": {
                            "type": ["object", "null"],
                            "description": "DoorCheckRecord: `input` (the fix, time, outcome) and the device's `result`; the server recomputes the verdict"
                        },
                        "photos": { "type": "array", "items": { "$ref": "#/components/schemas/PhotoRef" }, "maxItems": doorstep_protocol::MAX_PHOTOS_PER_VISIT }
                    }
                },
                "Operation": {
                    "type": "object",
                    "required": ["op_id", "type"],
                    "description": "`type` is `submit_visit` (with `visit`) or `edit_household` (with `household_id`, `base_version`, `changes`)",
                    "properties": {
                        "op_id": { "type": "string", "format": "uuid" },
                        "type": { "enum": ["submit_visit", "edit_household"] },
                        "visit": { "$ref": "#/components/schemas/VisitSubmission" },
                        "household_id": { "type": "string", "format": "uuid" },
                        "base_version": { "type": "integer" },
                        "changes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["field"],
                                "properties": {
                                    "field": { "enum": crate::storage::EDITABLE_FIELDS },
                                    "value": { "type": ["string", "null"] }
                                }
                            }
                        }
                    }
                },
                "PushRequest": {
                    "type": "object",
                    "required": ["ops"],
                    "properties": {
                        "ops": { "type": "array", "items": { "$ref": "#/components/schemas/Operation" }, "maxItems": doorstep_protocol::MAX_OPS_PER_PUSH }
                    }
                },
                "OperationResult": {
                    "type": "object",
                    "required": ["op_id", "status"],
                    "description": "`applied` (with `flags`), `merged` (with `new_version`, `conflicts`) or `refused` (with `error`)",
                    "properties": {
                        "op_id": { "type": "string", "format": "uuid" },
                        "status": { "enum": ["applied", "merged", "refused"] },
                        "flags": { "type": "array", "items": { "type": "string" }, "description": "Codes a supervisor reviews, e.g. `too_fast`, `failed_attempts`, `answers_without_entry` (the door outcome was not \"met\" yet the form records interview answers), `no_door_check`, `door:outside`, `form_invalid` with `form:CODE@PATH` per problem" },
                        "new_version": { "type": "integer" },
                        "conflicts": { "type": "array", "items": { "type": "string" } },
                        "error": { "$ref": "#/components/schemas/ApiError" }
                    }
                },
                "PushResponse": {
                    "type": "object",
                    "required": ["results"],
                    "properties": {
                        "results": { "type": "array", "items": { "$ref": "#/components/schemas/OperationResult" } }
                    }
                },
                "BlobStatus": {
                    "type": "object",
                    "required": ["offset", "complete"],
                    "properties": {
                        "offset": { "type": "integer", "minimum": 0 },
                        "complete": { "type": "boolean" }
                    }
                },
                "ReviewDecision": {
                    "type": "object",
                    "required": ["visit_id", "visit_group", "revision", "status", "comment", "reviewer", "decided_at"],
                    "properties": {
                        "visit_id": { "type": "string", "format": "uuid" },
                        "visit_group": { "type": "string", "format": "uuid" },
                        "revision": { "type": "integer" },
                        "status": { "enum": ["approved", "returned", "rejected"] },
                        "comment": { "type": "string" },
                        "reviewer": { "type": "string" },
                        "decided_at": { "type": "string", "format": "date-time" }
                    }
                },
                "ReviewRequest": {
                    "type": "object",
                    "required": ["decision"],
                    "properties": {
                        "decision": { "enum": ["approve", "return", "reject"] },
                        "comment": { "type": "string", "description": "Required for return and reject" }
                    }
                },
                "PullResponse": {
                    "type": "object",
                    "required": ["cursor", "more", "households", "templates", "reviews"],
                    "properties": {
                        "cursor": { "type": "string" },
                        "more": { "type": "boolean" },
                        "households": { "type": "array", "items": { "type": "object", "description": "HouseholdRecord with residents, tags and due visits" } },
                        "templates": { "type": "array", "items": {
                            "type": "object",
                            "required": ["template_id", "version", "definition"],
                            "properties": {
                                "template_id": { "type": "string" },
                                "version": { "type": "integer" },
                                "definition": { "type": "object" }
                            }
                        } },
                        "reviews": { "type": "array", "items": { "$ref": "#/components/schemas/ReviewDecision" } },
                        "grids": { "type": "array", "items": { "$ref": "#/components/schemas/Grid" },
                            "description": "The caller's grids as they are now; only on a pull from the beginning (no cursor, or the caller's grids changed). The device keeps only these grids' households" }
                    }
                }
            }
        },
        "security": [ { "device_token": [] } ],
        "paths": {
            "/healthz": {
                "get": {
                    "summary": "Health: 200 when the server is ready",
                    "security": [],
                    "responses": { "200": { "description": "Ready" } }
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": { "200": { "description": "OpenAPI 3.1" } }
                }
            },
            "/api/v1/login": {
                "post": {
                    "summary": "Log in; answers a device token",
                    "security": [],
                    "requestBody": json_body("LoginRequest"),
                    "description": "After 5 wrong passwords for one account, or 20 from one address (the client's, from `X-Forwarded-For` only behind a trusted proxy), within 15 minutes, the account or address is locked for 15 minutes: every sign-in there, on the phones and in the console, is refused with `account_locked` (429, `retry_after_s`, not retryable at once) before its password is checked. Failed sign-ins and locks are in the audit log.",
                    "responses": with(error_responses(&[("401", "Wrong username or password (`bad_credentials`)"), ("429", "Too many wrong passwords: the account or address is locked (`account_locked`, with `retry_after_s`)"), body_errors[0], body_errors[1]]),
                        "200", ok_json("LoginResponse", "Signed in"))
                }
            },
            "/api/v1/logout": {
                "post": {
                    "summary": "Revoke the token this request carries",
                    "responses": with(error_responses(&auth_errors), "204", json!({ "description": "Signed out" }))
                }
            },
            "/api/v1/push": {
                "post": {
                    "summary": "Apply operations, each exactly once by op_id",
                    "requestBody": json_body("PushRequest"),
                    "responses": with(error_responses(&[auth_errors[0], auth_errors[1], body_errors[0], body_errors[1]]),
                        "200", ok_json("PushResponse", "One result per operation, in order"))
                }
            },
            "/api/v1/blobs/{sha256}": {
                "get": {
                    "summary": "How far the server has a blob",
                    "parameters": [sha_param],
                    "responses": with(error_responses(&[auth_errors[0], auth_errors[1], ("400", "Not a blob name (`bad_blob_name`)")]),
                        "200", ok_json("BlobStatus", "The offset to resume from, or complete"))
                },
                "put": {
                    "summary": "Send a chunk at the server's offset",
                    "parameters": [
                        sha_param,
                        { "name": "offset", "in": "query", "required": true, "schema": { "type": "integer", "minimum": 0 } },
                        { "name": "total", "in": "query", "required": true, "schema": { "type": "integer", "minimum": 1 } }
                    ],
                    "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "contentMediaType": "application/octet-stream", "maxLength": doorstep_protocol::MAX_CHUNK_BYTES } } } },
                    "responses": with(error_responses(&[
                        auth_errors[0], auth_errors[1],
                        ("400", "Bad name, query or range (`bad_blob_name`, `bad_query`, `bad_range`)"),
                        ("409", "Wrong offset (`offset_mismatch`); the real offset is in the `x-doorstep-blob-offset` header"),
                        ("413", "Chunk or blob too large (`chunk_too_large`, `blob_too_large`)"),
                        ("422", "The bytes do not hash to the name (`hash_mismatch`); the partial upload was discarded"),
                    ]), "200", ok_json("BlobStatus", "The new offset, or complete once the hash is checked"))
                }
            },
            "/api/v1/pull": {
                "get": {
                    "summary": "Changes since a cursor",
                    "parameters": [ { "name": "cursor", "in": "query", "required": false, "schema": { "type": "string" } } ],
                    "responses": with(error_responses(&[auth_errors[0], auth_errors[1], ("400", "Not a cursor this server made (`bad_cursor`)")]),
                        "200", ok_json("PullResponse", "One page of changes"))
                }
            },
            "/api/v1/visits/{visit_id}/review": {
                "post": {
                    "summary": "A supervisor approves, returns or rejects a visit revision",
                    "parameters": [ { "name": "visit_id", "in": "path", "required": true, "schema": { "type": "string", "format": "uuid" } } ],
                    "requestBody": json_body("ReviewRequest"),
                    "responses": with(error_responses(&[
                        auth_errors[0], auth_errors[1], body_errors[0],
                        ("403", "Not a supervisor (`forbidden`)"),
                        ("404", "No such visit in the caller's grids (`not_found`)"),
                        ("409", "The visit is not awaiting review (`invalid_transition`, `review_conflict`)"),
                    ]), "200", ok_json("ReviewDecision", "The recorded decision"))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths");
        let routes = crate::api::routes(&Limits::default());
        for route in &routes {
            let item = paths
                .get(route.path)
                .unwrap_or_else(|| panic!("{} is not documented", route.path));
            let documented: Vec<&str> = item
                .as_object()
                .expect("path item")
                .keys()
                .map(String::as_str)
                .collect();
            let mut methods = route.methods.to_vec();
            methods.sort_unstable();
            let mut documented = documented;
            documented.sort_unstable();
            assert_eq!(methods, documented, "methods of {}", route.path);
        }
        assert_eq!(
            paths.len(),
            routes.len(),
            "the document describes a route the router lacks"
        );
        // Every schema reference resolves.
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for piece in text.split("#/components/schemas/").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(schemas.contains_key(&name), "unresolved schema {name}");
        }
    }
}
