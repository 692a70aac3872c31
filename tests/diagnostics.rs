//! Diagnostic fixtures: broken, hostile and awkward inputs, and what schemagen says about them.
//!
//! Every entry of `tests/fixtures/diagnostics/` is one fixture: a schema or markdown doc, or a
//! directory (its files are the inputs; a `schemagen.toml` in it is loaded as the config
//! instead). For each, the rendered diagnostics are snapshotted in
//! `tests/snapshots/diagnostics/`, which is what a user would see on the terminal. Fixtures
//! named `bad-*` must fail; every other fixture must generate (warnings allowed), and
//! `good_fixtures_compile` builds all of those as one crate, warning-free.
//!
//! Every diagnostic must name a file, line and column and carry a hint, and no fixture may
//! panic the generator.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use schemagen::Options;
use schemagen::config::Config;
use schemagen::diag::{Diagnostic, Diagnostics, Severity};
use schemagen::source::SourceDb;

fn fixtures() -> Vec<PathBuf> {
    let dir = schemagen_tests::root().join("tests/fixtures/diagnostics");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/diagnostics exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    out.sort();
    out
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// What one fixture produced: the diagnostics as rendered and whether the run succeeded.
struct Outcome {
    diagnostics: Vec<Diagnostic>,
    rendered: String,
    /// The Rust items generated, in short, when generation succeeded.
    generated: Option<String>,
}

fn run(path: &Path) -> Outcome {
    let config_file = path.join("schemagen.toml");
    if config_file.is_file() {
        let mut db = SourceDb::default();
        return match Config::load(&config_file, &mut db) {
            Err(errors) => {
                // As the CLI does: positions are filled in before rendering.
                let mut diagnostics = Diagnostics::default();
                errors.into_iter().for_each(|d| diagnostics.push(d));
                db.resolve(&mut diagnostics);
                Outcome {
                    rendered: diagnostics.iter().map(|d| db.render(d)).collect(),
                    diagnostics: diagnostics.into_vec(),
                    generated: None,
                }
            }
            Ok(config) => outcome(schemagen::generate(&config, Options::default())),
        };
    }
    let out = tempfile::tempdir().unwrap();
    let config = schemagen_tests::config(&[path.to_path_buf()], None, out.path());
    outcome(schemagen::generate(&config, Options::default()))
}

fn outcome(generation: schemagen::Generation) -> Outcome {
    Outcome {
        rendered: generation.diagnostics.iter().map(|d| generation.db.render(d)).collect(),
        generated: (generation.succeeded() && !generation.files.is_empty()).then(|| items(&generation.krate)),
        diagnostics: generation.diagnostics.into_vec(),
    }
}

/// The Rust items a run generates, one line per field, variant or value, with the name each
/// had in the input: what a user needs to see how names and shapes came out. (The code itself
/// is compiled by `good_fixtures_compile`; its formatting belongs to the emitter's snapshots.)
fn items(krate: &schemagen::ir::Crate) -> String {
    use schemagen::explain::type_name;
    use schemagen::ir::ModelKind;
    let mut out = String::new();
    for model in krate.models.iter().filter(|m| m.merged_into.is_none()) {
        match &model.kind {
            ModelKind::Struct(s) => {
                out.push_str(&format!("struct {}\n", model.name));
                for f in &s.fields {
                    let mut ty = type_name(krate, &f.ty);
                    if f.boxed {
                        ty = format!("Box<{ty}>");
                    }
                    if !f.required {
                        ty = format!("Option<{ty}>");
                    }
                    out.push_str(&format!("    {}: {ty}    (wire {:?})\n", f.rust_name(), f.wire_name));
                }
            }
            ModelKind::Enum(e) => {
                out.push_str(&format!("enum {}\n", model.name));
                for v in &e.variants {
                    out.push_str(&format!("    {}    (wire {:?})\n", v.rust_name, v.wire_value));
                }
            }
            ModelKind::Union(u) => {
                out.push_str(&format!("enum {} (one of)\n", model.name));
                for v in &u.variants {
                    let ty = type_name(krate, &v.ty);
                    let ty = if v.boxed { format!("Box<{ty}>") } else { ty };
                    out.push_str(&format!("    {}({ty})\n", v.rust_name));
                }
            }
            ModelKind::Alias { target } => {
                out.push_str(&format!("type {} = {}\n", model.name, type_name(krate, target)));
            }
            ModelKind::Newtype { target, boxed } => {
                let ty = type_name(krate, target);
                let ty = if *boxed { format!("Box<{ty}>") } else { ty };
                out.push_str(&format!("struct {}({ty})\n", model.name));
            }
        }
    }
    out
}

fn summary(outcome: &Outcome) -> String {
    let count = |severity| outcome.diagnostics.iter().filter(|d| d.severity == severity).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}; {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        if outcome.generated.is_some() { "the crate was generated" } else { "nothing was generated" }
    )
}

