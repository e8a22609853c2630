//! Properties over many inputs: the GCJ-02 inverse everywhere in China, the photo pipeline on
//! damaged files (it refuses them; it never panics or aborts), and on photos whose EXIF is
//! damaged (it keeps them, and turns them only by an orientation it could read).

mod common;

use common::*;
use doorstep_evidence::photo::{
    PhotoOptions, ProcessedPhoto, process_photo, strip_metadata_segments,
};
use doorstep_evidence::{LatLon, gcj02_to_wgs84, haversine_m, wgs84_to_gcj02};
use proptest::prelude::*;
use std::sync::OnceLock;

fn sample_jpeg() -> &'static [u8] {
    static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
    JPEG.get_or_init(|| camera_jpeg(48, 32, &noisy(48, 32, 3), Some(6), 90))
}

fn sample_png() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| png_bytes(48, 32, png::ColorType::Rgb, &noisy(48, 32, 4)))
}

/// The TIFF block of fixture `writer`-6 (a portrait picture stored as landscape, orientation 6)
/// and the layout of its first directory.
fn orientation_6_block(writer: usize) -> (Vec<u8>, Vec<u8>, Ifd0Layout) {
    let jpeg = exif_fixture(EXIF_WRITERS[writer % EXIF_WRITERS.len()], 6);
    let tiff = jpeg[exif_tiff_range(&jpeg)].to_vec();
    let layout = ifd0_layout(&tiff);
    (jpeg, tiff, layout)
}

/// Writes `edits` into `tiff` (positions wrap around, those in `protected` are left alone) and
/// cuts it to at least `keep` bytes.
fn damage(
    tiff: &mut Vec<u8>,
    edits: &[(usize, u8)],
    cut: usize,
    protected: &[std::ops::Range<usize>],
    keep: usize,
) {
    for &(at, value) in edits {
        let i = at % tiff.len();
        if !protected.iter().any(|r| r.contains(&i)) {
            tiff[i] = value;
        }
    }
    let len = tiff.len();
    tiff.truncate(len - cut % (len - keep + 1));
}

/// How many entries of the (damaged) first directory are tagged Orientation.
fn orientation_entries(tiff: &[u8], layout: Ifd0Layout) -> usize {
    let tag = if layout.little_endian {
        [0x12, 0x01]
    } else {
        [0x01, 0x12]
    };
    let Some(&[a, b]) = tiff.get(layout.ifd0..layout.ifd0 + 2) else {
        return 0;
    };
    let count = if layout.little_endian {
        u16::from_le_bytes([a, b])
    } else {
        u16::from_be_bytes([a, b])
    };
    (0..usize::from(count))
        .map(|k| layout.ifd0 + 2 + 12 * k)
        .take_while(|at| at + 12 <= tiff.len())
        .filter(|&at| tiff[at..at + 2] == tag)
        .count()
}

/// True when the photo came out as stored: landscape 64×48, green block top-left, red block
/// bottom-left.
fn stored_landscape(photo: &ProcessedPhoto) -> bool {
    let (w, h, px) = decode_rgb(&photo.jpeg);
    let green = mean_rgb(w, &px, 8, 8, 4);
    let red = mean_rgb(w, &px, 8, h - 9, 4);
    (w, h) == (64, 48) && green[1] > 150.0 && red[0] > 150.0
}

/// True when the photo came out upright: portrait 48×64, red block top-left, green top-right.
fn upright_portrait(photo: &ProcessedPhoto) -> bool {
    let (w, h, px) = decode_rgb(&photo.jpeg);
    let red = mean_rgb(w, &px, 8, 8, 4);
    let green = mean_rgb(w, &px, w - 9, 8, 4);
    (w, h) == (48, 64) && red[0] > 150.0 && green[1] > 150.0
}

