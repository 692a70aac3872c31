//! How fast the generated validators are, against baselines measured in the same run.
//!
//! ```sh
//! cargo bench -p schemagen-tests --bench validation   # measure, then print the ratio table
//! cargo test -p schemagen-tests --bench validation    # quick mode (CI): every benchmark once
//! ```
//!
//! The documents are `tests/fixtures/bench/{valid,invalid}/*.json`, realistic Ampersand
//! `ConnectionRequest` bodies; each measured iteration handles every document of its set. The
//! comparisons, each a ratio of medians:
//!
//! 1. `connection_models::from_str` (parse, validate, decode) against `serde_json::from_str`
//!    into the same structs without validation, on the valid documents (goal: at most 1.10x);
//! 2. `validate_json` on pre-parsed documents against the jsonschema crate's compile-time
//!    validator (`#[jsonschema::validator]`) on the same schema, formats validated, on the valid
//!    documents (goal: at least 2x faster);
//! 3. collecting every violation of the invalid documents, `validate_json` against jsonschema's
//!    `iter_errors` (goal: at least 2x faster);
//!
//! and typify's generated types (`typify::import_types!`) decoding the same documents. A floor
//! for comparison 2 is measured too: a walk that visits every value of the valid documents and
//! looks at its type, matching no member name (see [`floor`]).
//!
//! The jsonschema and typify baselines read one self-contained schema,
//! `tests/fixtures/bench/connection-request.bundled.json`: `schemas/ampersand/connection-request.json`
//! with the definitions it refers to from `components.json` moved under `$defs`. It is built from
//! those two files at the start of every run and must match the committed copy (the macros read
//! it at compile time); `SCHEMAGEN_BLESS=1` rewrites it. Before measuring, every validator must
//! agree with the fixture's folder on every document, so no baseline is faster for checking less.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use connection_models::Validate;
use connection_models::ampersand::ConnectionRequest;
use criterion::Criterion;
use serde_json::{Map, Value};

mod typify_types {
    #![allow(clippy::all, clippy::pedantic, dead_code, missing_docs)]
    typify::import_types!(schema = "fixtures/bench/connection-request.bundled.json");
}

#[jsonschema::validator(path = "fixtures/bench/connection-request.bundled.json", validate_formats = true)]
struct Compiled;

const BUNDLED: &str = "tests/fixtures/bench/connection-request.bundled.json";

/// One fixture document, as text and parsed.
struct Document {
    name: String,
    text: String,
    value: Value,
}

fn documents(folder: &str) -> Vec<Document> {
    let dir = schemagen_tests::root().join("tests/fixtures/bench").join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no documents in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = format!("{folder}/{}", path.file_name().unwrap().to_string_lossy());
            Document { name, text, value }
        })
        .collect()
}

/// `connection-request.json` made self-contained: every `#/components/schemas/NAME` it reaches
/// (directly or through another definition) is copied from `components.json` under `$defs`,
/// in that file's order, and the refs point there. `$id` is dropped, so nothing is fetched.
fn bundle(root: &Path) -> String {
    let read = |path: &str| -> Value {
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let mut schema = read("schemas/ampersand/connection-request.json");
    let components = read("schemas/ampersand/components.json");
    let definitions = components["components"]["schemas"].as_object().expect("components.json has components/schemas");

    fn retarget(value: &mut Value, reached: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                for (key, item) in object.iter_mut() {
                    match item {
                        Value::String(target) if key == "$ref" => {
                            if let Some(name) = target.strip_prefix("#/components/schemas/") {
                                reached.push(name.to_string());
                                *target = format!("#/$defs/{name}");
                            }
                        }
                        item => retarget(item, reached),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| retarget(item, reached)),
            _ => {}
        }
    }

    let mut queue = Vec::new();
    retarget(&mut schema, &mut queue);
    let mut bundled: Vec<(String, Value)> = Vec::new();
    while let Some(name) = queue.pop() {
        if bundled.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut definition =
            definitions.get(&name).unwrap_or_else(|| panic!("components.json has no `{name}`")).clone();
        retarget(&mut definition, &mut queue);
        bundled.push((name, definition));
    }
    let order = |name: &str| definitions.keys().position(|k| k == name);
    bundled.sort_by_key(|(name, _)| order(name));
    let object = schema.as_object_mut().expect("the schema is an object");
    object.shift_remove("$id");
    object.insert("$defs".into(), Value::Object(bundled.into_iter().collect::<Map<_, _>>()));
    serde_json::to_string_pretty(&schema).expect("JSON encodes") + "\n"
}

/// The committed bundle must be what [`bundle`] builds from today's schemas.
fn check_bundle() {
    let root = schemagen_tests::root();
    let fresh = bundle(&root);
    let path = root.join(BUNDLED);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        if std::env::var_os("SCHEMAGEN_BLESS").is_some() {
            std::fs::write(&path, fresh).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
            panic!("{BUNDLED} was rewritten; run again so the baselines compile against it");
        }
        panic!(
            "{BUNDLED} is stale: schemas/ampersand changed. Run with SCHEMAGEN_BLESS=1 to rewrite it, then commit it"
        );
    }
}

