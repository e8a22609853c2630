//! `doorstep photo process IN OUT [--max-side N] [--quality Q] [--thumb PATH]
//! [--watermark TEXT --font FILE]`: runs the capture pipeline of `doorstep-evidence` on a file.
//!
//! Prints `{"sha256","width","height","bytes","thumb_width","thumb_height"}` (thumb fields
//! null without `--thumb`). A refused photo exits with code 2 and the reason (code, English,
//! Chinese) on stderr; nothing is written then.

use anyhow::Context;
use clap::{Args, Subcommand};
use doorstep_evidence::photo::{PhotoOptions, process_photo};
use doorstep_evidence::{PhotoError, Watermark};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct PhotoArgs {
    #[command(subcommand)]
    command: PhotoCommand,
}

#[derive(Subcommand)]
enum PhotoCommand {
    /// Orient, downscale, re-encode and strip a JPEG or PNG; print its size and SHA-256.
    Process(ProcessArgs),
}

#[derive(Args)]
struct ProcessArgs {
    /// The camera file (JPEG or PNG).
    input: PathBuf,
    /// Where to write the stored JPEG.
    output: PathBuf,
    /// Long side of the stored photo in pixels.
    #[arg(long, default_value_t = 1600)]
    max_side: u32,
    /// JPEG quality, 1–100.
    #[arg(long, default_value_t = 82)]
    quality: u8,
    /// Also write a 320 px thumbnail here.
    #[arg(long)]
    thumb: Option<PathBuf>,
    /// Burn this text into the photo; a literal `\n` or a newline starts a new line.
    #[arg(long, requires = "font")]
    watermark: Option<String>,
    /// The font for the watermark (TrueType, OpenType or a .ttc collection).
    #[arg(long)]
    font: Option<PathBuf>,
    /// Which face of a font collection to use.
    #[arg(long, default_value_t = 0)]
    font_index: u32,
}

#[derive(Serialize)]
struct ProcessReport {
    sha256: String,
    width: u32,
    height: u32,
    bytes: usize,
    thumb_width: Option<u32>,
    thumb_height: Option<u32>,
}

/// Exits 0 with a report, 2 when the pipeline refuses the photo or its options.
pub fn run(args: PhotoArgs) -> anyhow::Result<ExitCode> {
    let PhotoCommand::Process(args) = args.command;
    // Refuse an oversized file from its length alone, before reading it into memory.
    let limit = PhotoOptions::default().max_file_bytes;
    let len = std::fs::metadata(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?
        .len();
    if len > limit {
        return Ok(refuse(&PhotoError::FileTooLarge { bytes: len, limit }));
    }
    let input = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let watermark = match (&args.watermark, &args.font) {
        (Some(text), Some(font)) => {
            let data = std::fs::read(font)
                .with_context(|| format!("cannot read font {}", font.display()))?;
            let lines = text
                .replace("\\n", "\n")
                .lines()
                .map(str::to_owned)
                .collect();
            match Watermark::new(data, args.font_index, lines) {
                Ok(w) => Some(w),
                Err(err) => return Ok(refuse(&err)),
            }
        }
        _ => None,
    };
    let options = PhotoOptions {
        max_side: args.max_side,
        quality: args.quality,
        thumb_side: args.thumb.as_ref().map(|_| 320),
        ..PhotoOptions::default()
    };
    let photo = match process_photo(&input, &options, watermark.as_ref()) {
        Ok(p) => p,
        Err(err) => return Ok(refuse(&err)),
    };
    std::fs::write(&args.output, &photo.jpeg)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    if let (Some(path), Some(thumb)) = (&args.thumb, &photo.thumbnail) {
        std::fs::write(path, &thumb.jpeg)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    crate::print_json(&ProcessReport {
        sha256: photo.sha256,
        width: photo.width,
        height: photo.height,
        bytes: photo.jpeg.len(),
        thumb_width: photo.thumbnail.as_ref().map(|t| t.width),
        thumb_height: photo.thumbnail.as_ref().map(|t| t.height),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn refuse(err: &PhotoError) -> ExitCode {
    eprintln!(
        "refused: {}: {} ({})",
        err.code(),
        err.message_en(),
        err.message_zh()
    );
    ExitCode::from(2)
}