proptest! {
    /// With the Orientation entry taken out (its tag renamed), no damage to the rest of the
    /// block makes the pipeline refuse the photo or panic, nor turn it unless the damage wrote
    /// a new Orientation entry.
    #[test]
    fn exif_damage_never_loses_a_photo_nor_turns_it_by_guess(
        writer in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12),
        cut in any::<usize>(),
    ) {
        let (jpeg, mut tiff, layout) = orientation_6_block(writer);
        let tag = layout.orientation_entry;
        let unknown = if layout.little_endian { [0x34, 0xC0] } else { [0xC0, 0x34] };
        tiff[tag..tag + 2].copy_from_slice(&unknown);
        damage(&mut tiff, &edits, cut, &[], 0);
        let photo = process_photo(&with_exif_tiff(&jpeg, &tiff), &PhotoOptions::default(), None);
        let photo = photo.map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        // Damage can make an Orientation entry of a neighbour (tags differ by one byte); the
        // photo is then turned by what that entry now says, which is no guess.
        if orientation_entries(&tiff, layout) == 0 {
            prop_assert!(!photo.source.reoriented);
            prop_assert!(stored_landscape(&photo));
        }
    }

    /// Damage anywhere but the byte order, the first directory's place and count, and the
    /// Orientation entry itself (the "42" included, sub-directories, links, maker notes, a
    /// block cut short after the entry) does not stop the orientation being read. When the
    /// damage made a second Orientation entry of another entry (their tags differ by a byte),
    /// the photo is upright or, if the two disagree, left as stored: never turned otherwise.
    #[test]
    fn exif_damage_beside_the_orientation_does_not_stop_it_being_read(
        writer in 0usize..6,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12),
        cut in any::<usize>(),
    ) {
        let (jpeg, mut tiff, layout) = orientation_6_block(writer);
        let entry = layout.orientation_entry;
        let protected = [0..2, 4..8, layout.ifd0..layout.ifd0 + 2, entry..entry + 12];
        damage(&mut tiff, &edits, cut, &protected, entry + 12);
        let photo = process_photo(&with_exif_tiff(&jpeg, &tiff), &PhotoOptions::default(), None);
        let photo = photo.map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        if orientation_entries(&tiff, layout) == 1 {
            prop_assert!(photo.source.reoriented);
            prop_assert!(upright_portrait(&photo));
        } else {
            prop_assert!(upright_portrait(&photo) || stored_landscape(&photo));
        }
    }

    #[test]
    fn gcj02_inverse_is_within_half_a_metre(lat in 18.0f64..53.5, lon in 73.6f64..134.9) {
        let w = LatLon { lat, lon };
        let back = gcj02_to_wgs84(wgs84_to_gcj02(w));
        prop_assert!(haversine_m(w, back) < 0.5);
    }

    #[test]
    fn haversine_is_symmetric_and_non_negative(
        a in (-90.0f64..90.0, -180.0f64..180.0),
        b in (-90.0f64..90.0, -180.0f64..180.0),
    ) {
        let (p, q) = (LatLon { lat: a.0, lon: a.1 }, LatLon { lat: b.0, lon: b.1 });
        let d = haversine_m(p, q);
        prop_assert!(d >= 0.0 && d.is_finite());
        prop_assert!((d - haversine_m(q, p)).abs() < 1e-6);
    }

    #[test]
    fn damaged_jpegs_are_refused_or_processed_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = sample_jpeg().to_vec();
        for (at, value) in edits {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        bytes.truncate(bytes.len() - cut % 8);
        if let Ok(photo) = process_photo(&bytes, &PhotoOptions::default(), None) {
            prop_assert!(photo.width > 0 && photo.height > 0);
            prop_assert!(strip_metadata_segments(&photo.jpeg).as_deref() == Some(&photo.jpeg[..]));
        }
    }

    #[test]
    fn damaged_pngs_are_refused_or_processed_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = sample_png().to_vec();
        for (at, value) in edits {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        if let Ok(photo) = process_photo(&bytes, &PhotoOptions::default(), None) {
            prop_assert!(photo.width > 0 && photo.height > 0);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), jpeg in any::<bool>()) {
        let mut data = if jpeg { vec![0xFF, 0xD8, 0xFF] } else { b"\x89PNG\r\n\x1a\n".to_vec() };
        data.extend_from_slice(&bytes);
        prop_assert!(process_photo(&data, &PhotoOptions::default(), None).is_err());
    }
}
