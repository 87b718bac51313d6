//! The `recolab` command; see `recolab --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    recolab_cli::main()
}

#[path = "cli.rs"]
mod recolab_cli;
