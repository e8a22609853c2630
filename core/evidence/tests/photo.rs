//! The photo pipeline as a worker and a supervisor see it: upright, small, private, hashed,
//! and refused with a clear reason when the file is unusable.

mod common;

use common::*;
use doorstep_evidence::PhotoError;
use doorstep_evidence::photo::{
    DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_PIXELS, PhotoOptions, process_photo,
};
use sha2::{Digest, Sha256};

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 40];
const BACKGROUND: [u8; 3] = [90, 90, 160];

/// Builds the stored pixels for an upright `w × h` picture with a red block at its top-left
/// corner and a green block at its top-right, as a camera holding it in `orientation` would
/// store it. Corner positions per orientation are written out by hand from the EXIF spec.
fn stored_for(orientation: u16, w: u32, h: u32, block: u32) -> (u32, u32, Vec<u8>) {
    let (sw, sh) = if orientation >= 5 { (h, w) } else { (w, h) };
    let (tl, tr, bl, br) = (
        (0, 0),
        (sw - block, 0),
        (0, sh - block),
        (sw - block, sh - block),
    );
    // (where the red block is, where the green block is) in the stored image.
    let (red, green) = match orientation {
        1 => (tl, tr),
        2 => (tr, tl),
        3 => (br, bl),
        4 => (bl, br),
        5 => (tl, bl),
        6 => (bl, tl),
        7 => (br, tr),
        8 => (tr, br),
        _ => unreachable!(),
    };
    let mut data = solid(sw, sh, BACKGROUND);
    paint(&mut data, sw, red.0, red.1, block, block, RED);
    paint(&mut data, sw, green.0, green.1, block, block, GREEN);
    (sw, sh, data)
}

fn close(actual: [f64; 3], expected: [u8; 3]) -> bool {
    actual
        .iter()
        .zip(expected)
        .all(|(a, e)| (a - f64::from(e)).abs() < 25.0)
}

fn assert_upright(jpeg: &[u8], w: u32, h: u32, block: u32, orientation: u16) {
    let (ow, oh, px) = decode_rgb(jpeg);
    assert_eq!((ow, oh), (w, h), "orientation {orientation}: dimensions");
    let r = block / 4;
    let c = block / 2;
    let tl = mean_rgb(ow, &px, c, c, r);
    let tr = mean_rgb(ow, &px, ow - 1 - c, c, r);
    let bl = mean_rgb(ow, &px, c, oh - 1 - c, r);
    let br = mean_rgb(ow, &px, ow - 1 - c, oh - 1 - c, r);
    assert!(
        close(tl, RED),
        "orientation {orientation}: top-left is {tl:?}"
    );
    assert!(
        close(tr, GREEN),
        "orientation {orientation}: top-right is {tr:?}"
    );
    assert!(
        close(bl, BACKGROUND),
        "orientation {orientation}: bottom-left is {bl:?}"
    );
    assert!(
        close(br, BACKGROUND),
        "orientation {orientation}: bottom-right is {br:?}"
    );
}

#[test]
fn all_eight_orientations_come_out_upright_at_full_size() {
    for orientation in 1..=8u16 {
        let (sw, sh, data) = stored_for(orientation, 96, 64, 24);
        let jpeg = camera_jpeg(sw, sh, &data, Some(orientation), 95);
        let photo = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
        assert_eq!(
            (photo.width, photo.height),
            (96, 64),
            "orientation {orientation}"
        );
        assert_eq!(photo.source.reoriented, orientation != 1);
        assert_upright(&photo.jpeg, 96, 64, 24, orientation);
    }
}

#[test]
fn all_eight_orientations_come_out_upright_when_downscaled() {
    // 960×640 upright, long side capped at 300: the decoder reduces in the DCT domain (1/2),
    // then the resizer finishes to 300×200.
    for orientation in 1..=8u16 {
        let (sw, sh, data) = stored_for(orientation, 960, 640, 240);
        let jpeg = camera_jpeg(sw, sh, &data, Some(orientation), 90);
        let options = PhotoOptions {
            max_side: 300,
            thumb_side: Some(90),
            ..PhotoOptions::default()
        };
        let photo = process_photo(&jpeg, &options, None).expect("processes");
        assert_eq!(
            (photo.width, photo.height),
            (300, 200),
            "orientation {orientation}"
        );
        assert_upright(&photo.jpeg, 300, 200, 75, orientation);
        let thumb = photo.thumbnail.expect("thumbnail");
        assert_eq!((thumb.width, thumb.height), (90, 60));
        assert_upright(&thumb.jpeg, 90, 60, 22, orientation);
    }
}

