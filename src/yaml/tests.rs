use super::*;

pub mod fixtures;

/// A node as one line of text, each value after the line it starts on: `1:{a: 1:x, b: 2:[3:"y"]}`.
/// Plain text bare, quoted text in Rust's quotes, null as `~`.
fn show(n: &Node) -> String {
    let inner = match &n.value {
        Value::Map(entries) => {
            let e: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", show(v)))
                .collect();
            format!("{{{}}}", e.join(", "))
        }
        Value::Seq(items) => {
            let e: Vec<String> = items.iter().map(show).collect();
            format!("[{}]", e.join(", "))
        }
        Value::Scalar {
            text,
            quoted: false,
        } => text.clone(),
        Value::Scalar { text, quoted: true } => format!("{text:?}"),
        Value::Null => "~".into(),
    };
    format!("{}:{inner}", n.line)
}

/// A text, and the node it reads as (shown) or the line and construct it is refused for.
type Case<'a> = (&'a str, Result<&'a str, (usize, &'a str)>);

fn check(cases: &[Case]) {
    for (text, want) in cases {
        let got = parse(text).map(|n| show(&n));
        let want = want
            .map(str::to_string)
            .map_err(|(line, c)| refused(line, c));
        assert_eq!(got, want, "{text:?}");
    }
}

#[test]
fn block_mappings_and_sequences() {
    check(&[
        ("a: x", Ok("1:{a: 1:x}")),
        ("a: x\nb: y\n", Ok("1:{a: 1:x, b: 2:y}")),
        (
            "a:\n  b: x\n  c: y\nd: z",
            Ok("1:{a: 2:{b: 2:x, c: 3:y}, d: 4:z}"),
        ),
        (
            "a:\n    b: x\nc:\n d: y",
            Ok("1:{a: 2:{b: 2:x}, c: 4:{d: 4:y}}"),
        ),
        ("- x\n- y", Ok("1:[1:x, 2:y]")),
        ("a:\n  - x\n  - y\nb: z", Ok("1:{a: 2:[2:x, 3:y], b: 4:z}")),
        // Indentless, as PyYAML dumps a list under a key.
        ("a:\n- x\n- y\nb: z", Ok("1:{a: 2:[2:x, 3:y], b: 4:z}")),
        ("a:\n- x\n", Ok("1:{a: 2:[2:x]}")),
        ("a:    # c\n  - x", Ok("1:{a: 2:[2:x]}")),
        // Sequences of mappings, the keys after the first lined up under it.
        (
            "- name: x\n  port: 1\n- name: y",
            Ok("1:[1:{name: 1:x, port: 2:1}, 3:{name: 3:y}]"),
        ),
        (
            "r:\n- name: a\n  values:\n    n:\n    - name: w\n      ext: true\n    - name: l\n- name: b",
            Ok(
                "1:{r: 2:[2:{name: 2:a, values: 4:{n: 5:[5:{name: 5:w, ext: 6:true}, 7:{name: 7:l}]}}, 8:{name: 8:b}]}",
            ),
        ),
        ("-   a: 1\n    b: 2", Ok("1:[1:{a: 1:1, b: 2:2}]")),
        ("- a:\n  - x\n- b", Ok("1:[1:{a: 2:[2:x]}, 3:b]")),
        ("- a:\n    b: 1", Ok("1:[1:{a: 2:{b: 2:1}}]")),
        ("- - x\n  - y\n- z", Ok("1:[1:[1:x, 2:y], 3:z]")),
        ("-\n  a: 1\n-\n- x", Ok("1:[2:{a: 2:1}, 3:~, 4:x]")),
        ("- # c\n  x", Ok("1:[2:x]")),
        ("a:\n  hello", Ok("1:{a: 2:hello}")),
        ("hello", Ok("1:hello")),
        ("'hello' # c", Ok("1:\"hello\"")),
    ]);
}

