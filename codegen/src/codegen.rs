//! One call that runs a config end to end, for `cargo xtask codegen`, `build.rs` and tests:
//! load the config, generate, render every diagnostic, then write or check.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::source::SourceDb;
use crate::{Options, write};

/// What a run printed and whether it succeeded.
#[derive(Debug)]
pub struct Outcome {
    pub ok: bool,
    /// Rendered diagnostics and a summary, ready for stderr.
    pub log: String,
}

/// Generates the crate `config_path` describes. With `check`, writes nothing and fails when the
/// output on disk differs, naming each stale file and the command that fixes it.
pub fn run(config_path: &Path, check: bool) -> Outcome {
    let mut log = String::new();
    let mut config_db = SourceDb::default();
    let config = match Config::load(config_path, &mut config_db) {
        Ok(config) => config,
        Err(errors) => {
            let mut diagnostics = Diagnostics::default();
            errors.into_iter().for_each(|d| diagnostics.push(d));
            config_db.resolve(&mut diagnostics);
            diagnostics.iter().for_each(|d| log.push_str(&config_db.render(d)));
            return Outcome { ok: false, log };
        }
    };
    let dir = &config.output.dir;
    // Each file is compared or staged as soon as it is emitted, never all of them held at once.
    let mut checker = write::Checker::new(dir);
    let mut writer = write::Writer::new(dir);
    let sink: &mut dyn crate::emit::Sink = if check { &mut checker } else { &mut writer };
    let generation = crate::generate_to(&config, Options::default(), sink, &mut |_| {});
    for diagnostic in generation.diagnostics.iter() {
        log.push_str(&generation.db.render(diagnostic));
    }
    let secrets = generation.secret_fields();
    if !secrets.is_empty() {
        let _ = writeln!(log, "{} fields are generated as secrets (redacted in Debug, zeroed on drop):", secrets.len());
        for (path, reason) in &secrets {
            let _ = writeln!(log, "  secret: {path}: {reason}");
        }
    }
    let shown = config.display(dir);
    if !generation.succeeded() {
        let _ = writeln!(log, "error: {} error(s); `{shown}` was left as it was", generation.diagnostics.error_count());
        return Outcome { ok: false, log };
    }
    if check {
        let drift = checker.finish();
        for d in &drift {
            let _ = writeln!(log, "error: {shown}/{d}");
        }
        if !drift.is_empty() {
            let _ = writeln!(
                log,
                "`{shown}` is out of date with `{}`: run `cargo xtask codegen`",
                config.display(config_path)
            );
            return Outcome { ok: false, log };
        }
        return Outcome { ok: true, log };
    }
    match writer.finish() {
        Ok(write::Written::Unchanged) => {
            let _ = writeln!(log, "`{shown}` is up to date");
        }
        Ok(write::Written::Updated) => {
            let _ = writeln!(log, "wrote `{shown}` ({} models)", generation.krate.models.len());
        }
        Err(diagnostic) => {
            let _ = writeln!(log, "{diagnostic}");
            return Outcome { ok: false, log };
        }
    }
    Outcome { ok: true, log }
}
