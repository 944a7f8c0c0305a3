//! The property test of what the Rackspace answers may hold (see `crate::fuzz`): on any body,
//! under any status, no panic.

use crate::fuzz::{Gen, ROUNDS};

#[test]
fn api_bodies() {
    let mut g = Gen(5);
    for _ in 0..ROUNDS {
        let s = g.mutate(&[
            r#"{"message":"Load Balancer '1' has a status of 'PENDING_UPDATE' and is considered immutable.","code":422}"#,
            r#"{"overLimit":{"code":413,"message":"OverLimit Retry...","retryAfter":"2015-06-13T22:30:10Z"}}"#,
            r#"{"unauthorized":{"code":401,"message":"Unable to authenticate"}}"#,
            r#"{"nodes":[{"id":1,"address":"10.0.0.1","port":80,"condition":"ENABLED","status":"ONLINE","weight":1,"type":"PRIMARY"}]}"#,
            r#"{"loadBalancer":{"id":1,"status":"ACTIVE","sourceAddresses":{"ipv4Servicenet":"10.0.0.2"}}}"#,
        ]);
        let _ = super::clb::message(s.as_bytes());
        for status in [200, 401, 404, 410, 413, 422, 500] {
            let reply = crate::backend::http::Reply {
                status,
                headers: vec![("retry-after".into(), s.clone())],
                body: s.as_bytes().to_vec(),
            };
            let _ = super::clb::classify(&reply, 0);
        }
        let _ = serde_json::from_str::<Vec<super::clb::Node>>(&s);
        if let Ok(lb) = serde_json::from_str::<super::clb::LoadBalancer>(&s) {
            let _ = lb.sources();
        }
    }
}
