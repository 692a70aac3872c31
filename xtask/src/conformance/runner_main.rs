//! The conformance runner: runs every case of `table.rs` against the generated validators and
//! prints one JSON summary to stdout. Written by `cargo xtask conformance`; this file is copied
//! from `xtask/src/conformance/runner_main.rs` (it is not a module of the xtask) and `table.rs`
//! is generated beside it.
//!
//! Protocol with the harness: before each case the runner writes `case <index>` on its own line
//! to stderr, so when a case kills the process (a stack overflow aborts; no `catch_unwind`
//! helps) or hangs, the harness knows which one, records it and runs again with
//! `--exclude <index>`. Excluded cases are left out of the summary; the harness counts them.

mod table;

use std::collections::HashSet;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

use schemagen_runtime::Validate;

/// How a group's cases are checked.
pub enum Check {
    Run(fn(&serde_json::Value) -> Verdict),
    /// The group has no model; the reason is what schemagen reported.
    Skip(&'static str),
}

/// What a model's validators say about a document.
pub struct Verdict {
    /// `validate_json` accepted it.
    pub valid: bool,
    /// A broken promise of the validators, whatever the case expects: `from_value` returning
    /// a model for a rejected document, or the typed `validate` disagreeing with
    /// `validate_json` on the model's own encoding. The case fails.
    pub invariant: Option<String>,
    /// `validate_json` accepts the document but the generated types cannot hold it (a schema
    /// without `type` generated as a struct, `1.0` for an `i64`): reported, not failed.
    pub undecodable: Option<String>,
}

pub fn verdict<T>(value: &serde_json::Value) -> Verdict
where
    T: Validate + serde::de::DeserializeOwned + serde::Serialize,
{
    let checked = T::validate_json(value);
    let valid = checked.is_ok();
    let (invariant, undecodable) = match schemagen_runtime::from_value::<T>(value.clone()) {
        Ok(_) if !valid => (Some("from_value returned a model for a document validate_json rejects".to_string()), None),
        Err(schemagen_runtime::Error::Decode(e)) if valid => (None, Some(e.to_string())),
        _ => (None, None),
    };
    let invariant = invariant.or_else(|| {
        // `from_str` (which may decode straight from the text) gives what `from_value` gives.
        let by_text = schemagen_runtime::from_str::<T>(&value.to_string());
        let by_value = schemagen_runtime::from_value::<T>(value.clone());
        match (&by_text, &by_value) {
            (Ok(a), Ok(b)) if serde_json::to_value(a).ok() != serde_json::to_value(b).ok() => {
                Some("from_str and from_value decode different models".to_string())
            }
            (Err(schemagen_runtime::Error::Invalid(a)), Err(schemagen_runtime::Error::Invalid(b))) if a != b => {
                Some(format!("from_str says {a} but from_value says {b}"))
            }
            (a, b) if a.is_ok() != b.is_ok() => Some(format!(
                "from_str {} but from_value {}",
                if a.is_ok() { "decodes" } else { "fails" },
                if b.is_ok() { "decodes" } else { "fails" }
            )),
            _ => None,
        }
    });
    let invariant = invariant.or_else(|| {
        // Decoded without validation, the model's typed check must agree exactly with the
        // document check of its encoding.
        let model = serde_json::from_value::<T>(value.clone()).ok()?;
        let encoded = serde_json::to_value(&model).ok()?;
        let typed = model.validate();
        let json = T::validate_json(&encoded);
        (typed != json).then(|| format!("validate() says {typed:?} but validate_json of its encoding says {json:?}"))
    });
    Verdict { valid, invariant, undecodable }
}

pub struct Case {
    pub file: &'static str,
    pub group: usize,
    pub group_description: &'static str,
    pub description: &'static str,
    /// The document, as JSON text: parsing it here keeps the table a plain constant.
    pub data: &'static str,
    pub valid: bool,
    pub check: Check,
}

/// Validators recurse over documents and schemas; a deep but finite recursion should not be
/// reported as a crash just because the main thread's stack is small.
const STACK: usize = 256 << 20;

fn main() -> ExitCode {
    let mut excluded = HashSet::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|n| n.parse::<usize>().ok())) {
            ("--exclude", Some(index)) => {
                excluded.insert(index);
            }
            _ => {
                eprintln!("usage: runner [--exclude CASE-INDEX]...");
                return ExitCode::FAILURE;
            }
        }
    }
    // A panicking validator is a failed case with its message in the summary; the default hook
    // would also print it between the progress lines.
    std::panic::set_hook(Box::new(|_| {}));
    let worker = std::thread::Builder::new().stack_size(STACK).spawn(move || run(&excluded));
    let summary = match worker.map(|handle| handle.join()) {
        Ok(Ok(summary)) => summary,
        _ => {
            eprintln!("error: the runner's worker thread failed");
            return ExitCode::FAILURE;
        }
    };
    println!("{summary}");
    ExitCode::SUCCESS
}

