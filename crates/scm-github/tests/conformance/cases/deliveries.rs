//! Webhook deliveries: repository and organization hooks (token), and the
//! App's own webhook (the App's JWT).

use scm_core::AnyAction;
use serde_json::json;

use crate::parse;

pub fn cases() -> Vec<AnyAction> {
    ["repository", "organization"]
        .into_iter()
        .flat_map(|source| {
            [
                parse(
                    "list_hook_deliveries",
                    json!({"source": source, "hook_id": "12345678", "since": "2021-01-01T00:00:00Z",
                           "page": {"per_page": 100}}),
                ),
                parse(
                    "get_hook_delivery",
                    json!({"source": source, "hook_id": "12345678", "delivery_id": "42"}),
                ),
                parse(
                    "redeliver_hook_delivery",
                    json!({"source": source, "hook_id": "12345678", "delivery_id": "42"}),
                ),
            ]
        })
        .collect()
}

pub fn app_cases() -> Vec<AnyAction> {
    vec![
        parse(
            "list_hook_deliveries",
            json!({"source": "app", "page": {"per_page": 50}}),
        ),
        parse(
            "get_hook_delivery",
            json!({"source": "app", "delivery_id": "42"}),
        ),
        parse(
            "redeliver_hook_delivery",
            json!({"source": "app", "delivery_id": "42"}),
        ),
    ]
}
