use super::*;

#[test]
fn member_ids_sort_as_numbers_when_they_are_numbers() {
    let mut ids: Vec<MemberId> = ["1000", "999", "1001", "abc", "ab"]
        .iter()
        .map(|s| MemberId(s.to_string()))
        .collect();
    ids.sort();
    let got: Vec<&str> = ids.iter().map(|i| i.0.as_str()).collect();
    assert_eq!(got, ["ab", "999", "abc", "1000", "1001"]);
}

#[test]
fn conditions_read_back_in_any_case() {
    for c in [Condition::Enabled, Condition::Disabled, Condition::Draining] {
        assert_eq!(Condition::from_word(c.as_str()), Some(c));
        assert_eq!(Condition::from_word(&c.as_str().to_lowercase()), Some(c));
    }
    assert_eq!(Condition::from_word("OFFLINE"), None);
}
