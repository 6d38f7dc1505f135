//! Email addresses and phone numbers as people type them into forms, CSV files and SCIM:
//! parsed or refused, never a panic, and a parsed value parses again to itself.
#![no_main]

use corral_domain::{Email, Phone};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(e) = Email::parse(s) {
            let again = Email::parse(&e.to_string()).expect("a parsed email parses again");
            assert_eq!(again.to_string(), e.to_string());
        }
        if let Ok(p) = Phone::parse(s) {
            let again = Phone::parse(&p.to_string()).expect("a parsed phone parses again");
            assert_eq!(again.to_string(), p.to_string());
        }
    }
});
