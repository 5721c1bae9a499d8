//! Child processes that cannot outlive the test process.
//!
//! Why: helper servers (prism) are often kept in statics, which Rust never
//! drops, and a test binary can be killed by a timeout. Either way the helper
//! must not be left running. On Linux each child asks the kernel for SIGKILL
//! when its parent goes away (`PR_SET_PDEATHSIG`).
//!
//! That signal follows the *thread* that forked the child, not the process:
//! a child spawned from a test thread would die when that test's thread
//! ends, even if a later test still uses it. So children are spawned from one
//! dedicated thread that lives as long as the process.
//!
//! Each child also gets its own process group, so killing it takes any
//! processes it started along.

use std::io;
use std::process::{Child, Command};
use std::sync::mpsc::{self, Sender};
use std::sync::{Mutex, OnceLock};

type Request = (Command, Sender<io::Result<Child>>);

/// Spawn `command` in its own process group, killed with SIGKILL when the
/// test process exits.
pub(crate) fn spawn_tied_to_test_process(mut command: Command) -> io::Result<Child> {
    prepare(&mut command);
    static SPAWNER: OnceLock<Mutex<Sender<Request>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("scm-testkit-spawner".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    let _ = reply.send(command.spawn());
                }
            })
            .expect("spawn the process spawner thread");
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    spawner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .send((command, reply_tx))
        .map_err(|_| io::Error::other("process spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("process spawner thread is gone"))?
}

/// Spawn `command` in a new session, independent of the test process: it
/// survives the test and must arrange its own end (see `prism::per_run`).
/// Its output must not go to the test's stdout/stderr, or nextest waits for
/// it and reports a leak.
pub(crate) fn spawn_detached(mut command: Command) -> io::Result<Child> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the closure runs between fork and exec and only makes an
        // async-signal-safe syscall.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    command.spawn()
}

/// Kill the child's whole process group and reap the child.
pub(crate) fn kill_group(mut child: Child) {
    #[cfg(unix)]
    {
        if let Ok(pid) = libc::pid_t::try_from(child.id()) {
            // SAFETY: plain syscall; the group id is the child's pid because
            // the child called setpgid(0, 0) or setsid() before exec.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
fn prepare(command: &mut Command) {
    use std::os::unix::process::CommandExt;

    let parent = std::process::id();
    // SAFETY: the closure runs between fork and exec and only makes
    // async-signal-safe syscalls.
    unsafe {
        command.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            #[cfg(target_os = "linux")]
            {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() as u32 != parent {
                    libc::_exit(1);
                }
            }
            let _ = parent;
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn prepare(_command: &mut Command) {}

/// A child process of a test, killed (SIGKILL, then reaped) when dropped,
/// also when the test panics, or earlier with [`KillOnDrop::kill`] (a test
/// that stops a server on purpose).
pub struct KillOnDrop(Option<Child>);

impl KillOnDrop {
    pub fn new(child: Child) -> KillOnDrop {
        KillOnDrop(Some(child))
    }

    /// The child, unless it was killed already (to signal it otherwise).
    pub fn child_mut(&mut self) -> Option<&mut Child> {
        self.0.as_mut()
    }

    /// Kills and reaps the child now; dropping it later does nothing more.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn spawned_child_is_killed_with_its_group() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let child = spawn_tied_to_test_process(command).expect("spawn sleep");
        let pid = child.id();
        kill_group(child);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
}
