//! Every integration test in one binary: one link of the fake and the support code instead of
//! one per test file, and every helper of theirs used somewhere (so no dead-code allowances).
//! Tests in all modules run in parallel in this one process: each starts its own fake on a port
//! the OS chose and runs peekaboo with an environment of its own, never this process's.

#[path = "../fake/mod.rs"]
mod fake;
#[path = "../support/mod.rs"]
mod support;

mod actions;
mod cli;
mod clouds;
mod docker;
mod docker_agent;
mod edges;
mod fake_docker;
mod fake_keystone;
mod fake_keystone_versions;
mod fake_limits;
mod fake_octavia;
mod fake_octavia_names;
mod fake_selftest;
mod faults;
mod fleet;
mod identity;
mod keystone;
mod logs;
mod octavia;
mod octavia_members;
mod octavia_names;
mod octavia_wait;
mod openstack_cli;
mod operate;
mod proxy;
mod refusals;
mod signals;
mod tls;
mod truth;
mod wait;
mod watch;
mod watch_child;
mod watch_service;
