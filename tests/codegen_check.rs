//! `cargo test` fails when `generated/` is stale, naming the command that fixes it.

#[test]
fn generated_crate_is_up_to_date() {
    let root = schemagen_tests::root();
    std::env::set_current_dir(&root).unwrap();
    let outcome = schemagen::codegen::run(&root.join("schemas/schemagen.toml"), true);
    assert!(outcome.ok, "{}", outcome.log);
}
