//! Photo-like camera images made from a seed, for the demo's simulated phones,
//! tests and benchmarks: gradients, a brick texture and noise, so that they
//! compress like a photograph rather than a flat colour.

use crate::photo::encode_jpeg;
use crate::raster::RgbImage;

/// A `width`×`height` camera JPEG at quality 92, the same bytes for the same seed.
/// Noisier seeds are not a thing: every seed gives similar content and size.
pub fn camera_jpeg(seed: u64, width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state % 28) as u32;
            let brick = if (x / 40 + (y / 20) % 2) % 2 == 0 {
                24
            } else {
                0
            };
            data.push((x * 160 / width.max(1) + noise + brick) as u8);
            data.push((y * 160 / height.max(1) + noise) as u8);
            data.push((70 + noise + (seed % 50) as u32) as u8);
        }
    }
    let image = RgbImage::new(width, height, data).expect("the buffer matches the size");
    encode_jpeg(&image, 92).expect("an in-memory RGB image encodes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_photo_and_others_differ() {
        let a = camera_jpeg(1, 320, 240);
        assert_eq!(a, camera_jpeg(1, 320, 240));
        assert_ne!(a, camera_jpeg(2, 320, 240));
        assert!(a.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(
            a.len() > 10_000,
            "photo-like content does not compress to nothing"
        );
    }
}
