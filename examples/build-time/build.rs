//! Generates the models of `schemas/schemagen.toml` into `OUT_DIR` on every build that needs it.

fn main() {
    let generated = schemagen::build::Builder::new().config("../../schemas/schemagen.toml").generate();
    if let Err(error) = generated {
        // The error shows every problem with its file, line and a snippet.
        eprintln!("{error}");
        std::process::exit(1);
    }
}
