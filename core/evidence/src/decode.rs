//! Decoding camera files into RGB at (about) the size the pipeline needs, within limits.
//!
//! JPEG goes through libjpeg-turbo (vendored by the `mozjpeg` crate) with DCT-domain scaling: a
//! 12 MP photo bound for 1600 px is decoded at 1/2 scale directly from the coefficients, which
//! skips three quarters of the inverse-DCT and colour work and keeps the raster at a quarter of
//! the full-size memory. CMYK/YCCK JPEGs, which libjpeg will not convert to RGB, go through the
//! pure-Rust `jpeg-decoder` instead, also scaled in the DCT domain. A JPEG without an end-of-image
//! marker after its scan (a truncated file) is refused rather than padded with grey.
//!
//! PNG is decoded in full (it has no reduced-scale mode) with the decoder's allocation limit set,
//! 16-bit channels stripped, alpha composited onto white, and its `eXIf` orientation honoured.
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

/// The smallest `M` in 1..=8 such that decoding at `M/8` (libjpeg rounds sizes up) gives at
/// least `target` on both axes.
fn turbo_scale(source: (u32, u32), target: (u32, u32)) -> u8 {
    let scaled = |side: u32, m: u32| (u64::from(side) * u64::from(m)).div_ceil(8);
    (1..=8u8)
        .find(|&m| {
            scaled(source.0, u32::from(m)) >= u64::from(target.0)
                && scaled(source.1, u32::from(m)) >= u64::from(target.1)
        })
        .unwrap_or(8)
}

/// JPEG through libjpeg-turbo (MozJPEG's build of it), scaled in the DCT domain by `M/8`.
///
/// Returns `Ok(None)` for colour spaces it will not convert to RGB (CMYK, YCCK), which the
/// pure-Rust decoder then handles. libjpeg reports fatal errors by unwinding (the `mozjpeg`
/// crate's error manager resumes an unwind without the panic hook), which is caught here and
/// becomes [`PhotoError::Undecodable`]; this needs `panic = "unwind"`, Rust's default.
fn decode_jpeg_turbo(
    bytes: &[u8],
    max_side: u32,
    limits: DecodeLimits,
) -> Result<Option<Decoded>, PhotoError> {
    use mozjpeg::{ColorSpace, Decompress, Marker};
    let run = || -> Result<Option<Decoded>, PhotoError> {
        let mut decoder = Decompress::builder()
            .with_markers(&[Marker::APP(1)])
            .from_mem(bytes)
            .map_err(|_| PhotoError::Undecodable)?;
        let sw = u32::try_from(decoder.width()).map_err(|_| PhotoError::Undecodable)?;
        let sh = u32::try_from(decoder.height()).map_err(|_| PhotoError::Undecodable)?;
        check_pixels(sw, sh, bytes.len(), limits)?;
        if !matches!(
            decoder.color_space(),
            ColorSpace::JCS_YCbCr | ColorSpace::JCS_GRAYSCALE | ColorSpace::JCS_RGB
        ) {
            return Ok(None);
        }
        let orientation = decoder
            .markers()
            .find_map(|m| m.data.strip_prefix(b"Exif\0\0"))
            .map(Orientation::from_exif_tiff)
            .unwrap_or_default();
        decoder.scale(turbo_scale((sw, sh), fit_within(sw, sh, max_side)));
        let mut started = decoder.rgb().map_err(|_| PhotoError::Undecodable)?;
        let w = u32::try_from(started.width()).map_err(|_| PhotoError::Undecodable)?;
        let h = u32::try_from(started.height()).map_err(|_| PhotoError::Undecodable)?;
        let pixels: Vec<u8> = started
            .read_scanlines()
            .map_err(|_| PhotoError::Undecodable)?;
        started.finish().map_err(|_| PhotoError::Undecodable)?;
        Ok(Some(Decoded {
            image: RgbImage::new(w, h, pixels)?,
            source_width: sw,
            source_height: sh,
            orientation,
        }))
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or(Err(PhotoError::Undecodable))
}

/// True when the JPEG's marker segments lead to a scan and an end-of-image marker follows it.
///
/// libjpeg pads a truncated file with grey and only warns; a half-grey photo is no evidence,
/// so truncation is checked here. Inside entropy-coded data a 0xFF byte is always followed by
/// 0x00 or a restart marker, so `FF D9` after the first scan header is the real end of image
/// (an EXIF thumbnail's end marker sits in APP1, before the scan, and is skipped).
fn has_scan_and_end(jpeg: &[u8]) -> bool {
    let mut i = 2;
    loop {
        let (Some(&0xFF), Some(&marker)) = (jpeg.get(i), jpeg.get(i + 1)) else {
            return false;
        };
        if marker == 0xFF {
            // Fill bytes before a marker are allowed.
            i += 1;
            continue;
        }
        let (Some(&hi), Some(&lo)) = (jpeg.get(i + 2), jpeg.get(i + 3)) else {
            return false;
        };
        let end = i + 2 + usize::from(u16::from_be_bytes([hi, lo]));
        if marker == 0xDA {
            return jpeg
                .get(end..)
                .is_some_and(|rest| rest.windows(2).any(|w| w == [0xFF, 0xD9]));
        }
        i = end;
    }
}

fn decode_jpeg(bytes: &[u8], max_side: u32, limits: DecodeLimits) -> Result<Decoded, PhotoError> {
    if !has_scan_and_end(bytes) {
        return Err(PhotoError::Undecodable);
    }
    if let Some(decoded) = decode_jpeg_turbo(bytes, max_side, limits)? {
        return Ok(decoded);
    }
    decode_jpeg_rust(bytes, max_side, limits)
}

/// JPEG through the pure-Rust `jpeg-decoder`, scaled in the DCT domain by 1/8, 1/4 or 1/2;
/// used for the colour spaces libjpeg does not turn into RGB (CMYK, YCCK).
fn decode_jpeg_rust(
    bytes: &[u8],
    max_side: u32,
    limits: DecodeLimits,
) -> Result<Decoded, PhotoError> {
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
