//! A guard against decompression bombs: an `.xlsx` is a zip archive, and a
//! few megabytes of it can inflate to gigabytes of sheet XML, which calamine
//! would parse whole before any row limit is checked. [`check`] looks at the
//! archive before calamine opens it.

use std::io::{self, Cursor, Read};

use super::ledger_rows::LedgerError;

/// The most a workbook's parts may inflate to, all together.
pub const MAX_UNPACKED_BYTES: u64 = 50 * 1024 * 1024;

/// Refuses a workbook whose parts inflate past [`MAX_UNPACKED_BYTES`]
/// ([`LedgerError::TooLargeUnpacked`]) and one that is not a zip archive
/// ([`LedgerError::NotXlsx`]). Promises: at most [`MAX_UNPACKED_BYTES`] (and
/// one byte) are ever inflated, whatever sizes the archive declares.
pub fn check(bytes: &[u8]) -> Result<(), LedgerError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| LedgerError::NotXlsx)?;
    // The central directory's sizes: an honest bomb is refused unopened.
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| LedgerError::NotXlsx)?;
        declared = declared.saturating_add(part.size());
    }
    if declared > MAX_UNPACKED_BYTES {
        return Err(LedgerError::TooLargeUnpacked);
    }
    // Declared sizes can lie: count what the parts really inflate to.
    let mut left = MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| LedgerError::NotXlsx)?;
        let inflated = io::copy(&mut part.take(left + 1), &mut io::sink())
            .map_err(|_| LedgerError::NotXlsx)?;
        left = left
            .checked_sub(inflated)
            .ok_or(LedgerError::TooLargeUnpacked)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A zip of one part of `size` spaces, deflated.
    fn zip_of(size: u64) -> Vec<u8> {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(size > u64::from(u32::MAX));
        out.start_file("xl/worksheets/sheet1.xml", options)
            .expect("part");
        let chunk = vec![b' '; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len() as u64);
            out.write_all(&chunk[..n as usize]).expect("write");
            left -= n;
        }
        out.finish().expect("zip").into_inner()
    }

    #[test]
    fn a_workbook_within_the_cap_passes() {
        assert_eq!(check(&zip_of(1024)), Ok(()));
    }

    #[test]
    fn a_part_that_inflates_past_the_cap_is_refused() {
        let bomb = zip_of(MAX_UNPACKED_BYTES + 1);
        assert!(bomb.len() < 1024 * 1024, "small on the wire");
        assert_eq!(check(&bomb), Err(LedgerError::TooLargeUnpacked));
    }

    #[test]
    fn what_is_not_a_zip_is_not_a_workbook() {
        assert_eq!(check(b"name,id\n"), Err(LedgerError::NotXlsx));
    }
}
