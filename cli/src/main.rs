//! `doorstep`: the command line over Doorstep's core.
//!
//! Every subcommand prints JSON on stdout for other programs (and tests) to read,
//! and plain words on stderr when it fails, with a non-zero exit code.

mod demo_cmd;
mod device_cmd;
mod form_cmd;
mod geo_cmd;
mod id_cmd;
mod logging;
mod photo_cmd;
mod serve_cmd;
mod visit_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "doorstep",
    version,
    about = "Doorstep (入户通): field visits for community grid workers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a resident identity card number (居民身份证号码).
    Id(id_cmd::IdArgs),
    /// Work with an encrypted device database, as the phone does.
    Device(device_cmd::DeviceArgs),
    /// Process a photo as the phone does at capture: orient, downscale, strip, hash.
    Photo(photo_cmd::PhotoArgs),
    /// Convert between WGS-84 and GCJ-02, or measure a distance.
    Geo(geo_cmd::GeoArgs),
    /// Check form definitions, validate answers, list the built-in templates.
    Form(form_cmd::FormArgs),
    /// Run the demo: a seeded server and simulated workers who visit and sync.
    Demo(demo_cmd::DemoArgs),
    /// Run the sync server on embedded SQLite.
    Serve(serve_cmd::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Id(args) => id_cmd::run(args),
        Command::Device(args) => device_cmd::run(args),
        Command::Photo(args) => photo_cmd::run(args),
        Command::Geo(args) => geo_cmd::run(args),
        Command::Form(args) => form_cmd::run(args),
        Command::Demo(args) => {
            logging::init();
            demo_cmd::run(args)
        }
        Command::Serve(args) => {
            logging::init();
            serve_cmd::run(args)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Today on this computer's clock and in its time zone, by the core's one
/// local-date rule (what a phone would call today).
fn today() -> chrono::NaiveDate {
    use doorstep_core::clock::{Clock, SystemClock, local_date};
    local_date(SystemClock.now())
}

/// Prints `value` as one line of JSON on stdout.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}
