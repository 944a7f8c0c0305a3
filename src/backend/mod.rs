//! The load balancer services peekaboo talks to, and the transport they share.

pub mod http;
pub mod rackspace;
