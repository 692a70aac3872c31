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

/// Ampersand's `Connection` from its OpenAPI spec and from its SDK's markdown doc merge into one
/// model; every disagreement is a warning naming both places.
#[test]
fn merge_of_the_ampersand_connection_descriptions() {
    let root = schemagen_tests::root();
    let out = tempfile::tempdir().unwrap();
    let mut config = schemagen_tests::config(&[], None, out.path());
    config.modules.push(schemagen::config::ModuleConfig {
        name: "ampersand".into(),
        doc: None,
        inputs: vec![
            root.join("tests/fixtures/merge/ampersand-connection.yaml"),
            root.join("schemas/ampersand/docs/models/operations/connection.md"),
        ],
        bundle: None,
        wire_naming: Default::default(),
        unresolved_links: Default::default(),
        prefer: schemagen::config::Prefer::Schema,
    });
    let generation = schemagen::generate(&config, Options::default());
    assert!(generation.succeeded());
    let diagnostics: String = generation.diagnostics.iter().map(|d| generation.db.render(d)).collect();
    let connection = generation
        .krate
        .models
        .iter()
        .find(|m| m.name == "Connection" && m.merged_into.is_none())
        .expect("one merged Connection");
    assert!(!connection.also_from().is_empty(), "the merged model records both sources");
    let module = generation.files.iter().find(|f| f.path == "src/ampersand.rs").unwrap();
    insta::assert_snapshot!("merge_diagnostics", diagnostics);
    insta::assert_json_snapshot!("merge_connection_ir", connection);
    insta::assert_snapshot!("merge_rust", module.contents);
}

/// One of each kind of disagreement between a schema and a markdown doc of the same model.
#[test]
fn merge_reports_every_kind_of_disagreement() {
    let root = schemagen_tests::root().join("tests/fixtures/merge");
    let out = tempfile::tempdir().unwrap();
    let mut config = schemagen_tests::config(&[], None, out.path());
    config.modules.push(schemagen::config::ModuleConfig {
        name: "widgets".into(),
        doc: None,
        inputs: vec![root.join("widget.md"), root.join("widget.yaml")],
        bundle: None,
        wire_naming: Default::default(),
        unresolved_links: Default::default(),
        prefer: schemagen::config::Prefer::Schema,
    });
    let generation = schemagen::generate(&config, Options::default());
    let diagnostics: String = generation.diagnostics.iter().map(|d| generation.db.render(d)).collect();
    let module = generation.files.iter().find(|f| f.path == "src/widgets.rs").unwrap();
    insta::assert_snapshot!(
        "merge_disagreements",
        format!("{diagnostics}\n==== generated module ====\n{}", module.contents)
    );
}
