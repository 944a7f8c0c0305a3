//! This host's name, which names the member peekaboo creates. Read from the kernel's own file
//! for it: the UTS namespace's name, which `docker run --net=host` sets to the host's.

/// The host's name, or None when it cannot be read or is not set: a member is then created
/// without a name, which is no reason to fail a join.
pub fn hostname() -> Option<String> {
    parse(&std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?)
}

/// The file's text as a name: one line, trimmed. The kernel's `(none)` is no name, nor is a
/// control character (a name goes into a request body and onto a -status line).
fn parse(text: &str) -> Option<String> {
    let name = text.trim();
    let usable = !name.is_empty() && name != "(none)" && !name.chars().any(char::is_control);
    usable.then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_text_as_a_name() {
        for (text, want) in [
            ("web-1\n", Some("web-1")),
            ("web-1.example.com\n", Some("web-1.example.com")),
            ("  web-1  \n", Some("web-1")),
            ("\n", None),
            ("", None),
            ("(none)\n", None),
            ("we\tb\n", None),
        ] {
            assert_eq!(parse(text).as_deref(), want, "{text:?}");
        }
    }
}