#[test]
fn scalars() {
    check(&[
        ("a:", Ok("1:{a: 1:~}")),
        ("a:\nb: 1", Ok("1:{a: 1:~, b: 2:1}")),
        (
            "a: ~\nb: null\nc: Null\nd: NULL",
            Ok("1:{a: 1:~, b: 2:~, c: 3:~, d: 4:~}"),
        ),
        ("a: nUll\nb: ~x", Ok("1:{a: 1:nUll, b: 2:~x}")),
        ("a: 'null'\nb: \"~\"", Ok("1:{a: 1:\"null\", b: 2:\"~\"}")),
        (
            "a: 3\nb: '3'\nc: \"3\"",
            Ok("1:{a: 1:3, b: 2:\"3\", c: 3:\"3\"}"),
        ),
        ("a: -1\nb: 3.0\nc: 08", Ok("1:{a: 1:-1, b: 2:3.0, c: 3:08}")),
        ("a:  x  \nb:x: 1", Ok("1:{a: 1:x, b:x: 2:1}")),
        (
            "a: it's\nb: a\"b\nc: x,y [z] {w}",
            Ok("1:{a: 1:it's, b: 2:a\"b, c: 3:x,y [z] {w}}"),
        ),
        ("a: -x\nb: ?x\nc: :x", Ok("1:{a: 1:-x, b: 2:?x, c: 3::x}")),
        ("a: x y z", Ok("1:{a: 1:x y z}")),
        // URLs: a colon not before a space is text.
        (
            "auth_url: http://host:5000/v3\nb: a:b",
            Ok("1:{auth_url: 1:http://host:5000/v3, b: 2:a:b}"),
        ),
        // Comments: after a space; a # with none before it is text.
        (
            "a: x # c\nb: x#y\nc: x #y # z",
            Ok("1:{a: 1:x, b: 2:x#y, c: 3:x}"),
        ),
        (
            "a: 'x # y'\nb: \"x # y\" # z",
            Ok("1:{a: 1:\"x # y\", b: 2:\"x # y\"}"),
        ),
        ("a: 'x'#c\nb: \"y\"   # c", Ok("1:{a: 1:\"x\", b: 2:\"y\"}")),
        // Quotes holding what would otherwise be structure.
        (
            "a: 'b: c'\nb: \"- x\"\nc: '&x *y !z |'",
            Ok("1:{a: 1:\"b: c\", b: 2:\"- x\", c: 3:\"&x *y !z |\"}"),
        ),
        ("a: ''\nb: \"\"", Ok("1:{a: 1:\"\", b: 2:\"\"}")),
        (
            "a: 'it''s'''\nb: ''''",
            Ok("1:{a: 1:\"it's'\", b: 2:\"'\"}"),
        ),
        ("a: 'x\\n'", Ok("1:{a: 1:\"x\\\\n\"}")),
        ("a: \"tab\there\"", Ok("1:{a: 1:\"tab\\there\"}")),
    ]);
}