#[test]
fn a_missing_or_unknown_orientation_means_upright() {
    let (sw, sh, data) = stored_for(1, 96, 64, 24);
    for tag in [None, Some(0), Some(9)] {
        let jpeg = camera_jpeg(sw, sh, &data, tag, 95);
        let photo = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
        assert!(!photo.source.reoriented);
        assert_upright(&photo.jpeg, 96, 64, 24, 1);
    }
}

#[test]
fn a_12_megapixel_class_photo_becomes_1600_px_with_a_320_px_thumbnail() {
    let (w, h) = (2400, 1800);
    let jpeg = camera_jpeg(w, h, &noisy(w, h, 7), Some(6), 92);
    let photo = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
    // Orientation 6 stands the landscape sensor image upright as portrait.
    assert_eq!((photo.width, photo.height), (1200, 1600));
    assert_eq!(photo.source.width, 2400);
    assert_eq!(photo.source.height, 1800);
    let thumb = photo.thumbnail.as_ref().expect("thumbnail");
    assert_eq!((thumb.width, thumb.height), (240, 320));
    assert!(
        photo.jpeg.len() < jpeg.len() / 2,
        "stored photo is much smaller"
    );
    let (dw, dh, _) = decode_rgb(&thumb.jpeg);
    assert_eq!((dw, dh), (240, 320));
}

#[test]
fn small_photos_are_not_enlarged_and_options_are_honoured() {
    let jpeg = camera_jpeg(500, 300, &noisy(500, 300, 3), None, 90);
    let photo = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
    assert_eq!((photo.width, photo.height), (500, 300));

    let options = PhotoOptions {
        max_side: 250,
        quality: 40,
        thumb_side: None,
        ..PhotoOptions::default()
    };
    let low = process_photo(&jpeg, &options, None).expect("processes");
    assert_eq!((low.width, low.height), (250, 150));
    assert!(low.thumbnail.is_none());
    let high = process_photo(
        &jpeg,
        &PhotoOptions {
            quality: 95,
            ..options
        },
        None,
    )
    .expect("processes");
    assert!(
        low.jpeg.len() < high.jpeg.len(),
        "lower quality gives a smaller file"
    );
}

