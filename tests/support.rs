//! Helpers shared by the test files: paths, in-process generation, and compiling a generated
//! crate with the workspace's own lockfile and a shared target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use schemagen::config::{Config, ModuleConfig, Output, RuntimeDependency};

#[path = "fuzz_bodies.rs"]
pub mod fuzz;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_path_buf()
}

/// `../shared/corpus` beside the checkout, or `None` (with a printed reason) when it is absent.
pub fn corpus() -> Option<PathBuf> {
    let corpus = root().join("../shared/corpus");
    if corpus.is_dir() {
        Some(corpus)
    } else {
        eprintln!("skipped: {} is absent (CI has ../shared beside the checkout)", corpus.display());
        None
    }
}

/// A config with one module per input file, as the CLI builds it, writing to `out`.
pub fn config(inputs: &[PathBuf], bundle: Option<PathBuf>, out: &Path) -> Config {
    Config {
        output: Output {
            crate_name: "fixture-models".into(),
            description: None,
            dir: out.to_path_buf(),
            runtime: RuntimeDependency::Path(root().join("codegen/runtime")),
            workspace_member: false,
        },
        modules: inputs
            .iter()
            .map(|input| ModuleConfig {
                name: input.file_stem().unwrap().to_string_lossy().into_owned(),
                doc: None,
                inputs: vec![input.clone()],
                bundle: bundle.clone(),
                wire_naming: Default::default(),
                unresolved_links: Default::default(),
                prefer: Default::default(),
            })
            .collect(),
        display_root: root(),
        secrets: Default::default(),
        resources: Vec::new(),
        format_assertion: true,
        types: Default::default(),
    }
}

/// Runs the CLI in-process; returns the exit code and everything it printed (stdout, then stderr).
pub fn cli(args: &[&str]) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = schemagen::cli::run(args.iter().map(Into::into), &mut out, &mut err);
    out.extend(err);
    (code, String::from_utf8(out).expect("the CLI prints UTF-8"))
}

/// `cargo clippy --all-features -- -D warnings` on a generated crate (so the `schemars` derives
/// are checked too), then `cargo test` (its generated example tests, and any `tests/` added to
/// it); panics with the compiler's output on failure. The
/// workspace lockfile pins the versions the workspace uses, and a shared target directory builds
/// them once for every test.
pub fn assert_compiles(dir: &Path) {
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    cargo(
        dir,
        &["clippy", "--quiet", "--all-targets", "--all-features", "--", "-D", "warnings"],
        "does not compile cleanly",
    );
    cargo(dir, &["test", "--quiet"], "fails its tests");
}

fn cargo(dir: &Path, args: &[&str], failure: &str) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/generated-crates"))
        .output()
        .expect("run cargo");
    assert!(
        output.status.success(),
        "the crate generated in {} {failure}:\n{}\n{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A realistic Ampersand `Connection` as the API sends it (every field the docs show), shared by
/// the tests that check validators against each other.
pub fn ampersand_connection() -> serde_json::Value {
    serde_json::json!({
        "id": "connection-123",
        "projectId": "project-456",
        "provider": "salesforce",
        "providerApp": {
            "id": "provider-app-123", "projectId": "project-456", "provider": "salesforce",
            "clientId": "client-id-123", "scopes": ["crm.read"], "createTime": "2024-04-07T16:27:00.895Z"
        },
        "group": {
            "groupRef": "group-123", "groupName": "Super Customer", "projectId": "project-456",
            "createTime": "2023-07-13T21:34:44.816Z", "updateTime": "2023-07-13T21:34:44.816Z"
        },
        "consumer": {
            "consumerRef": "consumer-123", "consumerName": "Super Customer", "projectId": "project-456",
            "createTime": "2023-07-13T21:34:44.816Z", "updateTime": "2023-07-13T21:34:44.816Z"
        },
        "createTime": "2023-07-13T21:34:44.816Z",
        "updateTime": "2023-07-13T21:34:44.816Z",
        "authScheme": "oauth2/authorizationCode",
        "status": "working",
        "apiKey": "api-key-123"
    })
}
