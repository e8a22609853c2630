//! `doorstep device --db PATH --key-file FILE …`: the encrypted device database,
//! driven the way the phone drives it.
//!
//! The key file holds the 32-byte database key as 64 hexadecimal characters;
//! `init` writes a new random key there when the file does not exist yet.

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use clap::{Args, Subcommand};
use doorstep_core::clock::FixedClock;
use doorstep_core::device::Device;
use doorstep_core::domain::{Address, Relation};
use doorstep_core::store::households::{GridInfo, NewHousehold, NewResident};
use doorstep_core::store::{DatabaseKey, OpenMode, Store};
use doorstep_core::sync::protocol::FieldChange;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use uuid::Uuid;

#[derive(Args)]
pub struct DeviceArgs {
    /// The device database file.
    #[arg(long)]
    db: PathBuf,
    /// A file holding the database key (64 hexadecimal characters).
    #[arg(long)]
    key_file: PathBuf,
    /// Fix the device's clock at this time, with its offset from UTC
    /// (`2026-12-01T07:30:00+08:00`), as a phone in that time zone would
    /// have it; this computer's clock when absent.
    #[arg(long)]
    now: Option<DateTime<FixedOffset>>,
    #[command(subcommand)]
    command: DeviceCommand,
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Create the encrypted device database (and the key file, if missing).
    Init {
        /// Code of the grid this device works in, until a server assigns grids.
        #[arg(long, default_value = "G01")]
        grid: String,
        /// Name of that grid.
        #[arg(long, default_value = "第一网格")]
        grid_name: String,
    },
    /// Households: add, search, list, import.
    Household {
        #[command(subcommand)]
        command: HouseholdCommand,
    },
    /// Run SQLite's integrity check and print its result.
    Check,
    /// Log in to a Doorstep server; the token is kept in the encrypted database.
    Login {
        #[arg(long)]
        server: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        password: String,
    },
    /// Pull households, templates and review decisions from the server.
    Pull,
    /// Visits: start, answer, door check, photo, finalize, revise, list.
    Visit {
        #[command(subcommand)]
        command: crate::visit_cmd::VisitCommand,
    },
    /// Upload the outbox, then pull; prints {"uploaded", "pending", "set_aside"}.
    Sync {
        #[arg(long, value_enum, default_value = "wifi")]
        network: crate::visit_cmd::NetworkArg,
    },
    /// Print the outbox items as JSON.
    Outbox,
}

#[derive(Subcommand)]
enum HouseholdCommand {
    /// Add a household with its head; prints {"id"}.
    Add {
        /// The head of household's name.
        #[arg(long)]
        head: String,
        /// The address (小区, building, unit).
        #[arg(long)]
        address: String,
        /// The door number (门牌号).
        #[arg(long)]
        door: Option<String>,
        /// The head's identity card number.
        #[arg(long)]
        id_number: Option<String>,
        /// The head's phone.
        #[arg(long)]
        phone: Option<String>,
        /// The grid's code, when the device has several.
        #[arg(long)]
        grid: Option<String>,
    },
    /// Search by name, pinyin, initials, address, door or ID ending; best first.
    Search { query: String },
    /// Every household.
    List,
    /// One household's screen: the visits on this device, its other visits
    /// from the server, and what is due today.
    Show { id: Uuid },
    /// Add every household of a JSON file (an array of households) in one
    /// transaction: all of them or none. Prints {"added"}.
    Import { file: PathBuf },
    /// Edit fields of a household (FIELD=VALUE, an empty VALUE clears it) and
    /// queue the edit for the server. Fields: estate, building, unit, door,
    /// residence_type, landlord_name, landlord_phone, notes.
    Edit {
        id: Uuid,
        #[arg(required = true)]
        changes: Vec<String>,
    },
}

