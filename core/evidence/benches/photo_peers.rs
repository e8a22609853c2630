//! Doorstep's photo pipeline against its peers, side by side on the same files.
//!
//! Run with `scripts/bench-photo.sh` (installs the peers, then runs
//! `cargo bench -p doorstep-evidence --bench photo_peers`). It generates realistic 12-megapixel
//! camera JPEGs (photo-like: gradients, texture, sensor noise; 3–5 MB at quality 92, 4:2:0,
//! with an EXIF orientation), then runs on each file:
//!
//! - Doorstep: orientation, 1600 px, quality 82, metadata stripped, 320 px thumbnail, SHA-256;
//! - ImageMagick: `/usr/bin/convert IN -auto-orient -resize 1600x1600 -quality 82 -strip OUT`;
//! - Pillow with draft mode (`Image.draft` then `thumbnail`), timed inside Python;
//! - the floor: `djpeg -scale 1/2 IN | cjpeg -quality 82 > OUT`.
//!
//! Every tool runs in its own child process under `/usr/bin/time` so peak memory (max RSS) is
//! measured the same way for all. Doorstep and Pillow are timed inside their process on a second,
//! warm run of the photo (no interpreter start-up counted); ImageMagick and djpeg/cjpeg are timed as whole commands,
//! which is how they are used. Rounds are interleaved across tools; each figure is the median
//! of the rounds.
//!
//! Environment: `BENCH_PHOTOS` (default 5), `BENCH_ROUNDS` (default 3), `BENCH_DIR` (default a
//! directory under the target dir).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use doorstep_evidence::photo::{PhotoOptions, process_photo};

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child-doorstep") {
        return child_doorstep(&args[pos + 1..]);
    }
    run(&args[0])
}

