//! Close's `query` language (`name:acme date_updated>="2026-01-01" sort:-date_created`):
//! any input is parsed or refused with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = corral_domain::search::parse_query(s);
    }
});
