//! One followed container and its child: the `peekaboo -watch` (or one-shot `-delete`) that
//! does its load balancer work, started, signalled, read and reaped here.

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getpid, getppid};

use crate::core::docker::Phase;
use crate::core::model::Condition;
use crate::engine::Plan;
use crate::log;

/// A labelled container the agent knows, and its child if it has one.
pub(super) struct Followed {
    pub name: String,
    pub id: String,
    pub phase: Phase,
    /// The signal `docker stop` kills it with first (its StopSignal; SIGTERM by default).
    pub stop_signal: i32,
    /// What its labels made of it when it was last followed.
    pub plan: Option<Plan>,
    pub child: Option<Child>,
    /// What the child wrote to stdout that does not yet end with a newline.
    partial: Vec<u8>,
    /// The child's member as its last event said.
    pub condition: Option<Condition>,
}

impl Followed {
    pub fn new(id: &str, name: &str) -> Followed {
        Followed {
            name: name.to_string(),
            id: id.to_string(),
            phase: Phase::Idle,
            stop_signal: 15,
            plan: None,
            child: None,
            partial: Vec::new(),
            condition: None,
        }
    }

    /// Its child is taking its member out: the container stopped or was removed.
    pub fn leaving(&self) -> bool {
        matches!(
            self.phase,
            Phase::Stopping | Phase::Removing | Phase::ThenDelete | Phase::Deleting
        )
    }

    /// `web-1 (3f2a9c1b)`, as every line about it names it.
    pub fn shown(&self) -> String {
        crate::engine::job::tag(&self.name, &self.id)
    }

    /// Starts a child with `args`, the container named in its environment (so its lines and
    /// events name it) and systemd's variables kept for the agent alone.
    pub fn spawn(&mut self, args: &[String], docker_host: &str) -> Result<(), String> {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find peekaboo's own binary to run for it: {e}"))?;
        let agent = getpid();
        let mut command = Command::new(exe);
        // Its own process group, so a Ctrl-C to the terminal's reaches the agent alone; and a
        // SIGHUP (detach: the node left as it is) when the agent dies, even by SIGKILL, so no
        // watch outlives it to race the next agent's. Both hold across the exec.
        command.process_group(0);
        // SAFETY: between fork and exec only prctl and getppid run: system calls, which are
        // async-signal-safe, and nothing allocates.
        unsafe {
            command.pre_exec(move || {
                set_pdeathsig(Signal::SIGHUP)?;
                if getppid() != agent {
                    return Err(std::io::Error::other("the agent ended as it started"));
                }
                Ok(())
            });
        }
        let child = command
            .args(args)
            .env("PEEKABOO_CONTAINER", &self.name)
            .env("PEEKABOO_CONTAINER_ID", &self.id)
            .env("DOCKER_HOST", docker_host)
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start its peekaboo: {e}"))?;
        self.child = Some(child);
        self.partial.clear();
        Ok(())
    }

    /// Sends `signal` to the child, if there is one still running.
    pub fn signal(&self, signal: Signal) {
        if let Some(c) = &self.child
            && let Ok(pid) = i32::try_from(c.id())
        {
            let _ = kill(Pid::from_raw(pid), signal);
        }
    }

    /// The child's stdout, for the agent's poll.
    pub fn stdout(&self) -> Option<BorrowedFd<'_>> {
        self.child.as_ref()?.stdout.as_ref().map(|s| s.as_fd())
    }

    /// After poll says the child's stdout is readable: its complete lines (-json events), or
    /// None once it has ended (the child exited).
    pub fn read(&mut self) -> Option<Vec<String>> {
        let out = self.child.as_mut()?.stdout.as_mut()?;
        let mut buf = [0u8; 8192];
        let n = match out.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => n,
        };
        self.partial.extend_from_slice(&buf[..n]);
        let mut lines = Vec::new();
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            lines.push(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        for line in &lines {
            self.saw(line);
        }
        Some(lines)
    }

    /// Keeps what a child's event says of its member.
    fn saw(&mut self, line: &str) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        if let Some(c) = v.get("condition") {
            self.condition = c.as_str().and_then(Condition::from_word);
        }
    }

    /// Waits for the exited child; whether it exited with 0.
    pub fn reap(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return true;
        };
        match child.wait() {
            Ok(status) => status.success(),
            Err(e) => {
                log::error(&format!(
                    "Error: {}: cannot learn how its peekaboo ended: {e}",
                    self.shown()
                ));
                false
            }
        }
    }
}
