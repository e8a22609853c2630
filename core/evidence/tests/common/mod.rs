//! Test photos: small JPEGs made in code with hand-written EXIF, XMP and comment segments, PNGs,
//! and the committed fixtures whose EXIF was written by other tools (piexif, Pillow).

#![allow(dead_code)]

/// A little-endian TIFF block: IFD0 with Make, Model, Orientation and a pointer to a GPS IFD
/// holding a latitude reference — enough personal metadata to prove it is stripped.
pub fn exif_tiff(orientation: Option<u16>) -> Vec<u8> {
    let make = b"PhoneMaker\0";
    let model = b"Field Phone 7\0";
    let mut entries: Vec<(u16, u16, u32, [u8; 4])> = Vec::new();
    // Values that do not fit in 4 bytes go after the IFDs; offsets are filled below.
    let n0 = 3 + u32::from(orientation.is_some());
    let ifd0_size = 2 + 12 * n0 + 4;
    let gps_at = 8 + ifd0_size;
    let gps_size = 2 + 12 + 4;
    let strings_at = gps_at + gps_size;
    entries.push((0x010F, 2, make.len() as u32, strings_at.to_le_bytes()));
    entries.push((
        0x0110,
        2,
        model.len() as u32,
        (strings_at + make.len() as u32).to_le_bytes(),
    ));
    if let Some(o) = orientation {
        let b = o.to_le_bytes();
        entries.push((0x0112, 3, 1, [b[0], b[1], 0, 0]));
    }
    entries.push((0x8825, 4, 1, gps_at.to_le_bytes()));

    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, value) in entries {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value);
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    // GPS IFD: GPSLatitudeRef = "N".
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&0x0001u16.to_le_bytes());
    t.extend_from_slice(&2u16.to_le_bytes());
    t.extend_from_slice(&2u32.to_le_bytes());
    t.extend_from_slice(&[b'N', 0, 0, 0]);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(make);
    t.extend_from_slice(model);
    t
}

/// Encodes RGB pixels as a camera-like JPEG: EXIF (with `orientation`), an XMP packet and a
/// comment segment.
pub fn camera_jpeg(
    width: u32,
    height: u32,
    rgb: &[u8],
    orientation: Option<u16>,
    quality: u8,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder
        .add_exif_metadata(&exif_tiff(orientation))
        .expect("exif fits");
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(
        b"<x:xmpmeta><rdf:Description exif:GPSLatitude=\"39,54.5N\"/></x:xmpmeta>",
    );
    encoder.add_app_segment(1, xmp).expect("xmp fits");
    encoder
        .encode(
            rgb,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("encodes");
    // Insert a COM segment right after SOI.
    let comment = b"taken at the door of household 42";
    let mut with_com = out[..2].to_vec();
    with_com.extend_from_slice(&[0xFF, 0xFE]);
    with_com.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    with_com.extend_from_slice(comment);
    with_com.extend_from_slice(&out[2..]);
    with_com
}

/// A flat image of one colour.
pub fn solid(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    rgb.repeat((width * height) as usize)
}

/// Paints an axis-aligned block.
pub fn paint(data: &mut [u8], width: u32, x0: u32, y0: u32, w: u32, h: u32, rgb: [u8; 3]) {
    for y in y0..y0 + h {
        for x in x0..x0 + w {
            let i = ((y * width + x) * 3) as usize;
            data[i..i + 3].copy_from_slice(&rgb);
        }
    }
}

/// Deterministic noisy texture, compressing like a photo rather than a flat colour.
pub fn noisy(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    let mut out = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let n = (s % 64) as u32;
            out.push(((x * 255 / width.max(1)) / 2 + n) as u8);
            out.push(((y * 255 / height.max(1)) / 2 + n) as u8);
            out.push((96 + n) as u8);
        }
    }
    out
}

/// Encodes a PNG of the given colour type from raw samples.
pub fn png_bytes(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(data).expect("data");
    }
    out
}

/// The marker bytes of every segment before the scan data of a JPEG.
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        i += 2 + len;
    }
    markers
}

