//! The `schemagen` binary: a thin wrapper over [`schemagen::cli::run`].

fn main() -> std::process::ExitCode {
    schemagen::tune_allocator();
    let code = schemagen::cli::run(std::env::args_os().skip(1), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::ExitCode::from(code as u8)
}
