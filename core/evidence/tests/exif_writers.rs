//! Photos whose EXIF was written by common tools, quirks included, come out upright and
//! stripped; EXIF damaged so far that the orientation cannot be read leaves the photo as stored.
//!
//! The fixtures in `tests/fixtures/exif/` were written by piexif and Pillow (see
//! `tests/fixtures/make_exif_fixtures.py`, which also checked each one upright in Pillow): a
//! 48×64 portrait picture with a red block in its top-left corner and a green block in its
//! top-right corner as displayed, stored in each of the eight EXIF orientations.

mod common;

use common::*;
use doorstep_evidence::photo::{PhotoOptions, ProcessedPhoto, process_photo};

const WIDTH: u32 = 48;
const HEIGHT: u32 = 64;
const BLOCK: u32 = 16;
const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 40];
const BACKGROUND: [u8; 3] = [90, 90, 160];

/// Text from the fixtures' EXIF that identifies the phone, the moment or its owner.
const PERSONAL: [&[u8]; 5] = [
    b"PhoneMaker",
    b"Field Phone 7",
    b"2026:03:14",
    b"SN-00123456",
    b"Canon-like",
];

fn options() -> PhotoOptions {
    PhotoOptions {
        thumb_side: Some(32),
        ..PhotoOptions::default()
    }
}

fn close(actual: [f64; 3], expected: [u8; 3]) -> bool {
    actual
        .iter()
        .zip(expected)
        .all(|(a, e)| (a - f64::from(e)).abs() < 25.0)
}

/// Mean colours near the four corners (top-left, top-right, bottom-left, bottom-right) of a
/// JPEG whose marker blocks are `block` pixels wide, and its size.
fn corners(jpeg: &[u8], block: u32) -> ((u32, u32), [[f64; 3]; 4]) {
    let (w, h, px) = decode_rgb(jpeg);
    let (c, r) = (block / 2, block / 4);
    (
        (w, h),
        [
            mean_rgb(w, &px, c, c, r),
            mean_rgb(w, &px, w - 1 - c, c, r),
            mean_rgb(w, &px, c, h - 1 - c, r),
            mean_rgb(w, &px, w - 1 - c, h - 1 - c, r),
        ],
    )
}

/// Why `jpeg` is not the upright `w × h` picture (red top-left, green top-right), if it is not.
fn not_upright(jpeg: &[u8], w: u32, h: u32, block: u32) -> Option<String> {
    let (size, [tl, tr, bl, br]) = corners(jpeg, block);
    if size != (w, h) {
        return Some(format!("is {}×{}, not {w}×{h}", size.0, size.1));
    }
    let expected = [(tl, RED), (tr, GREEN), (bl, BACKGROUND), (br, BACKGROUND)];
    let wrong: Vec<String> = ["top-left", "top-right", "bottom-left", "bottom-right"]
        .iter()
        .zip(expected)
        .filter(|(_, (actual, colour))| !close(*actual, *colour))
        .map(|(corner, (actual, _))| format!("{corner} is {actual:.0?}"))
        .collect();
    (!wrong.is_empty()).then(|| wrong.join(", "))
}

/// Why the photo still carries metadata, if it does.
fn not_stripped(jpeg: &[u8]) -> Option<String> {
    let metadata: Vec<u8> = jpeg_markers(jpeg)
        .into_iter()
        .filter(|m| (0xE0..=0xEF).contains(m) || *m == 0xFE)
        .collect();
    if !metadata.is_empty() {
        return Some(format!("keeps metadata segments {metadata:02X?}"));
    }
    PERSONAL
        .iter()
        .find(|text| jpeg.windows(text.len()).any(|w| w == **text))
        .map(|text| format!("keeps {:?}", String::from_utf8_lossy(text)))
}