/// Decodes a JPEG fully (test side, independent of the pipeline's scaled decoder settings).
pub fn decode_rgb(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let px = d.decode().expect("output decodes");
    let info = d.info().expect("info");
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
    (u32::from(info.width), u32::from(info.height), px)
}

/// Mean colour of a square of side `2r+1` centred on (cx, cy).
pub fn mean_rgb(width: u32, data: &[u8], cx: u32, cy: u32, r: u32) -> [f64; 3] {
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for y in cy - r..=cy + r {
        for x in cx - r..=cx + r {
            let i = ((y * width + x) * 3) as usize;
            for c in 0..3 {
                sum[c] += f64::from(data[i + c]);
            }
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

/// Where the TIFF block of a JPEG's EXIF segment (the APP1 payload after `Exif\0\0`) lies.
pub fn exif_tiff_range(jpeg: &[u8]) -> std::ops::Range<usize> {
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF && jpeg[i + 1] != 0xDA {
        let len = u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]) as usize;
        let payload = i + 4..i + 2 + len;
        if jpeg[i + 1] == 0xE1 && jpeg[payload.clone()].starts_with(b"Exif\0\0") {
            return payload.start + 6..payload.end;
        }
        i += 2 + len;
    }
    panic!("the JPEG has no EXIF segment");
}

/// The JPEG with its EXIF TIFF block replaced by `tiff` (and the segment length fixed), every
/// other byte unchanged.
pub fn with_exif_tiff(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let range = exif_tiff_range(jpeg);
    let segment_start = range.start - 6 - 4;
    let mut out = jpeg[..segment_start].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(tiff.len() + 8).expect("fits").to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[range.end..]);
    out
}

/// Where the first directory (IFD0) of an undamaged TIFF block sits, where its Orientation
/// entry sits, and the byte order.
#[derive(Debug, Clone, Copy)]
pub struct Ifd0Layout {
    pub little_endian: bool,
    pub ifd0: usize,
    pub orientation_entry: usize,
}

/// Walks an undamaged TIFF block the plain way (test side, independent of the pipeline).
pub fn ifd0_layout(tiff: &[u8]) -> Ifd0Layout {
    let little_endian = match &tiff[..2] {
        b"II" => true,
        b"MM" => false,
        _ => panic!("not a TIFF block"),
    };
    let u16_at = |i: usize| {
        let b = [tiff[i], tiff[i + 1]];
        if little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let u32_at = |i: usize| {
        let b = [tiff[i], tiff[i + 1], tiff[i + 2], tiff[i + 3]];
        if little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let ifd0 = u32_at(4) as usize;
    let count = usize::from(u16_at(ifd0));
    let orientation_entry = (0..count)
        .map(|k| ifd0 + 2 + 12 * k)
        .find(|&at| u16_at(at) == 0x0112)
        .expect("IFD0 has an Orientation entry");
    Ifd0Layout {
        little_endian,
        ifd0,
        orientation_entry,
    }
}

/// Every EXIF writer of the fixtures in `tests/fixtures/exif/` (made by
/// `tests/fixtures/make_exif_fixtures.py`), with what it is there to show.
pub const EXIF_WRITERS: [&str; 6] = [
    // Big-endian; sub-directories without a "next directory" link.
    "piexif",
    // The same with a thumbnail directory and a Nikon maker note.
    "piexif-thumb-makernote",
    // Little- and big-endian, well-formed.
    "pillow-le",
    "pillow-be",
    // Exif directory linking back to IFD0, GPS directory linking past the end.
    "pillow-le-broken-links",
    // A Canon-style maker note whose offsets point nowhere.
    "pillow-le-makernote",
];

/// The fixture JPEG of `writer` in EXIF `orientation`: a 48×64 portrait picture, red block
/// top-left and green block top-right as displayed, stored the way that orientation stores it.
pub fn exif_fixture(writer: &str, orientation: u16) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exif")
        .join(format!("{writer}-{orientation}.jpg"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
