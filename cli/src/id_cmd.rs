//! `doorstep id check NUMBER`: validates an identity number and prints what it encodes.

use clap::{Args, Subcommand};
use doorstep_core::domain::IdNumber;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Args)]
pub struct IdArgs {
    #[command(subcommand)]
    command: IdCommand,
}

#[derive(Subcommand)]
enum IdCommand {
    /// Validate NUMBER (18 characters, or a legacy 15-digit number) and print
    /// the normalized number, birth date, sex and region code as JSON.
    Check { number: String },
}

#[derive(Serialize)]
struct IdReport {
    valid: bool,
    normalized: Option<String>,
    birth_date: Option<String>,
    sex: Option<&'static str>,
    region_code: Option<String>,
    reason: Option<&'static str>,
}

/// Exits 0 when the number is valid and 1 when it is not; both print a report.
pub fn run(args: IdArgs) -> anyhow::Result<ExitCode> {
    let IdCommand::Check { number } = args.command;
    let report = match IdNumber::parse_on(&number, crate::today()) {
        Ok(id) => IdReport {
            valid: true,
            normalized: Some(id.as_str().to_owned()),
            birth_date: Some(id.birth_date().format("%Y-%m-%d").to_string()),
            sex: Some(id.sex().as_str()),
            region_code: Some(id.region_code().to_owned()),
            reason: None,
        },
        Err(err) => IdReport {
            valid: false,
            normalized: None,
            birth_date: None,
            sex: None,
            region_code: None,
            reason: Some(err.code()),
        },
    };
    crate::print_json(&report)?;
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
