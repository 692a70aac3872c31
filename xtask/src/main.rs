//! Repository automation. `cargo xtask codegen` regenerates `generated/` from
//! `schemas/schemagen.toml`; `cargo xtask codegen --check` writes nothing and fails when
//! `generated/` is stale. The work is done by the `schemagen` library; this is only the entry.
//! `cargo xtask conformance` runs the JSON-Schema-Test-Suite against generated validators (see
//! `conformance/README.md`). `cargo xtask bench [--quick]` compares generation with typify (see
//! `bench/mod.rs`).

mod bench;
mod conformance;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    // As the `schemagen` binary does, so that `bench-child` measures what the CLI does.
    schemagen::tune_allocator();
    match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["conformance", rest @ ..] => conformance::main(rest),
        ["bench", rest @ ..] => bench::main(rest),
        ["bench-child", rest @ ..] => bench::child::main(rest),
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            eprintln!(
                "       cargo xtask conformance [--draft 2020-12|2019-09|7|4|all] [--optional-format] [--filter SUBSTRING] [--update]"
            );
            eprintln!("       {}", bench::usage());
            ExitCode::FAILURE
        }
    }
}

fn codegen(check: bool) -> ExitCode {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace");
    if let Err(err) = std::env::set_current_dir(root) {
        eprintln!("error: cannot enter the workspace root {}: {err}", root.display());
        return ExitCode::FAILURE;
    }
    let outcome = schemagen::codegen::run(std::path::Path::new("schemas/schemagen.toml"), check);
    eprint!("{}", outcome.log);
    if outcome.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
