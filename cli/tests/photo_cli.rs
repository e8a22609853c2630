//! `doorstep photo process` and `doorstep geo …` as other programs call them: exact JSON
//! shapes, files written, refusals on stderr with a non-zero exit.

use doorstep_evidence::photo::encode_jpeg;
use doorstep_evidence::raster::RgbImage;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn doorstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_doorstep"))
        .args(args)
        .output()
        .expect("doorstep runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

/// A photo-like JPEG, optionally with an EXIF APP1 segment carrying `orientation`.
fn camera_jpeg(w: u32, h: u32, orientation: Option<u16>) -> Vec<u8> {
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    let mut s: u32 = 0x1234_5678;
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = (s % 48) as u8;
            data.extend_from_slice(&[(x * 200 / w) as u8 + n, (y * 200 / h) as u8 + n, 90 + n]);
        }
    }
    let jpeg = encode_jpeg(&RgbImage::new(w, h, data).expect("raster"), 92).expect("encodes");
    let Some(o) = orientation else { return jpeg };
    // APP1 "Exif\0\0" + little-endian TIFF with one IFD0 entry: Orientation (SHORT).
    let mut tiff = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    tiff.extend_from_slice(&o.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("written");
    p.display().to_string()
}

#[test]
fn photo_process_prints_the_report_and_writes_photo_and_thumbnail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "in.jpg", &camera_jpeg(2000, 1500, None));
    let out = dir.path().join("out.jpg");
    let thumb = dir.path().join("thumb.jpg");
    let report = json(&doorstep(&[
        "photo",
        "process",
        &input,
        out.to_str().expect("utf-8"),
        "--thumb",
        thumb.to_str().expect("utf-8"),
    ]));
    assert_eq!(
        keys(&report),
        [
            "bytes",
            "height",
            "sha256",
            "thumb_height",
            "thumb_width",
            "width"
        ]
    );
    assert_eq!(report["width"], 1600);
    assert_eq!(report["height"], 1200);
    assert_eq!(report["thumb_width"], 320);
    assert_eq!(report["thumb_height"], 240);
    let stored = std::fs::read(&out).expect("photo written");
    assert_eq!(report["bytes"], stored.len());
    let hash: String = Sha256::digest(&stored)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(report["sha256"], hash);
    assert!(
        std::fs::read(&thumb)
            .expect("thumbnail written")
            .starts_with(&[0xFF, 0xD8])
    );
}

#[test]
fn without_thumb_the_thumbnail_fields_are_null_and_options_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "in.jpg", &camera_jpeg(1200, 900, Some(6)));
    let out = dir.path().join("out.jpg");
    let report = json(&doorstep(&[
        "photo",
        "process",
        &input,
        out.to_str().expect("utf-8"),
        "--max-side",
        "800",
        "--quality",
        "60",
    ]));
    assert_eq!(
        keys(&report),
        [
            "bytes",
            "height",
            "sha256",
            "thumb_height",
            "thumb_width",
            "width"
        ]
    );
    assert!(report["thumb_width"].is_null() && report["thumb_height"].is_null());
    // EXIF orientation 6: the landscape sensor image stands upright as portrait.
    assert_eq!(
        (report["width"].as_u64(), report["height"].as_u64()),
        (Some(600), Some(800))
    );
}

#[test]
fn a_watermark_with_a_chinese_font_changes_the_stored_photo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(dir.path(), "in.jpg", &camera_jpeg(800, 600, None));
    let plain = json(&doorstep(&[
        "photo",
        "process",
        &input,
        &dir.path().join("a.jpg").display().to_string(),
    ]));
    let marked = json(&doorstep(&[
        "photo",
        "process",
        &input,
        &dir.path().join("b.jpg").display().to_string(),
        "--watermark",
        "时间：2026-03-04 10:30\\n地址：河坊街 12 号\\n网格员：张网格",
        "--font",
        FONT,
    ]));
    assert_ne!(plain["sha256"], marked["sha256"]);
    assert_eq!(marked["width"], 800);

    // A character the font cannot draw is refused rather than drawn as a box.
    let out = doorstep(&[
        "photo",
        "process",
        &input,
        &dir.path().join("c.jpg").display().to_string(),
        "--watermark",
        "\u{E000}",
        "--font",
        FONT,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PHOTO_FONT_MISSING_GLYPHS"));
    // --watermark without --font is a usage error.
    let out = doorstep(&["photo", "process", &input, "x.jpg", "--watermark", "户"]);
    assert!(!out.status.success());
}

#[test]
fn refusals_exit_non_zero_with_the_reason_on_stderr_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut too_big = vec![0u8; 25 * 1024 * 1024 + 1];
    too_big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let cases = [
        (
            "gif.gif",
            b"GIF89a not a photo".to_vec(),
            "PHOTO_UNSUPPORTED_FORMAT",
        ),
        (
            "broken.jpg",
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2],
            "PHOTO_UNDECODABLE",
        ),
        ("big.jpg", too_big, "PHOTO_FILE_TOO_LARGE"),
    ];
    for (name, bytes, code) in cases {
        let input = write(dir.path(), name, &bytes);
        let out_path = dir.path().join(format!("{name}.out"));
        let out = doorstep(&[
            "photo",
            "process",
            &input,
            out_path.to_str().expect("utf-8"),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(code), "{name}: {stderr}");
        assert!(out.stdout.is_empty());
        assert!(!out_path.exists(), "{name}: nothing written");
    }
    let out = doorstep(&["photo", "process", "/nonexistent/in.jpg", "/tmp/never.jpg"]);
    assert!(!out.status.success());
}

#[test]
fn geo_converts_both_ways_and_measures_distances() {
    let g = json(&doorstep(&["geo", "gcj02", "39.911954", "116.377817"]));
    assert_eq!(keys(&g), ["lat", "lon"]);
    assert!((g["lat"].as_f64().expect("lat") - 39.91334545536069).abs() < 1e-9);
    assert!((g["lon"].as_f64().expect("lon") - 116.38404722455657).abs() < 1e-9);

    let w = json(&doorstep(&[
        "geo",
        "wgs84",
        "39.91334545536069",
        "116.38404722455657",
    ]));
    assert_eq!(keys(&w), ["lat", "lon"]);
    assert!((w["lat"].as_f64().expect("lat") - 39.911954).abs() < 1e-7);
    assert!((w["lon"].as_f64().expect("lon") - 116.377817).abs() < 1e-7);

    // Outside China (and with negative numbers) positions pass unchanged.
    let s = json(&doorstep(&["geo", "gcj02", "-33.8568", "151.2153"]));
    assert_eq!(
        (s["lat"].as_f64(), s["lon"].as_f64()),
        (Some(-33.8568), Some(151.2153))
    );

    let d = json(&doorstep(&["geo", "distance", "30", "120", "31", "120"]));
    assert_eq!(keys(&d), ["meters"]);
    assert!((d["meters"].as_f64().expect("meters") - 111_195.08).abs() < 0.1);

    let bad = doorstep(&["geo", "gcj02", "91", "116"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("GEO_INVALID_LATITUDE") && !stderr.contains("91"),
        "{stderr}"
    );
}
