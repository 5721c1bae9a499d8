//! One prism per `cargo nextest run`, shared by all its test processes.
//!
//! Why: nextest runs every test in a fresh process, so a per-process prism
//! would load GitHub's 13 MB description (8 s of CPU) once per test.
//!
//! How: the first test process that needs prism takes an exclusive lock on
//! `target/scm-testkit/prism/<spec>-<hash>.<run id>.lock`, starts prism in
//! its own session under a small shell watchdog, waits until it answers,
//! writes its URL next to the lock, and releases the lock. Later processes of
//! the same run take the lock, find the URL and use it. Runs going on at the
//! same time in the same target directory each get their own prism. The watchdog kills
//! prism once the nextest runner (the test process's parent) has exited, so
//! nothing outlives the run for more than about a second.

use std::collections::hash_map::DefaultHasher;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{answers_http, log_dir, Error, Launch, Prism};

/// The nextest run this process belongs to, if any.
pub(super) fn nextest_run() -> Option<String> {
    if std::env::var("NEXTEST_EXECUTION_MODE").ok()? != "process-per-test" {
        return None;
    }
    std::env::var("NEXTEST_RUN_ID")
        .ok()
        .filter(|id| !id.is_empty())
}

/// The run's prism for `spec`, started if this is the first process to ask.
pub(super) fn acquire(spec: &Path, run_id: &str) -> Result<Prism, Error> {
    let dir = log_dir()?;
    let name = format!("{}.{run_id}", key(spec));
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(format!("{name}.lock")))?;
    lock_exclusive(&lock)?;

    let state_path = dir.join(format!("{name}.run"));
    if let Some(prism) = running(&state_path) {
        return Ok(prism);
    }
    let runner = std::os::unix::process::parent_id();
    let prism = Prism::launch(spec, Launch::WatchedBy(runner))?.detach();
    let log = prism
        .log_path()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    std::fs::write(&state_path, format!("{}\n{log}\n", prism.base_url()))?;
    Ok(prism)
    // `lock` is released when dropped here.
}

/// `sh` running prism (the arguments appended to the returned command) and
/// killing it when process `runner` is gone, or exiting when prism does.
pub(super) fn watchdog_command(runner: u32, prism: &Path) -> Command {
    const WATCHDOG: &str = r#"runner=$1; shift
"$@" &
child=$!
trap 'kill -KILL "$child" 2>/dev/null; exit 0' TERM INT HUP
while kill -0 "$runner" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done
kill -KILL "$child" 2>/dev/null
wait"#;
    let mut command = Command::new("sh");
    command
        .args(["-c", WATCHDOG, "scm-testkit-prism-watchdog"])
        .arg(runner.to_string())
        .arg(prism);
    command
}

/// The prism recorded for this run, if it still answers.
fn running(state_path: &Path) -> Option<Prism> {
    let text = std::fs::read_to_string(state_path).ok()?;
    let mut lines = text.lines();
    let base_url = lines.next()?;
    let log = lines.next().filter(|l| !l.is_empty()).map(PathBuf::from);
    let addr: SocketAddr = base_url.strip_prefix("http://")?.parse().ok()?;
    answers_http(addr).then(|| Prism::external(base_url, log))
}

fn key(spec: &Path) -> String {
    let canonical = spec.canonicalize().unwrap_or_else(|_| spec.to_path_buf());
    let mut hasher = DefaultHasher::new();
    canonical.hash(&mut hasher);
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{stem}-{:016x}", hasher.finish())
}

fn lock_exclusive(file: &File) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        // SAFETY: flock on a descriptor we own; released when it is closed.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}