/// What a fixture is about, from its first comment: a `"$comment"` in JSON, a `#` line in YAML
/// or TOML, an `<!-- … -->` line in markdown, or the first line of a directory's `README`.
fn description(path: &Path) -> String {
    let read = |p: PathBuf| std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    if path.is_dir() {
        let readme = read(path.join("README"));
        if !readme.is_empty() {
            return readme.lines().next().unwrap_or_default().to_string();
        }
    }
    let text = read(if path.is_dir() { path.join("schemagen.toml") } else { path.to_path_buf() });
    for line in text.lines().take(5) {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix("<!--").and_then(|l| l.strip_suffix("-->")) {
            return comment.trim().to_string();
        }
        if let Some(rest) = line.split_once("\"$comment\":").map(|(_, r)| r) {
            return rest.trim().trim_end_matches(',').trim_matches('"').to_string();
        }
        if let Some(comment) = line.strip_prefix("# ").filter(|_| path.extension().is_none_or(|e| e != "md")) {
            return comment.to_string();
        }
    }
    String::new()
}

/// Problems with the diagnostics themselves: each must be placed and say how to fix it.
fn shortcomings(outcome: &Outcome) -> Vec<String> {
    let mut out = Vec::new();
    for d in &outcome.diagnostics {
        let kind = format!("{}[{}]", if d.is_error() { "error" } else { "warning" }, d.code);
        if !d.location.as_ref().is_some_and(|l| l.line.is_some() && l.column.is_some()) {
            out.push(format!("{kind} has no line and column: {}", d.message));
        }
        if d.hint.as_deref().is_none_or(str::is_empty) {
            out.push(format!("{kind} has no hint: {}", d.message));
        }
    }
    out
}

#[test]
fn diagnostics() {
    let fixtures = fixtures();
    let mut failures = Vec::new();
    if fixtures.len() < 40 {
        failures.push(format!("the issue asks for at least 40 fixtures, there are {}", fixtures.len()));
    }
    for path in &fixtures {
        let name = name_of(path);
        // One panicking fixture must not hide the others' results.
        let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| run(path))) {
            Ok(outcome) => outcome,
            Err(_) => {
                failures.push(format!("{name}: the generator panicked"));
                continue;
            }
        };
        let failed = outcome.diagnostics.iter().any(Diagnostic::is_error);
        if failed != name.starts_with("bad-") {
            failures.push(format!(
                "{name}: fixtures named bad-* must fail and only they, but this one {}",
                if failed { "failed" } else { "succeeded" }
            ));
        }
        failures.extend(shortcomings(&outcome).into_iter().map(|s| format!("{name}: {s}")));
        let mut snapshot = format!("{}\n\n{}", summary(&outcome), outcome.rendered.trim_end());
        if let Some(module) = &outcome.generated {
            snapshot.push_str("\n\n==== generated Rust items ====\n");
            snapshot.push_str(module);
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/diagnostics");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(description(path));
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        settings.bind(|| insta::assert_snapshot!(name.clone(), snapshot));
    }
    // A snapshot whose fixture was renamed or removed would be kept, unread, for ever.
    let snapshots = schemagen_tests::root().join("tests/snapshots/diagnostics");
    for entry in std::fs::read_dir(&snapshots).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let fixture = file.strip_suffix(".snap").unwrap_or(&file);
        if !fixtures.iter().any(|p| name_of(p) == fixture) && !file.ends_with(".snap.new") {
            failures.push(format!("{file}: a snapshot with no fixture; delete it"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The fixtures that generate (with warnings) also compile: all of them in one crate, one module
/// each, under `clippy -D warnings`.
#[test]
fn good_fixtures_compile() {
    let good: Vec<PathBuf> = fixtures()
        .into_iter()
        .filter(|p| !name_of(p).starts_with("bad-") && !p.join("schemagen.toml").exists())
        .collect();
    let out = tempfile::tempdir().unwrap();
    let config = schemagen_tests::config(&good, None, out.path());
    let generation = schemagen::generate(&config, Options::default());
    let errors: Vec<String> = generation.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    schemagen::write::write(out.path(), &generation.files).expect("write the crate");
    schemagen_tests::assert_compiles(out.path());
}
