//! Decoding camera files into RGB at (about) the size the pipeline needs, within limits.
//!
//! JPEG goes through `jpeg-decoder` with DCT-domain scaling: a 12 MP photo bound for 1600 px is
//! decoded at 1/2 scale directly from the coefficients, which skips three quarters of the
//! inverse-DCT and colour work and keeps the raster at a quarter of the full-size memory. PNG is
//! decoded in full (it has no reduced-scale mode) with the decoder's allocation limit set, 16-bit
//! channels stripped and alpha composited onto white.
//!
//! Limits are checked from the header, before any pixel is decoded.

use std::io::Cursor;

use crate::photo_error::PhotoError;
use crate::raster::{Orientation, RgbImage};

/// A file smaller than this fraction of its raw RGB size, declaring more pixels than allowed,
/// is a decompression bomb rather than an honest large image: camera JPEGs compress about 10:1,
/// PNG photos about 2:1, while bombs compress thousands to one.
const BOMB_RATIO: u64 = 1000;

/// Limits applied while decoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecodeLimits {
    pub max_pixels: u64,
}

/// A decoded photo, stored (not yet upright) orientation.
pub(crate) struct Decoded {
    pub image: RgbImage,
    pub source_width: u32,
    pub source_height: u32,
    pub orientation: Orientation,
}

/// The container formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// JPEG / JFIF / EXIF.
    Jpeg,
    /// PNG.
    Png,
}

/// Identifies the format by its signature bytes.
pub(crate) fn sniff(bytes: &[u8]) -> Result<SourceFormat, PhotoError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(SourceFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(SourceFormat::Png)
    } else {
        Err(PhotoError::UnsupportedFormat)
    }
}

fn check_pixels(
    width: u32,
    height: u32,
    file_len: usize,
    limits: DecodeLimits,
) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Undecodable);
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels <= limits.max_pixels {
        return Ok(());
    }
    let bytes = file_len as u64;
    if pixels.saturating_mul(3) / bytes.max(1) > BOMB_RATIO {
        Err(PhotoError::DecompressionBomb { bytes, pixels })
    } else {
        Err(PhotoError::TooManyPixels {
            pixels,
            limit: limits.max_pixels,
        })
    }
}

/// The size a `width × height` image takes when its long side is capped at `max_side`
/// (never enlarged, never below 1 px).
pub(crate) fn fit_within(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_side {
        return (width, height);
    }
    let scale = f64::from(max_side) / f64::from(long);
    let w = ((f64::from(width) * scale).round() as u32).clamp(1, max_side);
    let h = ((f64::from(height) * scale).round() as u32).clamp(1, max_side);
    (w, h)
}

/// Decodes a JPEG or PNG, reducing a JPEG in the DCT domain as far as possible while staying at
/// least as large as `fit_within(.., max_side)`.
pub(crate) fn decode(
    bytes: &[u8],
    max_side: u32,
    limits: DecodeLimits,
) -> Result<Decoded, PhotoError> {
    match sniff(bytes)? {
        SourceFormat::Jpeg => decode_jpeg(bytes, max_side, limits),
        SourceFormat::Png => decode_png(bytes, limits),
    }
}

