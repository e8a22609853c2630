//! The photo evidence pipeline: camera bytes in, a small, upright, metadata-free JPEG and its
//! SHA-256 out.
//!
//! [`process_photo`] runs, in order:
//! 1. refusals that need no decoding: file size, format signature, then the pixel count and
//!    the decompression-bomb check from the header alone;
//! 2. decoding at reduced scale (see [`crate::decode`]), straight to about the output size;
//! 3. a SIMD resize to the exact output size ([`PhotoOptions::max_side`] on the long side,
//!    never enlarged), then the EXIF orientation, applied on the small image where it is cheap;
//! 4. the optional burned-in [`Watermark`];
//! 5. JPEG encoding at [`PhotoOptions::quality`], after which every APPn and COM segment is
//!    removed: the stored file holds pixels only (position and time live in our record);
//! 6. the thumbnail, made from the final image so it shows what was stored;
//! 7. the SHA-256 of the stored bytes, the photo's identity in the visit, outbox and server.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::decode::{self, DecodeLimits, SourceFormat};
use crate::photo_error::PhotoError;
use crate::raster::{Orientation, RgbImage};
use crate::watermark::Watermark;

/// 25 MB (MiB): files above this are refused at capture.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// 50 megapixels: images above this are refused at capture.
pub const DEFAULT_MAX_PIXELS: u64 = 50_000_000;

/// What the pipeline produces and what it refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoOptions {
    /// Long side of the stored photo in pixels (default 1600). Smaller photos are not enlarged.
    pub max_side: u32,
    /// JPEG quality 1–100 (default 82).
    pub quality: u8,
    /// Long side of the thumbnail (default `Some(320)`); `None` makes no thumbnail.
    pub thumb_side: Option<u32>,
    /// Larger files are refused (default 25 MB).
    pub max_file_bytes: u64,
    /// Images with more pixels are refused (default 50 MP).
    pub max_pixels: u64,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        PhotoOptions {
            max_side: 1600,
            quality: 82,
            thumb_side: Some(320),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

impl PhotoOptions {
    fn validate(&self) -> Result<(), PhotoError> {
        // JPEG frames are limited to 65 535 px a side; 8 000 is far above any evidence need.
        if !(16..=8000).contains(&self.max_side) {
            return Err(PhotoError::InvalidOptions(
                "max side must be between 16 and 8000",
            ));
        }
        if !(1..=100).contains(&self.quality) {
            return Err(PhotoError::InvalidOptions(
                "quality must be between 1 and 100",
            ));
        }
        if let Some(t) = self.thumb_side
            && !(16..=8000).contains(&t)
        {
            return Err(PhotoError::InvalidOptions(
                "thumbnail side must be between 16 and 8000",
            ));
        }
        Ok(())
    }
}

/// A thumbnail of the stored photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// JPEG bytes, metadata-free.
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Facts about the input, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// Container format.
    pub format: SourceFormat,
    /// Stored width before orientation.
    pub width: u32,
    /// Stored height before orientation.
    pub height: u32,
    /// Whether an EXIF orientation other than "upright" was applied.
    pub reoriented: bool,
}

/// The stored photo and its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The stored JPEG: upright, downscaled, no metadata segments.
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Lowercase hex SHA-256 of `jpeg`.
    pub sha256: String,
    /// The thumbnail, when asked for.
    pub thumbnail: Option<Thumbnail>,
    /// What came in.
    pub source: SourceInfo,
}

