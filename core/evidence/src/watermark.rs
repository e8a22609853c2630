//! The burned-in watermark (水印): time, coordinates, address and worker drawn into the pixels.
//!
//! The caller supplies the font bytes (on a phone, the system CJK font; in tests, Debian's
//! WenQuanYi Micro Hei), as TrueType/OpenType or a collection (`.ttc`) with an index. A
//! [`Watermark`] is built once, checked for glyph coverage so that Chinese never comes out as
//! boxes, and can then be drawn on any number of photos: white text on a darkened band along the
//! bottom edge, sized to the photo, wrapped to its width.

use ab_glyph::{Font, FontVec, GlyphId, PxScale, ScaleFont, point};

use crate::photo_error::PhotoError;
use crate::raster::RgbImage;

/// The four facts a watermark states. The caller formats them (e.g. local time with offset,
/// coordinates in the datum its users expect).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatermarkFields {
    /// When the photo was taken.
    pub time: String,
    /// Where it was taken.
    pub coordinates: String,
    /// The household's address.
    pub address: String,
    /// The worker's name or code.
    pub worker: String,
}

impl WatermarkFields {
    /// The lines drawn for these fields, labelled in Chinese; empty fields are left out.
    pub fn lines(&self) -> Vec<String> {
        [
            ("时间", &self.time),
            ("坐标", &self.coordinates),
            ("地址", &self.address),
            ("网格员", &self.worker),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}：{v}"))
        .collect()
    }
}

/// A watermark ready to draw: a parsed font and the text lines.
pub struct Watermark {
    font: FontVec,
    lines: Vec<String>,
}

impl std::fmt::Debug for Watermark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The text is personal data (address, name): never print it.
        f.debug_struct("Watermark")
            .field("lines", &self.lines.len())
            .finish()
    }
}

/// How many distinct visible characters of `text` the font has no glyph for.
pub fn missing_glyphs(font: &impl Font, text: &str) -> usize {
    let mut missing: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .filter(|&c| font.glyph_id(c) == GlyphId(0))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing.len()
}

impl Watermark {
    /// Parses the font (face `index` of a collection; 0 for a plain font file) and checks that
    /// it has a glyph for every visible character of `lines`.
    ///
    /// Fails with [`PhotoError::FontUnreadable`] when the bytes are not a font, and with
    /// [`PhotoError::FontMissingGlyphs`] when some character would be drawn as a box.
    pub fn new(font_data: Vec<u8>, index: u32, lines: Vec<String>) -> Result<Self, PhotoError> {
        let font = FontVec::try_from_vec_and_index(font_data, index)
            .map_err(|_| PhotoError::FontUnreadable)?;
        let missing = missing_glyphs(&font, &lines.concat());
        if missing > 0 {
            return Err(PhotoError::FontMissingGlyphs { missing });
        }
        Ok(Watermark { font, lines })
    }

    /// Like [`Watermark::new`], with the lines made from the four standard fields.
    pub fn from_fields(
        font_data: Vec<u8>,
        index: u32,
        fields: &WatermarkFields,
    ) -> Result<Self, PhotoError> {
        Watermark::new(font_data, index, fields.lines())
    }

    /// The text lines, as given.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Draws the watermark onto `image`: a darkened band along the bottom holding the lines in
    /// white, wrapped to the width. The text height is about 1/30 of the short side (at least
    /// 12 px); the band never covers more than the bottom half of the photo.
    pub fn draw(&self, image: &mut RgbImage) {
        let short = image.width.min(image.height) as f32;
        let px = (short / 30.0).max(12.0);
        let scaled = self.font.as_scaled(PxScale::from(px));
        let line_height = (scaled.ascent() - scaled.descent() + scaled.line_gap()).ceil();
        let margin = (px * 0.5).ceil();
        let max_width = image.width as f32 - 2.0 * margin;

        let mut rows: Vec<Vec<char>> = Vec::new();
        for line in &self.lines {
            rows.extend(wrap(&scaled, line, max_width));
        }
        let max_rows = ((image.height as f32 / 2.0 - 2.0 * margin) / line_height)
            .floor()
            .max(0.0) as usize;
        rows.truncate(max_rows);
        if rows.is_empty() {
            return;
        }

        let band_height = (rows.len() as f32 * line_height + 2.0 * margin) as u32;
        let band_top = image.height.saturating_sub(band_height);
        let row_bytes = image.width as usize * 3;
        for byte in &mut image.data[band_top as usize * row_bytes..] {
            // 45 % brightness keeps the scene readable behind the text.
            *byte = ((u16::from(*byte) * 115) >> 8) as u8;
        }

        let mut baseline = band_top as f32 + margin + scaled.ascent();
        for row in rows {
            let mut x = margin;
            let mut previous: Option<GlyphId> = None;
            for c in row {
                let id = scaled.glyph_id(c);
                if let Some(p) = previous {
                    x += scaled.kern(p, id);
                }
                let glyph = id.with_scale_and_position(PxScale::from(px), point(x, baseline));
                x += scaled.h_advance(id);
                previous = Some(id);
                let Some(outlined) = self.font.outline_glyph(glyph) else {
                    continue;
                };
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    let ix = bounds.min.x as i64 + i64::from(gx);
                    let iy = bounds.min.y as i64 + i64::from(gy);
                    blend_white(image, ix, iy, coverage);
                });
            }
            baseline += line_height;
        }
    }
}

fn blend_white(image: &mut RgbImage, x: i64, y: i64, coverage: f32) {
    if x < 0 || y < 0 || x >= i64::from(image.width) || y >= i64::from(image.height) {
        return;
    }
    let i = (y as usize * image.width as usize + x as usize) * 3;
    let a = coverage.clamp(0.0, 1.0);
    for c in &mut image.data[i..i + 3] {
        *c = (f32::from(*c) * (1.0 - a) + 255.0 * a).round() as u8;
    }
}

/// Splits `line` into rows no wider than `max_width`, breaking between characters (Chinese has
/// no spaces to break at); a single character wider than the row still gets a row of its own.
fn wrap<F: Font, S: ScaleFont<F>>(font: &S, line: &str, max_width: f32) -> Vec<Vec<char>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut width = 0.0;
    for c in line.chars().filter(|c| !c.is_control()) {
        let advance = font.h_advance(font.glyph_id(c));
        if width + advance > max_width && !row.is_empty() {
            rows.push(std::mem::take(&mut row));
            width = 0.0;
        }
        row.push(c);
        width += advance;
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}
