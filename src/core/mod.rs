//! The pure part: what peekaboo wants of a load balancer and how it decides the next request.
//! No I/O, no clock: everything here is a function of what was read.

pub mod converge;
pub mod docker;
pub mod model;
pub mod pace;
pub mod plan;
pub mod watch;
