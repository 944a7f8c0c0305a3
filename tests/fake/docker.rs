//! A fake Docker engine: the Engine API on a unix socket in a directory of its own, answering as
//! docs/docker-api.md says a real one (Docker 20.10, API 1.41) does. It keeps containers and
//! serves what a host agent reads: `/version`, the listing, inspect, and `/events` as a chunked
//! stream that stays open (any number of subscribers). Tests drive the containers through the
//! hooks of `FakeDocker`, each sending the events a real engine sends for it, and can take the
//! engine away and bring it back as a dockerd restart with live-restore does.
//!
//! This file holds the handle, the containers and the events; `docker/wire.rs` the HTTP side
//! and the bodies.

mod wire;

use std::collections::BTreeMap;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a wait for the engine's clients may take before the test is declared hung.
const HANG: Duration = Duration::from_secs(30);

/// The engine's version, and the API versions it serves (their minor numbers; the major is 1).
#[derive(Clone, Debug)]
pub struct DockerConfig {
    pub version: String,
    pub api_max: u32,
    pub api_min: u32,
}

impl Default for DockerConfig {
    /// Debian's Docker 20.10, as recorded.
    fn default() -> Self {
        DockerConfig {
            version: "20.10.24+dfsg1".into(),
            api_max: 41,
            api_min: 12,
        }
    }
}

impl DockerConfig {
    /// Docker 19.03: API 1.40 at most, so it refuses /v1.41/ paths with 400.
    pub fn too_old() -> Self {
        DockerConfig {
            version: "19.03.15".into(),
            api_max: 40,
            api_min: 12,
        }
    }

    /// Docker 29: API 1.52, and nothing older than 1.44.
    pub fn docker29() -> Self {
        DockerConfig {
            version: "29.0.4".into(),
            api_max: 52,
            api_min: 44,
        }
    }
}

/// A container to create: what `docker run` would have been told.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub labels: Vec<(String, String)>,
    /// Whether it (or its image) has a HEALTHCHECK.
    pub healthcheck: bool,
    /// Published ports as `docker run -p` takes them: "8080:80", "5353:53/udp". None: the
    /// container runs with `--net=host`.
    pub publish: Vec<String>,
    /// `--restart`: "no", "always", "unless-stopped" or "on-failure".
    pub restart: String,
    /// `--stop-signal`, as given ("SIGQUIT", "3"); None for the default (SIGTERM).
    pub stop_signal: Option<String>,
    /// The app ignores its stop signal, so `stop` ends it with SIGKILL after the timeout.
    pub ignores_stop_signal: bool,
}

impl Spec {
    /// A `--net=host` container labelled for load balancer `lb`, with no healthcheck.
    pub fn labelled(name: &str, lb: &str) -> Spec {
        Spec {
            name: name.into(),
            labels: vec![("peekaboo.lb".into(), lb.into())],
            healthcheck: false,
            publish: vec![],
            restart: "no".into(),
            stop_signal: None,
            ignores_stop_signal: false,
        }
    }

    /// The same with one more label.
    pub fn label(mut self, key: &str, value: &str) -> Spec {
        self.labels.push((key.into(), value.into()));
        self
    }
}

struct Container {
    id: String,
    spec: Spec,
    created: i64,
    /// "created", "running", "exited", …
    status: &'static str,
    /// Docker's verdict: None until the first start of a container with a healthcheck.
    health: Option<&'static str>,
    failing_streak: u32,
    exit_code: i32,
    pid: u32,
    restarts: u32,
}

impl Container {
    fn labels(&self) -> BTreeMap<String, String> {
        self.spec.labels.iter().cloned().collect()
    }

    /// The signal `docker stop` sends first.
    fn stop_number(&self) -> i32 {
        let s = self.spec.stop_signal.as_deref().unwrap_or("SIGTERM");
        let s = s.trim_start_matches("SIG");
        match s {
            "TERM" => 15,
            "QUIT" => 3,
            "INT" => 2,
            "HUP" => 1,
            "USR1" => 10,
            "USR2" => 12,
            "KILL" => 9,
            n => n.parse().expect("the fake knows this stop signal"),
        }
    }
}

/// An event as sent, kept for the `since=` replays of later subscribers.
struct Logged {
    time: i64,
    labels: BTreeMap<String, String>,
    line: String,
}

/// One open `/events` answer.
struct Subscriber {
    serial: usize,
    stream: UnixStream,
    /// The `label` filter: each "key" or "key=value" must match.
    labels: Vec<String>,
}

#[derive(Default)]
struct State {
    /// Whether the engine listens; hooks change containers either way, but send and keep
    /// events only while it does.
    up: bool,
    /// Bumped when the engine goes away, so the listener of the last run stops accepting.
    generation: u64,
    containers: Vec<Container>,
    next_id: u64,
    requests: Vec<String>,
    subscribers: Vec<Subscriber>,
    /// How many `/events` answers were ever opened.
    subscriptions: usize,
    log: Vec<Logged>,
}

