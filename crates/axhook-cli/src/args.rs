//! The command line, as clap derives it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::duration::parse_duration;

/// Receive, send and debug aXcelerate webhooks.
#[derive(Debug, Parser)]
#[command(name = "axhook", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Receive deliveries: verify, deduplicate and hand each new one to a command or a URL.
    Serve(ServeArgs),
    /// Send a delivery as aXcelerate does, retrying with exponential backoff until a 2xx.
    Send(SendArgs),
    /// Print the Ax-Signature of a body (or build and sign a whole delivery with --event).
    Sign(SignArgs),
    /// Verify a delivery; prints the verdict as JSON, exit code 0 valid, 1 refused.
    Verify(VerifyArgs),
    /// Explain why a signature does not match: tries the usual mistakes one by one.
    Diagnose(DiagnoseArgs),
    /// Start a receiver, send it what aXcelerate and an attacker might, show what it answered.
    Demo(DemoArgs),
}

/// Where keys come from. Each flag may be repeated; the first key found is tried first.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct KeyArgs {
    /// A private key, given directly (visible to other local users in the process list;
    /// prefer --key-env or --key-file outside development). Labelled key1, key2, …
    #[arg(long = "key", value_name = "KEY")]
    pub keys: Vec<String>,
    /// Read a key from an environment variable: `VAR` or `LABEL=VAR` (the label defaults to
    /// the variable's name and is reported for each delivery, which helps key rotation).
    #[arg(long = "key-env", value_name = "[LABEL=]VAR")]
    pub key_envs: Vec<String>,
    /// Read a key from a file: `PATH` or `LABEL=PATH`. One trailing line ending is removed;
    /// anything else is used exactly.
    #[arg(long = "key-file", value_name = "[LABEL=]PATH")]
    pub key_files: Vec<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("handler").required(true).multiple(false))]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The dedupe store: `sqlite:PATH`, `memory` (lost on restart, one process only) or a
    /// `redis://` URL (shared by a fleet of receivers).
    #[arg(long, default_value = "sqlite:axhook-dedupe.sqlite3")]
    pub store: String,
    /// Address to listen on; port 0 picks a free one (the log says which).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Run this shell command for each new delivery, the body on its standard input; exit
    /// status 0 marks it processed. AXHOOK_TYPE, AXHOOK_CLIENT_ID, AXHOOK_MESSAGE_ID,
    /// AXHOOK_TIMESTAMP and AXHOOK_KEY_LABEL are set.
    #[arg(long, value_name = "CMD", group = "handler")]
    pub exec: Option<String>,
    /// POST each new delivery's body to this http:// URL; a 2xx answer marks it processed.
    #[arg(long, value_name = "URL", group = "handler")]
    pub forward: Option<String>,
    /// Hand new deliveries nowhere: verify, deduplicate, log and answer 200 (to see what
    /// aXcelerate sends with --activity, or to measure the receiver itself).
    #[arg(long, group = "handler")]
    pub log_only: bool,
    /// How long a handler may take before it counts as failed (the sender retries).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub handler_timeout: Duration,
    /// Accept unsigned (version 0) deliveries when no key applies.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Accept only these clientIds (repeat the flag for several).
    #[arg(long = "allow-client-id", value_name = "ID")]
    pub allowed_client_ids: Vec<u64>,
    /// Serve the activity page at /_axhook/ and its data at /_axhook/deliveries.json.
    #[arg(long)]
    pub activity: bool,
    /// Let anyone holding this token see the activity page (`?token=` or a Bearer header);
    /// without it the page answers loopback clients only. Read from the named environment
    /// variable, so that it never shows in the process list.
    #[arg(long, value_name = "VAR", requires = "activity")]
    pub activity_token_env: Option<String>,
    /// The activity token itself (development only: it shows in the process list).
    #[arg(
        long,
        value_name = "TOKEN",
        requires = "activity",
        conflicts_with = "activity_token_env"
    )]
    pub activity_token: Option<String>,
    /// How many recent deliveries the activity page keeps.
    #[arg(long, default_value_t = 500)]
    pub activity_size: usize,
    /// After SIGTERM or Ctrl-C, how long in-flight deliveries may take to finish.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,
    /// Log one JSON object per line instead of `key=value` text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The receiver's URL (http://).
    pub url: String,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The event type, for example contact.contact_updated.
    #[arg(long, default_value = "contact.contact_updated")]
    pub event: String,
    /// The message: JSON text, or @FILE (default: a realistic sample for the event type).
    #[arg(long, value_name = "JSON|@FILE")]
    pub message: Option<String>,
    /// The clientId.
    #[arg(long, default_value_t = 12345678)]
    pub client_id: u64,
    /// The messageId (default: a fresh UUID).
    #[arg(long)]
    pub message_id: Option<String>,
    /// The timestamp, RFC 3339 (default: now).
    #[arg(long)]
    pub timestamp: Option<String>,
    /// Send version 0, unsigned, as aXcelerate does when no private key is set.
    #[arg(long)]
    pub unsigned: bool,
    /// Retries after the first attempt (aXcelerate makes 20).
    #[arg(long, default_value_t = 20)]
    pub retries: u32,
    /// The first wait between attempts; each next one doubles.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub backoff: Duration,
    /// Multiply every wait by this factor (0.001 replays 12 days of retries in 17 minutes).
    #[arg(long, default_value_t = 1.0)]
    pub time_scale: f64,
    /// Send the same delivery this many times, as a sender's redelivery would.
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
    /// Per-attempt timeout.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Print one JSON summary instead of a line per attempt.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The body: text, @FILE, or - for standard input (the default).
    pub body: Option<String>,
    /// Build a realistic delivery of this type instead of reading a body.
    #[arg(long, conflicts_with = "body")]
    pub event: Option<String>,
    /// The clientId of the delivery built with --event.
    #[arg(long, default_value_t = 12345678, requires = "event")]
    pub client_id: u64,
    /// Print both headers as `Name: value` lines.
    #[arg(long)]
    pub headers: bool,
    /// Print {"headers": {...}, "body": "..."} as JSON.
    #[arg(long, conflicts_with = "headers")]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// The body: text, @FILE, or - for standard input (the default).
    pub body: Option<String>,
    /// The Ax-Signature value (sets Ax-Signature-Version: 1 unless --signature-version says).
    #[arg(long)]
    pub signature: Option<String>,
    /// The Ax-Signature-Version value.
    #[arg(long)]
    pub signature_version: Option<String>,
    /// A raw header, `Name: value`; repeat it to pass several (or a repeated one).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Accept unsigned (version 0) deliveries when no key applies.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Judge the timestamp as of this instant (RFC 3339) instead of now.
    #[arg(long)]
    pub now: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DiagnoseArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Other keys you have (another environment's, the previous one): is one of them the key
    /// the body was signed with?
    #[arg(long = "other-key", value_name = "KEY")]
    pub other_keys: Vec<String>,
    /// The Ax-Signature that came with the body.
    #[arg(long)]
    pub signature: String,
    /// The body, as the receiver verified it: text, @FILE, or - for standard input.
    pub body: Option<String>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Print the results as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Keep the receiver running afterwards (Ctrl-C stops it) to look at the activity page.
    #[arg(long)]
    pub keep_serving: bool,
    /// Put the SQLite store in this folder (kept afterwards) instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
