//! Writing the generated crate: all or nothing, and only when something changed.
//!
//! Files are written to a staging directory beside the output and swapped into place with
//! renames once every file is on disk, so a failed or killed run leaves the output as it was.
//! Files the generator does not own (a `Cargo.lock`, a `target/` directory) are moved
//! over into the new output.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Location};
use crate::emit::{File, HEADER};

/// How a file on disk differs from what would be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Drift {
    Changed(String),
    Missing(String),
    /// A generated source file that would no longer be generated.
    Extra(String),
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Changed(path) => write!(f, "{path} is stale"),
            Drift::Missing(path) => write!(f, "{path} is missing"),
            Drift::Extra(path) => write!(f, "{path} is no longer generated"),
        }
    }
}

/// Compares `dir` with `files` without writing anything.
pub fn check(dir: &Path, files: &[File]) -> Vec<Drift> {
    let mut drift = Vec::new();
    for file in files {
        match fs::read_to_string(dir.join(&file.path)) {
            Ok(contents) if contents == file.contents => {}
            Ok(_) => drift.push(Drift::Changed(file.path.clone())),
            Err(_) => drift.push(Drift::Missing(file.path.clone())),
        }
    }
    let mut on_disk = Vec::new();
    list_sources(&dir.join("src"), "src", &mut on_disk);
    on_disk.sort();
    for path in on_disk {
        if !files.iter().any(|f| f.path == path) {
            drift.push(Drift::Extra(path));
        }
    }
    drift
}

fn list_sources(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}/{name}");
        if entry.path().is_dir() {
            list_sources(&entry.path(), &path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// What [`write`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Unchanged,
    Updated,
}

/// Writes the crate to `dir`, replacing what schemagen generated there before.
///
/// All or nothing: the new crate is built in a staging directory beside `dir`, together with
/// links to what `dir` holds that schemagen does not generate (a `Cargo.lock`, `target/`),
/// and then swapped with `dir` in one step (`renameat2(RENAME_EXCHANGE)` on Linux,
/// `renameatx_np(RENAME_SWAP)` on macOS). Until that step `dir` is not touched; after it, `dir`
/// is the complete new crate. Where no atomic exchange exists, `dir` is renamed aside and the
/// staging directory renamed into its place; a run killed between the two renames is undone by
/// the next run. Every run first removes what killed runs left beside `dir`.
pub fn write(dir: &Path, files: &[File]) -> Result<Written, Diagnostic> {
    write_with(dir, files, &mut |_| Ok(()))
}

/// Writes one file by writing a temporary file beside it and renaming it into place, so a
/// failed or killed run leaves the previous file, never half of the new one.
pub fn write_file(path: &Path, contents: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    io::Write::write_all(&mut file, contents.as_bytes())?;
    file.persist(path).map(drop).map_err(|e| e.error)
}

/// One I/O step of [`write`], for tests that make each step fail in turn.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Lock,
    Recover,
    Stage(String),
    Carry(String),
    Swap,
}

