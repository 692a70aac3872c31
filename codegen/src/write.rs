//! Writing the generated crate: all or nothing, and only when something changed.
//!
//! The emitter hands over one file at a time ([`Sink`]), so no step holds the whole crate's text.
//! [`Writer`] writes each file into a staging directory beside the output as it arrives and,
//! once every file is on disk, swaps the staging directory into place, so a failed or killed run
//! leaves the output as it was. Files the generator does not own (a `Cargo.lock`, a `target/`
//! directory) are moved over into the new output. [`Checker`] compares instead of writing.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::diag::{Code, Diagnostic, Location};
use crate::emit::{File, HEADER, Sink};

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

/// Compares `dir` with `files` without writing anything: a [`Checker`] given files in memory.
pub fn check(dir: &Path, files: &[File]) -> Vec<Drift> {
    let mut checker = Checker::new(dir);
    for file in files {
        checker.compare(&file.path, &file.contents);
    }
    checker.finish()
}

/// The sink of a check run (`--check`): compares each file with its counterpart in `dir` as it
/// arrives and writes nothing; [`Checker::finish`] lists every difference.
#[derive(Debug)]
pub struct Checker {
    dir: PathBuf,
    seen: BTreeSet<String>,
    drift: Vec<Drift>,
}

impl Checker {
    pub fn new(dir: &Path) -> Checker {
        Checker { dir: dir.to_path_buf(), seen: BTreeSet::new(), drift: Vec::new() }
    }

    /// Compares one generated file with the file at the same path in `dir`.
    pub fn compare(&mut self, path: &str, contents: &str) {
        match fs::read(self.dir.join(path)) {
            Ok(on_disk) if on_disk == contents.as_bytes() => {}
            Ok(_) => self.drift.push(Drift::Changed(path.to_string())),
            Err(_) => self.drift.push(Drift::Missing(path.to_string())),
        }
        self.seen.insert(path.to_string());
    }

    /// The files compared that differ or are missing, in the order they came, then the source
    /// files in `dir` that were not among them (no longer generated), sorted.
    pub fn finish(self) -> Vec<Drift> {
        let mut drift = self.drift;
        let mut on_disk = Vec::new();
        list_sources(&self.dir.join("src"), "src", &mut on_disk);
        on_disk.sort();
        drift.extend(on_disk.into_iter().filter(|path| !self.seen.contains(path)).map(Drift::Extra));
        drift
    }
}

impl Sink for Checker {
    fn file(&mut self, file: File) -> Result<(), Diagnostic> {
        self.compare(&file.path, &file.contents);
        Ok(())
    }
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

/// Writes the crate `files` to `dir`: a [`Writer`] given files in memory.
pub fn write(dir: &Path, files: &[File]) -> Result<Written, Diagnostic> {
    let mut writer = Writer::new(dir);
    for file in files {
        writer.stage(&file.path, &file.contents)?;
    }
    writer.finish()
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

/// One I/O step of a [`Writer`], for tests that make each step fail in turn.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Lock,
    Recover,
    Stage(String),
    Carry(String),
    Swap,
}

/// The sink of a write run: writes the crate to `dir` file by file, replacing what schemagen
/// generated there before, all or nothing.
///
/// The first file takes a lock on the output (`.<name>.schemagen.lock` beside it), removes what
/// killed runs left beside `dir`, refuses a `dir` that schemagen did not write (E030), and
/// creates a staging directory beside `dir`; every file is written there as it arrives, and
/// compared with `dir`'s. [`Writer::finish`] then fills the staging directory with links to
/// what `dir` holds that schemagen does not generate (a `Cargo.lock`, `target/`) and swaps it
/// with `dir` in one step (`renameat2(RENAME_EXCHANGE)` on Linux, `renameatx_np(RENAME_SWAP)`
/// on macOS), unless nothing changed. Until that step `dir` is not touched; after it, `dir` is
/// the complete new crate. Where no atomic exchange exists, `dir` is renamed aside and the
/// staging directory renamed into its place; a run killed between the two renames is undone by
/// the next run. A writer dropped without finishing (an error stopped the run) removes its
/// staging directory and leaves `dir` as it was. After a failed step, every later call returns
/// that step's error (E031).
pub struct Writer {
    dir: PathBuf,
    state: State,
    /// Every path staged, and whether any of them differs from the file in `dir`.
    staged: BTreeSet<String>,
    changed: bool,
    fault: Fault,
}

/// Called before each I/O step; tests make it fail.
type Fault = Box<dyn FnMut(&Step) -> io::Result<()>>;

enum State {
    /// No file yet: nothing is locked or created.
    Closed,
    Open(Staging),
    Failed(Diagnostic),
}

/// A staging directory and the lock that makes it ours. Fields drop in order: the directory is
/// removed (unless kept) while the lock is still held.
struct Staging {
    dir: tempfile::TempDir,
    _lock: OutputLock,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("dir", &self.dir).field("staged", &self.staged.len()).finish_non_exhaustive()
    }
}

