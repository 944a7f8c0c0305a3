//! The command line as typed, before any checking. Every flag is one entry of `FLAGS`: the
//! parser, the "needs a value" examples, the hints for unknown flags and the CR stripping all
//! read that table, so a flag cannot be half added.

use std::ffi::OsString;

use crate::error::Error;

/// The command line as typed, before any checking.
#[derive(Debug, Default, PartialEq)]
pub struct Args {
    pub drain: bool,
    pub disable: bool,
    pub delete: bool,
    pub wait: bool,
    pub allow_http: bool,
    pub quiet: bool,
    pub status: bool,
    pub dry_run: bool,
    pub json: bool,
    pub watch: bool,
    pub ip: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub drain_timeout: Option<String>,
    pub weight: Option<String>,
    pub node_type: Option<String>,
    pub name: Option<String>,
    pub port: Option<String>,
    pub lb: Option<String>,
    pub region: Option<String>,
    pub health: Option<String>,
    pub health_interval: Option<String>,
    pub health_timeout: Option<String>,
    pub rise: Option<String>,
    pub fall: Option<String>,
    pub leave: Option<String>,
    pub resync: Option<String>,
    pub backend: Option<String>,
    pub pool: Option<String>,
    pub subnet: Option<String>,
    pub drain_from: Option<String>,
    pub cloud: Option<String>,
    pub docker: bool,
    pub docker_host: Option<String>,
    pub help: bool,
    pub version: bool,
}

/// One flag: its name (without the dash) and how it is given.
pub struct Flag {
    pub name: &'static str,
    pub kind: Kind,
}

pub enum Kind {
    /// `-name`, or `-name=true|false`: the setter names the field it writes.
    Switch(fn(&mut Args) -> &mut bool),
    /// `-name value`: `example` shows a good one, for "needs a value, e.g.".
    Value {
        example: &'static str,
        slot: fn(&mut Args) -> &mut Option<String>,
    },
}

const fn switch(name: &'static str, set: fn(&mut Args) -> &mut bool) -> Flag {
    Flag {
        name,
        kind: Kind::Switch(set),
    }
}

const fn value(
    name: &'static str,
    example: &'static str,
    slot: fn(&mut Args) -> &mut Option<String>,
) -> Flag {
    Flag {
        name,
        kind: Kind::Value { example, slot },
    }
}

/// Every flag. The order is that of the hints ("did you mean -drain or -drain-timeout?") and
/// of the carriage return warnings, so switches come first, as they always have.
pub const FLAGS: &[Flag] = &[
    switch("drain", |a| &mut a.drain),
    switch("disable", |a| &mut a.disable),
    switch("delete", |a| &mut a.delete),
    switch("wait", |a| &mut a.wait),
    switch("allow-http", |a| &mut a.allow_http),
    switch("quiet", |a| &mut a.quiet),
    switch("status", |a| &mut a.status),
    switch("dry-run", |a| &mut a.dry_run),
    switch("json", |a| &mut a.json),
    switch("watch", |a| &mut a.watch),
    switch("docker", |a| &mut a.docker),
    switch("help", |a| &mut a.help),
    switch("version", |a| &mut a.version),
    value("ip", "-ip 10.1.2.3", |a| &mut a.ip),
    value("interval", "-interval 5", |a| &mut a.interval),
    value("timeout", "-timeout 2m", |a| &mut a.timeout),
    value("drain-timeout", "-drain-timeout 60s", |a| {
        &mut a.drain_timeout
    }),
    value("weight", "-weight 10", |a| &mut a.weight),
    value("type", "-type SECONDARY", |a| &mut a.node_type),
    value("name", "-name web-1", |a| &mut a.name),
    value("port", "-port 8080", |a| &mut a.port),
    value("lb", "-lb 12345", |a| &mut a.lb),
    value("region", "-region IAD", |a| &mut a.region),
    value("health", "-health tcp", |a| &mut a.health),
    value("health-interval", "-health-interval 5s", |a| {
        &mut a.health_interval
    }),
    value("health-timeout", "-health-timeout 2s", |a| {
        &mut a.health_timeout
    }),
    value("rise", "-rise 2", |a| &mut a.rise),
    value("fall", "-fall 3", |a| &mut a.fall),
    value("leave", "-leave disable", |a| &mut a.leave),
    value("resync", "-resync 5m", |a| &mut a.resync),
    value("backend", "-backend octavia", |a| &mut a.backend),
    value("pool", "-pool web-pool", |a| &mut a.pool),
    value(
        "subnet",
        "-subnet 5e4c6b2a-0f5d-4c43-9b2e-6b1d2f0c7a11",
        |a| &mut a.subnet,
    ),
    value("drain-from", "-drain-from 10.0.0.0/24", |a| {
        &mut a.drain_from
    }),
    value("cloud", "-cloud web", |a| &mut a.cloud),
    value(
        "docker-host",
        "-docker-host unix:///var/run/docker.sock",
        |a| &mut a.docker_host,
    ),
];

fn flag(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.name == name)
}

/// The example for the value flag `name`, if it is one.
pub fn example(name: &str) -> Option<&'static str> {
    match flag(name)?.kind {
        Kind::Value { example, .. } => Some(example),
        Kind::Switch(_) => None,
    }
}

