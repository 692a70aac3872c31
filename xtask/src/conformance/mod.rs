//! `cargo xtask conformance`: how much of the JSON-Schema-Test-Suite the generated validators
//! get right, per draft, held to the committed minimums in `conformance/thresholds.toml`.
//!
//! One run of a draft reads like the design: read the suite's groups → write each schema to a
//! file → generate one models crate with a module per group → write a runner crate with a table
//! of every case → build and run it → compare with the committed baseline. Everything scratch
//! lives under `target/conformance/`; only `--update` writes to `conformance/`.

mod baseline;
mod models;
mod runner;
mod suite;

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

use models::{Check, Layout};
use suite::{Draft, Part, Suite};

#[derive(Parser)]
#[command(
    name = "cargo xtask conformance",
    about = "Run the JSON-Schema-Test-Suite against schemagen's generated validators"
)]
struct Args {
    /// Which draft to run.
    #[arg(long, value_enum, default_value = "all")]
    draft: DraftArg,
    /// Run `optional/format/*.json` with format assertion on, instead of the required files.
    #[arg(long)]
    optional_format: bool,
    /// Run `optional/ecmascript-regex.json` and `optional/non-bmp-regex.json` instead of the
    /// required files.
    #[arg(long, conflicts_with = "optional_format")]
    optional_regex: bool,
    /// Only test files whose name contains this (`--filter type` runs `type.json`); for
    /// development, so thresholds are not checked.
    #[arg(long, value_name = "SUBSTRING")]
    filter: Option<String>,
    /// Set the thresholds and the committed failure lists to this run's figures.
    #[arg(long)]
    update: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum DraftArg {
    #[value(name = "2020-12")]
    D2020_12,
    #[value(name = "2019-09")]
    D2019_09,
    #[value(name = "7")]
    D7,
    #[value(name = "4")]
    D4,
    All,
}

impl DraftArg {
    fn drafts(self) -> Vec<Draft> {
        match self {
            DraftArg::D2020_12 => vec![Draft::D2020_12],
            DraftArg::D2019_09 => vec![Draft::D2019_09],
            DraftArg::D7 => vec![Draft::D7],
            DraftArg::D4 => vec![Draft::D4],
            DraftArg::All => Draft::ALL.to_vec(),
        }
    }
}

pub fn main(args: &[&str]) -> ExitCode {
    let args = match Args::try_parse_from(std::iter::once("cargo xtask conformance").chain(args.iter().copied())) {
        Ok(args) => args,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The outcome of one draft and part that ran to the end.
struct Report {
    suite: Suite,
    files: Vec<FileRow>,
    passed: usize,
    total: usize,
    /// Every case that did not pass, in suite order: file, its failures-list line, and why.
    failing: Vec<(String, String, String)>,
    /// Passing cases whose document `validate_json` accepts but the generated types cannot
    /// hold, so `from_value` returns `Error::Decode`: each with its failures-list line and why.
    undecodable: Vec<(String, String)>,
}

struct FileRow {
    file: String,
    passed: usize,
    total: usize,
    /// Cases of groups that schemagen produced no model for.
    no_model: usize,
}

/// Runs every selected draft; `Ok(false)` when any of them failed or fell below its threshold.
fn run(args: &Args) -> Result<bool, String> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().ok_or("the xtask is not inside a workspace")?.to_path_buf();
    let suite_dir = schemagen::config::normalize(&manifest_dir.join("../../shared/corpus/json-schema-test-suite"));
    if !suite_dir.join("tests").is_dir() || !suite_dir.join("remotes").is_dir() {
        return Err(format!(
            "the JSON-Schema-Test-Suite is not at {} (expected its `tests/` and `remotes/` there, from \
             github.com/json-schema-org/JSON-Schema-Test-Suite)",
            suite_dir.display()
        ));
    }
    if args.update && args.filter.is_some() {
        return Err("`--update` records whole drafts; drop `--filter`".into());
    }
    let conformance_dir = workspace.join("conformance");
    let thresholds_path = conformance_dir.join("thresholds.toml");
    let mut thresholds = baseline::Thresholds::load(&thresholds_path)?;
    let part = match (args.optional_format, args.optional_regex) {
        (true, _) => Part::OptionalFormat,
        (_, true) => Part::OptionalRegex,
        _ => Part::Required,
    };

    let mut ok = true;
    let mut updated = false;
    for draft in args.draft.drafts() {
        let suite = Suite { draft, part };
        let report = match run_suite(&workspace, &suite_dir, suite, args.filter.as_deref()) {
            Ok(report) => report,
            Err(message) => {
                eprintln!("error: {} {}: {message}", draft.dir_name(), part.title());
                ok = false;
                continue;
            }
        };
        print_report(&report);
        let committed = baseline::failures_path(&conformance_dir, suite);
        compare_with_list(&report, &committed, args.filter.is_some(), &workspace);
        let minimum = thresholds.get(suite);
        if args.update {
            if report.passed != minimum {
                println!("  threshold {} {}: {minimum} -> {}", draft.dir_name(), part.key(), report.passed);
            }
            thresholds.set(suite, report.passed);
            write_file(&committed, &baseline::render_failures(suite, &report.failing))?;
            updated = true;
        } else if args.filter.is_some() {
            println!("  (--filter: thresholds not checked)");
        } else if report.passed < minimum {
            eprintln!(
                "error: {} {}: {} cases pass, below the committed minimum of {minimum} in conformance/thresholds.toml",
                draft.dir_name(),
                part.title(),
                report.passed
            );
            ok = false;
        } else if report.passed > minimum {
            println!(
                "  {} cases pass, above the committed minimum of {minimum}: run with `--update` to raise it",
                report.passed
            );
        }
    }
    if updated {
        fs::create_dir_all(&conformance_dir)
            .map_err(|e| format!("cannot create {}: {e}", conformance_dir.display()))?;
        write_file(&thresholds_path, &thresholds.render())?;
        println!("updated conformance/thresholds.toml and the failure lists");
    }
    Ok(ok)
}

/// Generates, builds and runs one draft and part.
fn run_suite(workspace: &Path, suite_dir: &Path, suite: Suite, filter: Option<&str>) -> Result<Report, String> {
    let groups = suite::read(suite_dir, suite, filter)?;
    if groups.is_empty() {
        return Err(match filter {
            Some(filter) => format!("no test file matches `--filter {filter}`"),
            None => "the draft has no test files".into(),
        });
    }
    let slug = suite.slug();
    let layout = Layout::new(workspace, suite_dir, &slug);
    let shown = |path: &Path| schemagen::config::display_name(workspace, path);
    suite::write_schemas(&layout.schemas, &groups)?;

    let models = models::generate(&layout, &groups, suite.part == Part::OptionalFormat)?;
    let missing = models.checks.iter().filter(|c| matches!(c, Check::Missing(_))).count();
    println!(
        "{slug}: generated {} in {} ms: {} groups, {missing} without a model; {} errors, {} warnings (see {})",
        shown(&layout.models),
        models.elapsed.as_millis(),
        groups.len(),
        models.errors,
        models.warnings,
        shown(&layout.diagnostics),
    );

    runner::write_crate(&layout, &models.lib_name, &groups, &models.checks)?;
    println!("{slug}: building {} (cargo build --release)", shown(&layout.runner));
    let started = std::time::Instant::now();
    let executable = match runner::build(&layout) {
        Ok(executable) => executable,
        Err(runner::BuildError::Cargo(message)) => return Err(message),
        Err(runner::BuildError::Compile { excerpt, errors }) => {
            eprintln!("{slug}: the generated code does not compile; the start of rustc's output:\n");
            eprintln!("{excerpt}\n");
            return Err(format!("{errors} (full log: {})", shown(&layout.build_log)));
        }
    };
    println!("{slug}: built in {:.1} s; running", started.elapsed().as_secs_f64());
    let outcome = runner::run(&executable, runner::CASE_TIMEOUT)?;

    // Per case: `None` when it passed, else whether it had no model and why it failed.
    let cases: Vec<(&suite::Group, &suite::Case)> =
        groups.iter().flat_map(|g| g.cases.iter().map(move |c| (g, c))).collect();
    let mut results: Vec<Option<(bool, String)>> = vec![None; cases.len()];
    for failure in &outcome.summary.failures {
        if let Some(slot) = results.get_mut(failure.index) {
            *slot = Some((failure.skipped, failure.reason.clone()));
        }
    }
    for (index, why) in &outcome.crashed {
        if let Some(slot) = results.get_mut(*index) {
            *slot = Some((false, why.clone()));
        }
    }
    let ran: usize = outcome.summary.files.iter().map(|f| f.passed + f.failed + f.skipped).sum();
    if ran + outcome.crashed.len() != cases.len() {
        return Err(format!(
            "the runner reported {} cases but the suite has {}: rebuild the runner",
            ran + outcome.crashed.len(),
            cases.len()
        ));
    }

    let mut files: Vec<FileRow> = Vec::new();
    let mut failing = Vec::new();
    for ((group, case), result) in cases.iter().zip(&results) {
        if files.last().is_none_or(|row| row.file != group.file) {
            files.push(FileRow { file: group.file.clone(), passed: 0, total: 0, no_model: 0 });
        }
        let Some(row) = files.last_mut() else { continue };
        row.total += 1;
        match result {
            None => row.passed += 1,
            Some((no_model, reason)) => {
                row.no_model += usize::from(*no_model);
                let line = baseline::case_line(&group.file, &group.description, &case.description);
                failing.push((group.file.clone(), line, reason.clone()));
            }
        }
    }
    let passed = files.iter().map(|f| f.passed).sum();
    let total = files.iter().map(|f| f.total).sum();

    // The current list, in the committed format, so `diff` shows what moved; and the reasons.
    let scratch = &layout.scratch;
    write_file(&scratch.join("failures.md"), &baseline::render_failures(suite, &failing))?;
    let reasons: String = failing.iter().map(|(_, line, reason)| format!("{line}\n    {reason}\n")).collect();
    write_file(&scratch.join("failures.txt"), &reasons)?;
    let undecodable: Vec<(String, String)> = outcome
        .summary
        .undecodable
        .iter()
        .filter_map(|u| {
            let (group, case) = cases.get(u.index)?;
            Some((baseline::case_line(&group.file, &group.description, &case.description), u.reason.clone()))
        })
        .collect();
    let listing: String = undecodable.iter().map(|(line, why)| format!("{line}\n    {why}\n")).collect();
    write_file(&scratch.join("undecodable.txt"), &listing)?;
    Ok(Report { suite, files, passed, total, failing, undecodable })
}

fn print_report(report: &Report) {
    let suite = report.suite;
    println!("\n{} {}:", suite.draft.dir_name(), suite.part.title());
    let width = report.files.iter().map(|f| f.file.len()).max().unwrap_or(0).max(10);
    println!("  {:width$}  {:>6} / {:<6} {:>8}", "file", "passed", "total", "no model");
    for row in &report.files {
        println!("  {:width$}  {:>6} / {:<6} {:>8}", row.file, row.passed, row.total, row.no_model);
    }
    println!(
        "  {:width$}  {:>6} / {:<6} {:>7.1}%  agreement, {}",
        "all files",
        report.passed,
        report.total,
        percent(report.passed, report.total),
        suite.part.title()
    );
    if !report.undecodable.is_empty() {
        println!(
            "  {} passing case(s) have a valid document the generated types cannot hold (from_value returns Error::Decode): target/conformance/{}/undecodable.txt",
            report.undecodable.len(),
            suite.slug()
        );
    }
    const SHOWN: usize = 15;
    for (_, line, reason) in report.failing.iter().take(SHOWN) {
        println!("  {line}\n      {reason}");
    }
    if report.failing.len() > SHOWN {
        println!(
            "  … and {} more: target/conformance/{}/failures.txt has every case and reason",
            report.failing.len() - SHOWN,
            suite.slug()
        );
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// Tells which cases moved against the committed list: new failures are regressions even when
/// the count still clears the threshold because something else was fixed.
fn compare_with_list(report: &Report, committed: &Path, filtered: bool, workspace: &Path) {
    let Some(listed) = baseline::read_failures(committed) else { return };
    let shown = schemagen::config::display_name(workspace, committed);
    let new: Vec<&String> = report.failing.iter().map(|(_, l, _)| l).filter(|l| !listed.contains(*l)).collect();
    if !new.is_empty() {
        println!("  {} failing cases are not in {shown}:", new.len());
        for line in new.iter().take(10) {
            println!("    {line}");
        }
    }
    // A filtered run does not see the other files' cases, which would all look fixed.
    if !filtered {
        let current: std::collections::HashSet<&String> = report.failing.iter().map(|(_, l, _)| l).collect();
        let fixed = listed.iter().filter(|l| !current.contains(l)).count();
        if fixed > 0 {
            println!("  {fixed} cases in {shown} now pass: run with `--update` to shrink the list");
        }
    }
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
