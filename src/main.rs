//! The `konverge` binary: parse the command line, run it, map the outcome to an exit code
//! (0 ok, 1 error — usage errors included —, 2 changes for `plan --detailed-exitcode`, 1/2 for
//! `diff`, 3 no convergence, 4 an unhealthy end under `--require-healthy`).

use clap::error::ErrorKind;
use clap::Parser;
use konverge::cli::{self, Cli, Command, Exit};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Like other Unix tools, stop quietly when the reader of stdout goes away (`| head`).
    // SAFETY: setting a signal disposition to its default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints `error: …` and the usage; kubectl exits 1 on a usage error (2 is
            // `plan --detailed-exitcode`'s "changes").
            let _ = e.print();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            };
        }
    };
    let is_diff = matches!(cli.command, Command::Diff { .. });
    match cli::run(cli) {
        Ok(Exit::Ok) => ExitCode::SUCCESS,
        Ok(Exit::Changes(code)) => ExitCode::from(code as u8),
        Ok(Exit::NotConverged) => ExitCode::from(3),
        Ok(Exit::Unhealthy) => ExitCode::from(4),
        Err(e) => {
            eprintln!("{}", cli::error_line(&e));
            // kubectl diff: 1 means "differs", so errors are 2 there.
            ExitCode::from(if is_diff { 2 } else { 1 })
        }
    }
}