/// Parses the command line (without the program name). Accepts Go `flag` syntax: `-name`,
/// `--name`, `-name=value`, `-name value`, and `-name=true|false` for switches.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Args, Error> {
    use lexopt::Arg::{Long, Short, Value};
    // Go flags are single-dash long names; lexopt reads those as bundles of short flags, so
    // rewrite `-name` to `--name`. `-5` (a negative number given as a value) stays as it is.
    let args = args.into_iter().map(|a| match a.to_str() {
        Some(s) if s.len() > 2 && s.starts_with('-') && s.as_bytes()[1].is_ascii_alphabetic() => {
            OsString::from(format!("-{s}"))
        }
        _ => a,
    });
    let mut parser = lexopt::Parser::from_args(args);
    let mut out = Args::default();
    loop {
        let arg = parser.next().map_err(|e| lexopt_error(&e))?;
        let name = match arg {
            None => break,
            Some(Short('h')) => "help".to_string(),
            Some(Short(c)) => return Err(unknown_flag(&c.to_string())),
            Some(Long(name)) => name.to_string(),
            Some(Value(v)) => {
                return Err(Error::Usage(format!(
                    "unexpected argument '{}': peekaboo takes only flags (see peekaboo -help)",
                    v.to_string_lossy()
                )));
            }
        };
        match flag(&name).map(|f| &f.kind) {
            Some(Kind::Switch(set)) => {
                *set(&mut out) = match parser.optional_value() {
                    None => true,
                    Some(v) => parse_bool(&name, &v)?,
                };
            }
            Some(Kind::Value { example, slot }) => {
                let value = parser.value().map_err(|_| {
                    Error::Usage(format!("flag -{name} needs a value, e.g. {example}"))
                })?;
                let value = value.into_string().map_err(|_| {
                    Error::Usage(format!("flag -{name} has a value that is not valid UTF-8"))
                })?;
                let slot = slot(&mut out);
                if slot.is_some() {
                    return Err(Error::Usage(format!(
                        "flag -{name} is given twice: give it once"
                    )));
                }
                *slot = Some(value);
            }
            None => return Err(unknown_flag(&name)),
        }
    }
    Ok(out)
}

fn parse_bool(name: &str, v: &OsString) -> Result<bool, Error> {
    // The spellings Go's strconv.ParseBool accepts, since `-drain=true` worked before.
    match v.to_str().unwrap_or("") {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        other => Err(Error::Usage(format!(
            "flag -{name} is a switch: '{other}' is not true or false; write just -{name}"
        ))),
    }
}

fn lexopt_error(e: &lexopt::Error) -> Error {
    Error::Usage(format!("{e}; see peekaboo -help"))
}

/// Options of the openstack CLI's `loadbalancer member` commands and its global `--os-*`
/// options, as someone used to it types them, and what the hint for each says: one entry an
/// option. Any other `--os-*` is its `OS_*` variable (`os_option`).
const ALIASES: &[(&str, &str)] = &[
    ("address", "peekaboo calls it -ip"),
    ("protocol-port", "peekaboo calls it -port"),
    ("subnet-id", "peekaboo calls it -subnet"),
    ("loadbalancer", "peekaboo calls it -lb"),
    (
        "enable",
        "enabling is what peekaboo does without -drain, -disable or -delete: leave it out",
    ),
    ("enable-backup", "peekaboo calls it -type SECONDARY"),
    ("disable-backup", "peekaboo calls it -type PRIMARY"),
    (
        "os-region-name",
        "peekaboo calls it -region (or set OS_REGION_NAME)",
    ),
    ("os-cloud", "peekaboo calls it -cloud (or set OS_CLOUD)"),
];

fn unknown_flag(name: &str) -> Error {
    let lower = name.to_ascii_lowercase();
    let alias = ALIASES.iter().find(|(a, _)| *a == lower).map(|(_, h)| *h);
    let hint = match alias {
        Some(hint) => hint.to_string(),
        None => os_option(&lower).unwrap_or_else(|| near(&lower, name.chars().count())),
    };
    Error::Usage(format!("unknown flag -{name}: {hint}"))
}

/// The openstack CLI's `--os-foo` is the variable `OS_FOO`, which peekaboo reads or not.
fn os_option(lower: &str) -> Option<String> {
    let var = format!(
        "OS_{}",
        lower
            .strip_prefix("os-")
            .filter(|rest| !rest.is_empty())?
            .to_ascii_uppercase()
            .replace('-', "_")
    );
    // The variables peekaboo reads are those -help lists.
    let listed = crate::cli::USAGE
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == var);
    Some(if listed {
        format!("set {var} instead: peekaboo reads the openstack CLI's variables, not its options")
    } else {
        format!(
            "peekaboo takes no --os-* options and does not read {var}: see peekaboo -help for the variables it reads"
        )
    })
}

/// The flags `lower` is a typo of or the start of, in words.
fn near(lower: &str, typed: usize) -> String {
    let known = || FLAGS.iter().map(|f| f.name);
    // A flag cut short (-v, -stat) means the flags it begins; a typo means the nearest flag,
    // but only when it is nearer than the name is long: -v is not a typo of -ip.
    let begun: Vec<String> = known()
        .filter(|k| k.starts_with(lower))
        .map(|k| format!("-{k}"))
        .collect();
    let close = known()
        .map(|k| (edit_distance(lower, k), k))
        .filter(|(d, _)| *d <= 2 && *d < typed)
        .min();
    match (begun.as_slice(), close) {
        ([one], _) => format!("did you mean {one}?"),
        ([rest @ .., last], _) if rest.len() < 5 => {
            format!("did you mean {} or {last}?", rest.join(", "))
        }
        (_, Some((_, k))) => format!("did you mean -{k}?"),
        _ => "see peekaboo -help for the list".to_string(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