/// Processes each file `rounds` times and prints one line per file: the per-round milliseconds.
fn child_doorstep(args: &[String]) -> Result<(), BoxError> {
    let rounds: usize = args.first().ok_or("rounds")?.parse()?;
    let out_dir = PathBuf::from(args.get(1).ok_or("out dir")?);
    let options = PhotoOptions::default();
    for file in &args[2..] {
        let mut times = Vec::new();
        for _ in 0..rounds {
            let start = Instant::now();
            let bytes = std::fs::read(file)?;
            let photo = process_photo(&bytes, &options, None)?;
            let name = Path::new(file)
                .file_stem()
                .ok_or("name")?
                .to_string_lossy()
                .to_string();
            std::fs::write(out_dir.join(format!("{name}-doorstep.jpg")), &photo.jpeg)?;
            if let Some(t) = &photo.thumbnail {
                std::fs::write(out_dir.join(format!("{name}-doorstep-thumb.jpg")), &t.jpeg)?;
            }
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "{}",
            times
                .iter()
                .map(|t| format!("{t:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}

const PILLOW: &str = r#"
import sys, time
from PIL import Image, ImageOps
rounds = int(sys.argv[1]); out = sys.argv[2]
for f in sys.argv[3:]:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        im = Image.open(f)
        # Ask for the exact target size so draft picks the largest DCT reduction (1/2 here);
        # draft((1600, 1600)) would pick none for a 4:3 photo.
        w, h = im.size
        s = 1600 / max(w, h)
        im.draft("RGB", (round(w * s), round(h * s)))
        im = ImageOps.exif_transpose(im)
        im.thumbnail((1600, 1600))
        im.save(out + "/" + f.rsplit("/", 1)[-1][:-4] + "-pillow.jpg", quality=82)
        times.append((time.perf_counter() - t) * 1000)
    print(" ".join("%.3f" % x for x in times))
"#;

struct Measured {
    per_photo_ms: Vec<f64>,
    peak_kib: u64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `cmd` under /usr/bin/time, returning its stdout and max RSS in KiB.
fn timed(cmd: &mut Command, dir: &Path) -> Result<(String, u64), BoxError> {
    let rss_file = dir.join("rss.txt");
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(cmd.get_program());
    wrapped.args(cmd.get_args());
    let out = wrapped.output()?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let rss: u64 = std::fs::read_to_string(&rss_file)?
        .trim()
        .lines()
        .last()
        .ok_or("no rss")?
        .parse()?;
    Ok((String::from_utf8(out.stdout)?, rss))
}

/// The last per-round time a child printed: the in-process children run each photo twice and
/// the second, warm run is kept (no lazy plugin loading, page-faulting allocator or CPU-feature
/// detection counted for either Doorstep or Pillow).
fn warm_time(stdout: &str) -> Result<f64, BoxError> {
    Ok(stdout
        .split_whitespace()
        .last()
        .ok_or("child printed no time")?
        .parse()?)
}

/// Runs a whole command under /usr/bin/time: wall milliseconds and max RSS in KiB.
fn whole_command(cmd: &mut Command, dir: &Path) -> Result<(f64, u64), BoxError> {
    let start = Instant::now();
    let (_, rss) = timed(cmd, dir)?;
    Ok((start.elapsed().as_secs_f64() * 1000.0, rss))
}

fn run(self_exe: &str) -> Result<(), BoxError> {
    let photos: usize = std::env::var("BENCH_PHOTOS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = match std::env::var("BENCH_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-photo"),
    };
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir)?;

    let mut files = Vec::new();
    for i in 0..photos {
        let path = dir.join(format!("photo{i}.jpg"));
        if !path.exists() {
            std::fs::write(
                &path,
                synth::camera_jpeg(4000, 3000, i as u64 + 1, if i % 2 == 0 { 1 } else { 6 })?,
            )?;
        }
        files.push(path);
    }
    println!("photos: {} × 4000×3000 (12 MP)", files.len());
    for f in &files {
        println!(
            "  {} {:.2} MB",
            f.display(),
            std::fs::metadata(f)?.len() as f64 / 1e6
        );
    }
    println!("rounds per photo: {rounds} (median reported)\n");

    // Rounds are interleaved (every tool on a photo, then the next photo, then the next round)
    // so that load from anything else on the machine falls on all tools alike.
    let tools = ["doorstep", "magick", "pillow", "floor"];
    let mut times: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); files.len()]; tools.len()];
    let mut peaks = [0u64; 4];
    for _ in 0..rounds {
        for (i, f) in files.iter().enumerate() {
            for (t, tool) in tools.iter().enumerate() {
                let file = f.display().to_string();
                let (ms, rss) = match *tool {
                    "doorstep" => {
                        let mut cmd = Command::new(self_exe);
                        cmd.arg("--child-doorstep")
                            .arg("2")
                            .arg(&out_dir)
                            .arg(&file);
                        let (stdout, rss) = timed(&mut cmd, &dir)?;
                        (warm_time(&stdout)?, rss)
                    }
                    "pillow" => {
                        let mut cmd = Command::new("/usr/bin/python3");
                        cmd.arg("-c").arg(PILLOW).arg("2").arg(&out_dir).arg(&file);
                        let (stdout, rss) = timed(&mut cmd, &dir)?;
                        (warm_time(&stdout)?, rss)
                    }
                    "magick" => {
                        let mut c = Command::new("/usr/bin/convert");
                        c.arg(f).args([
                            "-auto-orient",
                            "-resize",
                            "1600x1600",
                            "-quality",
                            "82",
                            "-strip",
                        ]);
                        c.arg(out_dir.join(format!("{}-magick.jpg", stem(f))));
                        whole_command(&mut c, &dir)?
                    }
                    _ => {
                        let mut c = Command::new("/bin/sh");
                        c.arg("-c").arg(format!(
                            "djpeg -scale 1/2 '{}' | cjpeg -quality 82 > '{}'",
                            file,
                            out_dir.join(format!("{}-floor.jpg", stem(f))).display()
                        ));
                        whole_command(&mut c, &dir)?
                    }
                };
                times[t][i].push(ms);
                peaks[t] = peaks[t].max(rss);
            }
        }
    }
    let measured: Vec<Measured> = times
        .into_iter()
        .zip(peaks)
        .map(|(per_file, peak_kib)| Measured {
            per_photo_ms: per_file.into_iter().map(median).collect(),
            peak_kib,
        })
        .collect();
    let [ours, magick, pillow, floor] = &measured[..] else {
        return Err("four tools".into());
    };

    let rows = [
        ("doorstep (in-process)", ours),
        ("imagemagick convert", magick),
        ("pillow draft (in-process)", pillow),
        ("djpeg 1/2 | cjpeg (floor)", floor),
    ];
    print!("{:<28}", "per-photo ms");
    for i in 0..files.len() {
        print!("{:>10}", format!("photo{i}"));
    }
    println!("{:>10}{:>12}", "median", "peak MiB");
    for (name, m) in rows {
        print!("{name:<28}");
        for t in &m.per_photo_ms {
            print!("{t:>10.1}");
        }
        println!(
            "{:>10.1}{:>12.1}",
            median(m.per_photo_ms.clone()),
            m.peak_kib as f64 / 1024.0
        );
    }
    let ours_ms = median(ours.per_photo_ms.clone());
    println!();
    println!(
        "imagemagick / doorstep : {:.2}× (target ≥ 5)",
        median(magick.per_photo_ms.clone()) / ours_ms
    );
    println!(
        "pillow / doorstep      : {:.2}× (target > 1)",
        median(pillow.per_photo_ms.clone()) / ours_ms
    );
    println!(
        "doorstep / floor       : {:.2}× (target ≤ 1.5)",
        ours_ms / median(floor.per_photo_ms.clone())
    );
    println!(
        "doorstep peak memory   : {:.1} MiB (target < 64)",
        ours.peak_kib as f64 / 1024.0
    );
    Ok(())
}

fn stem(f: &Path) -> String {
    f.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
}

mod synth {
    //! Photo-like test images: a sky gradient over textured ground, a few hard-edged objects,
    //! value-noise texture at several scales, and per-pixel sensor noise.

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn noise(&mut self, amplitude: i32) -> i32 {
            (self.next() % (2 * amplitude as u64 + 1)) as i32 - amplitude
        }
    }

    fn lattice(seed: u64, x: i64, y: i64) -> f32 {
        let mut h = seed
            ^ (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        h ^= h >> 31;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 29;
        (h & 0xFFFF) as f32 / 65535.0
    }

    fn value_noise(seed: u64, x: f32, y: f32) -> f32 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
        let (ix, iy) = (x0 as i64, y0 as i64);
        let a = lattice(seed, ix, iy);
        let b = lattice(seed, ix + 1, iy);
        let c = lattice(seed, ix, iy + 1);
        let d = lattice(seed, ix + 1, iy + 1);
        (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy
    }

    /// A `width × height` camera-like JPEG (quality 92, 4:2:0) with an EXIF block carrying
    /// `orientation` and camera-ish tags.
    pub fn camera_jpeg(
        width: u16,
        height: u16,
        seed: u64,
        orientation: u16,
    ) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
        let (w, h) = (usize::from(width), usize::from(height));
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let mut data = vec![0u8; w * h * 3];
        let horizon = h as f32 * (0.35 + 0.1 * lattice(seed, 1, 1));
        for y in 0..h {
            for x in 0..w {
                let (fx, fy) = (x as f32, y as f32);
                let texture = value_noise(seed, fx / 180.0, fy / 180.0) * 0.5
                    + value_noise(seed + 1, fx / 40.0, fy / 40.0) * 0.3
                    + value_noise(seed + 2, fx / 6.0, fy / 6.0) * 0.2;
                let (mut r, mut g, mut b) = if fy < horizon {
                    let t = fy / horizon;
                    (
                        90.0 + 80.0 * t + 30.0 * texture,
                        140.0 + 60.0 * t + 20.0 * texture,
                        220.0 - 20.0 * t,
                    )
                } else {
                    let t = (fy - horizon) / (h as f32 - horizon);
                    (
                        110.0 + 90.0 * texture - 30.0 * t,
                        100.0 + 70.0 * texture,
                        70.0 + 50.0 * texture,
                    )
                };
                // A building: hard edges and a window grid, like a door photo.
                if (w / 3..w / 3 + w / 4).contains(&x) && y > h / 5 {
                    let window = (x / 60) % 3 == 0 && (y / 80) % 2 == 0;
                    let shade = if window { 60.0 } else { 200.0 + 30.0 * texture };
                    (r, g, b) = (shade, shade * 0.95, shade * 0.9);
                }
                let n = rng.noise(9) as f32;
                let i = (y * w + x) * 3;
                data[i] = (r + n).clamp(0.0, 255.0) as u8;
                data[i + 1] = (g + n * 0.8).clamp(0.0, 255.0) as u8;
                data[i + 2] = (b + n * 1.1).clamp(0.0, 255.0) as u8;
            }
        }
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        encoder.add_exif_metadata(&exif_block(orientation))?;
        encoder.encode(&data, width, height, jpeg_encoder::ColorType::Rgb)?;
        Ok(out)
    }

    /// A little-endian TIFF block with Orientation, Make and Model in IFD0.
    fn exif_block(orientation: u16) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend_from_slice(&8u32.to_le_bytes());
        let entries: u16 = 3;
        t.extend_from_slice(&entries.to_le_bytes());
        let strings_at = 8 + 2 + 12 * u32::from(entries) + 4;
        let make = b"Doorstep\0";
        let model = b"Bench Camera\0";
        // Make (ASCII)
        t.extend_from_slice(&0x010Fu16.to_le_bytes());
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&(make.len() as u32).to_le_bytes());
        t.extend_from_slice(&strings_at.to_le_bytes());
        // Model (ASCII)
        t.extend_from_slice(&0x0110u16.to_le_bytes());
        t.extend_from_slice(&2u16.to_le_bytes());
        t.extend_from_slice(&(model.len() as u32).to_le_bytes());
        t.extend_from_slice(&(strings_at + make.len() as u32).to_le_bytes());
        // Orientation (SHORT)
        t.extend_from_slice(&0x0112u16.to_le_bytes());
        t.extend_from_slice(&3u16.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&orientation.to_le_bytes());
        t.extend_from_slice(&[0, 0]);
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(make);
        t.extend_from_slice(model);
        t
    }
}
