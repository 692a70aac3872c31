//! Reads a connection request (JSON) on standard input and prints it with credentials redacted.

use std::io::Read;

fn main() {
    let mut input = String::new();
    if let Err(err) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("error: cannot read standard input: {err}");
        std::process::exit(1);
    }
    match build_time_example::describe(&input) {
        Ok(description) => println!("{description}"),
        Err(err) => {
            eprintln!("error: not a connection request: {err}");
            std::process::exit(1);
        }
    }
}