/// Every validator says what the fixture's folder says; violations are counted for the report.
fn check_agreement(valid: &[Document], invalid: &[Document]) {
    for (documents, expected) in [(valid, true), (invalid, false)] {
        for document in documents {
            let ours = ConnectionRequest::validate_json(&document.value);
            let decoded = connection_models::from_str::<ConnectionRequest>(&document.text);
            let verdicts = [
                ("schemagen validate_json", ours.is_ok()),
                ("schemagen from_str", decoded.is_ok()),
                ("jsonschema is_valid", Compiled::is_valid(&document.value)),
                ("jsonschema iter_errors", Compiled::iter_errors(&document.value).next().is_none()),
                ("typify", serde_json::from_str::<typify_types::ConnectionRequest>(&document.text).is_ok()),
            ];
            for (who, verdict) in verdicts {
                assert_eq!(
                    verdict,
                    expected,
                    "{who} says {} is {}",
                    document.name,
                    if verdict { "valid" } else { "invalid" }
                );
            }
            if let Ok(request) = &decoded {
                assert!(request.validate().is_ok(), "{}: the typed validate() disagrees", document.name);
            }
            if let Err(errors) = ours {
                // Both report every violation: the same offending locations.
                let ours: BTreeSet<String> = errors.iter().map(|e| e.pointer().to_string()).collect();
                let theirs: BTreeSet<String> =
                    Compiled::iter_errors(&document.value).map(|e| e.instance_path().as_str().to_string()).collect();
                assert_eq!(ours, theirs, "{}: schemagen and jsonschema report different locations", document.name);
                println!(
                    "{}: {} violations (jsonschema: {})",
                    document.name,
                    errors.len(),
                    Compiled::iter_errors(&document.value).count()
                );
            }
        }
    }
}

/// The least a validator of these documents does: visit every value and look at its JSON type,
/// matching no member name and calling nothing per value. Goal 2 is measured against it too: a
/// validator must also find each member's rule by its name, so it cannot beat this walk.
fn floor(value: &Value) -> bool {
    /// A value's own test, and its members' or items'.
    #[inline(always)]
    fn visit(value: &Value) -> bool {
        match value {
            Value::Object(members) => members.values().fold(true, |ok, member| ok & visit_nested(member)),
            Value::Array(items) => items.iter().fold(true, |ok, item| ok & visit_nested(item)),
            Value::Null => false,
            _ => true,
        }
    }
    /// A member or item: scalars are tested in place, containers recurse.
    #[inline(always)]
    fn visit_nested(value: &Value) -> bool {
        match value {
            Value::Object(_) | Value::Array(_) => floor(value),
            Value::Null => false,
            _ => true,
        }
    }
    visit(value)
}

/// Ids of the benchmarks that ran in this process, so the table never shows an old result.
struct Ran(RefCell<BTreeSet<String>>);

impl Ran {
    fn mark(&self, id: &str) {
        self.0.borrow_mut().insert(id.to_string());
    }
}

