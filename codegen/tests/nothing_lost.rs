//! A killed or failed run leaves the output directory as it was.
//!
//! The generator is run on a large input over an output directory that also holds files it
//! does not generate (a `Cargo.lock`, a `target/` tree), and killed with SIGKILL at many points:
//! while it reads and emits, and at evenly spaced moments of its write phase, which starts when
//! its staging directory appears beside the output. After every kill the output must be
//! byte-for-byte what it was before, or, if the kill came after the swap that commits the
//! run, exactly what a complete run produces; never a mixture, never missing. The next run must
//! then finish the job and leave nothing behind.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_schemagen");

/// Everything under `dir`: each path with its bytes; `/` ends a directory.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                out.insert(format!("{path}/"), Vec::new());
                walk(&entry.path(), &format!("{path}/"), out);
            } else {
                out.insert(path, fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// `files` JSON Schema documents of `defs` object definitions each; `version` goes into every
/// description, so two versions generate the same file names with different contents.
fn write_spec(dir: &Path, version: &str, files: usize, defs: usize) -> Vec<PathBuf> {
    fs::create_dir_all(dir).unwrap();
    (0..files)
        .map(|f| {
            let definitions: serde_json::Map<String, serde_json::Value> = (0..defs)
                .map(|d| {
                    let schema = serde_json::json!({
                        "type": "object",
                        "description": format!("Definition {d} of file {f}, {version}."),
                        "required": ["id"],
                        "properties": {
                            "id": {"type": "string", "description": format!("The id ({version}).")},
                            "count": {"type": "integer", "minimum": 0},
                            "tags": {"type": "array", "items": {"type": "string"}},
                            "next": {"$ref": format!("#/definitions/Def{}", (d + 1) % defs)},
                            "kind": {"enum": ["alpha", "beta", "gamma"]}
                        }
                    });
                    (format!("Def{d}"), schema)
                })
                .collect();
            let path = dir.join(format!("file{f:03}.json"));
            let doc =
                serde_json::json!({"$schema": "http://json-schema.org/draft-07/schema#", "definitions": definitions});
            fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
            path
        })
        .collect()
}

fn command(verb: &str, inputs: &[PathBuf], out: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.arg(verb).args(inputs).arg("--out").arg(out).stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

fn run(verb: &str, inputs: &[PathBuf], out: &Path) -> (bool, String) {
    let output = command(verb, inputs, out).output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The entries beside `out` that are not `out`: staging directories and lock files.
fn leftovers(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap();
    let mut names: Vec<String> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != name)
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs the generator and kills it `delay` after its staging directory appears, or after
/// `delay` from the start when `from_start`. Returns whether the kill landed before the run
/// finished.
fn run_and_kill(inputs: &[PathBuf], out: &Path, delay: Duration, from_start: bool) -> bool {
    let mut child = command("generate", inputs, out).stderr(Stdio::null()).spawn().unwrap();
    if !from_start {
        // Poll for the staging directory; give up if the run ends first.
        loop {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            if !leftovers(out).iter().all(|n| n.ends_with(".lock")) {
                break;
            }
            std::thread::yield_now();
        }
    }
    let start = Instant::now();
    while start.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    child.wait().unwrap();
    killed
}

#[test]
fn a_killed_run_leaves_the_output_as_it_was_or_complete_and_the_next_run_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let old_inputs = write_spec(&tmp.path().join("v1"), "version one", 16, 6);
    let new_inputs = write_spec(&tmp.path().join("v2"), "version two", 16, 6);

    // The output before: a generated crate, plus a lock file and a target tree it keeps.
    let template = tmp.path().join("template/out");
    let (ok, log) = run("generate", &old_inputs, &template);
    assert!(ok, "{log}");
    fs::write(template.join("Cargo.lock"), "# a lock file schemagen did not write\n").unwrap();
    for d in 0..20 {
        let deps = template.join(format!("target/debug/build/dep{d}"));
        fs::create_dir_all(&deps).unwrap();
        for f in 0..100 {
            fs::write(deps.join(format!("out{f}.o")), format!("object {d}/{f}")).unwrap();
        }
    }
    let before = snapshot(&template);

    // The output after a complete run, and how long the write phase takes.
    let reference = tmp.path().join("reference/out");
    copy_tree(&template, &reference);
    let mut child = command("generate", &new_inputs, &reference).spawn().unwrap();
    let started = Instant::now();
    let mut staged_at = None;
    while child.try_wait().unwrap().is_none() {
        if staged_at.is_none() && leftovers(&reference).iter().any(|n| !n.ends_with(".lock")) {
            staged_at = Some(started.elapsed());
        }
        std::thread::yield_now();
    }
    let total = started.elapsed();
    let write_phase = total - staged_at.expect("the run stages its output beside the output directory");
    let after = snapshot(&reference);
    assert_ne!(before, after);
    for kept in ["Cargo.lock", "target/debug/build/dep7/out42.o"] {
        assert_eq!(before[kept], after[kept], "{kept} is carried over");
    }
    assert!(leftovers(&reference).is_empty(), "{:?}", leftovers(&reference));
    eprintln!("a complete run takes {total:?}, of which writing {write_phase:?}");

    let work = tmp.path().join("work/out");
    let (mut as_before, mut as_after, mut finished, mut while_writing) = (0, 0, 0, 0);
    let kills = 30;
    // At most this many more kills, each later than the last, when none of the 30 landed after
    // the swap: a run here can be slower than the reference run (a busy machine), and the swap
    // is at its very end.
    let extra = 20;
    for i in 0..kills + extra {
        if i >= kills && as_after > 0 {
            break;
        }
        let _ = fs::remove_dir_all(work.parent().unwrap());
        copy_tree(&template, &work);
        // A third of the kills are spread over the whole run, the rest over the write phase.
        let (delay, from_start) = if i >= kills {
            (total.mul_f64(0.9 + 0.2 * (i - kills + 1) as f64), true)
        } else if i % 3 == 0 {
            (total.mul_f64(i as f64 / kills as f64), true)
        } else {
            (write_phase.mul_f64(0.8 * i as f64 / kills as f64), false)
        };
        if !run_and_kill(&new_inputs, &work, delay, from_start) {
            finished += 1;
        }
        assert!(work.is_dir(), "kill {i} ({delay:?}) left no output directory");
        let state = snapshot(&work);
        if state == before {
            as_before += 1;
        } else if state == after {
            as_after += 1;
        } else {
            let changed: Vec<_> =
                state.keys().chain(before.keys()).filter(|k| state.get(*k) != before.get(*k)).take(5).collect();
            panic!("kill {i} ({delay:?}) left a mixture of old and new output; differs from before in {changed:?}");
        }
        if leftovers(&work).iter().any(|n| !n.ends_with(".lock")) {
            while_writing += 1;
        } else if leftovers(&work).is_empty() {
            // Killed before it staged anything, or it finished: nothing for a next run to do.
            continue;
        }
        // The next run finishes the job and removes what the killed one left.
        let (ok, log) = run("generate", &new_inputs, &work);
        assert!(ok, "{log}");
        assert_eq!(snapshot(&work), after, "the run after kill {i}");
        assert!(leftovers(&work).is_empty(), "after kill {i}: {:?}", leftovers(&work));
    }
    let kills = as_before + as_after;
    eprintln!(
        "{kills} kills: {as_before} left the output as before, {as_after} as after a complete run \
         ({finished} runs finished before the kill); {while_writing} left a staging directory"
    );
    assert!(while_writing > 0, "no kill landed while the run was writing");
    assert!(as_before > 0 && as_after > 0, "kills landed both before and after the swap");
}

#[test]
fn a_failed_run_and_check_leave_the_output_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = write_spec(&tmp.path().join("v1"), "version one", 3, 3);
    let out = tmp.path().join("work/out");
    let (ok, log) = run("generate", &inputs, &out);
    assert!(ok, "{log}");
    fs::write(out.join("Cargo.lock"), "# lock\n").unwrap();
    let before = snapshot(&out);

    // New inputs, one of them broken: nothing is written.
    inputs = write_spec(&tmp.path().join("v2"), "version two", 3, 3);
    let broken = tmp.path().join("v2/broken.json");
    fs::write(&broken, r##"{"definitions": {"A": {"$ref": "#/definitions/Missing"}}}"##).unwrap();
    inputs.push(broken);
    let (ok, log) = run("generate", &inputs, &out);
    assert!(!ok && log.contains("E010"), "{log}");
    assert_eq!(snapshot(&out), before);
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));

    // `check` reports the stale output and writes nothing, not even a lock file.
    inputs.pop();
    let (ok, log) = run("check", &inputs, &out);
    assert!(!ok && log.contains("stale"), "{log}");
    assert_eq!(snapshot(&out), before);
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}
