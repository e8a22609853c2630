//! `doorstep form …`: check a form definition, validate answers against a form,
//! list the built-in templates.
//!
//! - `form check FILE` (`.json`, `.xlsx` or `.xls`) prints the normalized definition as
//!   JSON (the choice files of `select_one_from_file` are read from the
//!   workbook's folder); what a workbook had that was left out (settings, columns, metadata
//!   rows and sheets that do not apply to a phone form) is listed on stderr,
//!   one `警告：…` line and one `warning: …` line each. On a bad form, every
//!   problem goes to stderr in Chinese and in English, and the exit code is 1.
//! - `form validate FORM ANSWERS.json` prints the problems as a JSON array (empty
//!   when valid) and exits 0 when valid, 1 when not, 2 when FORM or ANSWERS cannot
//!   be read. FORM is a `.json`/`.xlsx` file or a built-in template id.
//! - `form list` prints the built-in templates as a JSON array of
//!   `{"id", "version", "title_zh"}`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use doorstep_forms::{Form, templates, xlsform};

#[derive(Args)]
pub struct FormArgs {
    #[command(subcommand)]
    command: FormCommand,
}

#[derive(Subcommand)]
enum FormCommand {
    /// Load FILE (.json, .xlsx or .xls) and print its normalized definition as JSON.
    Check { file: PathBuf },
    /// Validate ANSWERS.json against FORM (a .json/.xlsx file or a built-in template id).
    Validate {
        form: String,
        answers: PathBuf,
        /// The date to validate as of (YYYY-MM-DD; default: today).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// List the built-in templates.
    List,
}

/// Why a form could not be loaded: every problem, in Chinese then English.
struct Refused(String);

/// Each problem as a Chinese line and an English line.
fn both(lines: impl IntoIterator<Item = (String, String)>) -> String {
    lines
        .into_iter()
        .map(|(zh, en)| format!("{zh}\n{en}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A loaded form and the warnings about what its workbook had that was left out.
fn load_file_with_warnings(path: &Path) -> Result<(Form, Vec<String>), Refused> {
    let is_xlsx = path
        .extension()
        .is_some_and(|e| ["xlsx", "xls"].iter().any(|x| e.eq_ignore_ascii_case(x)));
    if is_xlsx {
        let imported = xlsform::import_path_with_warnings(path)
            .map_err(|e| Refused(both(e.0.iter().map(|e| (e.message_zh(), e.to_string())))))?;
        let warnings = imported
            .warnings
            .iter()
            .map(|w| format!("警告：{}\nwarning: {w}", w.message_zh()))
            .collect();
        return Ok((imported.form, warnings));
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Refused(both([(
            format!("无法读取 {}：{e}", path.display()),
            format!("cannot read {}: {e}", path.display()),
        )]))
    })?;
    let form = Form::from_json(&text)
        .map_err(|e| Refused(both(e.0.iter().map(|e| (e.message_zh(), e.to_string())))))?;
    Ok((form, Vec::new()))
}

fn load_file(path: &Path) -> Result<Form, Refused> {
    load_file_with_warnings(path).map(|(form, _)| form)
}

fn load_form(spec: &str) -> Result<Form, Refused> {
    let path = Path::new(spec);
    if path.exists() {
        return load_file(path);
    }
    match templates::load(spec) {
        Some(loaded) => loaded.map_err(|e| Refused(e.to_string())),
        None => Err(Refused(format!(
            "`{spec}` is neither a file nor a built-in template (see `doorstep form list`)"
        ))),
    }
}

/// Runs a `form` subcommand; see the module documentation for output and exit codes.
pub fn run(args: FormArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        FormCommand::Check { file } => match load_file_with_warnings(&file) {
            Ok((form, warnings)) => {
                for w in warnings {
                    eprintln!("{w}");
                }
                crate::print_json(&form.normalized_json())?;
                Ok(ExitCode::SUCCESS)
            }
            Err(Refused(errors)) => {
                eprintln!("{errors}");
                Ok(ExitCode::FAILURE)
            }
        },
        FormCommand::Validate {
            form,
            answers,
            today,
        } => {
            let form = match load_form(&form) {
                Ok(f) => f,
                Err(Refused(errors)) => {
                    eprintln!("{errors}");
                    return Ok(ExitCode::from(2));
                }
            };
            let text = match std::fs::read_to_string(&answers) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read {}: {e}", answers.display());
                    return Ok(ExitCode::from(2));
                }
            };
            let value: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("{} is not JSON: {e}", answers.display());
                    return Ok(ExitCode::from(2));
                }
            };
            let today = today.unwrap_or_else(crate::today);
            let validation = form.validate(&value, today);
            crate::print_json(&validation.problems)?;
            Ok(if validation.is_valid() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        FormCommand::List => {
            let forms = templates::all().context("a built-in template does not load")?;
            let list: Vec<_> = forms
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "id": f.id(),
                        "version": f.version(),
                        "title_zh": f.definition().title.zh,
                    })
                })
                .collect();
            crate::print_json(&list)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