/// Runs the whole pipeline on camera bytes (JPEG or PNG).
///
/// Promises: the output is upright, its long side is `min(max_side, input long side)`, it
/// contains no EXIF, XMP, ICC, JFIF or comment segment, and `sha256` is the hash of exactly
/// `jpeg`. The same input and options always give the same bytes. Refusals come before any
/// pixel is decoded when the header alone shows them.
pub fn process_photo(
    bytes: &[u8],
    options: &PhotoOptions,
    watermark: Option<&Watermark>,
) -> Result<ProcessedPhoto, PhotoError> {
    options.validate()?;
    let len = bytes.len() as u64;
    if len > options.max_file_bytes {
        return Err(PhotoError::FileTooLarge {
            bytes: len,
            limit: options.max_file_bytes,
        });
    }
    let format = decode::sniff(bytes)?;
    let limits = DecodeLimits {
        max_pixels: options.max_pixels,
    };
    let decoded = decode::decode(bytes, options.max_side, limits)?;
    let orientation = decoded.orientation;

    // The target size in stored orientation, computed from the full source size so that a
    // reduced-scale decode does not change the result by a pixel of rounding.
    let (tw, th) = decode::fit_within(
        decoded.source_width,
        decoded.source_height,
        options.max_side,
    );
    let image = decoded.image.resized(tw, th)?;
    let mut image = orientation.apply(image);

    if let Some(mark) = watermark {
        mark.draw(&mut image);
    }

    // The thumbnail is made on a second core while the main photo is encoded: both read the
    // same final image, and phones have several cores idle during capture.
    let image = &image;
    let (jpeg, thumbnail) = std::thread::scope(|scope| {
        let thumb = options
            .thumb_side
            .map(|side| scope.spawn(move || make_thumbnail(image, side, options.quality)));
        let jpeg = encode_jpeg(image, options.quality);
        let thumbnail = match thumb {
            Some(handle) => Some(handle.join().map_err(|_| PhotoError::EncodeFailed)??),
            None => None,
        };
        Ok::<_, PhotoError>((jpeg?, thumbnail))
    })?;
    let sha256 = hex(&Sha256::digest(&jpeg));
    Ok(ProcessedPhoto {
        width: image.width,
        height: image.height,
        jpeg,
        sha256,
        thumbnail,
        source: SourceInfo {
            format,
            width: decoded.source_width,
            height: decoded.source_height,
            reoriented: orientation != Orientation::Normal,
        },
    })
}

fn make_thumbnail(image: &RgbImage, side: u32, quality: u8) -> Result<Thumbnail, PhotoError> {
    let (w, h) = decode::fit_within(image.width, image.height, side);
    let small = image.clone().resized(w, h)?;
    Ok(Thumbnail {
        jpeg: encode_jpeg(&small, quality)?,
        width: w,
        height: h,
    })
}

/// Encodes RGB pixels as a baseline 4:2:0 JPEG with the standard (Annex K) tables scaled to
/// `quality`, and no metadata segment: the same bytes `cjpeg -quality Q` would write, minus JFIF.
///
/// Uses libjpeg-turbo's SIMD encoder (MozJPEG's build with its "fastest" profile, which turns off
/// trellis quantisation and progressive scans). libjpeg's fatal errors unwind; they are caught
/// and reported as [`PhotoError::EncodeFailed`].
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let expected = image.width as usize * image.height as usize * 3;
    if image.data.len() != expected || image.width > 65_500 || image.height > 65_500 {
        return Err(PhotoError::EncodeFailed);
    }
    let run = || -> std::io::Result<Vec<u8>> {
        let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        compress.set_fastest_defaults();
        compress.set_size(image.width as usize, image.height as usize);
        compress.set_quality(f32::from(quality));
        let mut started = compress.start_compress(Vec::with_capacity(expected / 8))?;
        started.write_scanlines(&image.data)?;
        started.finish()
    };
    let jpeg = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .map_err(|_| PhotoError::EncodeFailed)?
        .map_err(|_| PhotoError::EncodeFailed)?;
    strip_metadata_segments(&jpeg).ok_or(PhotoError::EncodeFailed)
}

/// Returns the JPEG without any APP0–APP15 or COM segment, or `None` if the marker structure
/// before the scan data is malformed. The entropy-coded data is copied untouched.
pub fn strip_metadata_segments(jpeg: &[u8]) -> Option<Vec<u8>> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(jpeg.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    loop {
        if *jpeg.get(i)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(i + 1)?;
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i + 2)?, *jpeg.get(i + 3)?]));
        let end = i + 2 + len;
        if len < 2 || end > jpeg.len() {
            return None;
        }
        let is_metadata = (0xE0..=0xEF).contains(&marker) || marker == 0xFE;
        if !is_metadata {
            out.extend_from_slice(&jpeg[i..end]);
        }
        if marker == 0xDA {
            out.extend_from_slice(&jpeg[end..]);
            return Some(out);
        }
        i = end;
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