fn write_with(
    dir: &Path,
    files: &[File],
    fault: &mut dyn FnMut(&Step) -> io::Result<()>,
) -> Result<Written, Diagnostic> {
    let shown = dir.display().to_string();
    let fail = |what: &str, err: io::Error| {
        Diagnostic::error(Code::E031, format!("cannot write `{shown}`: {what}: {err}"))
            .at(Location::file(shown.clone()))
            .hint("nothing in the output directory was changed")
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let temp_prefix = format!(".{name}.schemagen-");
    fault(&Step::Lock).and_then(|()| fs::create_dir_all(&parent)).map_err(|e| fail("creating its parent", e))?;
    let lock = fault(&Step::Lock)
        .and_then(|()| OutputLock::acquire(&parent, &name))
        .map_err(|e| fail("locking the output", e))?;
    let result = fault(&Step::Recover)
        .and_then(|()| recover(dir, &parent, &temp_prefix))
        .map_err(|e| fail("cleaning up after an earlier run", e))
        .and_then(|()| replace(dir, &parent, &temp_prefix, files, fault, &fail));
    lock.release();
    result
}

fn replace(
    dir: &Path,
    parent: &Path,
    temp_prefix: &str,
    files: &[File],
    fault: &mut dyn FnMut(&Step) -> io::Result<()>,
    fail: &dyn Fn(&str, io::Error) -> Diagnostic,
) -> Result<Written, Diagnostic> {
    if check(dir, files).is_empty() {
        return Ok(Written::Unchanged);
    }
    let shown = dir.display().to_string();
    if dir.exists() && !is_ours(dir) {
        return Err(Diagnostic::error(
            Code::E030,
            format!("`{shown}` exists and was not generated by schemagen; refusing to replace it"),
        )
        .at(Location::file(shown.clone()))
        .hint("choose an empty or new directory for `--out`"));
    }
    // `staging` is removed when dropped, unless it was moved into place.
    let staging = tempfile::Builder::new()
        .prefix(temp_prefix)
        .tempdir_in(parent)
        .map_err(|e| fail("creating a staging directory", e))?;
    for file in files {
        let path = staging.path().join(&file.path);
        fault(&Step::Stage(file.path.clone()))
            .and_then(|()| path.parent().map_or(Ok(()), fs::create_dir_all))
            .and_then(|()| fs::write(&path, &file.contents))
            .map_err(|e| fail(&format!("writing {}", file.path), e))?;
    }
    if !dir.exists() {
        fault(&Step::Swap)
            .and_then(|()| fs::rename(staging.path(), dir))
            .map_err(|e| fail("moving the new output into place", e))?;
        let _ = staging.keep();
        return Ok(Written::Updated);
    }
    // Carry over what we do not generate (a `Cargo.lock`, `target/`) as hard links, so that
    // `dir` stays as it was until the swap and nothing large is copied.
    let entries = fs::read_dir(dir).map_err(|e| fail("listing it", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| fail("listing it", e))?;
        let entry_name = entry.file_name();
        if files.iter().any(|f| f.path.split('/').next() == entry_name.to_str()) {
            continue;
        }
        let shown_entry = entry_name.to_string_lossy().into_owned();
        fault(&Step::Carry(shown_entry.clone()))
            .and_then(|()| link_tree(&entry.path(), &staging.path().join(&entry_name)))
            .map_err(|e| fail(&format!("carrying over {shown_entry}"), e))?;
    }
    fault(&Step::Swap)
        .and_then(|()| swap(staging.path(), dir))
        .map_err(|e| fail("moving the new output into place", e))?;
    // `staging` now holds the previous output, which is removed when it goes out of scope.
    drop(staging);
    Ok(Written::Updated)
}

/// Swaps the directories `staging` and `dir`: afterwards `dir` holds the new output and
/// `staging` the old.
fn swap(staging: &Path, dir: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // The file system or kernel cannot exchange: fall back to two renames.
            Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS | rustix::io::Errno::NOTSUP) => {}
            Err(err) => return Err(err.into()),
        }
    }
    swap_by_renames(staging, dir)
}

