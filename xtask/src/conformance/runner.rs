//! The runner crate: a table of every case compiled against the models crate, built by cargo
//! and run under a watchdog.
//!
//! The table is built as tokens and formatted with prettyplease, like schemagen's own output, so
//! descriptions and documents with any characters in them become valid string literals. The
//! runner is a separate process because generated code can fail in ways no `catch_unwind` can
//! contain (a stack overflow aborts, a loop never returns); the harness restarts it without the
//! offending case instead of losing the whole draft.

use std::fs;
use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde::Deserialize;

use super::models::{Check, Layout};
use super::suite::Group;

/// The fixed part of the runner; `table.rs` is generated beside it.
const MAIN_RS: &str = include_str!("runner_main.rs");

/// A case that takes longer than this is stuck: validators answer in microseconds.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(10);

/// After this many crashed or stuck cases the run stops: something is broken for every case,
/// and restarting the runner once per case would only waste time.
const MAX_RESTARTS: usize = 25;

/// Writes the runner crate: `Cargo.toml`, the workspace's `Cargo.lock`, `src/main.rs` and the
/// generated `src/table.rs`. Files are only rewritten when they change, so an unchanged draft
/// does not rebuild.
pub fn write_crate(layout: &Layout, lib_name: &str, groups: &[Group], checks: &[Check]) -> Result<(), String> {
    let package = runner_package(layout);
    let cargo_toml = format!(
        r#"# Written by `cargo xtask conformance` on every run; do not edit.
[package]
name = "{package}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
{models} = {{ path = "../models" }}
schemagen-runtime = {{ path = "{runtime}" }}
serde = "1"
serde_json = "1"

# The runner catches panics of generated validators; that needs unwinding whatever a profile
# elsewhere says.
[profile.release]
panic = "unwind"

# A workspace of its own: this crate is written inside the schemagen workspace's target directory.
[workspace]
"#,
        models = layout.crate_name,
        runtime = layout.workspace.join("codegen").join("runtime").display().to_string().replace('\\', "/"),
    );
    write_if_changed(&layout.runner.join("Cargo.toml"), &cargo_toml)?;
    // The workspace's lock file pins the versions the runtime is tested with; cargo trims and
    // extends the copy for the runner without moving any version it already names.
    let lock = layout.workspace.join("Cargo.lock");
    match fs::read_to_string(&lock) {
        Ok(text) => write_if_changed(&layout.runner.join("Cargo.lock"), &text)?,
        Err(err) => eprintln!("warning: cannot read {}: {err}; the runner resolves versions itself", lock.display()),
    }
    write_if_changed(&layout.runner.join("src").join("main.rs"), MAIN_RS)?;
    write_if_changed(&layout.runner.join("src").join("table.rs"), &table_rs(lib_name, groups, checks)?)?;
    Ok(())
}

fn runner_package(layout: &Layout) -> String {
    layout.crate_name.replacen("conformance-", "conformance-runner-", 1)
}

