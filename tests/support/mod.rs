//! What the integration tests share: running the real binary against a fake with a hermetic
//! environment, and checking on every run that no secret reaches the output.

pub mod tls_front;

use std::process::Command;

use crate::fake::{Config, Fake};

pub const LB: u64 = 1;
pub const ADDR: &str = "10.1.2.3";
pub const PORT: u16 = 8080;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// peekaboo with a clean environment pointing at `fake`: load balancer 1 in DFW, APP_PORT
/// 8080 and address 10.1.2.3. `env` overrides these ("<unset>" removes one).
pub fn peekaboo(fake: &Fake, flags: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peekaboo"));
    cmd.env_clear()
        .envs(fake.env(LB, "DFW"))
        .env("APP_PORT", PORT.to_string())
        .env("RAX_SERVICENET_IPV4", ADDR)
        .args(flags);
    for (k, v) in env {
        match *v {
            "<unset>" => cmd.env_remove(k),
            v => cmd.env(k, v),
        };
    }
    let out = cmd.output().expect("run peekaboo");
    let o = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_no_secret(&o.stderr);
    assert_no_secret(&o.stdout);
    o
}

/// Neither the API key, the password nor any token the fake issued appears in `text`, and
/// nothing panicked.
pub fn assert_no_secret(text: &str) {
    let cfg = Config::default();
    for secret in [cfg.api_key.as_str(), cfg.password.as_str(), "tok-"] {
        assert!(!text.contains(secret), "a secret leaked:\n{text}");
    }
    assert!(!text.contains("panicked"), "{text}");
}

/// Every request as "METHOD path" relative to the identity or CLB root.
pub fn calls(fake: &Fake) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            let path = match r.path.find("/v1.0/123456") {
                Some(i) => &r.path[i + "/v1.0/123456".len()..],
                None => r.path.trim_start_matches("/v2.0"),
            };
            format!("{} {path}", r.method)
        })
        .collect()
}