/// The portable swap. A run killed between the two renames leaves `dir` missing and the old
/// output in `<staging>.old`; [`recover`] puts it back.
fn swap_by_renames(staging: &Path, dir: &Path) -> io::Result<()> {
    let mut old = staging.as_os_str().to_owned();
    old.push(OLD_SUFFIX);
    let old = PathBuf::from(old);
    fs::rename(dir, &old)?;
    if let Err(err) = fs::rename(staging, dir) {
        let _ = fs::rename(&old, dir);
        return Err(err);
    }
    // Done; what cannot be removed now, the next run removes.
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

const OLD_SUFFIX: &str = ".old";

/// Makes `to` a copy of `from` whose files are hard links to the files of `from` (or copies,
/// where the file system cannot link). `from` is only read.
fn link_tree(from: &Path, to: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.is_dir() {
        fs::create_dir(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        fs::set_permissions(to, meta.permissions())
    } else if meta.file_type().is_symlink() {
        let target = fs::read_link(from)?;
        #[cfg(unix)]
        return std::os::unix::fs::symlink(target, to);
        #[cfg(not(unix))]
        return fs::copy(from, to).map(|_| drop(target));
    } else {
        fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(drop))
    }
}

/// Undoes or removes what killed runs left beside `dir`: staging directories (with the new
/// output, or after a swap with the old one) are removed, and an old output renamed aside by
/// [`swap_by_renames`] goes back to `dir` if the run died before the new one took its place.
/// Only called while holding the output's lock, so no live run owns these entries.
fn recover(dir: &Path, parent: &Path, temp_prefix: &str) -> io::Result<()> {
    let mut leftovers = Vec::new();
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(temp_prefix)) {
            leftovers.push(entry.path());
        }
    }
    leftovers.sort();
    if !dir.exists()
        && let Some(old) = leftovers.iter().find(|p| p.as_os_str().to_string_lossy().ends_with(OLD_SUFFIX))
    {
        fs::rename(old, dir)?;
    }
    for path in leftovers {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path)?,
            Ok(_) => fs::remove_file(&path)?,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// An exclusive lock on `.<name>.schemagen.lock` beside the output, held while a run writes,
/// so that a run never takes another live run's staging directory for a leftover. The lock
/// file is removed on release. Where `flock` is not available, runs do not lock and
/// concurrent runs on one output are not supported.
struct OutputLock {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    file: fs::File,
    path: PathBuf,
}

