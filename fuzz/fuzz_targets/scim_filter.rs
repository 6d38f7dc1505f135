//! SCIM filters, PATCH paths, attribute lists and PATCH bodies: parsed or refused, never a
//! panic.
#![no_main]

use corral_domain::scim::{Filter, PatchPath, parse_attribute_list, parse_patch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = Filter::parse(s);
        let _ = PatchPath::parse(s);
        let _ = parse_attribute_list(s);
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = parse_patch(&v);
    }
});
