//! Rackspace: Identity v2.0 and Cloud Load Balancers v1.0, the only place that knows their
//! wire words.

pub mod clb;
pub mod identity;
