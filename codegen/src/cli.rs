//! The `schemagen` command line, as a library function so tests drive it in-process.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, ModuleConfig, Output, RuntimeDependency};
use crate::source::SourceDb;
use crate::{Options, names, report, write};

#[derive(Parser)]
#[command(name = "schemagen", version, about = "Generate typed Rust models from JSON Schema and OpenAPI documents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a crate from schema files, OpenAPI documents, or directories of them.
    Generate(Generate),
    /// Like `generate`, but write nothing: exit non-zero if the output directory is stale.
    Check(Generate),
}

#[derive(Args)]
struct Generate {
    /// Schema files, OpenAPI documents, or directories of them; each file becomes a module.
    #[arg(required_unless_present = "config")]
    inputs: Vec<PathBuf>,
    /// A `schemagen.toml` naming modules, inputs and the output, instead of INPUTs.
    #[arg(long, conflicts_with_all = ["inputs", "out", "crate_name", "bundle"])]
    config: Option<PathBuf>,
    /// The directory to write the crate to.
    #[arg(long, required_unless_present = "config")]
    out: Option<PathBuf>,
    /// The Cargo package name of the crate [default: the name of --out].
    #[arg(long)]
    crate_name: Option<String>,
    /// A document that dangling `#/components/schemas/…` refs resolve against.
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// Depend on `schemagen-runtime` by this path instead of this build's own copy.
    #[arg(long, conflicts_with = "runtime_version")]
    runtime_path: Option<PathBuf>,
    /// Depend on `schemagen-runtime` from a registry, with this version requirement.
    #[arg(long)]
    runtime_version: Option<String>,
    /// Omit the `[workspace]` table, for a crate inside an existing workspace.
    #[arg(long)]
    workspace_member: bool,
    /// Write the models without errors and skip the rest; still exit non-zero.
    #[arg(long)]
    keep_going: bool,
    /// Write a JSON summary (inputs, models, skipped models, diagnostics) to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
}

/// Runs the command line `args` (without the program name), writing messages to `err`.
/// Returns the process exit code: 0 for success, 1 for errors in the inputs, 2 for usage errors.
pub fn run(args: impl IntoIterator<Item = OsString>, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(std::iter::once(OsString::from("schemagen")).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = write!(err, "{}", e.render());
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let (args, check) = match cli.command {
        Command::Generate(args) => (args, false),
        Command::Check(args) => (args, true),
    };
    generate(args, check, err)
}

const FAILURE: i32 = 1;
const SUCCESS: i32 = 0;

fn generate(args: Generate, check: bool, err: &mut dyn Write) -> i32 {
    let mut config_db = SourceDb::default();
    let config = match &args.config {
        Some(path) => match Config::load(path, &mut config_db) {
            Ok(config) => config,
            Err(mut errors) => {
                let mut diagnostics = crate::diag::Diagnostics::default();
                errors.drain(..).for_each(|d| diagnostics.push(d));
                config_db.resolve(&mut diagnostics);
                for d in diagnostics.iter() {
                    let _ = write!(err, "{}", config_db.render(d));
                }
                return FAILURE;
            }
        },
        None => config_from_args(&args),
    };
    let inputs: Vec<String> = config.modules.iter().flat_map(|m| m.inputs.iter().map(|i| config.display(i))).collect();
    let generation = crate::generate(&config, Options { keep_going: args.keep_going });
    for diagnostic in generation.diagnostics.iter() {
        let _ = write!(err, "{}", generation.db.render(diagnostic));
    }
    if let Some(path) = &args.report {
        let report = report::Report::new(&generation, &config.output.crate_name, &inputs);
        if let Err(e) = std::fs::write(path, report.to_json()) {
            let _ = writeln!(err, "error: cannot write the report to {}: {e}", path.display());
            return FAILURE;
        }
    }
    let errors = generation.diagnostics.error_count();
    let dir = &config.output.dir;
    if generation.files.is_empty() {
        let _ = writeln!(err, "error: {errors} error(s); nothing was written to {}", dir.display());
        return FAILURE;
    }
    if check {
        let drift = write::check(dir, &generation.files);
        for d in &drift {
            let _ = writeln!(err, "stale: {}/{d}", dir.display());
        }
        if !drift.is_empty() {
            let _ = writeln!(
                err,
                "error: {} is out of date; run `schemagen generate` with the same arguments",
                dir.display()
            );
            return FAILURE;
        }
        return if errors == 0 { SUCCESS } else { FAILURE };
    }
    match write::write(dir, &generation.files) {
        Ok(written) => {
            let models = generation.skipped.iter().filter(|s| !**s).count();
            let verb = if written == write::Written::Unchanged { "unchanged" } else { "wrote" };
            let _ = writeln!(
                err,
                "{verb} {} ({models} models, {} warnings)",
                dir.display(),
                generation.diagnostics.len() - errors
            );
        }
        Err(diagnostic) => {
            let _ = writeln!(err, "{diagnostic}");
            return FAILURE;
        }
    }
    if errors > 0 {
        let _ = writeln!(err, "error: {errors} error(s); the models with errors were skipped");
        return FAILURE;
    }
    SUCCESS
}

fn config_from_args(args: &Generate) -> Config {
    let out = args.out.clone().expect("clap requires --out without --config");
    let crate_name = args.crate_name.clone().unwrap_or_else(|| {
        let stem = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        names::module_name(&stem).replace('_', "-")
    });
    let runtime = match (&args.runtime_path, &args.runtime_version) {
        (Some(path), _) => RuntimeDependency::Path(path.clone()),
        (None, Some(version)) => RuntimeDependency::Version(version.clone()),
        (None, None) => RuntimeDependency::bundled(),
    };
    let mut files = Vec::new();
    let mut diagnostics = crate::diag::Diagnostics::default();
    let display_root = std::env::current_dir().unwrap_or_default();
    let probe = Config {
        output: Output {
            crate_name: String::new(),
            description: None,
            dir: out.clone(),
            runtime: runtime.clone(),
            workspace_member: false,
        },
        modules: Vec::new(),
        display_root: display_root.clone(),
        secrets: Default::default(),
    };
    files.extend(crate::jsonschema::expand_inputs(&args.inputs, &mut diagnostics, &probe));
    // Directory problems surface again, with locations, when the run reads the files.
    let modules = files
        .into_iter()
        .map(|file| ModuleConfig {
            name: file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            doc: Some(format!("Generated from `{}`.", probe.display(&file))),
            inputs: vec![file],
            bundle: args.bundle.clone(),
        })
        .collect();
    Config {
        output: Output { crate_name, description: None, dir: out, runtime, workspace_member: args.workspace_member },
        modules,
        display_root,
        secrets: Default::default(),
    }
}
