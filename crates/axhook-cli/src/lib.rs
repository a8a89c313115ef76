#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod activity;
mod args;
mod demo;
mod diagnose;
mod duration;
mod failure;
mod handler;
mod http_client;
mod input;
mod json_layout;
mod keys;
mod log;
mod output;
mod send;
mod serve;
mod sign;
mod store;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// Runs the `axhook` command line; what `main` returns.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::command(args),
        Command::Send(args) => send::command(args),
        Command::Sign(args) => sign::command(args),
        Command::Verify(args) => verify::command(args),
        Command::Diagnose(args) => diagnose::command(args),
        Command::Demo(args) => demo::command(args),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("axhook: {failure}");
            ExitCode::from(failure.exit_code)
        }
    }
}