#[test]
fn double_quoted_escapes() {
    let cases: &[(&str, &str)] = &[
        (r#""a\"b\\c\/d""#, "a\"b\\c/d"),
        (r#""\n\t\r\0\a\b\v\f\e""#, "\n\t\r\0\x07\x08\x0b\x0c\x1b"),
        (r#""\ \N\_\L\P""#, " \u{85}\u{a0}\u{2028}\u{2029}"),
        (r#""\x41\u00e9\u00E9\U0001F600""#, "Aéé😀"),
        ("\"\\\t\"", "\t"),
    ];
    for (text, want) in cases {
        let node = parse(&format!("k: {text}")).unwrap();
        assert_eq!(node.get("k").and_then(Node::as_str), Some(*want), "{text}");
    }
    check(&[
        (r#"a: "\q""#, Err((1, r"an invalid escape (\q)"))),
        (r#"a: "\x4""#, Err((1, r"an invalid escape (\x)"))),
        (r#"a: "\u00zz""#, Err((1, r"an invalid escape (\u)"))),
        (r#"a: "\uD800""#, Err((1, r"an invalid escape (\u)"))),
        (r#"a: "\U00110000""#, Err((1, r"an invalid escape (\U)"))),
    ]);
}

#[test]
fn keys() {
    check(&[
        (
            "a-b.c_d: 1\nkey with spaces: 2",
            Ok("1:{a-b.c_d: 1:1, key with spaces: 2:2}"),
        ),
        (
            "'a': 1\n\"b c\": 2\n'': 3",
            Ok("1:{a: 1:1, b c: 2:2, : 3:3}"),
        ),
        ("\"a: b\": 1\n'#x': 2", Ok("1:{a: b: 1:1, #x: 2:2}")),
        ("a : 1\n'b' : 2", Ok("1:{a: 1:1, b: 2:2}")),
        (
            "-a: 1\n?b: 2\nhttp://x: 3",
            Ok("1:{-a: 1:1, ?b: 2:2, http://x: 3:3}"),
        ),
        ("a: 1\nb: 2\na: 3", Err((3, "a duplicate key 'a'"))),
        ("'a': 1\n\"a\": 2", Err((2, "a duplicate key 'a'"))),
        (
            "x:\n  b: 1\n  c: 2\n  b: 3",
            Err((4, "a duplicate key 'b'")),
        ),
        ("- a: 1\n  a: 2", Err((2, "a duplicate key 'a'"))),
        // The same key in two mappings is no duplicate.
        (
            "x:\n  a: 1\ny:\n  a: 2",
            Ok("1:{x: 2:{a: 2:1}, y: 4:{a: 4:2}}"),
        ),
    ]);
}

#[test]
fn documents_comments_and_line_ends() {
    check(&[
        ("", Ok("1:~")),
        ("\n\n", Ok("1:~")),
        ("# only\n  # comments\n", Ok("1:~")),
        ("---\n", Ok("1:~")),
        ("---\n...\n", Ok("1:~")),
        ("---\na: 1", Ok("2:{a: 2:1}")),
        ("--- # c\na: 1\n...\n# after\n", Ok("2:{a: 2:1}")),
        (
            "# c\n\na: 1 # c\n  # deeper comment\n\n# c\nb: 2",
            Ok("3:{a: 3:1, b: 7:2}"),
        ),
        ("\u{feff}a: 1", Ok("1:{a: 1:1}")),
        ("a: 1\r\nb:\r\n- 'x'\r\n", Ok("1:{a: 1:1, b: 3:[3:\"x\"]}")),
        ("a: 1\n   \nb: 2\n", Ok("1:{a: 1:1, b: 3:2}")),
        ("a: 1\n#x\n---x: 2", Ok("1:{a: 1:1, ---x: 3:2}")),
    ]);
}

#[test]
fn refused_constructs() {
    check(&[
        ("a: &x y", Err((1, "an anchor (&x)"))),
        ("a: 1\n&anchor b: 2", Err((2, "an anchor (&anchor)"))),
        ("a: *x", Err((1, "an alias (*x)"))),
        ("- *x", Err((1, "an alias (*x)"))),
        ("a: !!str 3", Err((1, "a tag (!!str)"))),
        ("a: !x y", Err((1, "a tag (!x)"))),
        ("a:\n  - [x, y]", Err((2, "a flow sequence ([...])"))),
        ("a: []", Err((1, "a flow sequence ([...])"))),
        ("a: ]", Err((1, "a flow sequence ([...])"))),
        ("a: {b: c}", Err((1, "a flow mapping ({...})"))),
        ("a: {}", Err((1, "a flow mapping ({...})"))),
        ("{a: b}", Err((1, "a flow mapping ({...})"))),
        ("a: |\n  x", Err((1, "a block scalar (|)"))),
        ("a: >-\n  x", Err((1, "a block scalar (>-)"))),
        ("a: x\n  y", Err((2, CONTINUED))),
        ("a:\n  x\n  y", Err((3, CONTINUED))),
        ("a:\n- x\n  y", Err((3, CONTINUED))),
        ("a: 'x'\n    y", Err((2, CONTINUED))),
        ("x\ny", Err((2, CONTINUED))),
        (
            "a: 'x\n  y'",
            Err((
                1,
                "a quoted value not closed on its line (a multi-line scalar)",
            )),
        ),
        (
            "a: \"x\\\n  y\"",
            Err((
                1,
                "a quoted value not closed on its line (a multi-line scalar)",
            )),
        ),
        ("a: 1\n---\nb: 2", Err((2, "a second document (---)"))),
        ("---\n---\n", Err((2, "a second document (---)"))),
        ("a: 1\n...\nb: 2", Err((3, "a second document (after ...)"))),
        ("...\n---\na: 1", Err((2, "a second document (---)"))),
        ("--- a: 1", Err((1, "a value on the '---' line"))),
        ("a: 1\n... b: 2", Err((2, "a value on the '...' line"))),
        ("%YAML 1.1\n---\na: 1", Err((1, "a directive (%YAML)"))),
        ("? a\n: b", Err((1, "a complex key (?)"))),
        ("a: ? b", Err((1, "a complex key (?)"))),
        ("a:\n\tb: 1", Err((2, "a tab in the indentation"))),
        ("a: 1\n \t\nb: 2", Err((2, "a tab in the indentation"))),
        ("\t# c", Err((1, "a tab in the indentation"))),
        ("a:\tb", Err((1, TAB))),
        ("a: b\tc", Err((1, TAB))),
        ("a: b\t# c", Err((1, TAB))),
        ("a\t: b", Err((1, TAB))),
        ("-\tx", Err((1, TAB))),
        ("a: 'x'\t", Err((1, TAB))),
        ("a: 1\x01", Err((1, "a control character (U+0001)"))),
        ("a: x\ry", Err((1, "a control character (U+000D)"))),
        ("a: 1\nb: \u{85}", Err((2, "a control character (U+0085)"))),
        ("a: x\u{2028}y", Err((1, "a control character (U+2028)"))),
    ]);
}

#[test]
fn refused_as_malformed() {
    check(&[
        ("a: 1\nb", Err((2, NOT_ENTRY))),
        ("a: 1\n: b", Err((2, NOT_ENTRY))),
        ("a: 1\nb #: c", Err((2, NOT_ENTRY))),
        ("a: 1\n'b' c: 2", Err((2, "text after the closing quote"))),
        ("a: \"b\" c", Err((1, "text after the closing quote"))),
        ("a: \"b\": c", Err((1, "text after the closing quote"))),
        (
            "a: b: c",
            Err((1, "a ': ' inside a value (quote the value)")),
        ),
        (
            "a: http:",
            Err((1, "a ': ' inside a value (quote the value)")),
        ),
        ("a: - x", Err((1, "a '- item' on its key's line"))),
        ("a: -", Err((1, "a '- item' on its key's line"))),
        (
            "a: ,x",
            Err((1, "a value starting with a reserved character (,x)")),
        ),
        (
            "a: @x",
            Err((1, "a value starting with a reserved character (@x)")),
        ),
        (
            "a: `x",
            Err((1, "a value starting with a reserved character (`x)")),
        ),
        (
            "a: %x",
            Err((1, "a value starting with a reserved character (%x)")),
        ),
        ("a: 1\n  b: 2", Err((2, CONTINUED))),
        ("a:\n    b: 1\n  c: 2", Err((3, INDENT))),
        ("  a: 1\nb: 2", Err((2, INDENT))),
        ("- a: 1\n b: 2", Err((2, INDENT))),
        ("-   a: 1\n  b: 2", Err((2, INDENT))),
        ("a: 1\n- x", Err((2, MIXED))),
        ("- x\na: 1", Err((2, MIXED))),
        ("a:\n  - x\n  b: 1", Err((3, MIXED))),
        ("a:\n  b: 1\n  - x", Err((3, MIXED))),
        ("a:\n- x\nb: 1\n- y", Err((4, MIXED))),
    ]);
}

#[test]
fn bounds() {
    // 64 levels deep is read; one more is refused at its line.
    let nested = |levels: usize| -> String {
        (0..levels)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect()
    };
    assert!(parse(&nested(64)).is_ok());
    assert_eq!(
        parse(&nested(66)),
        Err(refused(66, "nesting deeper than 64 levels"))
    );
    let dashes = format!("{}x", "- ".repeat(70));
    assert_eq!(
        parse(&dashes),
        Err(refused(1, "nesting deeper than 64 levels"))
    );
    let big = "a: 1\n".repeat(MAX_BYTES / 5 + 1);
    assert_eq!(parse(&big), Err(refused(1, "a file over 1 MiB")));
    // A long mapping's duplicate is found without comparing every pair.
    let many: String = (0..50_000).map(|i| format!("k{i}: {i}\n")).collect();
    assert_eq!(parse(&many).map(|n| n.line), Ok(1));
    let twice = format!("{many}k7: x\n");
    assert_eq!(parse(&twice), Err(refused(50_001, "a duplicate key 'k7'")));
}

#[test]
fn reading_values() {
    let doc = parse(
        "b1: true\nb2: Off\nb3: YES\nb4: 'true'\nb5: tRUE\nb6: y\nn: ~\nm:\n  x: 1\ns:\n- a\nt: 3",
    )
    .unwrap();
    let bool_of = |k| doc.get(k).and_then(Node::as_bool);
    assert_eq!(bool_of("b1"), Some(true));
    assert_eq!(bool_of("b2"), Some(false));
    assert_eq!(bool_of("b3"), Some(true));
    // Quoted is text; PyYAML reads only these three cases, and never `y`.
    assert_eq!(bool_of("b4"), None);
    assert_eq!(bool_of("b5"), None);
    assert_eq!(bool_of("b6"), None);
    assert_eq!(bool_of("n"), None);
    let str_of = |k| doc.get(k).and_then(Node::as_str);
    assert_eq!(str_of("b4"), Some("true"));
    assert_eq!(str_of("t"), Some("3"));
    assert_eq!(str_of("n"), None);
    assert_eq!(str_of("m"), None);
    assert_eq!(str_of("s"), None);
    assert_eq!(
        doc.get("m").and_then(|m| m.get("x")).map(|x| x.line),
        Some(9)
    );
    assert_eq!(doc.get("absent"), None);
    assert_eq!(doc.get("s").and_then(|s| s.get("a")), None);
}
