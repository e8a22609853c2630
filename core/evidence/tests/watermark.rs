//! The watermark draws real Chinese glyphs (not boxes) with a CJK font from Debian's
//! `fonts-wqy-microhei`, which `scripts/test.sh` installs.

mod common;

use ab_glyph::{Font, FontRef, GlyphId};
use common::*;
use doorstep_evidence::photo::{PhotoOptions, process_photo};
use doorstep_evidence::raster::RgbImage;
use doorstep_evidence::watermark::missing_glyphs;
use doorstep_evidence::{PhotoError, Watermark, WatermarkFields};

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn font_bytes() -> Vec<u8> {
    std::fs::read(FONT)
        .unwrap_or_else(|e| panic!("{FONT} missing ({e}): apt-get install fonts-wqy-microhei"))
}

fn gray(w: u32, h: u32) -> RgbImage {
    RgbImage::new(w, h, solid(w, h, [128, 128, 128])).expect("valid raster")
}

/// The set of pixels that became brighter than the darkened band could be: the glyph ink.
fn ink(img: &RgbImage) -> Vec<bool> {
    img.data.chunks_exact(3).map(|p| p[0] > 140).collect()
}

#[test]
fn the_font_has_glyphs_for_chinese_and_reports_what_it_lacks() {
    let data = font_bytes();
    let font = FontRef::try_from_slice_and_index(&data, 0).expect("font parses");
    for c in ['户', '通', '网', '格', '员', '时', '间'] {
        assert_ne!(font.glyph_id(c), GlyphId(0), "glyph for {c}");
    }
    assert_eq!(missing_glyphs(&font, "入户通 网格员 2026-03-04"), 0);
    // Private-use characters have no glyph in any normal font.
    assert_eq!(missing_glyphs(&font, "户\u{E000}\u{E001}\u{E000}"), 2);
}

#[test]
fn a_watermark_draws_distinct_chinese_glyphs_not_boxes() {
    let render = |text: &str| {
        let mark = Watermark::new(font_bytes(), 0, vec![text.to_string()]).expect("watermark");
        let mut img = gray(1200, 900);
        mark.draw(&mut img);
        img
    };
    let hu = render("户");
    let tong = render("通");
    let (ink_hu, ink_tong) = (ink(&hu), ink(&tong));
    let count = |v: &[bool]| v.iter().filter(|&&b| b).count();
    // Text height is ~1/30 of the short side (30 px): a glyph inks well over a hundred pixels.
    assert!(count(&ink_hu) > 100, "户 drew {} pixels", count(&ink_hu));
    assert!(
        count(&ink_tong) > 100,
        "通 drew {} pixels",
        count(&ink_tong)
    );
    // Tofu would be the same box for every character: these differ in many pixels.
    let differing = ink_hu.iter().zip(&ink_tong).filter(|(a, b)| a != b).count();
    assert!(
        differing > 20,
        "户 and 通 differ in only {differing} pixels"
    );
    // Ink lies only in the bottom band; the top of the photo is untouched.
    let top_rows = (1200 * 3 * 450) as usize;
    assert!(hu.data[..top_rows].iter().all(|&b| b == 128));
    // The band itself is darkened behind the text.
    assert!(hu.pixel(1199, 899).expect("in image")[0] < 128);
}

#[test]
fn the_standard_fields_are_labelled_and_drawn_into_the_stored_photo() {
    let fields = WatermarkFields {
        time: "2026-03-04 10:30 +08:00".into(),
        coordinates: "30.27410, 120.15510".into(),
        address: "杭州市上城区清波街道河坊街 12 号 3 单元 501".into(),
        worker: "张网格".into(),
    };
    let lines = fields.lines();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("时间：") && lines[3].starts_with("网格员："));
    let mark = Watermark::from_fields(font_bytes(), 0, &fields).expect("watermark");
    assert!(
        !format!("{mark:?}").contains("张网格"),
        "Debug output hides the text"
    );

    let (w, h) = (800, 600);
    let jpeg = camera_jpeg(w, h, &solid(w, h, [60, 110, 60]), None, 92);
    let plain = process_photo(&jpeg, &PhotoOptions::default(), None).expect("plain");
    let marked = process_photo(&jpeg, &PhotoOptions::default(), Some(&mark)).expect("marked");
    assert_ne!(plain.sha256, marked.sha256);
    let (_, _, px) = decode_rgb(&marked.jpeg);
    let white = px
        .chunks_exact(3)
        .filter(|p| p.iter().all(|&c| c > 200))
        .count();
    assert!(white > 500, "text pixels in the stored photo: {white}");
    let (_, _, top) = decode_rgb(&plain.jpeg);
    assert_eq!(
        px[..(w * 3 * 100) as usize],
        top[..(w * 3 * 100) as usize],
        "top of the photo unchanged"
    );
}

#[test]
fn long_addresses_wrap_inside_the_photo() {
    let long = "浙江省杭州市上城区清波街道河坊街社区第三网格幸福里小区".repeat(3);
    let mark = Watermark::new(font_bytes(), 0, vec![long]).expect("watermark");
    let mut img = gray(400, 300);
    mark.draw(&mut img);
    let rows_with_ink: Vec<u32> = (0..300)
        .filter(|&y| (0..400).any(|x| img.pixel(x, y).expect("in image")[0] > 140))
        .collect();
    let first = *rows_with_ink.first().expect("some ink");
    let last = *rows_with_ink.last().expect("some ink");
    // Several rows of text: the inked span is taller than two lines of 12 px text.
    assert!(last - first > 30, "ink spans rows {first}..{last}");
    // No ink touches the right edge: rows wrap before it.
    assert!((0..300).all(|y| img.pixel(399, y).expect("in image")[0] <= 140));
}

#[test]
fn fonts_without_the_glyphs_or_not_fonts_at_all_are_refused() {
    let err = Watermark::new(font_bytes(), 0, vec!["户\u{E000}".into()]).unwrap_err();
    assert_eq!(err, PhotoError::FontMissingGlyphs { missing: 1 });
    assert_eq!(err.code(), "PHOTO_FONT_MISSING_GLYPHS");
    let err = Watermark::new(b"not a font".to_vec(), 0, vec!["户".into()]).unwrap_err();
    assert_eq!(err, PhotoError::FontUnreadable);
    assert!(!err.message_zh().is_empty());
}

#[test]
#[ignore = "writes a picture to look at: WATERMARK_PREVIEW=/tmp/wm.png"]
fn preview() {
    let fields = WatermarkFields {
        time: "2026-03-04 10:30 +08:00".into(),
        coordinates: "30.27410, 120.15510".into(),
        address: "杭州市上城区清波街道河坊街 12 号 3 单元 501".into(),
        worker: "张网格".into(),
    };
    let mark = Watermark::from_fields(font_bytes(), 0, &fields).expect("watermark");
    let (w, h) = (1600, 1200);
    let mut img = RgbImage::new(w, h, noisy(w, h, 4)).expect("raster");
    mark.draw(&mut img);
    let path =
        std::env::var("WATERMARK_PREVIEW").unwrap_or_else(|_| "/tmp/watermark-preview.png".into());
    std::fs::write(&path, png_bytes(w, h, png::ColorType::Rgb, &img.data)).expect("written");
    assert!(std::fs::metadata(&path).expect("exists").len() > 1000);
}
