//! CITATION.cff cites this version of the software: its `version` is Cargo.toml's, and it names the licenses that
//! Cargo.toml declares (whose texts are LICENSE-MIT and LICENSE-APACHE).

use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn citation_version_is_the_crate_version() {
    let cff = read("CITATION.cff");
    let versions: Vec<&str> = cff.lines().filter_map(|l| l.strip_prefix("version: ")).collect();
    assert_eq!(versions, [env!("CARGO_PKG_VERSION")], "CITATION.cff's version line(s)");
}

#[test]
fn citation_licenses_are_the_crate_licenses_and_their_texts_exist() {
    let cff = read("CITATION.cff");
    let declared = env!("CARGO_PKG_LICENSE");
    for id in declared.split(" OR ") {
        assert!(cff.lines().any(|l| l.trim() == format!("- {id}")), "CITATION.cff does not list the license {id}");
    }
    assert!(read("LICENSE-MIT").contains("Permission is hereby granted, free of charge"));
    assert!(read("LICENSE-APACHE").contains("Apache License\n                           Version 2.0"));
}
