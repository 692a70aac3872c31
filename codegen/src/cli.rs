//! The `schemagen` command line, as a library function so tests drive it in-process.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, DateType, Derive, JsonSchemaDerive, ModuleConfig, Output, RuntimeDependency};
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
    /// Print one model as schemagen understands it: fields, types, required-ness, constraints,
    /// secrets, and where each came from.
    Explain(Explain),
}

/// Where the schemas come from.
#[derive(Args)]
struct Sources {
    /// Schema files, OpenAPI documents, or directories of them; each file becomes a module.
    #[arg(required_unless_present = "config")]
    inputs: Vec<PathBuf>,
    /// A `schemagen.toml` naming modules, inputs and the output, instead of INPUTs.
    #[arg(long, conflicts_with_all = ["inputs", "bundle"])]
    config: Option<PathBuf>,
    /// A document that dangling `#/components/schemas/…` refs resolve against.
    #[arg(long)]
    bundle: Option<PathBuf>,
    /// How diagnostics are printed: `human` (snippets) or `json` (one object per line).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Args)]
struct Generate {
    #[command(flatten)]
    sources: Sources,
    /// The directory to write the crate to.
    #[arg(long, required_unless_present = "config", conflicts_with = "config")]
    out: Option<PathBuf>,
    /// The Cargo package name of the crate [default: the name of --out].
    #[arg(long, conflicts_with = "config")]
    crate_name: Option<String>,
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
    #[command(flatten)]
    types: TypeArgs,
}

/// How models are typed; each overrides the config's `[types]`.
#[derive(Args)]
struct TypeArgs {
    /// The Rust type of `format: date-time`, and of `format: date` unless --date is given
    /// [default: chrono]
    #[arg(long, value_enum)]
    date_time: Option<DateType>,
    /// The Rust type of `format: date` [default: as --date-time]
    #[arg(long, value_enum)]
    date: Option<DateType>,
    /// Derives added to every model that can have them: Eq, Hash, PartialOrd, Ord (repeat the
    /// option or separate with commas); a model that cannot gets a W020 warning
    #[arg(long = "derive", value_name = "DERIVE", value_delimiter = ',')]
    derives: Vec<Derive>,
    /// When models derive `schemars::JsonSchema` [default: feature]
    #[arg(long, value_enum)]
    json_schema: Option<JsonSchemaDerive>,
}

impl TypeArgs {
    fn apply(&self, config: &mut Config) {
        let types = &mut config.types;
        if let Some(date_time) = self.date_time {
            types.date_time = date_time;
            types.date = self.date.unwrap_or(date_time);
        }
        if let Some(date) = self.date {
            types.date = date;
        }
        types.derives.extend(self.derives.iter().copied());
        if let Some(json_schema) = self.json_schema {
            types.json_schema = json_schema;
        }
    }
}

#[derive(Args)]
struct Explain {
    /// The model: its Rust name (`ConnectionRequest`) or path (`ampersand::ConnectionRequest`).
    model: String,
    #[command(flatten)]
    sources: Sources,
    #[command(flatten)]
    types: TypeArgs,
}

/// Runs the command line `args` (without the program name), writing messages to `err`.
/// Returns the process exit code: 0 for success, 1 for errors in the inputs, 2 for usage errors.
pub fn run(args: impl IntoIterator<Item = OsString>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(std::iter::once(OsString::from("schemagen")).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = write!(err, "{}", e.render());
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match cli.command {
        Command::Generate(args) => generate(args, false, err),
        Command::Check(args) => generate(args, true, err),
        Command::Explain(args) => explain(args, out, err),
    }
}

const FAILURE: i32 = 1;
const SUCCESS: i32 = 0;

fn generate(args: Generate, check: bool, err: &mut dyn Write) -> i32 {
    let format = args.sources.message_format;
    let output = OutputArgs {
        out: args.out.clone(),
        crate_name: args.crate_name.clone(),
        runtime_path: args.runtime_path.clone(),
        runtime_version: args.runtime_version.clone(),
        workspace_member: args.workspace_member,
    };
    let Some(mut config) = load_config(&args.sources, output, err) else { return FAILURE };
    args.types.apply(&mut config);
    let inputs: Vec<String> = config.modules.iter().flat_map(|m| m.inputs.iter().map(|i| config.display(i))).collect();
    let terminal = format == MessageFormat::Human && std::io::stderr().is_terminal();
    let mut bar = Progress { terminal, bar: None };
    let dir = &config.output.dir;
    // Each file is compared or staged as soon as it is emitted, never all of them held at once.
    let mut sink =
        if check { Destination::Check(write::Checker::new(dir)) } else { Destination::Write(write::Writer::new(dir)) };
    let options = Options { keep_going: args.keep_going };
    let generation = crate::generate_to(&config, options, sink.as_sink(), &mut |p| bar.update(p, &config));
    bar.finish();
    print_diagnostics(&generation.db, &generation.diagnostics, format, err);
    if let Some(path) = &args.report {
        let report = report::Report::new(&generation, &config.output.crate_name, &inputs);
        if let Err(e) = write::write_file(path, &report.to_json()) {
            let _ = writeln!(err, "error: cannot write the report to {}: {e}", path.display());
            return FAILURE;
        }
    }
    let errors = generation.diagnostics.error_count();
    if !generation.emitted {
        let _ = writeln!(err, "error: {errors} error(s); nothing was written to {}", dir.display());
        return FAILURE;
    }
    let writer = match sink {
        Destination::Write(writer) => writer,
        Destination::Check(checker) => {
            let drift = checker.finish();
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
    };
    match writer.finish() {
        Ok(written) => {
            let models = generation.skipped.iter().filter(|s| !**s).count();
            let verb = if written == write::Written::Unchanged { "unchanged" } else { "wrote" };
            let warnings = generation.diagnostics.len() - errors;
            let secrets = generation.secret_fields().len();
            let _ = writeln!(
                err,
                "{verb} {} ({models} models, {secrets} secret fields, {warnings} warnings)",
                dir.display()
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

/// Where `generate` and `check` send each file.
enum Destination {
    Write(write::Writer),
    Check(write::Checker),
}

impl Destination {
    fn as_sink(&mut self) -> &mut dyn crate::emit::Sink {
        match self {
            Destination::Write(writer) => writer,
            Destination::Check(checker) => checker,
        }
    }
}

fn explain(args: Explain, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let format = args.sources.message_format;
    let output = OutputArgs { out: Some(PathBuf::from("schemagen-explain")), ..OutputArgs::default() };
    let Some(mut config) = load_config(&args.sources, output, err) else { return FAILURE };
    args.types.apply(&mut config);
    // The IR is all `explain` shows: nothing is emitted.
    let generation = crate::analyze(&config, &mut |_| {});
    print_diagnostics(&generation.db, &generation.diagnostics, format, err);
    let krate = &generation.krate;
    let wanted = args.model.trim_start_matches("crate::");
    let matches: Vec<usize> = (0..krate.models.len())
        .filter(|&i| {
            let model = &krate.models[i];
            model.merged_into.is_none() && model.name == wanted
                || format!("{}::{}", krate.modules[model.module].name, model.name) == wanted
        })
        .collect();
    match matches.as_slice() {
        [index] => {
            let _ = write!(out, "{}", crate::explain::explain(&generation, *index, &config.types));
            SUCCESS
        }
        [] => {
            let lowered = wanted.to_ascii_lowercase();
            let mut similar: Vec<String> = krate
                .models
                .iter()
                .filter(|m| {
                    m.name.to_ascii_lowercase().contains(&lowered) || lowered.contains(&m.name.to_ascii_lowercase())
                })
                .map(|m| format!("{}::{}", krate.modules[m.module].name, m.name))
                .collect();
            similar.truncate(10);
            let _ = writeln!(err, "error: no model is named `{}`", args.model);
            if !similar.is_empty() {
                let _ = writeln!(err, "  similar: {}", similar.join(", "));
            }
            FAILURE
        }
        several => {
            let paths: Vec<String> = several
                .iter()
                .map(|&i| format!("{}::{}", krate.modules[krate.models[i].module].name, krate.models[i].name))
                .collect();
            let _ = writeln!(err, "error: `{}` is ambiguous; name one of: {}", args.model, paths.join(", "));
            FAILURE
        }
    }
}

/// A run reading more inputs than this shows a progress bar (on a terminal).
const PROGRESS_MIN_INPUTS: usize = 20;

/// Whether a run of `total` inputs shows a progress bar.
fn shows_progress(total: usize, terminal: bool) -> bool {
    terminal && total > PROGRESS_MIN_INPUTS
}

/// The progress bar on stderr, drawn from the library's [`crate::Progress`] reports when stderr
/// is a terminal and the run reads many inputs; cleared before diagnostics are printed.
struct Progress {
    terminal: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn update(&mut self, progress: crate::Progress<'_>, config: &Config) {
        match progress {
            crate::Progress::Read { done, total, file } => {
                if self.bar.is_none() && shows_progress(total, self.terminal) {
                    let style = indicatif::ProgressStyle::with_template("reading [{bar:30}] {pos}/{len} {wide_msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                        .progress_chars("=> ");
                    let bar = indicatif::ProgressBar::new(total as u64).with_style(style);
                    self.bar = Some(bar);
                }
                if let Some(bar) = &self.bar {
                    bar.set_position(done as u64);
                    bar.set_message(config.display(file));
                }
            }
            crate::Progress::Emitting => {
                if let Some(bar) = &self.bar {
                    bar.set_message("generating code");
                }
            }
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn print_diagnostics(
    db: &SourceDb,
    diagnostics: &crate::diag::Diagnostics,
    format: MessageFormat,
    err: &mut dyn Write,
) {
    for diagnostic in diagnostics.iter() {
        let _ = match format {
            MessageFormat::Human => write!(err, "{}", db.render(diagnostic)),
            MessageFormat::Json => writeln!(err, "{}", serde_json::to_string(diagnostic).unwrap_or_default()),
        };
    }
}

/// The options that shape the output crate when no config file is given.
#[derive(Default)]
struct OutputArgs {
    out: Option<PathBuf>,
    crate_name: Option<String>,
    runtime_path: Option<PathBuf>,
    runtime_version: Option<String>,
    workspace_member: bool,
}

/// The config file, or one built from the command line: one module per input file.
fn load_config(sources: &Sources, output: OutputArgs, err: &mut dyn Write) -> Option<Config> {
    if let Some(path) = &sources.config {
        let mut db = SourceDb::default();
        return match Config::load(path, &mut db) {
            Ok(config) => Some(config),
            Err(errors) => {
                let mut diagnostics = crate::diag::Diagnostics::default();
                errors.into_iter().for_each(|d| diagnostics.push(d));
                db.resolve(&mut diagnostics);
                print_diagnostics(&db, &diagnostics, sources.message_format, err);
                None
            }
        };
    }
    let out = output.out.unwrap_or_default();
    let crate_name = output.crate_name.unwrap_or_else(|| {
        let stem = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        names::module_name(&stem).replace('_', "-")
    });
    let runtime = match (output.runtime_path, output.runtime_version) {
        (Some(path), _) => RuntimeDependency::Path(path),
        (None, Some(version)) => RuntimeDependency::Version(version),
        (None, None) => RuntimeDependency::bundled(),
    };
    let mut config = Config {
        output: Output { crate_name, description: None, dir: out, runtime, workspace_member: output.workspace_member },
        modules: Vec::new(),
        display_root: std::env::current_dir().unwrap_or_default(),
        secrets: Default::default(),
        resources: Vec::new(),
        format_assertion: true,
        types: Default::default(),
    };
    // Each schema file is a module of its own. The markdown docs of a directory link to each
    // other, so they form one module named after the directory.
    let mut ignored = crate::diag::Diagnostics::default();
    let module = |name: String, doc: String, inputs: Vec<PathBuf>| ModuleConfig {
        name,
        doc: Some(doc),
        inputs,
        bundle: sources.bundle.clone(),
        wire_naming: Default::default(),
        unresolved_links: Default::default(),
        prefer: Default::default(),
    };
    for input in &sources.inputs {
        let files = crate::jsonschema::expand_inputs(std::slice::from_ref(input), &mut ignored, &config);
        let (docs, schemas): (Vec<PathBuf>, Vec<PathBuf>) =
            files.into_iter().partition(|f| crate::jsonschema::is_markdown(f));
        for file in schemas {
            let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            config.modules.push(module(name, format!("Generated from `{}`.", config.display(&file)), vec![file]));
        }
        if !docs.is_empty() {
            let stem = if input.is_dir() { input.file_name() } else { input.file_stem() };
            let name = stem.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            config.modules.push(module(
                name,
                format!("Generated from the model docs in `{}`.", config.display(input)),
                docs,
            ));
        }
    }
    Some(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_long_runs_on_a_terminal_show_progress() {
        assert!(shows_progress(21, true));
        assert!(!shows_progress(20, true), "a short run finishes before a bar helps");
        assert!(!shows_progress(5000, false), "never when stderr is a pipe or a file");
    }
}
