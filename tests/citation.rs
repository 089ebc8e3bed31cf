//! CITATION.cff cites this version of the software: its `version` is Cargo.toml's, and it names the licenses that
//! Cargo.toml declares (whose texts are LICENSE-MIT and LICENSE-APACHE).

const CITATION: &str = include_str!("../CITATION.cff");

#[test]
fn citation_version_is_the_crate_version() {
    let versions: Vec<&str> = CITATION.lines().filter_map(|l| l.strip_prefix("version: ")).collect();
    assert_eq!(versions, [env!("CARGO_PKG_VERSION")], "CITATION.cff's version line(s)");
}

#[test]
fn citation_licenses_are_the_crate_licenses_and_their_texts_exist() {
    for id in env!("CARGO_PKG_LICENSE").split(" OR ") {
        assert!(CITATION.lines().any(|l| l.trim() == format!("- {id}")), "CITATION.cff does not list the license {id}");
    }
    assert!(include_str!("../LICENSE-MIT").contains("Permission is hereby granted, free of charge"));
    assert!(include_str!("../LICENSE-APACHE").contains("Apache License\n                           Version 2.0"));
}