impl OutputLock {
    fn acquire(parent: &Path, name: &str) -> io::Result<OutputLock> {
        let path = parent.join(format!(".{name}.schemagen.lock"));
        #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
        loop {
            use std::os::unix::fs::MetadataExt;
            let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
            rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
            // A run that held the lock before us removed the file when it finished; ours is
            // only the lock if it is still the file at `path`.
            let held = file.metadata()?;
            match fs::metadata(&path) {
                Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => {
                    return Ok(OutputLock { file, path });
                }
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
        Ok(OutputLock { path })
    }

    fn release(self) {
        // Removed while still locked, so a waiting run sees that its file is stale and retries.
        let _ = fs::remove_file(&self.path);
        #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
        drop(self.file);
    }
}

/// A directory schemagen may replace: empty, or holding a crate it generated.
fn is_ours(dir: &Path) -> bool {
    let empty = fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(false);
    empty
        || fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().next().is_some_and(|l| l.contains(HEADER)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Everything under `dir`: each path with its bytes, `/` for a directory, `-> target`
    /// for a symbolic link.
    fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let path = format!("{prefix}{}", entry.file_name().to_string_lossy());
                let meta = fs::symlink_metadata(entry.path()).unwrap();
                if meta.file_type().is_symlink() {
                    out.insert(path, format!("-> {}", fs::read_link(entry.path()).unwrap().display()).into_bytes());
                } else if meta.is_dir() {
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

    fn crate_files(version: &str) -> Vec<File> {
        vec![
            File { path: "Cargo.toml".into(), contents: format!("{HEADER}\n[package]\nversion = \"{version}\"\n") },
            File { path: "src/lib.rs".into(), contents: format!("// {version}\npub mod a;\n") },
            File { path: "src/a.rs".into(), contents: format!("// {version}\n") },
        ]
    }

    /// A previous output with files schemagen does not generate: a lock file, a `target/`
    /// tree and a symbolic link, which must all survive.
    fn previous_output(parent: &Path) -> PathBuf {
        let dir = parent.join("out");
        write(&dir, &crate_files("1")).unwrap();
        fs::write(dir.join("Cargo.lock"), "# lock\n").unwrap();
        fs::create_dir_all(dir.join("target/debug/deps")).unwrap();
        fs::write(dir.join("target/debug/deps/libx.rlib"), "rlib").unwrap();
        fs::write(dir.join("src/extra.rs"), "// not generated any more\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("target/debug", dir.join("latest")).unwrap();
        dir
    }

    fn leftovers(parent: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "out")
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_replaces_generated_files_and_keeps_the_others() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        let before = snapshot(&dir);
        assert_eq!(write(&dir, &crate_files("2")).unwrap(), Written::Updated);
        let after = snapshot(&dir);
        for file in crate_files("2") {
            assert_eq!(after[&file.path], file.contents.as_bytes(), "{}", file.path);
        }
        for kept in ["Cargo.lock", "target/", "target/debug/deps/libx.rlib"] {
            assert_eq!(after[kept], before[kept], "{kept}");
        }
        #[cfg(unix)]
        assert_eq!(after["latest"], before["latest"]);
        assert!(!after.contains_key("src/extra.rs"), "a source file no longer generated is removed");
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
        assert_eq!(write(&dir, &crate_files("2")).unwrap(), Written::Unchanged);
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_output_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        let before = snapshot(&dir);
        let mut steps = Vec::new();
        // A dry run on a copy of the same state lists the steps a write takes.
        let other = tempfile::tempdir().unwrap();
        let copy = previous_output(other.path());
        write_with(&copy, &crate_files("2"), &mut |step| {
            steps.push(step.clone());
            Ok(())
        })
        .unwrap();
        for expected in [Step::Stage("src/a.rs".into()), Step::Carry("target".into()), Step::Swap] {
            assert!(steps.contains(&expected), "{expected:?} in {steps:?}");
        }
        for failing in &steps {
            let err = write_with(&dir, &crate_files("2"), &mut |step| {
                if step == failing { Err(io::Error::other("injected")) } else { Ok(()) }
            })
            .unwrap_err();
            assert_eq!(err.code, Code::E031, "{failing:?}");
            assert!(err.message.contains("injected"), "{}", err.message);
            assert_eq!(snapshot(&dir), before, "failing at {failing:?} changed the output");
            assert!(leftovers(tmp.path()).is_empty(), "{failing:?} left {:?}", leftovers(tmp.path()));
        }
    }

    #[test]
    fn a_staging_directory_of_a_killed_run_is_removed_by_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        fs::remove_file(dir.join("src/extra.rs")).unwrap();
        let stale = tmp.path().join(".out.schemagen-killed");
        fs::create_dir_all(stale.join("src")).unwrap();
        fs::write(stale.join("src/lib.rs"), "// half").unwrap();
        fs::write(tmp.path().join(".out.schemagen.lock"), "").unwrap();
        // Even when there is nothing to write.
        assert_eq!(write(&dir, &crate_files("1")).unwrap(), Written::Unchanged);
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
    }

    #[test]
    fn a_run_killed_between_the_two_renames_is_undone_by_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        let before = snapshot(&dir);
        // The state `swap_by_renames` leaves after its first rename.
        let staging = tmp.path().join(".out.schemagen-killed");
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("Cargo.toml"), "new").unwrap();
        fs::rename(&dir, tmp.path().join(".out.schemagen-killed.old")).unwrap();
        recover(&dir, tmp.path(), ".out.schemagen-").unwrap();
        assert_eq!(snapshot(&dir), before);
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
    }

    #[test]
    fn both_swaps_put_the_staging_directory_in_place() {
        for portable in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let (staging, dir) = (tmp.path().join(".out.schemagen-x"), tmp.path().join("out"));
            fs::create_dir(&staging).unwrap();
            fs::write(staging.join("new"), "").unwrap();
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join("old"), "").unwrap();
            if portable { swap_by_renames(&staging, &dir) } else { swap(&staging, &dir) }.unwrap();
            assert!(dir.join("new").exists() && !dir.join("old").exists(), "portable: {portable}");
            assert!(!tmp.path().join(".out.schemagen-x.old").exists(), "portable: {portable}");
        }
    }

    #[test]
    fn a_foreign_directory_is_refused_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("notes.txt"), "mine").unwrap();
        let before = snapshot(&dir);
        assert_eq!(write(&dir, &crate_files("1")).unwrap_err().code, Code::E030);
        assert_eq!(snapshot(&dir), before);
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
    }
}
