//! Cursor decoding: any string as a cursor of the shapes providers use
//! (a list of query pairs, a page number, any JSON).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scm_core::Cursor;

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let cursor = Cursor::from_raw(raw.as_ref());
    let _ = cursor.decode::<Vec<(String, String)>>();
    let _ = cursor.decode::<(String, u32)>();
    let _ = cursor.decode::<serde_json::Value>();
    // And any JSON wrapped as a cursor, as a forger would.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = Cursor::encode(&value).decode::<Vec<(String, String)>>();
    }
});