impl Sink for Writer {
    fn file(&mut self, file: File) -> Result<(), Diagnostic> {
        self.stage(&file.path, &file.contents)
    }
}

impl Writer {
    /// A writer for `dir`; nothing is touched before the first file.
    pub fn new(dir: &Path) -> Writer {
        Writer {
            dir: dir.to_path_buf(),
            state: State::Closed,
            staged: BTreeSet::new(),
            changed: false,
            fault: Box::new(|_| Ok(())),
        }
    }

    /// Writes one file (`path` relative to the crate root) into the staging directory.
    pub fn stage(&mut self, path: &str, contents: &str) -> Result<(), Diagnostic> {
        let result = self.open().and_then(|()| self.stage_open(path, contents));
        if let Err(error) = &result {
            // Removes the staging directory and releases the lock.
            self.state = State::Failed(error.clone());
        }
        result
    }

    /// Puts the staged crate in place of `dir`, or leaves `dir` alone when it already holds
    /// exactly these files. A crate of no files at all still replaces what schemagen generated.
    pub fn finish(mut self) -> Result<Written, Diagnostic> {
        self.open()?;
        let State::Open(staging) = std::mem::replace(&mut self.state, State::Closed) else {
            unreachable!("`open` succeeded")
        };
        let mut on_disk = Vec::new();
        list_sources(&self.dir.join("src"), "src", &mut on_disk);
        if !self.changed && on_disk.iter().all(|path| self.staged.contains(path)) {
            return Ok(Written::Unchanged);
        }
        if !self.dir.exists() {
            (self.fault)(&Step::Swap)
                .and_then(|()| fs::rename(staging.dir.path(), &self.dir))
                .map_err(|e| self.fail("moving the new output into place", e))?;
            let Staging { dir, _lock } = staging;
            let _ = dir.keep();
            return Ok(Written::Updated);
        }
        // Carry over what we do not generate (a `Cargo.lock`, `target/`) as hard links, so that
        // `dir` stays as it was until the swap and nothing large is copied.
        let ours: BTreeSet<&str> = self.staged.iter().filter_map(|path| path.split('/').next()).collect();
        let entries = fs::read_dir(&self.dir).map_err(|e| self.fail("listing it", e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.fail("listing it", e))?;
            let entry_name = entry.file_name();
            if entry_name.to_str().is_some_and(|name| ours.contains(name)) {
                continue;
            }
            let shown_entry = entry_name.to_string_lossy().into_owned();
            (self.fault)(&Step::Carry(shown_entry.clone()))
                .and_then(|()| link_tree(&entry.path(), &staging.dir.path().join(&entry_name)))
                .map_err(|e| self.fail(&format!("carrying over {shown_entry}"), e))?;
        }
        (self.fault)(&Step::Swap)
            .and_then(|()| swap(staging.dir.path(), &self.dir))
            .map_err(|e| self.fail("moving the new output into place", e))?;
        // The staging directory now holds the previous output, which is removed with it.
        drop(staging);
        Ok(Written::Updated)
    }

    fn fail(&self, what: &str, err: io::Error) -> Diagnostic {
        let shown = self.dir.display().to_string();
        Diagnostic::error(Code::E031, format!("cannot write `{shown}`: {what}: {err}"))
            .at(Location::file(shown))
            .hint("nothing in the output directory was changed")
    }

    /// Before the first file: lock, clean up, check that `dir` is ours, create the staging
    /// directory.
    fn open(&mut self) -> Result<(), Diagnostic> {
        match &self.state {
            State::Closed => {}
            State::Open(_) => return Ok(()),
            State::Failed(error) => return Err(error.clone()),
        }
        let parent = match self.dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        let temp_prefix = format!(".{name}.schemagen-");
        (self.fault)(&Step::Lock)
            .and_then(|()| fs::create_dir_all(&parent))
            .map_err(|e| self.fail("creating its parent", e))?;
        let lock = (self.fault)(&Step::Lock)
            .and_then(|()| OutputLock::acquire(&parent, &name))
            .map_err(|e| self.fail("locking the output", e))?;
        (self.fault)(&Step::Recover)
            .and_then(|()| recover(&self.dir, &parent, &temp_prefix))
            .map_err(|e| self.fail("cleaning up after an earlier run", e))?;
        if self.dir.exists() && !is_ours(&self.dir) {
            let shown = self.dir.display().to_string();
            return Err(Diagnostic::error(
                Code::E030,
                format!("`{shown}` exists and was not generated by schemagen; refusing to replace it"),
            )
            .at(Location::file(shown))
            .hint("choose an empty or new directory for `--out`"));
        }
        let dir = tempfile::Builder::new()
            .prefix(&temp_prefix)
            .tempdir_in(&parent)
            .map_err(|e| self.fail("creating a staging directory", e))?;
        self.state = State::Open(Staging { dir, _lock: lock });
        Ok(())
    }

