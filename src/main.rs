//! peekaboo: put this host into a Rackspace Cloud Load Balancer at boot, take it out at
//! shutdown. `main` turns the result into an exit code in one place.

mod addr;
mod clb;
mod config;
mod drain;
mod error;
mod http;
mod identity;
mod log;
mod proxy;
mod reconcile;
mod report;
mod retry;
mod run;
mod watch;

#[cfg(test)]
mod fuzz;

use config::{Config, USAGE, parse_args};
use error::Error;

fn main() {
    let journal = log::stderr_is_journal(std::env::var("JOURNAL_STREAM").ok().as_deref());
    log::init(journal, false);
    std::process::exit(match real_main(journal) {
        Ok(code) => code,
        Err(e) => {
            log::error(&format!("Error: {e}"));
            e.exit_code()
        }
    });
}

fn real_main(journal: bool) -> Result<i32, Error> {
    let args = parse_args(std::env::args_os().skip(1))?;
    if args.help {
        print!("{USAGE}");
        return Ok(0);
    }
    if args.version {
        println!("peekaboo {}", env!("CARGO_PKG_VERSION"));
        return Ok(0);
    }
    let cfg = Config::new(args, &|name| std::env::var_os(name))?;
    log::init(journal, cfg.quiet);
    let outcomes = run::run(&cfg)?;
    Ok(report::report(&cfg, &outcomes))
}