#[test]
fn no_metadata_survives_in_the_photo_or_the_thumbnail() {
    let jpeg = camera_jpeg(640, 480, &noisy(640, 480, 11), Some(3), 90);
    // The input really carries EXIF with a GPS IFD, XMP and a comment.
    let input_exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&jpeg))
        .expect("input has EXIF");
    assert!(
        input_exif
            .get_field(exif::Tag::Make, exif::In::PRIMARY)
            .is_some()
    );
    assert!(
        input_exif
            .get_field(exif::Tag::GPSLatitudeRef, exif::In::PRIMARY)
            .is_some()
    );
    assert!(jpeg_markers(&jpeg).contains(&0xFE));

    let photo = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
    let thumb = photo.thumbnail.as_ref().expect("thumbnail");
    for out in [&photo.jpeg, &thumb.jpeg] {
        let read_back = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(out));
        assert!(read_back.is_err(), "EXIF reader finds nothing");
        let markers = jpeg_markers(out);
        assert!(
            markers
                .iter()
                .all(|m| !(0xE0..=0xEF).contains(m) && *m != 0xFE),
            "no APPn or COM segment: {markers:x?}"
        );
        assert!(
            markers.contains(&0xC0) && markers.contains(&0xDA),
            "a plain baseline JPEG"
        );
        for needle in [
            &b"Exif"[..],
            b"PhoneMaker",
            b"xmpmeta",
            b"household",
            b"JFIF",
        ] {
            assert!(
                !out.windows(needle.len()).any(|w| w == needle),
                "{:?} leaked",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

#[test]
fn the_hash_is_the_sha256_of_the_stored_bytes_and_is_stable() {
    let jpeg = camera_jpeg(320, 240, &noisy(320, 240, 5), Some(1), 90);
    let a = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
    let b = process_photo(&jpeg, &PhotoOptions::default(), None).expect("processes");
    let expected: String = Sha256::digest(&a.jpeg)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(a.sha256, expected);
    assert_eq!(a.sha256.len(), 64);
    assert_eq!(a.jpeg, b.jpeg, "same input, same bytes");
    assert_eq!(a.sha256, b.sha256);
    let other = camera_jpeg(320, 240, &noisy(320, 240, 6), Some(1), 90);
    let c = process_photo(&other, &PhotoOptions::default(), None).expect("processes");
    assert_ne!(a.sha256, c.sha256);
}

#[test]
fn png_input_is_accepted_in_all_colour_types() {
    let (w, h) = (400, 200);
    let rgb = png_bytes(w, h, png::ColorType::Rgb, &solid(w, h, [200, 100, 50]));
    let photo = process_photo(&rgb, &PhotoOptions::default(), None).expect("rgb png");
    assert_eq!((photo.width, photo.height), (400, 200));
    let (_, _, px) = decode_rgb(&photo.jpeg);
    assert!(close(mean_rgb(w, &px, 200, 100, 5), [200, 100, 50]));

    // Fully transparent pixels come out white, opaque ones keep their colour.
    let mut rgba = Vec::new();
    for y in 0..h {
        for _ in 0..w {
            rgba.extend_from_slice(&[10, 20, 200, if y < h / 2 { 0 } else { 255 }]);
        }
    }
    let photo = process_photo(
        &png_bytes(w, h, png::ColorType::Rgba, &rgba),
        &PhotoOptions::default(),
        None,
    )
    .expect("rgba png");
    let (_, _, px) = decode_rgb(&photo.jpeg);
    assert!(close(mean_rgb(w, &px, 200, 40, 5), [255, 255, 255]));
    assert!(close(mean_rgb(w, &px, 200, 160, 5), [10, 20, 200]));

    let gray = png_bytes(
        w,
        h,
        png::ColorType::Grayscale,
        &vec![77u8; (w * h) as usize],
    );
    let photo = process_photo(&gray, &PhotoOptions::default(), None).expect("grey png");
    let (_, _, px) = decode_rgb(&photo.jpeg);
    assert!(close(mean_rgb(w, &px, 200, 100, 5), [77, 77, 77]));

    let big = png_bytes(2000, 1000, png::ColorType::Rgb, &noisy(2000, 1000, 9));
    let photo = process_photo(&big, &PhotoOptions::default(), None).expect("big png");
    assert_eq!((photo.width, photo.height), (1600, 800));
    assert!(
        jpeg_markers(&photo.jpeg)
            .iter()
            .all(|m| !(0xE0..=0xEF).contains(m))
    );
}

fn assert_explained(err: &PhotoError, code: &str) {
    assert_eq!(err.code(), code);
    let zh = err.message_zh();
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese message: {zh}"
    );
    assert!(!err.message_en().is_empty());
}

#[test]
fn files_over_25_mb_are_refused_before_decoding() {
    assert_eq!(DEFAULT_MAX_FILE_BYTES, 25 * 1024 * 1024);
    let mut big = vec![0u8; DEFAULT_MAX_FILE_BYTES as usize + 1];
    big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    let err = process_photo(&big, &PhotoOptions::default(), None).unwrap_err();
    assert!(matches!(err, PhotoError::FileTooLarge { .. }), "{err:?}");
    assert_explained(&err, "PHOTO_FILE_TOO_LARGE");
    assert!(err.message_zh().contains("25 MB"), "{}", err.message_zh());
}

#[test]
fn images_over_the_pixel_limit_are_refused() {
    assert_eq!(DEFAULT_MAX_PIXELS, 50_000_000);
    // An honest, photo-like 1.2 MP file against a 1 MP limit stands in for 50 MP: generating
    // a real 51 MP photo would make the test slow without testing anything more.
    let jpeg = camera_jpeg(1200, 1000, &noisy(1200, 1000, 2), None, 90);
    let options = PhotoOptions {
        max_pixels: 1_000_000,
        ..PhotoOptions::default()
    };
    let err = process_photo(&jpeg, &options, None).unwrap_err();
    assert_eq!(
        err,
        PhotoError::TooManyPixels {
            pixels: 1_200_000,
            limit: 1_000_000
        }
    );
    assert_explained(&err, "PHOTO_TOO_MANY_PIXELS");
    let png = png_bytes(1200, 1000, png::ColorType::Rgb, &noisy(1200, 1000, 2));
    let err = process_photo(&png, &options, None).unwrap_err();
    assert!(matches!(err, PhotoError::TooManyPixels { .. }), "{err:?}");
}

/// A valid small JPEG whose frame header is rewritten to claim `w × h`.
fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let mut jpeg = camera_jpeg(64, 64, &noisy(64, 64, 1), None, 90);
    let sof = jpeg
        .windows(2)
        .position(|p| p == [0xFF, 0xC0])
        .expect("SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    jpeg
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    // A PNG of a few dozen bytes claiming 100 000 × 100 000 pixels (30 GB of RGB).
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut bomb, b"IHDR", &ihdr);
    png_chunk(
        &mut bomb,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut bomb, b"IEND", &[]);
    let err = process_photo(&bomb, &PhotoOptions::default(), None).unwrap_err();
    assert!(
        matches!(err, PhotoError::DecompressionBomb { .. }),
        "{err:?}"
    );
    assert_explained(&err, "PHOTO_DECOMPRESSION_BOMB");

    // A 2 KB JPEG claiming 65 000 × 65 000.
    let err = process_photo(
        &jpeg_claiming(65_000, 65_000),
        &PhotoOptions::default(),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(err, PhotoError::DecompressionBomb { .. }),
        "{err:?}"
    );
}

