//! Why a photo was refused or could not be processed.
//!
//! Every error has a stable [`PhotoError::code`] for shells and the server, a Chinese message
//! for the worker ([`PhotoError::message_zh`]) and an English one (`Display`). Messages carry
//! limits and sizes only, never the photo's content, text or position.

use thiserror::Error;

/// A refusal or failure of the photo pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PhotoError {
    /// The file is larger than the capture limit.
    #[error("photo file is {bytes} bytes, over the {limit}-byte limit (25 MB)")]
    FileTooLarge {
        /// Size of the file.
        bytes: u64,
        /// The limit that applied.
        limit: u64,
    },
    /// The image has more pixels than allowed.
    #[error("photo has {pixels} pixels, over the {limit}-pixel limit")]
    TooManyPixels {
        /// Pixels the image declares.
        pixels: u64,
        /// The limit that applied.
        limit: u64,
    },
    /// A small file declares an image so large that decoding it would exhaust memory.
    #[error("photo looks like a decompression bomb: a {bytes}-byte file declares {pixels} pixels")]
    DecompressionBomb {
        /// Size of the file.
        bytes: u64,
        /// Pixels the image declares (0 when the decoder stopped at its memory limit).
        pixels: u64,
    },
    /// Neither JPEG nor PNG.
    #[error("photo is not a JPEG or PNG file")]
    UnsupportedFormat,
    /// JPEG or PNG signature, but the data does not decode.
    #[error("photo data is damaged and cannot be decoded")]
    Undecodable,
    /// The caller asked for impossible output (size or quality out of range).
    #[error("invalid photo options: {0}")]
    InvalidOptions(&'static str),
    /// The watermark font could not be read.
    #[error("the watermark font cannot be read")]
    FontUnreadable,
    /// The watermark font lacks glyphs for some characters of the text.
    #[error("the watermark font has no glyphs for {missing} character(s) of the text")]
    FontMissingGlyphs {
        /// How many distinct characters have no glyph.
        missing: usize,
    },
    /// The JPEG encoder failed (an internal error).
    #[error("the photo could not be encoded")]
    EncodeFailed,
}

impl PhotoError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::FileTooLarge { .. } => "PHOTO_FILE_TOO_LARGE",
            PhotoError::TooManyPixels { .. } => "PHOTO_TOO_MANY_PIXELS",
            PhotoError::DecompressionBomb { .. } => "PHOTO_DECOMPRESSION_BOMB",
            PhotoError::UnsupportedFormat => "PHOTO_UNSUPPORTED_FORMAT",
            PhotoError::Undecodable => "PHOTO_UNDECODABLE",
            PhotoError::InvalidOptions(_) => "PHOTO_INVALID_OPTIONS",
            PhotoError::FontUnreadable => "PHOTO_FONT_UNREADABLE",
            PhotoError::FontMissingGlyphs { .. } => "PHOTO_FONT_MISSING_GLYPHS",
            PhotoError::EncodeFailed => "PHOTO_ENCODE_FAILED",
        }
    }

    /// The message in Chinese, for the worker's screen.
    pub fn message_zh(&self) -> String {
        match self {
            PhotoError::FileTooLarge { bytes, limit } => format!(
                "照片文件过大（{:.1} MB），上限为 {:.0} MB，请降低相机分辨率后重拍",
                *bytes as f64 / 1_048_576.0,
                *limit as f64 / 1_048_576.0
            ),
            PhotoError::TooManyPixels { pixels, limit } => format!(
                "照片像素过多（{:.1} 百万像素），上限为 {:.0} 百万像素",
                *pixels as f64 / 1e6,
                *limit as f64 / 1e6
            ),
            PhotoError::DecompressionBomb { .. } => {
                "照片文件异常（疑似解压炸弹），已拒绝".to_string()
            }
            PhotoError::UnsupportedFormat => "不支持的照片格式，仅支持 JPEG 或 PNG".to_string(),
            PhotoError::Undecodable => "照片已损坏，无法读取，请重拍".to_string(),
            PhotoError::InvalidOptions(_) => "照片处理参数无效".to_string(),
            PhotoError::FontUnreadable => "水印字体无法读取".to_string(),
            PhotoError::FontMissingGlyphs { missing } => {
                format!("水印字体缺少 {missing} 个字符的字形，请使用中文字体")
            }
            PhotoError::EncodeFailed => "照片编码失败".to_string(),
        }
    }

    /// The message in English (the same as `Display`).
    pub fn message_en(&self) -> String {
        self.to_string()
    }
}