#[derive(Default)]
struct FileCounts {
    passed: usize,
    failed: usize,
    skipped: usize,
}

fn run(excluded: &HashSet<usize>) -> serde_json::Value {
    let mut files: Vec<(&str, FileCounts)> = Vec::new();
    let mut failures = Vec::new();
    let mut undecodable_cases = Vec::new();
    let mut progress = std::io::stderr().lock();
    for (index, case) in table::CASES.iter().enumerate() {
        if excluded.contains(&index) {
            continue;
        }
        // Unbuffered stderr: the line is out before the case can take the process down.
        let _ = writeln!(progress, "case {index}");
        let outcome = match &case.check {
            Check::Skip(reason) => Err((true, format!("no model: {reason}"))),
            Check::Run(check) => match serde_json::from_str::<serde_json::Value>(case.data) {
                Err(err) => Err((false, format!("the case's data does not parse: {err}"))),
                Ok(value) => match catch_unwind(AssertUnwindSafe(|| check(&value))) {
                    Ok(Verdict { invariant: Some(broken), .. }) => Err((false, format!("broke an invariant: {broken}"))),
                    Ok(Verdict { valid, undecodable, .. }) if valid == case.valid => {
                        if let Some(why) = undecodable {
                            undecodable_cases.push(serde_json::json!({ "index": index, "skipped": false, "reason": why }));
                        }
                        Ok(())
                    }
                    Ok(Verdict { valid: true, .. }) => Err((false, "accepted an invalid document".to_string())),
                    Ok(Verdict { valid: false, .. }) => Err((false, "rejected a valid document".to_string())),
                    Err(payload) => Err((false, format!("panicked: {}", panic_message(payload.as_ref())))),
                },
            },
        };
        let counts = match files.iter().position(|(file, _)| *file == case.file) {
            Some(at) => &mut files[at].1,
            None => {
                files.push((case.file, FileCounts::default()));
                &mut files.last_mut().expect("just pushed").1
            }
        };
        match outcome {
            Ok(()) => counts.passed += 1,
            Err((skipped, reason)) => {
                if skipped {
                    counts.skipped += 1;
                } else {
                    counts.failed += 1;
                }
                failures.push(serde_json::json!({
                    "index": index,
                    "file": case.file,
                    "group": case.group,
                    "group_description": case.group_description,
                    "case": case.description,
                    "valid": case.valid,
                    "skipped": skipped,
                    "reason": reason,
                }));
            }
        }
    }
    let files: Vec<_> = files
        .into_iter()
        .map(
            |(file, c)| serde_json::json!({"file": file, "passed": c.passed, "failed": c.failed, "skipped": c.skipped}),
        )
        .collect();
    serde_json::json!({ "files": files, "failures": failures, "undecodable": undecodable_cases })
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a non-string payload)".to_string());
    // Keep the summary readable when a panic message embeds a whole document.
    message.chars().take(300).collect::<String>().replace('\n', " ")
}