#[test]
fn data_that_does_not_decode_is_refused() {
    let undecodable = [
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 1, 2, 3],
        b"\x89PNG\r\n\x1a\nnot really a png at all".to_vec(),
        {
            let jpeg = camera_jpeg(64, 64, &noisy(64, 64, 1), None, 90);
            jpeg[..jpeg.len() / 3].to_vec()
        },
        jpeg_claiming(0, 64),
    ];
    for bytes in undecodable {
        let err = process_photo(&bytes, &PhotoOptions::default(), None).unwrap_err();
        assert_eq!(err, PhotoError::Undecodable);
        assert_explained(&err, "PHOTO_UNDECODABLE");
    }
    for bytes in [b"GIF89a...".to_vec(), Vec::new(), b"hello".to_vec()] {
        let err = process_photo(&bytes, &PhotoOptions::default(), None).unwrap_err();
        assert_eq!(err, PhotoError::UnsupportedFormat);
        assert_explained(&err, "PHOTO_UNSUPPORTED_FORMAT");
    }
}

#[test]
fn impossible_options_are_refused() {
    let jpeg = camera_jpeg(64, 64, &noisy(64, 64, 1), None, 90);
    for options in [
        PhotoOptions {
            quality: 0,
            ..PhotoOptions::default()
        },
        PhotoOptions {
            quality: 101,
            ..PhotoOptions::default()
        },
        PhotoOptions {
            max_side: 0,
            ..PhotoOptions::default()
        },
        PhotoOptions {
            thumb_side: Some(100_000),
            ..PhotoOptions::default()
        },
    ] {
        let err = process_photo(&jpeg, &options, None).unwrap_err();
        assert!(matches!(err, PhotoError::InvalidOptions(_)), "{err:?}");
        assert_explained(&err, "PHOTO_INVALID_OPTIONS");
    }
}

