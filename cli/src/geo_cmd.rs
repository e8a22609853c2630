//! `doorstep geo gcj02 LAT LON`, `doorstep geo wgs84 LAT LON` and
//! `doorstep geo distance LAT1 LON1 LAT2 LON2`: the coordinate tools of `doorstep-evidence`.
//!
//! `gcj02` converts a WGS-84 position to GCJ-02 and `wgs84` converts back; both print
//! `{"lat","lon"}` and pass positions outside China unchanged. `distance` prints `{"meters"}`,
//! the haversine distance.

use clap::{Args, Subcommand};
use doorstep_evidence::{LatLon, gcj02_to_wgs84, haversine_m, wgs84_to_gcj02};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Args)]
pub struct GeoArgs {
    #[command(subcommand)]
    command: GeoCommand,
}

#[derive(Subcommand)]
enum GeoCommand {
    /// Convert a WGS-84 (GPS) position to GCJ-02 (Chinese map tiles).
    #[command(allow_negative_numbers = true)]
    Gcj02 { lat: f64, lon: f64 },
    /// Convert a GCJ-02 position back to WGS-84.
    #[command(allow_negative_numbers = true)]
    Wgs84 { lat: f64, lon: f64 },
    /// Great-circle distance in metres between two positions.
    #[command(allow_negative_numbers = true)]
    Distance {
        lat1: f64,
        lon1: f64,
        lat2: f64,
        lon2: f64,
    },
}

#[derive(Serialize)]
struct Meters {
    meters: f64,
}

/// Exits 0 with the result, 2 when a coordinate is out of range.
pub fn run(args: GeoArgs) -> anyhow::Result<ExitCode> {
    let checked = |lat, lon| LatLon::new(lat, lon);
    let result = match args.command {
        GeoCommand::Gcj02 { lat, lon } => {
            checked(lat, lon).map(|p| crate::print_json(&wgs84_to_gcj02(p)))
        }
        GeoCommand::Wgs84 { lat, lon } => {
            checked(lat, lon).map(|p| crate::print_json(&gcj02_to_wgs84(p)))
        }
        GeoCommand::Distance {
            lat1,
            lon1,
            lat2,
            lon2,
        } => checked(lat1, lon1)
            .and_then(|a| Ok((a, checked(lat2, lon2)?)))
            .map(|(a, b)| {
                crate::print_json(&Meters {
                    meters: haversine_m(a, b),
                })
            }),
    };
    match result {
        Ok(printed) => {
            printed?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("refused: {}: {} ({})", err.code(), err, err.message_zh());
            Ok(ExitCode::from(2))
        }
    }
}
