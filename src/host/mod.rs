//! This machine: its addresses, its name, its TCP connections, the app's port, the drain
//! watch, the signals that stop a run.

pub mod addr;
pub mod conns;
pub mod drain;
pub mod hostname;
pub mod notify;
pub mod probe;
pub mod signal;
