//! The CLI end to end: generated crates compile warning-free, bad input fails cleanly without
//! touching the output, `--keep-going` and `--report` behave as documented, and the real
//! Ampersand schemas and OpenAPI spec generate crates that compile.

use std::path::Path;
use std::time::Instant;

use schemagen_tests::{assert_compiles, cli, corpus, root};

fn fixture(name: &str) -> String {
    root().join("tests/fixtures/schemas").join(name).to_string_lossy().into_owned()
}

#[test]
fn every_good_fixture_compiles_warning_free_and_behaves() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("fixtures");
    let mut args = vec!["generate".to_string(), "--out".into(), dir.to_string_lossy().into_owned()];
    let fixtures = root().join("tests/fixtures/schemas");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("bad-"))
        .collect();
    names.sort();
    args.extend(names.iter().map(|n| fixture(n)));
    let (code, log) = cli(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{log}");
    // Behaviour tests run inside the generated crate, against the generated code itself.
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::copy(root().join("tests/fixtures/behaviour/behaviour.rs"), dir.join("tests/behaviour.rs")).unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let manifest = manifest.replace("[dependencies]", "[dev-dependencies]\nserde_json = \"1\"\n\n[dependencies]");
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    assert_compiles(&dir);
}

#[test]
fn a_dangling_ref_fails_naming_file_pointer_and_target_and_leaves_the_output_alone() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("models");
    let seed = root().join("schemas/ampersand/connection-request.json");
    let bundle = root().join("schemas/ampersand/components.json");
    let seed = seed.to_str().unwrap();
    let (code, log) = cli(&["generate", "--out", dir.to_str().unwrap(), "--bundle", bundle.to_str().unwrap(), seed]);
    assert_eq!(code, 0, "{log}");
    let before = snapshot_dir(&dir);

    let (code, log) = cli(&["generate", "--out", dir.to_str().unwrap(), seed]);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("error[E010]"), "{log}");
    assert!(log.contains("schemas/ampersand/connection-request.json:"), "names the file with a line: {log}");
    assert!(log.contains("#/properties/providerMetadata/$ref"), "names the JSON Pointer: {log}");
    assert!(log.contains("#/components/schemas/ProviderMetadata"), "names the missing target: {log}");
    assert!(log.contains("--bundle"), "says how to fix it: {log}");
    assert_eq!(snapshot_dir(&dir), before, "the output directory is unchanged");
}

#[test]
fn invalid_json_and_yaml_name_line_and_column() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("models");
    let (code, log) =
        cli(&["generate", "--out", dir.to_str().unwrap(), &fixture("bad-invalid.json"), &fixture("bad-invalid.yaml")]);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("bad-invalid.json:4:3"), "{log}");
    assert!(log.contains("error[E003]: invalid YAML"), "{log}");
    assert!(!dir.exists(), "nothing is written when there are errors");
}

#[test]
fn keep_going_writes_the_rest_and_the_report_describes_everything() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("models");
    let report = out.path().join("report.json");
    let (code, log) = cli(&[
        "generate",
        "--keep-going",
        "--out",
        dir.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        &fixture("bad-ref-cycle.json"),
        &fixture("recursive.json"),
    ]);
    assert_eq!(code, 1, "models were skipped, so the run fails: {log}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let roots: Vec<_> = report["inputs"].as_array().unwrap().iter().map(|i| i["root_model"].clone()).collect();
    assert_eq!(roots[1], "crate::recursive::Node");
    assert!(roots[0].is_null(), "the skipped root has no model: {report:#}");
    let skipped: Vec<&str> =
        report["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert!(skipped.contains(&"crate::bad_ref_cycle::Loop"), "{skipped:?}");
    let node = report["models"].as_array().unwrap().iter().find(|m| m["path"] == "crate::recursive::Node").unwrap();
    assert_eq!(node["source"]["line"], 1);
    assert!(report["diagnostics"].as_array().unwrap().iter().any(|d| d["code"] == "E013"));
    let module = std::fs::read_to_string(dir.join("src/recursive.rs")).unwrap();
    assert!(module.contains("pub struct Node"));
    assert_compiles(&dir);
}

#[test]
fn check_reports_stale_output_without_writing() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("models");
    let input = fixture("recursive.json");
    let (code, log) = cli(&["generate", "--out", dir.to_str().unwrap(), &input]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(cli(&["check", "--out", dir.to_str().unwrap(), &input]).0, 0);
    std::fs::write(dir.join("src/recursive.rs"), "// edited by hand\n").unwrap();
    let (code, log) = cli(&["check", "--out", dir.to_str().unwrap(), &input]);
    assert_eq!(code, 1);
    assert!(log.contains("src/recursive.rs is stale"), "{log}");
    assert_eq!(std::fs::read_to_string(dir.join("src/recursive.rs")).unwrap(), "// edited by hand\n");
}

#[test]
fn an_output_directory_schemagen_did_not_write_is_never_replaced() {
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("precious.txt"), "keep me").unwrap();
    let (code, log) = cli(&["generate", "--out", out.path().to_str().unwrap(), &fixture("recursive.json")]);
    assert_eq!(code, 1);
    assert!(log.contains("E030"), "{log}");
    assert_eq!(std::fs::read_to_string(out.path().join("precious.txt")).unwrap(), "keep me");
}