fn problems_with(photo: &ProcessedPhoto, orientation: u16) -> Vec<String> {
    let mut problems = Vec::new();
    if photo.source.reoriented != (orientation != 1) {
        problems.push(format!("reoriented = {}", photo.source.reoriented));
    }
    problems.extend(not_upright(&photo.jpeg, WIDTH, HEIGHT, BLOCK).map(|p| format!("photo {p}")));
    problems.extend(not_stripped(&photo.jpeg).map(|p| format!("photo {p}")));
    match &photo.thumbnail {
        Some(thumb) => {
            problems.extend(
                not_upright(&thumb.jpeg, 24, 32, BLOCK / 2).map(|p| format!("thumbnail {p}")),
            );
            problems.extend(not_stripped(&thumb.jpeg).map(|p| format!("thumbnail {p}")));
        }
        None => problems.push("no thumbnail".to_owned()),
    }
    problems
}

#[test]
fn every_orientation_of_every_writer_comes_out_upright_and_stripped() {
    let mut failures = Vec::new();
    for writer in EXIF_WRITERS {
        for orientation in 1..=8u16 {
            let input = exif_fixture(writer, orientation);
            let problems = match process_photo(&input, &options(), None) {
                Ok(photo) => problems_with(&photo, orientation),
                Err(e) => vec![format!("refused: {e}")],
            };
            if !problems.is_empty() {
                failures.push(format!(
                    "{writer}, orientation {orientation}: {}",
                    problems.join("; ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// The fixtures really carry what they are named for, so the test above covers it.
#[test]
fn the_fixtures_carry_the_quirks_they_are_named_for() {
    let strict = |jpeg: &[u8]| {
        exif::Reader::new()
            .read_raw(jpeg[exif_tiff_range(jpeg)].to_vec())
            .err()
            .map(|e| e.to_string())
    };
    let tolerant = |jpeg: &[u8]| {
        exif::Reader::new()
            .continue_on_error(true)
            .read_raw(jpeg[exif_tiff_range(jpeg)].to_vec())
            .or_else(|e| e.distill_partial_result(|_| {}))
            .expect("readable with errors")
    };
    let has = |exif: &exif::Exif, tag: exif::Tag, ifd: exif::In| exif.get_field(tag, ifd).is_some();
    for writer in EXIF_WRITERS {
        let jpeg = exif_fixture(writer, 6);
        let tiff = &jpeg[exif_tiff_range(&jpeg)];
        let big_endian = tiff.starts_with(b"MM");
        assert_eq!(
            big_endian,
            writer.contains("piexif") || writer.contains("-be"),
            "{writer}"
        );
        let exif = tolerant(&jpeg);
        assert!(
            has(&exif, exif::Tag::GPSLatitude, exif::In::PRIMARY),
            "{writer}: GPS"
        );
        assert!(
            has(&exif, exif::Tag::DateTimeOriginal, exif::In::PRIMARY),
            "{writer}: Exif"
        );
        assert!(
            has(&exif, exif::Tag::InteroperabilityIndex, exif::In::PRIMARY),
            "{writer}: interoperability"
        );
        assert_eq!(
            has(&exif, exif::Tag::MakerNote, exif::In::PRIMARY),
            writer.contains("makernote"),
            "{writer}: maker note"
        );
        assert_eq!(
            has(&exif, exif::Tag::JPEGInterchangeFormat, exif::In::THUMBNAIL),
            writer.contains("thumb"),
            "{writer}: thumbnail directory"
        );
        let refused = strict(&jpeg);
        if writer.contains("piexif") || writer.contains("broken-links") {
            assert!(
                refused.is_some(),
                "{writer}: a strict reader refuses the block"
            );
        } else {
            assert_eq!(refused, None, "{writer}: a strict reader accepts the block");
        }
    }
}

fn u16_bytes(value: u16, little_endian: bool) -> [u8; 2] {
    if little_endian {
        value.to_le_bytes()
    } else {
        value.to_be_bytes()
    }
}

/// Runs the pipeline on fixture `writer`-6 after `damage` was done to its TIFF block.
fn process_damaged(writer: &str, damage: impl FnOnce(&mut Vec<u8>, Ifd0Layout)) -> ProcessedPhoto {
    let jpeg = exif_fixture(writer, 6);
    let mut tiff = jpeg[exif_tiff_range(&jpeg)].to_vec();
    let layout = ifd0_layout(&tiff);
    damage(&mut tiff, layout);
    process_photo(&with_exif_tiff(&jpeg, &tiff), &options(), None)
        .unwrap_or_else(|e| panic!("{writer}: the photo is kept, not refused: {e}"))
}

#[test]
fn a_damaged_header_still_gives_the_orientation_in_the_first_directory() {
    for writer in ["piexif", "pillow-le"] {
        // The TIFF "42" is gone; the byte order, the first directory and its Orientation
        // entry are intact, so the orientation is read there and nothing is guessed.
        let photo = process_damaged(writer, |tiff, layout| {
            tiff[2..4].copy_from_slice(&u16_bytes(43, layout.little_endian));
        });
        assert!(photo.source.reoriented, "{writer}");
        assert_eq!(
            not_upright(&photo.jpeg, WIDTH, HEIGHT, BLOCK),
            None,
            "{writer}"
        );
    }
}

#[test]
fn a_block_cut_after_the_first_directory_still_gives_the_orientation() {
    for writer in EXIF_WRITERS {
        let photo = process_damaged(writer, |tiff, layout| {
            tiff.truncate(layout.orientation_entry + 12);
        });
        assert!(photo.source.reoriented, "{writer}");
        assert_eq!(
            not_upright(&photo.jpeg, WIDTH, HEIGHT, BLOCK),
            None,
            "{writer}"
        );
    }
}

/// The photo came out exactly as stored: landscape 64×48 with the red block bottom-left and the
/// green block top-left, where a camera in orientation 6 puts them.
fn assert_left_as_stored(photo: &ProcessedPhoto, what: &str) {
    assert!(!photo.source.reoriented, "{what}");
    let ((w, h), [tl, tr, bl, br]) = corners(&photo.jpeg, BLOCK);
    assert_eq!((w, h), (HEIGHT, WIDTH), "{what}");
    assert!(close(tl, GREEN) && close(bl, RED), "{what}: {tl:?} {bl:?}");
    assert!(
        close(tr, BACKGROUND) && close(br, BACKGROUND),
        "{what}: {tr:?} {br:?}"
    );
}

#[test]
fn an_orientation_that_cannot_be_read_leaves_the_photo_as_stored() {
    type Damage = fn(&mut Vec<u8>, Ifd0Layout);
    let cases: [(&str, Damage); 6] = [
        ("byte order unknown", |tiff, _| {
            tiff[..2].copy_from_slice(b"XY")
        }),
        ("first directory past the end", |tiff, layout| {
            let at = u32::try_from(tiff.len() + 100).expect("fits");
            let b = if layout.little_endian {
                at.to_le_bytes()
            } else {
                at.to_be_bytes()
            };
            tiff[4..8].copy_from_slice(&b);
        }),
        ("block cut inside the Orientation entry", |tiff, layout| {
            tiff.truncate(layout.orientation_entry + 9);
        }),
        ("Orientation entry of text type", |tiff, layout| {
            let at = layout.orientation_entry + 2;
            tiff[at..at + 2].copy_from_slice(&u16_bytes(2, layout.little_endian));
        }),
        ("Orientation entry of an unknown type", |tiff, layout| {
            let at = layout.orientation_entry + 2;
            tiff[at..at + 2].copy_from_slice(&u16_bytes(99, layout.little_endian));
        }),
        (
            "Orientation entry beyond the directory's count",
            |tiff, layout| {
                let count =
                    u16::try_from((layout.orientation_entry - layout.ifd0 - 2) / 12).expect("fits");
                tiff[layout.ifd0..layout.ifd0 + 2]
                    .copy_from_slice(&u16_bytes(count, layout.little_endian));
            },
        ),
    ];
    for writer in ["piexif", "pillow-le", "pillow-be"] {
        for (what, damage) in cases {
            let photo = process_damaged(writer, damage);
            assert_left_as_stored(&photo, &format!("{writer}, {what}"));
        }
    }
}