struct Shared {
    cfg: DockerConfig,
    path: PathBuf,
    state: Mutex<State>,
    /// Told whenever the subscribers change.
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not take the whole fake down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Handle to a running fake engine.
pub struct FakeDocker {
    shared: Arc<Shared>,
    listener: Mutex<Option<JoinHandle<()>>>,
}

impl FakeDocker {
    /// Listens at once (`start` is the hook for a container).
    pub fn new(cfg: DockerConfig) -> FakeDocker {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "peekaboo-docker-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("fake docker: its directory");
        let shared = Arc::new(Shared {
            cfg,
            path: dir.join("docker.sock"),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let fake = FakeDocker {
            shared,
            listener: Mutex::new(None),
        };
        fake.restore_engine();
        fake
    }

    /// The socket's path.
    pub fn socket(&self) -> &Path {
        &self.shared.path
    }

    /// What DOCKER_HOST holds for this engine: "unix:///tmp/…/docker.sock".
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.shared.path.display())
    }

    /// `docker create`: the container exists, not running (`create`). Returns its id.
    pub fn add(&self, spec: Spec) -> String {
        let mut st = self.shared.lock();
        st.next_id += 1;
        let id = container_id(st.next_id);
        st.containers.push(Container {
            id: id.clone(),
            spec,
            created: now().0,
            status: "created",
            health: None,
            failing_streak: 0,
            exit_code: 0,
            pid: 0,
            restarts: 0,
        });
        emit(&mut st, &id, "create", &[]);
        id
    }

    /// `docker start`: running (`start`); a healthcheck starts as `starting`.
    pub fn start(&self, id: &str) {
        let mut st = self.shared.lock();
        run(&mut st, id);
    }

    /// Docker's health check gives `healthy` or not: the check's exec events, then
    /// `health_status: …` when the status changes.
    pub fn set_health(&self, id: &str, healthy: bool) {
        let mut st = self.shared.lock();
        let c = find(&mut st, id);
        assert!(
            c.spec.healthcheck && c.status == "running",
            "{id}: no check running"
        );
        let status = if healthy { "healthy" } else { "unhealthy" };
        let changed = c.health != Some(status);
        c.health = Some(status);
        c.failing_streak = if healthy { 0 } else { c.failing_streak + 1 };
        let exec = format!("{:064x}", st.log.len());
        let cmd = "/bin/sh -c wget -q -O- http://127.0.0.1/ || exit 1";
        emit(
            &mut st,
            id,
            &format!("exec_create: {cmd}"),
            &[("execID", &exec)],
        );
        emit(
            &mut st,
            id,
            &format!("exec_start: {cmd}"),
            &[("execID", &exec)],
        );
        let code = if healthy { "0" } else { "1" };
        emit(
            &mut st,
            id,
            "exec_die",
            &[("execID", &exec), ("exitCode", code)],
        );
        if changed {
            emit(&mut st, id, &format!("health_status: {status}"), &[]);
        }
    }

    /// `docker stop`: `kill` with its stop signal; when the app ignores that, `kill` 9 after
    /// the timeout; `die` (128 + the signal that ended it); `stop`.
    pub fn stop(&self, id: &str) {
        let mut st = self.shared.lock();
        let c = find(&mut st, id);
        assert_eq!(
            c.status, "running",
            "{id}: docker stop of a container not running"
        );
        let (signal, ignored) = (c.stop_number(), c.spec.ignores_stop_signal);
        emit(&mut st, id, "kill", &[("signal", &signal.to_string())]);
        let mut ended_by = signal;
        if ignored {
            emit(&mut st, id, "kill", &[("signal", "9")]);
            ended_by = 9;
        }
        exit(&mut st, id, 128 + ended_by);
        emit(&mut st, id, "stop", &[]);
    }

    /// `docker kill -s SIGNAL` that the app survives: a `kill` event and nothing else.
    pub fn signal(&self, id: &str, signal: i32) {
        let mut st = self.shared.lock();
        emit(&mut st, id, "kill", &[("signal", &signal.to_string())]);
    }

    /// The app exits by itself with `code`: `die`, no `kill`, no `stop`. Under a restart
    /// policy that restarts it (always, unless-stopped, on-failure with a code not 0), `start`
    /// again at once.
    pub fn crash(&self, id: &str, code: i32) {
        let mut st = self.shared.lock();
        exit(&mut st, id, code);
        let c = find(&mut st, id);
        let restarts = match c.spec.restart.as_str() {
            "always" | "unless-stopped" => true,
            "on-failure" => code != 0,
            _ => false,
        };
        if restarts {
            c.restarts += 1;
            run(&mut st, id);
        }
    }