#[test]
fn every_ampersand_json_schema_generates_a_compiling_crate() {
    let Some(corpus) = corpus() else { return };
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("ampersand");
    let schemas = corpus.join("ampersand-json-schema/json-schema");
    // The files were cut out of Ampersand's OpenAPI spec; its source `api.yaml` is the bundle,
    // and its own relative refs (`../manifest/manifest.yaml`) resolve from there.
    let bundle = corpus.join("amp-openapi/api/api.yaml");
    let report = out.path().join("report.json");
    let started = Instant::now();
    let (code, log) = cli(&[
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--bundle",
        bundle.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        schemas.to_str().unwrap(),
    ]);
    let elapsed = started.elapsed();
    assert_eq!(code, 0, "{log}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let inputs = report["inputs"].as_array().unwrap();
    let files = std::fs::read_dir(&schemas).unwrap().count();
    assert_eq!(inputs.len(), files);
    assert!(inputs.iter().all(|i| i["root_model"].is_string()), "every file has a root model");
    eprintln!(
        "ampersand-json-schema: {} files, {} models, {} warnings, generated in {elapsed:.2?}",
        inputs.len(),
        report["models"].as_array().unwrap().len(),
        report["diagnostics"].as_array().unwrap().len()
    );
    assert_compiles(&dir);
}

#[test]
fn the_ampersand_openapi_spec_generates_a_compiling_crate() {
    let Some(corpus) = corpus() else { return };
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("amp_api");
    let spec = corpus.join("amp-openapi/api/generated/api.json");
    let started = Instant::now();
    let (code, log) = cli(&["generate", "--out", dir.to_str().unwrap(), spec.to_str().unwrap()]);
    let elapsed = started.elapsed();
    assert_eq!(code, 0, "{log}");
    eprintln!("amp-openapi api.json: {} generated in {elapsed:.2?}", log.trim());
    assert_compiles(&dir);
}

/// Every file under `dir` with its contents, to compare before and after.
fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((
                    path.strip_prefix(dir).unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_config_forces_and_exempts_secrets_and_the_log_says_why() {
    let out = tempfile::tempdir().unwrap();
    let config = out.path().join("schemagen.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[output]
crate-name = "login-models"
dir = "models"
runtime-path = {runtime:?}

[[module]]
name = "login"
inputs = [{input:?}]

[secrets]
force = ["Login.headers"]
exempt = ["Login.otp"]
"#,
            runtime = root().join("codegen/runtime"),
            input = fixture("secrets.yaml"),
        ),
    )
    .unwrap();
    let outcome = schemagen::codegen::run(&config, false);
    assert!(outcome.ok, "{}", outcome.log);
    assert!(
        outcome.log.contains("secret: login::Login.headers: the config lists it under `secrets.force`"),
        "{}",
        outcome.log
    );
    assert!(outcome.log.contains("secret: login::Login.pin: `format: password`"), "{}", outcome.log);
    assert!(!outcome.log.contains("Login.otp"), "{}", outcome.log);
    assert!(!outcome.log.contains("Login.username"), "{}", outcome.log);
    let module = std::fs::read_to_string(out.path().join("models/src/login.rs")).unwrap();
    assert!(module.contains("pub otp: ::std::option::Option<::std::string::String>"), "{module}");
}

#[test]
fn unknown_config_options_are_reported_with_their_line() {
    let out = tempfile::tempdir().unwrap();
    let config = out.path().join("schemagen.toml");
    std::fs::write(&config, "[output]\ncrate-name = \"x\"\ndir = \"out\"\ncolour = \"blue\"\n").unwrap();
    let outcome = schemagen::codegen::run(&config, false);
    assert!(!outcome.ok);
    assert!(outcome.log.contains("error[E004]"), "{}", outcome.log);
    assert!(outcome.log.contains("colour"), "{}", outcome.log);
    assert!(outcome.log.contains(":4:"), "names the line: {}", outcome.log);
}

#[test]
fn explain_prints_a_model_with_types_secrets_and_sources() {
    let config = root().join("schemas/schemagen.toml");
    let (code, text) = cli(&["explain", "ConnectionRequest", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("ampersand::ConnectionRequest (struct)"), "{text}");
    assert!(text.contains("apiKey -> api_key: Secret (optional)"), "{text}");
    assert!(text.contains("secret: the name `apiKey` means a credential (api key)"), "{text}");
    assert!(text.contains("connection-request.json:36:15 (#/properties/apiKey)"), "{text}");
    assert!(text.contains("basicAuth -> basic_auth: ConnectionRequestBasicAuth (optional)"), "{text}");

    let (code, text) = cli(&["explain", "ampersand::ConnectionRequestBasicAuth", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("username -> username: String (required)"), "{text}");
    assert!(text.contains("password -> password: Secret (required)"), "{text}");

    let (code, text) = cli(&["explain", "Connection", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        text.contains("`Connection` is ambiguous; name one of: ampersand::Connection, panora::Connection"),
        "{text}"
    );

    let (code, text) = cli(&["explain", "panora::Connection", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("id_connection -> id_connection: String (required)"), "{text}");
    assert!(text.contains("the source calls it `idConnection`; `id_connection` is the name on the wire"), "{text}");
    assert!(text.contains("connection.md:11:1"), "markdown fields name their line: {text}");
    assert!(text.contains("created_at -> created_at: chrono::DateTime<FixedOffset> (required)"), "{text}");

    // Dates are shown as the `[types]` options generate them.
    let (code, text) =
        cli(&["explain", "panora::Connection", "--date-time", "jiff", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("created_at -> created_at: jiff::Timestamp (required)"), "{text}");

    let (code, text) = cli(&["explain", "ConnectionReq", "--config", config.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        text.contains("no model is named `ConnectionReq`") && text.contains("ampersand::ConnectionRequest"),
        "{text}"
    );
}

#[test]
fn json_message_format_prints_one_diagnostic_object_per_line() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("models");
    let (code, text) = cli(&[
        "generate",
        "--message-format",
        "json",
        "--out",
        dir.to_str().unwrap(),
        &fixture("bad-dangling-ref.json"),
    ]);
    assert_eq!(code, 1);
    let diagnostics: Vec<serde_json::Value> =
        text.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(diagnostics.len(), 4, "{text}");
    let first = &diagnostics[0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "E010");
    assert_eq!(first["location"]["line"], 5);
    assert_eq!(first["location"]["pointer"], "/properties/metadata/$ref");
    assert!(first["hint"].as_str().unwrap().contains("--bundle"));
}

/// Every model doc of a corpus tree is read without a panic and yields a model or a diagnostic
/// naming it; returns (docs, models, warnings, errors).
fn sweep_markdown_tree(tree: &str, compile: bool) -> Option<(usize, usize, usize, usize)> {
    let corpus = corpus()?;
    let root_dir = corpus.join(tree);
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join(tree.replace('-', "_"));
    let report = out.path().join("report.json");
    let started = Instant::now();
    let (code, log) = cli(&[
        "generate",
        "--keep-going",
        "--out",
        dir.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        root_dir.to_str().unwrap(),
    ]);
    let elapsed = started.elapsed();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let mut docs = Vec::new();
    let mut stack = vec![root_dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                docs.push(path);
            }
        }
    }
    let models = report["models"].as_array().unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let named: std::collections::HashSet<std::path::PathBuf> = models
        .iter()
        .map(|m| m["source"]["file"].as_str().unwrap().to_string())
        .chain(report["skipped"].as_array().unwrap().iter().map(|m| m["source"]["file"].as_str().unwrap().to_string()))
        .chain(diagnostics.iter().filter_map(|d| d["location"]["file"].as_str().map(String::from)))
        .filter_map(|name| std::fs::canonicalize(cwd.join(name)).ok())
        .collect();
    for doc in &docs {
        let canonical = std::fs::canonicalize(doc).unwrap();
        assert!(named.contains(&canonical), "{} yields neither a model nor a diagnostic", doc.display());
    }
    let errors = diagnostics.iter().filter(|d| d["severity"] == "error").count();
    eprintln!(
        "{tree}: {} docs, {} models, {} warnings, {errors} errors, generated in {elapsed:.2?}",
        docs.len(),
        models.len(),
        diagnostics.len() - errors,
    );
    if compile {
        assert_eq!(code, 0, "{log}");
        assert_compiles(&dir);
    }
    Some((docs.len(), models.len(), diagnostics.len() - errors, errors))
}

#[test]
fn the_ampersand_typescript_sdk_docs_generate_a_crate_whose_examples_round_trip() {
    if let Some((docs, models, _, errors)) = sweep_markdown_tree("amp-sdk-node-platform", true) {
        assert_eq!((docs, models, errors), (619, 619, 0));
    }
}

#[test]
fn the_panora_typescript_sdk_docs_generate_a_crate_whose_examples_round_trip() {
    if let Some((docs, models, _, errors)) = sweep_markdown_tree("panora-sdk", true) {
        assert_eq!((docs, models, errors), (459, 459, 0));
    }
}

#[test]
fn the_python_and_fixture_sdk_docs_are_read_without_a_panic() {
    for tree in ["panora-python-sdk", "speakeasy-openapi-generation-tests"] {
        sweep_markdown_tree(tree, false);
    }
}