fn benchmarks(c: &mut Criterion, ran: &Ran, valid: &[Document], invalid: &[Document]) {
    let decoded: Vec<ConnectionRequest> =
        valid.iter().map(|d| serde_json::from_str(&d.text).expect("valid documents decode")).collect();

    let mut group = c.benchmark_group("valid_decode");
    group.bench_function("serde_json", |b| {
        ran.mark("valid_decode/serde_json");
        b.iter(|| {
            for d in valid {
                black_box(serde_json::from_str::<ConnectionRequest>(black_box(&d.text)).is_ok());
            }
        })
    });
    group.bench_function("schemagen_from_str", |b| {
        ran.mark("valid_decode/schemagen_from_str");
        b.iter(|| {
            for d in valid {
                black_box(connection_models::from_str::<ConnectionRequest>(black_box(&d.text)).is_ok());
            }
        })
    });
    group.bench_function("typify", |b| {
        ran.mark("valid_decode/typify");
        b.iter(|| {
            for d in valid {
                black_box(serde_json::from_str::<typify_types::ConnectionRequest>(black_box(&d.text)).is_ok());
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("valid_validate");
    group.bench_function("schemagen_validate_json", |b| {
        ran.mark("valid_validate/schemagen_validate_json");
        b.iter(|| {
            for d in valid {
                black_box(ConnectionRequest::validate_json(black_box(&d.value)).is_ok());
            }
        })
    });
    group.bench_function("schemagen_validate_typed", |b| {
        ran.mark("valid_validate/schemagen_validate_typed");
        b.iter(|| {
            for request in &decoded {
                black_box(black_box(request).validate().is_ok());
            }
        })
    });
    group.bench_function("jsonschema_is_valid", |b| {
        ran.mark("valid_validate/jsonschema_is_valid");
        b.iter(|| {
            for d in valid {
                black_box(Compiled::is_valid(black_box(&d.value)));
            }
        })
    });
    group.bench_function("jsonschema_validate", |b| {
        ran.mark("valid_validate/jsonschema_validate");
        b.iter(|| {
            for d in valid {
                black_box(Compiled::validate(black_box(&d.value)).is_ok());
            }
        })
    });
    group.bench_function("floor_walk", |b| {
        ran.mark("valid_validate/floor_walk");
        b.iter(|| {
            for d in valid {
                black_box(floor(black_box(&d.value)));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("invalid_errors");
    group.bench_function("schemagen_validate_json", |b| {
        ran.mark("invalid_errors/schemagen_validate_json");
        b.iter(|| {
            for d in invalid {
                let errors = ConnectionRequest::validate_json(black_box(&d.value)).unwrap_err();
                black_box(errors.len());
            }
        })
    });
    group.bench_function("jsonschema_iter_errors", |b| {
        ran.mark("invalid_errors/jsonschema_iter_errors");
        b.iter(|| {
            for d in invalid {
                let errors: Vec<_> = Compiled::iter_errors(black_box(&d.value)).collect();
                black_box(errors.len());
            }
        })
    });
    group.bench_function("schemagen_from_str", |b| {
        ran.mark("invalid_errors/schemagen_from_str");
        b.iter(|| {
            for d in invalid {
                black_box(connection_models::from_str::<ConnectionRequest>(black_box(&d.text)).is_err());
            }
        })
    });
    group.bench_function("typify_first_error", |b| {
        ran.mark("invalid_errors/typify_first_error");
        b.iter(|| {
            for d in invalid {
                black_box(serde_json::from_str::<typify_types::ConnectionRequest>(black_box(&d.text)).is_err());
            }
        })
    });
    group.finish();
}

/// The median of one benchmark, in nanoseconds per iteration, from criterion's report.
fn median(dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let estimates: Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

fn table(dir: &Path, ran: &Ran, valid: usize, invalid: usize) {
    let ran = ran.0.borrow();
    let get = |id: &str| if ran.contains(id) { median(dir, id) } else { None };
    let micros = |ns: Option<f64>| ns.map_or("-".to_string(), |ns| format!("{:.2} µs", ns / 1000.0));
    // (what, ours, baseline, the ratio shown is ours/baseline when `slowdown`, else baseline/ours, goal)
    let rows: [(&str, &str, &str, bool, &str); 7] = [
        (
            "1. from_str vs serde_json::from_str (no validation), valid",
            "valid_decode/schemagen_from_str",
            "valid_decode/serde_json",
            true,
            "<= 1.10x",
        ),
        ("   typify types vs serde_json::from_str, valid", "valid_decode/typify", "valid_decode/serde_json", true, ""),
        (
            "2. validate_json vs jsonschema is_valid, valid",
            "valid_validate/schemagen_validate_json",
            "valid_validate/jsonschema_is_valid",
            false,
            ">= 2x faster",
        ),
        (
            "   validate_json vs jsonschema validate, valid",
            "valid_validate/schemagen_validate_json",
            "valid_validate/jsonschema_validate",
            false,
            "",
        ),
        (
            "   floor (a walk of every value, no names matched) vs jsonschema is_valid, valid",
            "valid_validate/floor_walk",
            "valid_validate/jsonschema_is_valid",
            false,
            "",
        ),
        (
            "3. validate_json vs jsonschema iter_errors, invalid",
            "invalid_errors/schemagen_validate_json",
            "invalid_errors/jsonschema_iter_errors",
            false,
            ">= 2x faster",
        ),
        (
            "   from_str (all errors) vs typify (first error), invalid",
            "invalid_errors/schemagen_from_str",
            "invalid_errors/typify_first_error",
            true,
            "",
        ),
    ];
    println!();
    println!("Medians per iteration ({valid} valid documents, or {invalid} invalid ones):");
    println!();
    println!("| comparison | schemagen | baseline | ratio | goal |");
    println!("| --- | ---: | ---: | ---: | --- |");
    for (what, ours, baseline, slowdown, goal) in rows {
        let (a, b) = (get(ours), get(baseline));
        let ratio = match (a, b) {
            (Some(a), Some(b)) if slowdown => format!("{:.2}x", a / b),
            (Some(a), Some(b)) => format!("{:.2}x faster", b / a),
            _ => "-".to_string(),
        };
        println!("| {what} | {} | {} | {ratio} | {goal} |", micros(a), micros(b));
    }
    let typed = get("valid_validate/schemagen_validate_typed");
    println!("\nThe typed validate() of the decoded structs, valid: {}", micros(typed));
}

/// The median over many rounds of `ours`'s time divided by `baseline`'s, each round timing a
/// batch of one and then of the other, back to back (which goes first alternates). On a shared
/// machine, load that comes and goes slows both sides of a round alike, where criterion's
/// medians, measured one benchmark after the other, can each catch a different load.
fn interleaved(ours: &dyn Fn(), baseline: &dyn Fn()) -> Interleaved {
    use std::time::{Duration, Instant};
    // Batches of at least 20 µs, so the clock's resolution does not matter.
    let batch = |f: &dyn Fn()| {
        let mut n = 1u32;
        loop {
            let start = Instant::now();
            (0..n).for_each(|_| f());
            if start.elapsed() >= Duration::from_micros(20) || n >= 1 << 20 {
                return n;
            }
            n *= 2;
        }
    };
    let (n_ours, n_baseline) = (batch(ours), batch(baseline));
    let time = |f: &dyn Fn(), n: u32| {
        let start = Instant::now();
        (0..n).for_each(|_| f());
        start.elapsed().as_secs_f64() / f64::from(n)
    };
    let rounds: Vec<(f64, f64)> = (0..2000)
        .map(|round| {
            if round % 2 == 0 {
                let a = time(ours, n_ours);
                (a, time(baseline, n_baseline))
            } else {
                let b = time(baseline, n_baseline);
                (time(ours, n_ours), b)
            }
        })
        .collect();
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    Interleaved {
        ratio: median(rounds.iter().map(|(a, b)| a / b).collect()),
        ours: median(rounds.iter().map(|r| r.0).collect()),
        baseline: median(rounds.iter().map(|r| r.1).collect()),
    }
}

/// What [`interleaved`] measured: the median ratio, and each side's median time in seconds.
struct Interleaved {
    ratio: f64,
    ours: f64,
    baseline: f64,
}

impl Interleaved {
    /// A table row: the two medians, then the ratio as a slowdown or as a speedup.
    fn row(&self, what: &str, slowdown: bool, goal: &str) -> String {
        let ratio = if slowdown { format!("{:.2}x", self.ratio) } else { format!("{:.2}x faster", 1.0 / self.ratio) };
        let micros = |seconds: f64| format!("{:.2} µs", seconds * 1e6);
        format!("| {what} | {} | {} | {ratio} | {goal} |", micros(self.ours), micros(self.baseline))
    }
}

/// The goals' ratios measured by [`interleaved`], with the floor of comparison 2.
fn interleaved_table(valid: &[Document], invalid: &[Document]) {
    let from_str = || {
        for d in valid {
            black_box(connection_models::from_str::<ConnectionRequest>(black_box(&d.text)).is_ok());
        }
    };
    let serde = || {
        for d in valid {
            black_box(serde_json::from_str::<ConnectionRequest>(black_box(&d.text)).is_ok());
        }
    };
    let validate_json = || {
        for d in valid {
            black_box(ConnectionRequest::validate_json(black_box(&d.value)).is_ok());
        }
    };
    let is_valid = || {
        for d in valid {
            black_box(Compiled::is_valid(black_box(&d.value)));
        }
    };
    let walk = || {
        for d in valid {
            black_box(floor(black_box(&d.value)));
        }
    };
    let all_errors = || {
        for d in invalid {
            black_box(ConnectionRequest::validate_json(black_box(&d.value)).unwrap_err().len());
        }
    };
    let iter_errors = || {
        for d in invalid {
            black_box(Compiled::iter_errors(black_box(&d.value)).count());
        }
    };
    println!();
    println!("The same comparisons interleaved (median ratio of 2000 rounds, each timing both sides):");
    println!();
    println!("| comparison | schemagen | baseline | ratio | goal |");
    println!("| --- | ---: | ---: | ---: | --- |");
    println!("{}", interleaved(&from_str, &serde).row("1. from_str vs serde_json::from_str, valid", true, "<= 1.10x"));
    let row = interleaved(&validate_json, &is_valid);
    println!("{}", row.row("2. validate_json vs jsonschema is_valid, valid", false, ">= 2x faster"));
    println!("{}", interleaved(&walk, &is_valid).row("   floor vs jsonschema is_valid, valid", false, ""));
    let row3 = interleaved(&all_errors, &iter_errors);
    println!("{}", row3.row("3. validate_json vs jsonschema iter_errors, invalid", false, ">= 2x faster"));
}

fn main() {
    check_bundle();
    let valid = documents("valid");
    let invalid = documents("invalid");
    check_agreement(&valid, &invalid);

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../criterion");
    let mut criterion = Criterion::default().output_directory(&dir).configure_from_args();
    let ran = Ran(RefCell::new(BTreeSet::new()));
    benchmarks(&mut criterion, &ran, &valid, &invalid);
    criterion.final_summary();

    let args: Vec<String> = std::env::args().collect();
    let measuring = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test" || a == "--list");
    if measuring {
        table(&dir, &ran, valid.len(), invalid.len());
        // Only when the goals' benchmarks ran: a filtered run measures what it names, quickly.
        let goals = [
            "valid_decode/schemagen_from_str",
            "valid_decode/serde_json",
            "valid_validate/schemagen_validate_json",
            "valid_validate/jsonschema_is_valid",
            "invalid_errors/schemagen_validate_json",
            "invalid_errors/jsonschema_iter_errors",
        ];
        if goals.iter().all(|id| ran.0.borrow().contains(*id)) {
            interleaved_table(&valid, &invalid);
        }
    } else {
        println!(
            "quick mode: {} documents agree across validators; every benchmark ran once",
            valid.len() + invalid.len()
        );
    }
}
