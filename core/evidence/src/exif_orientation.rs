//! Reading a photo's EXIF orientation: tolerant of the quirks writers leave in the rest of the
//! block, strict about the orientation itself.
//!
//! Phones, cameras and tools write EXIF blocks that a strict TIFF reader refuses for reasons
//! that have nothing to do with the orientation: a GPS or Exif sub-directory whose "next
//! directory" link is not zero (piexif writes no link at all, so the reader finds the bytes that
//! follow; some cameras point it elsewhere), a sub-directory cut off at the end of the block, a
//! maker note whose offsets point nowhere. ExifTool, Pillow and browsers show such photos
//! upright, and so must the pipeline. The orientation is read:
//! 1. by `kamadak-exif` in continue-on-error mode, which keeps every field it could read and
//!    skips the directories it could not;
//! 2. when that refuses the whole block (its TIFF header is damaged), straight from the first
//!    directory (IFD0), provided the byte order and the directory's place can be read.
//!
//! Only an unsigned integer 1–8 (a SHORT as the standard says, or a BYTE or LONG, which say the
//! same) in an Orientation entry of the first directory counts; if damage left two such entries
//! that disagree, neither counts. No entry, an entry of another type, a value outside 1–8 or a
//! disagreement is an unknown orientation, and an unknown orientation leaves the photo as it was
//! stored: a rotation is never guessed.

/// The Orientation tag of IFD0.
const ORIENTATION: u16 = 0x0112;

/// The orientation value (1–8) in the first directory of a TIFF-structured EXIF block (an APP1
/// payload after `Exif\0\0`, or a PNG `eXIf` chunk), or `None` when it cannot be read.
///
/// Never panics, whatever the bytes.
pub(crate) fn orientation_value(tiff: &[u8]) -> Option<u16> {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let fields = reader
        .read_raw(tiff.to_vec())
        .or_else(|e| e.distill_partial_result(|_skipped| {}));
    match fields {
        Ok(exif) => agreed(
            exif.fields()
                .filter(|f| f.tag == exif::Tag::Orientation && f.ifd_num == exif::In::PRIMARY)
                .map(|f| match f.value {
                    exif::Value::Byte(_) | exif::Value::Short(_) | exif::Value::Long(_) => {
                        f.value.get_uint(0)
                    }
                    _ => None,
                }),
        ),
        Err(_) => agreed(first_directory_orientations(tiff)?),
    }
}

/// The one valid value (1–8) among the readings of the Orientation entries, or `None` when
/// there is none or they disagree.
fn agreed(readings: impl IntoIterator<Item = Option<u32>>) -> Option<u16> {
    let mut valid = readings
        .into_iter()
        .flatten()
        .filter_map(|value| u16::try_from(value).ok())
        .filter(|value| (1..=8).contains(value));
    let first = valid.next()?;
    valid.all(|value| value == first).then_some(first)
}

