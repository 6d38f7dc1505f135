//! CSV lead import: any text is read or refused with a line-numbered error, never a panic;
//! what is read, written back, reads as the same cells.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        corral_domain::import::check_round_trip(s);
        let _ = corral_domain::import::leads_from_csv(s);
    }
});
