//! The device simulator's field work and sync: `doorstep device … login | pull |
//! visit … | sync | outbox`. It drives the real core exactly as a phone does.

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use doorstep_core::device::{Device, DeviceError};
use doorstep_core::evidence::{DoorOutcome, GpsFix, LatLon, Provider};
use doorstep_core::forms::FieldType;
use doorstep_core::store::visits::VisitFilter;
use doorstep_core::sync::{CancelFlag, Network, Progress, SyncOptions};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use uuid::Uuid;

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Start a visit; prints {"visit_id"}.
    Start {
        #[arg(long)]
        household: Uuid,
        #[arg(long)]
        template: String,
    },
    /// Replace a draft's answers with a JSON object from FILE (with --merge:
    /// set only the answers FILE names, keeping the others, as when a worker
    /// corrects a few questions of a revision).
    Answers {
        visit: Uuid,
        file: PathBuf,
        #[arg(long)]
        merge: bool,
    },
    /// Record the door check: the GPS fix and what happened at the door.
    DoorCheck {
        visit: Uuid,
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// Horizontal accuracy in metres.
        #[arg(long)]
        accuracy: f64,
        #[arg(long, value_enum, default_value = "met")]
        outcome: Outcome,
        /// The phone reported a mock location.
        #[arg(long)]
        mock: bool,
    },
    /// Add a photo (JPEG or PNG) to a draft.
    Photo {
        visit: Uuid,
        file: PathBuf,
        /// The photo field it answers (default: the form's first photo field).
        #[arg(long)]
        field: Option<String>,
    },
    /// Finalize a draft; refused with every problem listed (as JSON, exit 1).
    Finalize { visit: Uuid },
    /// Start the next revision of a returned visit; prints {"visit_id"}.
    Revise { visit: Uuid },
    /// List visits, or only those returned for rework.
    List {
        #[arg(long)]
        returned: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Outcome {
    Met,
    NobodyHome,
    Refused,
    Moved,
    Vacant,
    WrongAddress,
}

impl From<Outcome> for DoorOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Met => DoorOutcome::Met,
            Outcome::NobodyHome => DoorOutcome::NobodyHome,
            Outcome::Refused => DoorOutcome::Refused,
            Outcome::Moved => DoorOutcome::MovedOut,
            Outcome::Vacant => DoorOutcome::Vacant,
            Outcome::WrongAddress => DoorOutcome::WrongAddress,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum NetworkArg {
    Wifi,
    Cellular,
}

pub fn login(
    device: &Device,
    server: &str,
    user: &str,
    password: &str,
) -> anyhow::Result<ExitCode> {
    let account =
        runtime()?.block_on(device.login(server, user, password, "doorstep device simulator"))?;
    crate::print_json(&json!({
        "user": account.username,
        "role": account.role,
        "grids": account.grids.iter().map(|g| &g.code).collect::<Vec<_>>(),
    }))?;
    Ok(ExitCode::SUCCESS)
}

pub fn pull(device: &Device) -> anyhow::Result<ExitCode> {
    let summary = runtime()?.block_on(device.pull(&CancelFlag::new()))?;
    crate::print_json(&summary)?;
    Ok(ExitCode::SUCCESS)
}

pub fn sync(device: &Device, network: NetworkArg) -> anyhow::Result<ExitCode> {
    let photos_on_cellular = device.settings()?.photos_on_cellular;
    let options = SyncOptions {
        network: match network {
            NetworkArg::Wifi => Network::Wifi,
            NetworkArg::Cellular => Network::Cellular,
        },
        photos_on_cellular,
        // The command is a worker pressing "sync now".
        retry_now: true,
    };
    // Crash tests stop a sync part-way here (off unless DOORSTEP_TEST_PAUSE names it).
    let pause = doorstep_core::test_hook::Pause::named("sync");
    let progress = |p: &Progress| pause.reached(p.items_done);
    let report = runtime()?.block_on(device.sync(options, &progress, &CancelFlag::new()))?;
    crate::print_json(&json!({
        "uploaded": report.uploaded,
        "pending": report.pending,
        "set_aside": report.set_aside,
        "pulled": report.pulled,
    }))?;
    Ok(ExitCode::SUCCESS)
}

pub fn outbox(device: &Device) -> anyhow::Result<ExitCode> {
    crate::print_json(&device.store().outbox()?)?;
    Ok(ExitCode::SUCCESS)
}

pub fn visit(device: &Device, command: VisitCommand) -> anyhow::Result<ExitCode> {
    match command {
        VisitCommand::Start {
            household,
            template,
        } => {
            let visit = device.start_visit(household, &template)?;
            crate::print_json(&json!({ "visit_id": visit.id }))?;
        }
        VisitCommand::Answers { visit, file, merge } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let mut answers: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            if merge {
                let mut current = device.store().visit(visit)?.answers;
                match (current.as_object_mut(), answers.as_object()) {
                    (Some(current), Some(new)) => current.extend(new.clone()),
                    _ => bail!("{} is not a JSON object", file.display()),
                }
                answers = current;
            }
            device.set_answers(visit, &answers)?;
            crate::print_json(&json!({ "visit_id": visit }))?;
        }
        VisitCommand::DoorCheck {
            visit,
            lat,
            lon,
            accuracy,
            outcome,
            mock,
        } => {
            let fix = GpsFix {
                position: LatLon { lat, lon },
                accuracy_m: accuracy,
                altitude_m: None,
                fix_time: device.now().utc,
                provider: Provider::Gps,
                is_mock: mock,
                satellites: None,
                monotonic_age: None,
            };
            let result = device.door_check(visit, Some(fix), outcome.into())?;
            crate::print_json(&result)?;
        }
        VisitCommand::Photo { visit, file, field } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let field = match field {
                Some(field) => field,
                None => first_photo_field(device, visit)?,
            };
            let photo = device.add_photo(visit, &field, &bytes)?;
            crate::print_json(&photo)?;
        }
        VisitCommand::Finalize { visit } => match device.finalize(visit) {
            Ok(visit) => {
                crate::print_json(&json!({ "visit_id": visit.id, "status": visit.status }))?
            }
            Err(DeviceError::Incomplete(problems)) => {
                crate::print_json(&problems)?;
                eprintln!(
                    "error: the visit has {} problem(s); it stays a draft",
                    problems.len()
                );
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        },
        VisitCommand::Revise { visit } => {
            let next = device.revise(visit)?;
            crate::print_json(&json!({ "visit_id": next.id, "revision": next.revision }))?;
        }
        VisitCommand::List { returned } => {
            let filter = if returned {
                VisitFilter::Returned
            } else {
                VisitFilter::All
            };
            let rows: Vec<_> = device
                .store()
                .visits(filter)?
                .into_iter()
                .map(|s| {
                    json!({
                        "visit_id": s.visit.id,
                        "visit_group": s.visit.visit_group,
                        "revision": s.visit.revision,
                        "household_id": s.visit.household_id,
                        "head": s.head,
                        "address": s.address,
                        "template_id": s.visit.template_id,
                        "status": s.visit.status,
                        "comment": s.visit.review.map(|r| r.comment),
                    })
                })
                .collect();
            crate::print_json(&rows)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn first_photo_field(device: &Device, visit: Uuid) -> anyhow::Result<String> {
    let record = device.store().visit(visit)?;
    let form = device.templates().latest(&record.visit.template_id)?;
    match form
        .definition()
        .fields
        .iter()
        .find(|f| f.field_type == FieldType::Image)
    {
        Some(field) => Ok(field.name.clone()),
        None => bail!("this form has no photo field; name one with --field"),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