pub fn run(args: DeviceArgs) -> anyhow::Result<ExitCode> {
    if let DeviceCommand::Init { grid, grid_name } = &args.command {
        let key = init_key(&args.key_file)?;
        let store = Store::create(&args.db, &key)?;
        store.upsert_grid(&GridInfo {
            id: Uuid::new_v4(),
            code: grid.clone(),
            name: grid_name.clone(),
            community: String::new(),
            subdistrict: String::new(),
        })?;
        crate::print_json(&serde_json::json!({ "db": args.db }))?;
        return Ok(ExitCode::SUCCESS);
    }
    let key = read_key(&args.key_file)?;
    let device = Device::open(&args.db, &key, OpenMode::Existing)?;
    if let Some(at) = args.now {
        device.set_clock(Arc::new(FixedClock::at(at)));
    }
    match args.command {
        DeviceCommand::Init { .. } => unreachable!("handled above"),
        DeviceCommand::Login {
            server,
            user,
            password,
        } => crate::visit_cmd::login(&device, &server, &user, &password),
        DeviceCommand::Pull => crate::visit_cmd::pull(&device),
        DeviceCommand::Visit { command } => crate::visit_cmd::visit(&device, command),
        DeviceCommand::Sync { network } => crate::visit_cmd::sync(&device, network),
        DeviceCommand::Outbox => crate::visit_cmd::outbox(&device),
        DeviceCommand::Check => {
            let result = device.store().integrity_check()?;
            crate::print_json(&result)?;
            Ok(if result == ["ok"] {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        DeviceCommand::Household { command } => {
            household(&device, command)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn household(device: &Device, command: HouseholdCommand) -> anyhow::Result<()> {
    let store = device.store();
    match command {
        HouseholdCommand::Add {
            head,
            address,
            door,
            id_number,
            phone,
            grid,
        } => {
            let id = store.add_household(NewHousehold {
                grid,
                address: Address {
                    estate: address,
                    door,
                    ..Address::default()
                },
                residents: vec![NewResident {
                    name: head,
                    id_number,
                    phone,
                    relation: Relation::Head,
                    tags: Vec::new(),
                }],
                ..NewHousehold::default()
            })?;
            crate::print_json(&serde_json::json!({ "id": id }))
        }
        HouseholdCommand::Search { query } => {
            let hits = store.search_households(&query, doorstep_core::search::DEFAULT_LIMIT)?;
            crate::print_json(&hits.iter().map(row).collect::<Vec<_>>())
        }
        HouseholdCommand::List => {
            let all = store.list_households()?;
            crate::print_json(&all.iter().map(row).collect::<Vec<_>>())
        }
        HouseholdCommand::Show { id } => {
            let screen = device.household_screen(id, device.today())?;
            crate::print_json(&serde_json::json!({
                "household": row(&screen.detail.summary),
                "visits": screen.visits.iter().map(|v| v.visit.id).collect::<Vec<_>>(),
                "past_visits": screen.past_visits,
                "due": screen.due.iter().map(|d| serde_json::json!({
                    "template_id": d.template_id,
                    "due_by": d.due_by,
                    "overdue": d.status == doorstep_core::forms::schedule::Status::Overdue,
                })).collect::<Vec<_>>(),
            }))
        }
        HouseholdCommand::Edit { id, changes } => {
            let changes = changes
                .iter()
                .map(|c| {
                    let (field, value) = c
                        .split_once('=')
                        .with_context(|| format!("{c:?} is not FIELD=VALUE"))?;
                    let value = (!value.is_empty()).then(|| value.to_owned());
                    Ok(FieldChange {
                        field: field.to_owned(),
                        value,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            store.edit_household(id, &changes)?;
            crate::print_json(&serde_json::json!({ "id": id }))
        }
        HouseholdCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let batch: Vec<NewHousehold> = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON array of households", file.display()))?;
            let added = store.add_households(batch)?.len();
            crate::print_json(&serde_json::json!({ "added": added }))
        }
    }
}

fn row(h: &doorstep_core::store::households::HouseholdSummary) -> serde_json::Value {
    serde_json::json!({ "id": h.id, "head": h.head, "address": h.address })
}

fn read_key(path: &Path) -> anyhow::Result<DatabaseKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    DatabaseKey::from_hex(&text).with_context(|| format!("bad key file {}", path.display()))
}

/// Reads the key file, or writes a new random key there (readable by the owner only).
fn init_key(path: &Path) -> anyhow::Result<DatabaseKey> {
    if path.exists() {
        return read_key(path);
    }
    let key = DatabaseKey::generate();
    write_private(path, &key.to_hex())?;
    Ok(key)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    Ok(())
}
