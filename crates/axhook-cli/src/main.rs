//! The `axhook` command; everything lives in the `axhook_cli` library.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    axhook_cli::main()
}
