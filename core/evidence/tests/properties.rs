//! Properties over many inputs: the GCJ-02 inverse everywhere in China, and the photo pipeline
//! on damaged files (it refuses them; it never panics or aborts).

mod common;

use common::*;
use doorstep_evidence::photo::{PhotoOptions, process_photo, strip_metadata_segments};
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

proptest! {
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
