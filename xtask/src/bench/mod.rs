//! `cargo xtask bench [--quick]`: generation time, peak memory, lines of Rust and `cargo check`
//! time of the generated crate, for schemagen and for typify 0.8 on the same inputs, with
//! ratios measured in the same run.
//!
//! Inputs: Ampersand's OpenAPI spec and its Node SDK's `docs/models` tree (from
//! `../shared/corpus`, skipped with a reason when absent), and a synthetic OpenAPI document the
//! benchmark writes itself (`synthetic.rs`, seeded). Each generator runs in a child process
//! (`xtask bench-child`) so that its peak memory (`VmHWM`) is its own. `--quick` uses a smaller
//! synthetic document and skips `cargo check`; CI runs it. The full run builds xtask in release
//! first (re-running itself through `cargo run --release`), since debug timings mean little.

pub mod child;
mod synthetic;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Instant, SystemTime};

use child::Measurement;

const SEED: u64 = 0x5eed_2026;

struct Options {
    quick: bool,
    objects: usize,
    runs: usize,
    check: bool,
}

fn parse(args: &[&str]) -> Result<Options, String> {
    let quick = args.contains(&"--quick");
    let mut options =
        Options { quick, objects: if quick { 300 } else { 2000 }, runs: if quick { 1 } else { 3 }, check: !quick };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--quick" => {}
            "--no-check" => options.check = false,
            "--check" => options.check = true,
            "--objects" | "--runs" => {
                let value = rest.next().and_then(|v| v.parse::<usize>().ok()).filter(|v| *v > 0);
                let value = value.ok_or_else(|| format!("`{arg}` needs a positive number"))?;
                if *arg == "--objects" { options.objects = value } else { options.runs = value }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

pub fn usage() -> &'static str {
    "cargo xtask bench [--quick] [--objects N] [--runs N] [--check|--no-check]"
}

/// One input of the benchmark.
struct Case {
    name: String,
    label: String,
    inputs: Vec<PathBuf>,
    /// typify reads JSON Schema documents only.
    typify: bool,
}

#[derive(Default)]
struct Row {
    measurement: Option<Measurement>,
    error: Option<String>,
    check_s: Option<f64>,
    check_failed: bool,
}

pub fn main(args: &[&str]) -> ExitCode {
    let options = match parse(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\nusage: {}", usage());
            return ExitCode::FAILURE;
        }
    };
    if !options.quick && cfg!(debug_assertions) && std::env::var_os("SCHEMAGEN_BENCH_DEBUG").is_none() {
        eprintln!("bench: building xtask in release for meaningful timings (set SCHEMAGEN_BENCH_DEBUG=1 to skip)");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["run", "--release", "--quiet", "--package", "xtask", "--bin", "xtask", "--", "bench"])
            .args(args)
            .status();
        return match status {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: cannot run cargo: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf();
    let work = root.join("target/bench");
    if let Err(e) = std::fs::create_dir_all(&work) {
        eprintln!("error: cannot create {}: {e}", work.display());
        return ExitCode::FAILURE;
    }

    let mut cases = Vec::new();
    let corpus = root.join("../shared/corpus");
    let spec = corpus.join("amp-openapi/api/generated/api.bundled.json");
    let docs = corpus.join("amp-sdk-node-platform/docs/models");
    if spec.is_file() && docs.is_dir() {
        let count = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&spec).unwrap_or_default())
            .ok()
            .and_then(|d| d.pointer("/components/schemas").and_then(|s| s.as_object()).map(|s| s.len()))
            .unwrap_or(0);
        cases.push(Case {
            name: "ampersand-openapi".into(),
            label: format!("Ampersand OpenAPI ({count} schemas)"),
            inputs: vec![spec],
            typify: true,
        });
        let docs_count = walk(&docs).iter().filter(|p| p.extension().is_some_and(|e| e == "md")).count();
        cases.push(Case {
            name: "ampersand-docs".into(),
            label: format!("Ampersand SDK docs ({docs_count} .md)"),
            inputs: vec![docs],
            typify: false,
        });
    } else {
        println!("bench: Ampersand inputs skipped: {} is absent (put ../shared beside the checkout)", corpus.display());
    }
    let synthetic = work.join(format!("synthetic-{}.json", options.objects));
    if let Err(e) = std::fs::write(&synthetic, synthetic::spec(options.objects, SEED)) {
        eprintln!("error: cannot write {}: {e}", synthetic.display());
        return ExitCode::FAILURE;
    }
    cases.push(Case {
        name: format!("synthetic-{}", options.objects),
        label: format!("synthetic ({} objects, {} unions)", options.objects, synthetic::unions(options.objects)),
        inputs: vec![synthetic],
        typify: true,
    });

    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: cannot find the xtask executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    let mut report = String::new();
    let mut results = Vec::new();
    for case in &cases {
        let size: u64 =
            case.inputs.iter().flat_map(|i| walk(i)).filter_map(|p| p.metadata().ok()).map(|m| m.len()).sum();
        let mut rows = Vec::new();
        for generator in ["schemagen", "typify"] {
            if generator == "typify" && !case.typify {
                rows.push((generator, None));
                continue;
            }
            let out = work.join(&case.name).join(generator);
            eprintln!("bench: {} with {generator} ({} run(s))", case.label, options.runs);
            let mut row = run_generator(&exe, generator, &out, &case.inputs, options.runs);
            if let Some(error) = &row.error {
                eprintln!("bench: {generator} failed on {}: {}", case.label, first_lines(error, 6));
                // schemagen must handle every input; typify's refusals are part of the result.
                ok &= generator != "schemagen";
            } else if options.check {
                eprintln!("bench: cargo check of the {generator} crate for {}", case.label);
                match check_time(&root, &work, &out) {
                    Ok(seconds) => row.check_s = Some(seconds),
                    Err(e) => {
                        eprintln!("bench: cargo check of {} failed: {}", out.display(), first_lines(&e, 20));
                        ok &= generator != "schemagen";
                        row.check_failed = true;
                    }
                }
            }
            rows.push((generator, Some(row)));
        }
        results.push((case, size, rows));
    }

    let mode = if options.quick { "quick" } else { "full" };
    let profile = if cfg!(debug_assertions) { "debug build" } else { "release build" };
    let _ = writeln!(
        report,
        "\nschemagen vs typify 0.8 ({mode}, {profile}, best of {} run(s), seed {SEED:#x})\n",
        options.runs
    );
    let _ = writeln!(
        report,
        "| input | input size | generator | generation | CPU | peak memory | peak / input | lines of Rust | types | cargo check |"
    );
    let _ = writeln!(report, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut verdicts = Vec::new();
    for (case, size, rows) in &results {
        for (generator, row) in rows {
            let cells = match row {
                None => "n/a (not JSON Schema) | | | | | | |".to_string(),
                Some(Row { error: Some(e), .. }) => {
                    format!("failed: {} | | | | | | |", first_lines(e, 1).replace('|', "/"))
                }
                Some(Row { measurement: Some(m), check_s, check_failed, .. }) => format!(
                    "{:.0} ms | {:.0} ms | {:.0} MB{} | {:.1}x | {} | {} | {} |",
                    m.wall_ms,
                    m.cpu_ms,
                    m.peak_kib as f64 / 1024.0,
                    m.peak_read_kib.map(|k| format!(" (reading: {:.0})", k as f64 / 1024.0)).unwrap_or_default(),
                    m.peak_kib as f64 * 1024.0 / *size as f64,
                    m.lines,
                    m.types,
                    match (check_s, check_failed) {
                        (_, true) => "does not compile".to_string(),
                        (Some(s), false) => format!("{s:.1} s"),
                        (None, false) => "-".into(),
                    },
                ),
                Some(_) => unreachable!("a row has a measurement or an error"),
            };
            let _ = writeln!(report, "| {} | {:.0} KB | {generator} | {cells}", case.label, *size as f64 / 1024.0);
        }
        let get = |name: &str| {
            rows.iter().find(|(g, _)| *g == name).and_then(|(_, r)| r.as_ref()).and_then(|r| {
                let m = r.measurement.as_ref()?;
                Some((m.clone(), r.check_s))
            })
        };
        if let (Some((s, s_check)), Some((t, t_check))) = (get("schemagen"), get("typify")) {
            let check = match (s_check, t_check) {
                (Some(a), Some(b)) => format!("{:.2}", a / b),
                _ => "-".into(),
            };
            let _ = writeln!(
                report,
                "| {} | | schemagen / typify | {:.2} | {:.2} | {:.2} | | {:.2} | | {check} |",
                case.label,
                s.wall_ms / t.wall_ms,
                s.cpu_ms.max(1.0) / t.cpu_ms.max(1.0),
                s.peak_kib as f64 / t.peak_kib as f64,
                s.lines as f64 / t.lines as f64,
            );
        }
        if case.name.starts_with("synthetic")
            && let Some((s, s_check)) = get("schemagen")
        {
            let figure = format!("{:.0} ms wall, {:.0} ms CPU", s.wall_ms, s.cpu_ms);
            verdicts.push(goal("synthetic generation under 1 s", s.wall_ms < 1000.0, figure));
            let ratio = s.peak_kib as f64 * 1024.0 / *size as f64;
            verdicts.push(goal("peak memory under 10x the input", ratio < 10.0, format!("{ratio:.1}x")));
            if let Some((t, t_check)) = get("typify") {
                let figure =
                    format!("{:.2}x typify's wall time, {:.2}x its CPU", s.wall_ms / t.wall_ms, s.cpu_ms / t.cpu_ms);
                verdicts.push(goal("at least 2x faster than typify", s.wall_ms * 2.0 <= t.wall_ms, figure));
                if let (Some(a), Some(b)) = (s_check, t_check) {
                    verdicts.push(goal("cargo check no slower than typify's", a <= b, format!("{a:.1} s vs {b:.1} s")));
                }
            }
        }
    }
    if !verdicts.is_empty() {
        let _ = writeln!(report, "\ngoals (synthetic input):");
        for verdict in verdicts {
            let _ = writeln!(report, "  {verdict}");
        }
    }
    let _ = writeln!(
        report,
        "\ngeneration: in-process; schemagen's includes writing the crate (each file is written to the staging \
         directory as soon as it is emitted, then the directory is swapped into place), typify's does not; \
         CPU: whole child process; peak memory: VmHWM of the child (in brackets: \
         when reading was done and emitting began); cargo check: the generated crate alone, \
         dependencies built."
    );
    print!("{report}");
    let _ = std::fs::write(work.join(format!("report-{mode}.md")), &report);
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn goal(what: &str, met: bool, figure: String) -> String {
    format!("[{}] {what}: {figure}", if met { "met" } else { "NOT met" })
}

/// Runs `generator` `runs` times in child processes; keeps the fastest run's figures and the
/// smallest peak (the others only add noise from a loaded machine).
fn run_generator(exe: &Path, generator: &str, out: &Path, inputs: &[PathBuf], runs: usize) -> Row {
    let mut best: Option<Measurement> = None;
    for _ in 0..runs {
        let output = Command::new(exe).arg("bench-child").arg(generator).arg(out).args(inputs).output();
        let output = match output {
            Ok(output) => output,
            Err(e) => return Row { error: Some(format!("cannot run {}: {e}", exe.display())), ..Row::default() },
        };
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let message = if stderr.trim().is_empty() {
                format!("exited with {}", output.status)
            } else {
                stderr.trim().to_string()
            };
            return Row { error: Some(message), ..Row::default() };
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(m) = stdout.lines().last().and_then(|l| serde_json::from_str::<Measurement>(l).ok()) else {
            return Row { error: Some(format!("no measurement in the child's output: {stdout}")), ..Row::default() };
        };
        best = Some(match best {
            None => m,
            Some(b) => Measurement {
                wall_ms: b.wall_ms.min(m.wall_ms),
                cpu_ms: b.cpu_ms.min(m.cpu_ms),
                peak_kib: b.peak_kib.min(m.peak_kib),
                peak_read_kib: b.peak_read_kib.zip(m.peak_read_kib).map(|(b, m)| b.min(m)),
                ..m
            },
        });
    }
    Row { measurement: best, ..Row::default() }
}

/// `cargo check` time of the crate in `dir` alone: a first check builds its dependencies (in a
/// target directory shared by every benchmark crate), then every source file is touched and the
/// second check is timed.
fn check_time(root: &Path, work: &Path, dir: &Path) -> Result<f64, String> {
    // The workspace's lock file pins the dependency versions this checkout already uses.
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let check = || {
        let output = Command::new(&cargo)
            .args(["check", "--quiet", "--message-format", "short"])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", work.join("check-target"))
            .env_remove("RUSTFLAGS")
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
    };
    check()?;
    let now = SystemTime::now();
    for file in walk(&dir.join("src")) {
        if let Ok(f) = std::fs::File::options().append(true).open(&file) {
            let _ = f.set_modified(now);
        }
    }
    let start = Instant::now();
    check()?;
    Ok(start.elapsed().as_secs_f64())
}

/// Every file under `path` (or `path` itself), sorted.
fn walk(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() { stack.push(path) } else { files.push(path) }
        }
    }
    files.sort();
    files
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n")
}