    fn stage_open(&mut self, path: &str, contents: &str) -> Result<(), Diagnostic> {
        let State::Open(staging) = &self.state else { unreachable!("opened before staging") };
        let target = staging.dir.path().join(path);
        if !self.changed {
            self.changed = fs::read(self.dir.join(path)).map_or(true, |on_disk| on_disk != contents.as_bytes());
        }
        (self.fault)(&Step::Stage(path.to_string()))
            .and_then(|()| target.parent().map_or(Ok(()), fs::create_dir_all))
            .and_then(|()| fs::write(&target, contents))
            .map_err(|e| self.fail(&format!("writing {path}"), e))?;
        self.staged.insert(path.to_string());
        Ok(())
    }
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
/// file is removed when the lock is dropped. Where `flock` is not available, runs do not lock and
/// concurrent runs on one output are not supported.
struct OutputLock {
    /// Held, not read: closing it releases the lock.
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    _file: fs::File,
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
                    return Ok(OutputLock { _file: file, path });
                }
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
        Ok(OutputLock { path })
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked (the file is closed after this), so a waiting run sees
        // that its file is stale and retries.
        let _ = fs::remove_file(&self.path);
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

    /// [`write`] with `fault` called before each I/O step, to make it fail.
    fn write_with(dir: &Path, files: &[File], fault: Fault) -> Result<Written, Diagnostic> {
        let mut writer = Writer { fault, ..Writer::new(dir) };
        for file in files {
            writer.stage(&file.path, &file.contents)?;
        }
        writer.finish()
    }

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
    fn a_writer_dropped_before_finishing_leaves_the_output_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        let before = snapshot(&dir);
        let mut writer = Writer::new(&dir);
        assert!(leftovers(tmp.path()).is_empty(), "nothing is touched before the first file");
        let files = crate_files("2");
        writer.stage(&files[0].path, &files[0].contents).unwrap();
        writer.stage(&files[1].path, &files[1].contents).unwrap();
        assert_eq!(snapshot(&dir), before, "files are staged beside the output, not in it");
        assert_eq!(leftovers(tmp.path()).len(), 2, "a staging directory and the lock while writing");
        // The run stops (an error in a later file, a panic): the writer is dropped unfinished.
        drop(writer);
        assert_eq!(snapshot(&dir), before);
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
    }

    #[test]
    fn after_a_failed_step_every_later_call_fails_with_its_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut writer = Writer {
            fault: Box::new(|step| match step {
                Step::Stage(path) if path == "src/lib.rs" => Err(io::Error::other("disk full")),
                _ => Ok(()),
            }),
            ..Writer::new(&dir)
        };
        let files = crate_files("1");
        writer.stage(&files[0].path, &files[0].contents).unwrap();
        let error = writer.stage(&files[1].path, &files[1].contents).unwrap_err();
        assert!(error.message.contains("writing src/lib.rs: disk full"), "{}", error.message);
        assert_eq!(writer.stage(&files[2].path, &files[2].contents).unwrap_err(), error);
        assert_eq!(writer.finish().unwrap_err(), error);
        assert!(!dir.exists());
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
    }

    #[test]
    fn a_check_names_every_stale_missing_and_extra_file_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        fs::write(dir.join("src/a.rs"), "// edited by hand\n").unwrap();
        fs::remove_file(dir.join("src/lib.rs")).unwrap();
        let before = snapshot(&dir);
        let mut checker = Checker::new(&dir);
        for file in crate_files("1") {
            Sink::file(&mut checker, file).unwrap();
        }
        assert_eq!(
            checker.finish(),
            [
                Drift::Missing("src/lib.rs".into()),
                Drift::Changed("src/a.rs".into()),
                Drift::Extra("src/extra.rs".into())
            ]
        );
        assert_eq!(snapshot(&dir), before);
        assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
    }

    #[test]
    fn a_failure_at_any_step_leaves_the_output_as_it_was() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = previous_output(tmp.path());
        let before = snapshot(&dir);
        let steps = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        // A dry run on a copy of the same state lists the steps a write takes.
        let other = tempfile::tempdir().unwrap();
        let copy = previous_output(other.path());
        let seen = steps.clone();
        write_with(
            &copy,
            &crate_files("2"),
            Box::new(move |step| {
                seen.borrow_mut().push(step.clone());
                Ok(())
            }),
        )
        .unwrap();
        let steps = steps.take();
        for expected in [Step::Stage("src/a.rs".into()), Step::Carry("target".into()), Step::Swap] {
            assert!(steps.contains(&expected), "{expected:?} in {steps:?}");
        }
        for failing in &steps {
            let fails = failing.clone();
            let err = write_with(
                &dir,
                &crate_files("2"),
                Box::new(move |step| if *step == fails { Err(io::Error::other("injected")) } else { Ok(()) }),
            )
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
