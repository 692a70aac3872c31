//! One data-driven test over `tests/fixtures/schemas/`: for every fixture, the IR, the Rust
//! output and the rendered diagnostics are snapshotted. Fixtures named `bad-*` must produce an
//! error; all others must generate without one. `end_to_end.rs` compiles the good ones.

use schemagen::Options;

#[test]
fn fixtures() {
    insta::glob!("fixtures/schemas/*", |path| {
        let out = tempfile::tempdir().unwrap();
        let config = schemagen_tests::config(&[path.to_path_buf()], None, out.path());
        let generation = schemagen::generate(&config, Options { keep_going: true });
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(
            generation.diagnostics.has_errors(),
            name.starts_with("bad-"),
            "{name}: fixtures named bad-* must fail and only they"
        );
        let diagnostics: String = generation.diagnostics.iter().map(|d| generation.db.render(d)).collect();
        let module = generation.files.iter().find(|f| f.path.starts_with("src/") && f.path != "src/lib.rs");
        let rust = module.map_or("(nothing generated)", |f| f.contents.as_str());
        insta::assert_snapshot!("rust", format!("{diagnostics}\n==== generated module ====\n{rust}"));
        insta::assert_json_snapshot!("ir", generation.krate);
    });
}

#[test]
fn output_is_deterministic() {
    let fixtures = schemagen_tests::root().join("tests/fixtures/schemas");
    let mut inputs: Vec<_> = std::fs::read_dir(&fixtures).unwrap().map(|e| e.unwrap().path()).collect();
    inputs.sort();
    inputs.retain(|p| !p.file_name().unwrap().to_string_lossy().starts_with("bad-"));
    let out = tempfile::tempdir().unwrap();
    let config = schemagen_tests::config(&inputs, None, out.path());
    let first = schemagen::generate(&config, Options::default()).files;
    let second = schemagen::generate(&config, Options::default()).files;
    assert!(!first.is_empty());
    assert_eq!(first, second);
}