    /// `docker rm -f`: a running container is killed first (`kill` 9, `die` 137); then
    /// `destroy`, and it is gone.
    pub fn remove(&self, id: &str) {
        let mut st = self.shared.lock();
        if find(&mut st, id).status == "running" {
            emit(&mut st, id, "kill", &[("signal", "9")]);
            exit(&mut st, id, 137);
        }
        emit(&mut st, id, "destroy", &[]);
        st.containers.retain(|c| c.id != id);
    }

    /// The engine goes away (dockerd stopping, with live-restore): every event stream ends,
    /// the socket refuses connections. Containers stay as they are.
    pub fn drop_engine(&self) {
        {
            let mut st = self.shared.lock();
            st.up = false;
            st.generation += 1;
            for s in st.subscribers.drain(..) {
                let _ = s.stream.shutdown(std::net::Shutdown::Both);
            }
            self.shared.changed.notify_all();
        }
        // Wakes the listener, which sees it is no longer wanted and closes.
        let _ = UnixStream::connect(&self.shared.path);
        if let Some(listener) = self.listener.lock().unwrap().take() {
            listener.join().expect("fake docker: the listener");
        }
    }

    /// The engine is back on the same socket, its containers as they were; what happened
    /// while it was away is not replayed.
    pub fn restore_engine(&self) {
        let path = &self.shared.path;
        // The last run's socket file stays, as dockerd's does; binding needs it gone.
        let _ = std::fs::remove_file(path);
        let listener = UnixListener::bind(path).expect("fake docker: bind its socket");
        let generation = {
            let mut st = self.shared.lock();
            st.up = true;
            st.generation
        };
        let shared = Arc::clone(&self.shared);
        let accept = thread::spawn(move || {
            for conn in listener.incoming() {
                if shared.lock().generation != generation {
                    return;
                }
                if let Ok(stream) = conn {
                    let shared = Arc::clone(&shared);
                    thread::spawn(move || wire::serve(&shared, stream));
                }
            }
        });
        *self.listener.lock().unwrap() = Some(accept);
    }

    /// "METHOD target" of every request, in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }

    /// Waits until at least `n` clients hold an `/events` stream open: events sent after this
    /// reach them.
    pub fn wait_subscribers(&self, n: usize) {
        self.wait(|st| st.subscribers.len() >= n, "subscribers to /events");
    }

    /// Waits until `/events` has been opened `n` times in all (a client that reconnects opens
    /// it again).
    pub fn wait_subscriptions(&self, n: usize) {
        self.wait(|st| st.subscriptions >= n, "subscriptions to /events");
    }

    /// How many clients hold an `/events` stream open now.
    pub fn subscribers(&self) -> usize {
        self.shared.lock().subscribers.len()
    }

    fn wait(&self, done: impl Fn(&State) -> bool, what: &str) {
        let give_up = Instant::now() + HANG;
        let mut st = self.shared.lock();
        while !done(&st) {
            let left = give_up.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "fake docker: never came: {what}");
            st = self.shared.changed.wait_timeout(st, left).unwrap().0;
        }
    }
}

impl Drop for FakeDocker {
    fn drop(&mut self) {
        if let Some(dir) = self.shared.path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// 64 hex digits, distinct per container, the first 12 differing.
fn container_id(n: u64) -> String {
    let a = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    format!(
        "{a:016x}{:016x}{:016x}{:016x}",
        a ^ 0xabcd,
        !a,
        a.rotate_left(17)
    )
}

/// Unix seconds and nanoseconds.
fn now() -> (i64, i64) {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    (t.as_secs() as i64, t.as_nanos() as i64)
}

fn find<'a>(st: &'a mut State, id: &str) -> &'a mut Container {
    (st.containers.iter_mut())
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("fake docker: no container {id}"))
}

fn run(st: &mut State, id: &str) {
    let c = find(st, id);
    c.status = "running";
    c.pid = 30_000 + c.restarts;
    c.exit_code = 0;
    if c.spec.healthcheck {
        c.health = Some("starting");
        c.failing_streak = 0;
    }
    emit(st, id, "start", &[]);
}

fn exit(st: &mut State, id: &str, code: i32) {
    let c = find(st, id);
    c.status = "exited";
    c.pid = 0;
    c.exit_code = code;
    emit(st, id, "die", &[("exitCode", &code.to_string())]);
}

/// Sends the event to every subscriber whose filter takes it, and keeps it for later ones;
/// while the engine is away, nothing happens.
fn emit(st: &mut State, id: &str, action: &str, extra: &[(&str, &str)]) {
    if !st.up {
        return;
    }
    let c = st.containers.iter().find(|c| c.id == id).expect("known");
    let labels = c.labels();
    let time = now();
    let line = wire::event_line(c, action, extra, time);
    st.subscribers.retain_mut(|s| {
        !wire::matches(&s.labels, &labels) || wire::send(&mut s.stream, &line).is_ok()
    });
    st.log.push(Logged {
        time: time.0,
        labels,
        line,
    });
}
