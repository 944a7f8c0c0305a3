use super::*;

const MIN: Duration = Duration::from_secs(60);

#[test]
fn renewal_comes_five_minutes_early_or_at_nine_tenths_of_a_short_life() {
    let t0 = Instant::now();
    let now = 1_796_202_000; // unix seconds
    let ms = |s: i64| s * 1000;
    let day = 86_400;
    // (expires, wall clock at receipt in ms, renew after, expires after)
    let cases = [
        (now + day, ms(now), 24 * 60 * MIN - 5 * MIN, 24 * 60 * MIN),
        (now + 3600, ms(now), 55 * MIN, 60 * MIN),
        // Under 50 minutes a tenth is less than five minutes.
        (now + 1800, ms(now), 27 * MIN, 30 * MIN),
        (
            now + 3,
            ms(now),
            Duration::from_millis(2700),
            Duration::from_secs(3),
        ),
        // The fraction of the receipt counts: 1.5 s left, not 2.
        (
            now + 2,
            ms(now) + 500,
            Duration::from_millis(1350),
            Duration::from_millis(1500),
        ),
        (
            now + 1,
            ms(now) + 999,
            Duration::from_micros(900),
            Duration::from_millis(1),
        ),
        // A token said to last ten years is renewed within a year.
        (
            now + 3650 * day,
            ms(now),
            Duration::from_secs(366 * 86_400) - 5 * MIN,
            Duration::from_secs(366 * 86_400),
        ),
    ];
    for (expires, wall, renew, expiry) in cases {
        assert_eq!(
            renewal(expires, wall, t0),
            Some(Renewal {
                at: t0 + renew,
                expires_at: t0 + expiry,
                expires_unix: expires,
            }),
            "expires {expires}, received at {wall} ms"
        );
    }
    // Expired on arrival: this host's clock is ahead; renewed only when refused.
    for (expires, wall) in [(now, ms(now)), (now, ms(now) + 1), (now - day, ms(now))] {
        assert_eq!(renewal(expires, wall, t0), None, "{expires} at {wall}");
    }
    // Absurd values do not overflow.
    assert_eq!(renewal(i64::MIN, i64::MAX, t0), None);
    assert!(renewal(i64::MAX, i64::MIN, t0).is_some());
}

#[test]
fn a_failed_renewal_keeps_the_token_only_while_it_works_and_the_failure_may_pass() {
    let t0 = Instant::now();
    let old = Renewal {
        at: t0,
        expires_at: t0 + 5 * MIN,
        expires_unix: 1_796_202_000,
    };
    let secs = Duration::from_secs;
    let transport = ApiError::Transport("connection refused".into());
    let server = ApiError::Server("HTTP 503".into());
    let flex = ApiError::TryAgainIn("refused".into(), secs(3));
    let cases = [
        (&transport, t0, Some(t0 + secs(150))),
        (&server, t0 + 4 * MIN, Some(t0 + 4 * MIN + secs(30))),
        (&ApiError::RateLimited(None), t0, Some(t0 + secs(150))),
        (
            &ApiError::RateLimited(Some(secs(200))),
            t0,
            Some(t0 + secs(200)),
        ),
        // Told to wait past the expiry: try again when it expires, not later.
        (
            &ApiError::RateLimited(Some(secs(900))),
            t0,
            Some(t0 + 5 * MIN),
        ),
        // Not to be asked again within a second, even close to the end.
        (&server, t0 + 5 * MIN - secs(1), Some(t0 + 5 * MIN)),
        // A refusal that may pass (Flex's 401): kept, and asked again no sooner than told.
        (&flex, t0, Some(t0 + secs(150))),
        (&flex, t0 + 5 * MIN - secs(4), Some(t0 + 5 * MIN - secs(1))),
        (
            &server,
            t0 + 5 * MIN - secs(10),
            Some(t0 + 5 * MIN - secs(5)),
        ),
        // Expired: no token to go on with.
        (&server, t0 + 5 * MIN, None),
        (&transport, t0 + 6 * MIN, None),
    ];
    for (e, now, want) in cases {
        assert_eq!(
            retry_renewal_at(e, now, &old),
            want,
            "{e:?} at {:?}",
            now - t0
        );
    }
    // Refusals that will not pass end the session as a first authentication would.
    let refused = ApiError::Final(crate::error::Error::Config("authentication failed".into()));
    assert_eq!(retry_renewal_at(&refused, t0, &old), None);
    assert_eq!(retry_renewal_at(&ApiError::Unauthorized, t0, &old), None);
}

#[test]
fn only_a_first_failure_to_reach_the_endpoint_says_how_it_was_chosen() {
    let session = Session {
        token: Secret("t".into()),
        endpoint: "http://127.0.0.1:9876".into(),
        region: "DFW3".into(),
        chosen: "the catalog's load-balancer endpoint 'octavia', interface internal from OS_INTERFACE, region DFW3".into(),
        renewal: None,
    };
    let refused = || {
        Err::<(), _>(ApiError::Transport(
            "127.0.0.1:9876 refused the connection".into(),
        ))
    };
    let noted = Err(ApiError::Transport(
        "127.0.0.1:9876 refused the connection (the catalog's load-balancer endpoint 'octavia', interface internal from OS_INTERFACE, region DFW3)".into(),
    ));
    // Before a session there is no endpoint to speak of.
    let settled = Cell::new(false);
    assert_eq!(note_endpoint(refused(), None, &settled), refused());
    // The first failure says it, the next do not.
    assert_eq!(note_endpoint(refused(), Some(&session), &settled), noted);
    assert_eq!(
        note_endpoint(refused(), Some(&session), &settled),
        refused()
    );
    // An endpoint that answered, even with an error, was the right one to ask.
    let answers: [fn() -> Result<(), ApiError>; 2] =
        [|| Ok(()), || Err(ApiError::Server("HTTP 503".into()))];
    for answer in answers {
        let settled = Cell::new(false);
        assert_eq!(note_endpoint(answer(), Some(&session), &settled), answer());
        assert_eq!(
            note_endpoint(refused(), Some(&session), &settled),
            refused()
        );
    }
}