fn decode_jpeg(bytes: &[u8], max_side: u32, limits: DecodeLimits) -> Result<Decoded, PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(|_| PhotoError::Undecodable)?;
    let info = decoder.info().ok_or(PhotoError::Undecodable)?;
    let (sw, sh) = (u32::from(info.width), u32::from(info.height));
    check_pixels(sw, sh, bytes.len(), limits)?;
    // The decoder refuses to allocate more than the full-size output of an allowed image,
    // so a header that lies about its size cannot make it allocate more.
    decoder.set_max_decoding_buffer_size(
        usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX),
    );

    let (tw, th) = fit_within(sw, sh, max_side);
    let tw = u16::try_from(tw).unwrap_or(u16::MAX);
    let th = u16::try_from(th).unwrap_or(u16::MAX);
    decoder.scale(tw, th).map_err(|_| PhotoError::Undecodable)?;
    let pixels = decoder.decode().map_err(|_| PhotoError::Undecodable)?;
    let info = decoder.info().ok_or(PhotoError::Undecodable)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let orientation = decoder
        .exif_data()
        .map(Orientation::from_exif_tiff)
        .unwrap_or_default();

    let n = w as usize * h as usize;
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => {
            let mut out = Vec::with_capacity(n * 3);
            for &l in pixels.iter().take(n) {
                out.extend_from_slice(&[l, l, l]);
            }
            out
        }
        jpeg_decoder::PixelFormat::L16 => {
            let mut out = Vec::with_capacity(n * 3);
            for l in pixels.chunks_exact(2).take(n) {
                out.extend_from_slice(&[l[0], l[0], l[0]]);
            }
            out
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            let mut out = Vec::with_capacity(n * 3);
            for p in pixels.chunks_exact(4).take(n) {
                let k = u16::from(255 - p[3]);
                for &c in &p[..3] {
                    out.push(((u16::from(255 - c) * k) / 255) as u8);
                }
            }
            out
        }
    };
    Ok(Decoded {
        image: RgbImage::new(w, h, rgb)?,
        source_width: sw,
        source_height: sh,
        orientation,
    })
}

fn decode_png(bytes: &[u8], limits: DecodeLimits) -> Result<Decoded, PhotoError> {
    let budget = usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX);
    let mut decoder =
        png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: budget });
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    // Text and ICC chunks are compressed too and can be bombs of their own; we never use them.
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    let header = decoder
        .read_header_info()
        .map_err(|_| PhotoError::Undecodable)?;
    check_pixels(header.width, header.height, bytes.len(), limits)?;

    let mut reader = decoder.read_info().map_err(|e| png_error(e, bytes.len()))?;
    let size = reader.output_buffer_size().ok_or(PhotoError::Undecodable)?;
    let mut buf = vec![0u8; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|e| png_error(e, bytes.len()))?;
    let orientation = reader
        .info()
        .exif_metadata
        .as_deref()
        .map(Orientation::from_exif_tiff)
        .unwrap_or_default();
    let (w, h) = (frame.width, frame.height);
    let n = w as usize * h as usize;
    let data = &buf[..frame.buffer_size()];
    let rgb = match frame.color_type {
        png::ColorType::Rgb => {
            buf.truncate(n * 3);
            buf
        }
        png::ColorType::Rgba => {
            let mut out = Vec::with_capacity(n * 3);
            for p in data.chunks_exact(4) {
                out.extend_from_slice(&[
                    over_white(p[0], p[3]),
                    over_white(p[1], p[3]),
                    over_white(p[2], p[3]),
                ]);
            }
            out
        }
        png::ColorType::Grayscale => {
            let mut out = Vec::with_capacity(n * 3);
            for &l in data {
                out.extend_from_slice(&[l, l, l]);
            }
            out
        }
        png::ColorType::GrayscaleAlpha => {
            let mut out = Vec::with_capacity(n * 3);
            for p in data.chunks_exact(2) {
                let l = over_white(p[0], p[1]);
                out.extend_from_slice(&[l, l, l]);
            }
            out
        }
        // EXPAND turns palette images into RGB(A); reaching here means a decoder bug.
        png::ColorType::Indexed => return Err(PhotoError::Undecodable),
    };
    Ok(Decoded {
        image: RgbImage::new(w, h, rgb)?,
        source_width: w,
        source_height: h,
        orientation,
    })
}

fn over_white(c: u8, alpha: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(alpha));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

fn png_error(e: png::DecodingError, file_len: usize) -> PhotoError {
    match e {
        png::DecodingError::LimitsExceeded => PhotoError::DecompressionBomb {
            bytes: file_len as u64,
            pixels: 0,
        },
        _ => PhotoError::Undecodable,
    }
}