fn table_rs(lib_name: &str, groups: &[Group], checks: &[Check]) -> Result<String, String> {
    let lib = format_ident!("{}", lib_name);
    let mut functions = Vec::new();
    let mut cases = Vec::new();
    for (index, (group, check)) in groups.iter().zip(checks).enumerate() {
        let check: TokenStream = match check {
            Check::Model(path) => match syn::parse_str::<syn::Path>(path) {
                Ok(model) => {
                    let name = format_ident!("group_{}", index);
                    functions.push(quote! {
                        fn #name(value: &::serde_json::Value) -> Verdict {
                            verdict::<::#lib::#model>(value)
                        }
                    });
                    quote!(Check::Run(#name))
                }
                Err(_) => {
                    let reason = format!("schemagen named the model `{path}`, which is not a Rust path");
                    quote!(Check::Skip(#reason))
                }
            },
            Check::Missing(reason) => quote!(Check::Skip(#reason)),
        };
        let file = &group.file;
        let group_index = group.index;
        let group_description = &group.description;
        for case in &group.cases {
            let description = &case.description;
            let data = serde_json::to_string(&case.data)
                .map_err(|e| format!("cannot encode a case of {} group {}: {e}", group.file, group.index))?;
            let valid = case.valid;
            cases.push(quote! {
                Case {
                    file: #file,
                    group: #group_index,
                    group_description: #group_description,
                    description: #description,
                    data: #data,
                    valid: #valid,
                    check: #check,
                }
            });
        }
    }
    let tokens = quote! {
        #![doc = " Every case of the run, generated by `cargo xtask conformance`; do not edit."]
        use super::{Case, Check, Verdict, verdict};
        #(#functions)*
        pub static CASES: &[Case] = &[#(#cases),*];
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("internal error: the runner table is not valid Rust: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Why the runner did not build.
pub enum BuildError {
    /// The generated code does not compile: a finding, with the start of rustc's output.
    Compile { excerpt: String, errors: String },
    /// Cargo could not be started at all.
    Cargo(String),
}

/// Builds the runner in release mode and returns its executable.
pub fn build(layout: &Layout) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(&cargo)
        .args(["build", "--release", "--manifest-path"])
        .arg(layout.runner.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", layout.cargo_target_dir())
        .current_dir(&layout.runner)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BuildError::Cargo(format!("cannot run {}: {e}", Path::new(&cargo).display())))?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    if let Err(err) = fs::write(&layout.build_log, &log) {
        eprintln!("warning: cannot write {}: {err}", layout.build_log.display());
    }
    if !output.status.success() {
        let lines: Vec<&str> = log.lines().collect();
        // Cargo's own progress lines come first; the finding starts at rustc's first error.
        let start = lines.iter().position(|l| l.starts_with("error")).unwrap_or(lines.len().saturating_sub(30));
        let excerpt = lines[start..].iter().take(30).copied().collect::<Vec<_>>().join("\n");
        let errors = lines
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("error: could not compile"))
            .map(|l| format!("could not compile{l}"))
            .unwrap_or_else(|| format!("cargo exited with {}", output.status));
        return Err(BuildError::Compile { excerpt, errors });
    }
    let name = format!("{}{}", runner_package(layout), std::env::consts::EXE_SUFFIX);
    Ok(layout.cargo_target_dir().join("release").join(name))
}

/// The runner's summary, as printed on its stdout.
#[derive(Deserialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub failures: Vec<Failure>,
    /// Passing cases whose valid documents the generated types cannot hold.
    #[serde(default)]
    pub undecodable: Vec<Failure>,
}

/// The runner's counts for one file; the harness only checks that they add up to the table.
#[derive(Deserialize)]
pub struct FileSummary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

#[derive(Clone, Deserialize)]
pub struct Failure {
    /// Position of the case in the table, the order of [`super::suite::read`].
    pub index: usize,
    pub skipped: bool,
    pub reason: String,
}

/// The runner's verdict plus the cases that took it down, which it could not report itself.
pub struct Outcome {
    pub summary: Summary,
    /// Case index and what happened to it.
    pub crashed: Vec<(usize, String)>,
}

/// Runs the runner, restarting it without each case that crashes or hangs.
/// `timeout` is how long one case may take before it counts as stuck.
pub fn run(executable: &Path, timeout: Duration) -> Result<Outcome, String> {
    let mut crashed: Vec<(usize, String)> = Vec::new();
    loop {
        match run_once(executable, &crashed, timeout)? {
            Attempt::Finished(summary) => return Ok(Outcome { summary, crashed }),
            Attempt::Died { case: Some(case), why } if !crashed.iter().any(|(c, _)| *c == case) => {
                crashed.push((case, why));
                if crashed.len() > MAX_RESTARTS {
                    return Err(format!("{} cases crashed or hung the runner; giving up", crashed.len()));
                }
            }
            Attempt::Died { case, why } => {
                let at = case.map(|c| format!(" at case {c}")).unwrap_or_default();
                return Err(format!("the runner failed{at}: {why}"));
            }
        }
    }
}

enum Attempt {
    Finished(Summary),
    /// The process ended without a summary, or was killed; `case` is the one it had started.
    Died {
        case: Option<usize>,
        why: String,
    },
}

fn run_once(executable: &Path, crashed: &[(usize, String)], timeout: Duration) -> Result<Attempt, String> {
    let mut command = Command::new(executable);
    for (case, _) in crashed {
        command.arg("--exclude").arg(case.to_string());
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", executable.display()))?;

    // Progress arrives on stderr; everything else there is kept for the crash report.
    let current: Arc<Mutex<Option<(usize, Instant)>>> = Arc::default();
    let stderr = child.stderr.take().map(|stderr| {
        let current = Arc::clone(&current);
        std::thread::spawn(move || {
            let mut other = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                match line.strip_prefix("case ").and_then(|n| n.parse::<usize>().ok()) {
                    Some(case) => {
                        if let Ok(mut current) = current.lock() {
                            *current = Some((case, Instant::now()));
                        }
                    }
                    None => other.push(line),
                }
            }
            other
        })
    });
    let stdout = child.stdout.take().map(|mut stdout| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        })
    });

    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(err) => return Err(format!("cannot wait for the runner: {err}")),
        }
        let stuck = current.lock().ok().and_then(|c| *c).is_some_and(|(_, since)| since.elapsed() > timeout);
        if stuck && !timed_out {
            timed_out = true;
            // Killing our own child by its handle; `try_wait` above then reaps it.
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let other = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let text = stdout.and_then(|t| t.join().ok()).unwrap_or_default();
    let case = current.lock().ok().and_then(|c| c.map(|(case, _)| case));

    if timed_out {
        return Ok(Attempt::Died { case, why: format!("no answer within {} s; killed", timeout.as_secs_f64()) });
    }
    if status.success() {
        return serde_json::from_str(text.trim())
            .map(Attempt::Finished)
            .map_err(|e| format!("the runner's summary is not the expected JSON: {e}"));
    }
    // The last thing the process said (`thread … has overflowed its stack`) is the best reason.
    let said = other.iter().rev().find(|l| !l.trim().is_empty()).map(|l| format!(": {}", l.trim()));
    Ok(Attempt::Died { case, why: format!("crashed ({status}){}", said.unwrap_or_default()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_valid_rust_and_escapes_any_text() {
        let group = Group {
            file: "type.json".into(),
            stem: "type".into(),
            index: 0,
            description: "quotes \" and \\ and a bare \r".into(),
            schema: serde_json::json!({"type": "integer"}),
            cases: vec![super::super::suite::Case {
                description: "a \"case\"".into(),
                data: serde_json::json!({"k": "v\u{0}"}),
                valid: true,
            }],
        };
        let table = table_rs("conformance_draft4", &[group], &[Check::Model("type_0::Type0".into())]).unwrap();
        assert!(table.contains("verdict::<::conformance_draft4::type_0::Type0>(value)"));
        assert!(table.contains(r#"data: "{\"k\":\"v\\u0000\"}""#), "{table}");
    }

    /// A stand-in runner that follows the protocol: case 1 crashes, case 2 hangs, and the
    /// summary only comes once both are excluded.
    #[cfg(unix)]
    #[test]
    fn crashed_and_stuck_cases_are_excluded_and_the_run_goes_on() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("xtask-runner-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let script = dir.join("runner.sh");
        fs::write(
            &script,
            r#"#!/bin/sh
args=" $* "
for i in 0 1 2 3; do
  case "$args" in *" $i "*) continue;; esac
  echo "case $i" >&2
  if [ $i = 1 ]; then echo "thread has overflowed its stack" >&2; kill -ABRT $$; fi
  if [ $i = 2 ]; then exec sleep 20; fi
done
echo '{"files":[{"file":"a.json","passed":2,"failed":0,"skipped":0}],"failures":[]}'
"#,
        )
        .unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let outcome = run(&script, Duration::from_millis(500)).unwrap();
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(outcome.summary.files[0].passed, 2);
        let crashed: Vec<usize> = outcome.crashed.iter().map(|(case, _)| *case).collect();
        assert_eq!(crashed, [1, 2]);
        assert!(outcome.crashed[0].1.contains("overflowed its stack"), "{:?}", outcome.crashed);
        assert!(outcome.crashed[1].1.contains("killed"), "{:?}", outcome.crashed);
    }
}