#[test]
fn progressive_and_greyscale_jpegs_are_processed_too() {
    let (sw, sh, data) = stored_for(6, 480, 320, 120);
    let mut progressive = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 92);
    encoder.set_progressive(true);
    encoder
        .add_exif_metadata(&exif_tiff(Some(6)))
        .expect("exif fits");
    encoder
        .encode(&data, sw as u16, sh as u16, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    let options = PhotoOptions {
        max_side: 240,
        ..PhotoOptions::default()
    };
    let photo = process_photo(&progressive, &options, None).expect("progressive");
    assert_upright(&photo.jpeg, 240, 160, 60, 6);

    let luma: Vec<u8> = (0..300 * 200).map(|i| (i % 300) as u8).collect();
    let mut grey = Vec::new();
    jpeg_encoder::Encoder::new(&mut grey, 90)
        .encode(&luma, 300, 200, jpeg_encoder::ColorType::Luma)
        .expect("encodes");
    let photo = process_photo(&grey, &PhotoOptions::default(), None).expect("greyscale");
    assert_eq!((photo.width, photo.height), (300, 200));
    let (_, _, px) = decode_rgb(&photo.jpeg);
    let p = mean_rgb(300, &px, 150, 100, 2);
    assert!(
        (p[0] - p[1]).abs() < 3.0 && (p[1] - p[2]).abs() < 3.0,
        "grey stays grey: {p:?}"
    );
}

#[test]
fn a_png_with_an_exif_orientation_is_turned_upright() {
    let (sw, sh, data) = stored_for(8, 96, 64, 24);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, sw, sh);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer
            .write_chunk(png::chunk::ChunkType(*b"eXIf"), &exif_tiff(Some(8)))
            .expect("eXIf chunk");
        writer.write_image_data(&data).expect("data");
    }
    let photo = process_photo(&out, &PhotoOptions::default(), None).expect("png");
    assert!(photo.source.reoriented);
    assert_upright(&photo.jpeg, 96, 64, 24, 8);
}

#[test]
fn a_fatal_decoder_error_is_a_refusal_not_a_crash() {
    // Corrupt the first Huffman table's code counts so that they claim more than 256 codes:
    // libjpeg stops with a fatal error, which must come back as "undecodable".
    let mut jpeg = camera_jpeg(64, 64, &noisy(64, 64, 1), None, 90);
    let dht = jpeg
        .windows(2)
        .position(|p| p == [0xFF, 0xC4])
        .expect("DHT");
    for b in &mut jpeg[dht + 5..dht + 21] {
        *b = 0xFF;
    }
    let err = process_photo(&jpeg, &PhotoOptions::default(), None).unwrap_err();
    assert_eq!(err, PhotoError::Undecodable);
    // And the pipeline still works afterwards.
    let good = camera_jpeg(64, 64, &noisy(64, 64, 1), None, 90);
    assert!(process_photo(&good, &PhotoOptions::default(), None).is_ok());
}

#[test]
fn cmyk_jpegs_are_converted_to_rgb() {
    // 0 % cyan, 100 % magenta, 100 % yellow, 0 % black is red.
    let (w, h) = (64, 48);
    let cmyk: Vec<u8> = [0u8, 255, 255, 0].repeat((w * h) as usize);
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 95)
        .encode(&cmyk, w as u16, h as u16, jpeg_encoder::ColorType::Cmyk)
        .expect("encodes");
    let photo = process_photo(&jpeg, &PhotoOptions::default(), None).expect("cmyk");
    assert_eq!((photo.width, photo.height), (64, 48));
    let (_, _, px) = decode_rgb(&photo.jpeg);
    let p = mean_rgb(w, &px, 32, 24, 4);
    assert!(close(p, [255, 0, 0]), "red, got {p:?}");
}

#[test]
fn sixteen_bit_pngs_are_reduced_to_eight_bits() {
    let (w, h) = (120, 80);
    // Big-endian 16-bit samples of (0x8000, 0x4000, 0xFFFF): mid red, quarter green, full blue.
    let data: Vec<u8> = [0x80u8, 0x00, 0x40, 0x00, 0xFF, 0xFF].repeat((w * h) as usize);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Sixteen);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&data).expect("data");
    }
    let photo = process_photo(&out, &PhotoOptions::default(), None).expect("16-bit png");
    assert_eq!((photo.width, photo.height), (120, 80));
    let (_, _, px) = decode_rgb(&photo.jpeg);
    assert!(close(mean_rgb(w, &px, 60, 40, 5), [128, 64, 255]));
}