/// Reads the Orientation entries of IFD0 without the rest of the block: the byte order and the
/// first directory's offset from the header (its "42" is not required), then each of the
/// directory's declared entries that lies inside the block. Each entry reads as its first
/// value when it is a BYTE, SHORT or LONG with a count of at least one, else as `None`. `None`
/// overall when the byte order or the directory cannot be read.
fn first_directory_orientations(tiff: &[u8]) -> Option<Vec<Option<u32>>> {
    let little_endian = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let bytes = |at: usize, n: usize| tiff.get(at..at.checked_add(n)?);
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = bytes(at, 2)?.try_into().ok()?;
        Some(if little_endian {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = bytes(at, 4)?.try_into().ok()?;
        Some(if little_endian {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let first_value = |entry: usize| -> Option<u32> {
        let count = u32_at(entry + 4)?;
        let size: u64 = match u16_at(entry + 2)? {
            1 => 1,
            3 => 2,
            4 => 4,
            _ => return None,
        };
        // Values of four bytes or fewer sit in the entry; longer ones at the offset it holds.
        let at = match u64::from(count) * size {
            0 => return None,
            1..=4 => entry + 8,
            _ => usize::try_from(u32_at(entry + 8)?).ok()?,
        };
        match size {
            1 => bytes(at, 1).map(|b| u32::from(b[0])),
            2 => u16_at(at).map(u32::from),
            _ => u32_at(at),
        }
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd0)?);
    Some(
        (0..count)
            .map_while(|k| ifd0.checked_add(2)?.checked_add(k.checked_mul(12)?))
            .take_while(|&at| bytes(at, 12).is_some())
            .filter(|&at| u16_at(at) == Some(ORIENTATION))
            .map(first_value)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TIFF SHORT type, the Orientation entry's type in the standard.
    const SHORT: u16 = 3;

    /// A TIFF block whose IFD0 holds `entries` (tag, type, count, 4 value bytes) and links to
    /// nothing, followed by `tail`.
    fn block(little_endian: bool, entries: &[(u16, u16, u32, [u8; 4])], tail: &[u8]) -> Vec<u8> {
        let u16b = |v: u16| {
            if little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let u32b = |v: u32| {
            if little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut t = if little_endian {
            b"II".to_vec()
        } else {
            b"MM".to_vec()
        };
        t.extend_from_slice(&u16b(42));
        t.extend_from_slice(&u32b(8));
        t.extend_from_slice(&u16b(u16::try_from(entries.len()).unwrap()));
        for &(tag, ty, count, value) in entries {
            t.extend_from_slice(&u16b(tag));
            t.extend_from_slice(&u16b(ty));
            t.extend_from_slice(&u32b(count));
            t.extend_from_slice(&value);
        }
        t.extend_from_slice(&u32b(0));
        t.extend_from_slice(tail);
        t
    }

    fn short(value: u16, little_endian: bool) -> [u8; 4] {
        let b = if little_endian {
            value.to_le_bytes()
        } else {
            value.to_be_bytes()
        };
        [b[0], b[1], 0, 0]
    }

    #[test]
    fn a_gps_directory_with_a_next_link_does_not_hide_the_orientation() {
        for le in [true, false] {
            // IFD0: Orientation 6 and a GPS pointer to offset 38, where a GPS directory with
            // one entry links on to offset 8 (IFD0 again), as some cameras write it.
            let gps_at: u32 = 8 + 2 + 2 * 12 + 4;
            let gps_ptr = if le {
                gps_at.to_le_bytes()
            } else {
                gps_at.to_be_bytes()
            };
            let mut gps = Vec::new();
            let put16 = |v: u16, out: &mut Vec<u8>| {
                out.extend_from_slice(&if le { v.to_le_bytes() } else { v.to_be_bytes() })
            };
            put16(1, &mut gps);
            put16(0x0001, &mut gps);
            put16(2, &mut gps);
            gps.extend_from_slice(&if le {
                2u32.to_le_bytes()
            } else {
                2u32.to_be_bytes()
            });
            gps.extend_from_slice(b"N\0\0\0");
            gps.extend_from_slice(&if le {
                8u32.to_le_bytes()
            } else {
                8u32.to_be_bytes()
            });
            let tiff = block(
                le,
                &[
                    (ORIENTATION, SHORT, 1, short(6, le)),
                    (0x8825, 4, 1, gps_ptr),
                ],
                &gps,
            );
            assert!(exif::Reader::new().read_raw(tiff.clone()).is_err());
            assert_eq!(orientation_value(&tiff), Some(6), "little-endian: {le}");
        }
    }

    #[test]
    fn a_damaged_header_falls_back_to_the_first_directory() {
        for le in [true, false] {
            let mut tiff = block(le, &[(ORIENTATION, SHORT, 1, short(8, le))], &[]);
            tiff[2] ^= 0x55;
            assert_eq!(orientation_value(&tiff), Some(8), "little-endian: {le}");
        }
    }

    /// The orientation as the fallback reads it, without the library.
    fn from_first_directory(tiff: &[u8]) -> Option<u16> {
        agreed(first_directory_orientations(tiff)?)
    }

    #[test]
    fn the_first_directory_counts_only_an_unsigned_integer_from_one_to_eight() {
        let le = true;
        let cases = [
            (ORIENTATION, SHORT, 1, short(3, le), Some(3)),
            (ORIENTATION, SHORT, 2, short(5, le), Some(5)),
            (ORIENTATION, 4, 1, 7u32.to_le_bytes(), Some(7)),
            (ORIENTATION, 1, 1, [2, 0, 0, 0], Some(2)),
            (ORIENTATION, SHORT, 1, short(0, le), None),
            (ORIENTATION, SHORT, 1, short(9, le), None),
            (ORIENTATION, SHORT, 0, short(6, le), None),
            (ORIENTATION, 8, 1, short(6, le), None),
            (ORIENTATION, 2, 2, *b"6\0\0\0", None),
            (0x0110, SHORT, 1, short(6, le), None),
        ];
        for (tag, ty, count, value, expected) in cases {
            let tiff = block(le, &[(tag, ty, count, value)], &[]);
            assert_eq!(
                from_first_directory(&tiff),
                expected,
                "{tag:x} {ty} {count}"
            );
            assert_eq!(orientation_value(&tiff), expected, "{tag:x} {ty} {count}");
        }
    }

    #[test]
    fn two_orientation_entries_count_only_when_they_agree() {
        let le = false;
        let garbage = (ORIENTATION, 2, 4, *b"abc\0");
        let six = (ORIENTATION, SHORT, 1, short(6, le));
        let eight = (ORIENTATION, SHORT, 1, short(8, le));
        for (entries, expected) in [
            ([garbage, six], Some(6)),
            ([six, garbage], Some(6)),
            ([six, six], Some(6)),
            ([six, eight], None),
        ] {
            let mut tiff = block(le, &entries, &[]);
            assert_eq!(orientation_value(&tiff), expected, "{entries:?}");
            tiff[3] = 0;
            assert_eq!(orientation_value(&tiff), expected, "{entries:?}, no 42");
        }
    }

    #[test]
    fn blocks_too_short_or_pointing_outside_read_as_unknown() {
        let tiff = block(false, &[(ORIENTATION, SHORT, 1, short(6, false))], &[]);
        for len in 0..tiff.len() - 4 {
            let cut = &tiff[..len];
            // Cut inside the Orientation entry or before it: nothing is read.
            assert_eq!(from_first_directory(cut), None, "cut at {len}");
            assert_eq!(orientation_value(cut), None, "cut at {len}");
        }
        let mut far = tiff.clone();
        far[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(from_first_directory(&far), None);
        let mut long_value = tiff.clone();
        // A SHORT with 3 values is stored at an offset; this one points outside the block.
        long_value[14..18].copy_from_slice(&3u32.to_be_bytes());
        long_value[18..22].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(from_first_directory(&long_value), None);
        let mut many = tiff;
        many[8..10].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(from_first_directory(&many), Some(6));
    }
}
