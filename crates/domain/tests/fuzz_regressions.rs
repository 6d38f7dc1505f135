//! Inputs kept from fuzzing (`fuzz/regressions/<target>/`): every input a fuzzer once crashed
//! on, and hand-picked hard cases, replayed on every test run through the same calls the fuzz
//! targets make (`scripts/fuzz` runs the fuzzers themselves).

use std::path::Path;

use corral_domain::scim::{Filter, PatchPath, parse_attribute_list, parse_patch};
use corral_domain::{Email, Phone};

fn replay(target: &str, data: &[u8]) {
    let text = std::str::from_utf8(data).ok();
    match target {
        "search_query" => {
            if let Some(s) = text {
                let _ = corral_domain::search::parse_query(s);
            }
        }
        "scim_filter" => {
            if let Some(s) = text {
                let _ = Filter::parse(s);
                let _ = PatchPath::parse(s);
                let _ = parse_attribute_list(s);
            }
            if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
                let _ = parse_patch(&v);
            }
        }
        "values" => {
            if let Some(s) = text {
                if let Ok(e) = Email::parse(s) {
                    let again = Email::parse(&e.to_string()).map(|x| x.to_string()).ok();
                    assert_eq!(again, Some(e.to_string()));
                }
                if let Ok(p) = Phone::parse(s) {
                    let again = Phone::parse(&p.to_string()).map(|x| x.to_string()).ok();
                    assert_eq!(again, Some(p.to_string()));
                }
            }
        }
        "csv_import" => {
            if let Some(s) = text {
                corral_domain::import::check_round_trip(s);
                let _ = corral_domain::import::leads_from_csv(s);
            }
        }
        other => panic!("unknown fuzz target {other}"),
    }
}

#[test]
fn every_kept_fuzz_input_is_parsed_or_refused() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut n = 0;
    for target in ["search_query", "scim_filter", "values", "csv_import"] {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            replay(target, &data);
            n += 1;
        }
    }
    assert!(n >= 10, "the kept inputs are there ({n})");
}

/// Nesting deep enough to overflow a recursive parser on a server thread is refused.
#[test]
fn deeply_nested_filters_are_refused_not_overflowed() {
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(2000), ")".repeat(2000));
    let not = format!(
        "{}userName eq \"a\"{}",
        "not (".repeat(800),
        ")".repeat(800)
    );
    for f in [deep, not] {
        let r = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || Filter::parse(&f).is_err())
            .unwrap()
            .join();
        assert!(
            matches!(r, Ok(true)),
            "a deeply nested filter is refused on a small stack"
        );
    }
}
