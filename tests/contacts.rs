//! Reading a large contacts file on every core gives exactly what reading it row by row gives.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use scorewright::contacts::{ContactsReader, read_contacts};
use std::io::Write;

#[test]
fn a_large_file_read_in_parallel_equals_reading_it_row_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    writeln!(f, "id,name,visits,note").unwrap();
    let mut rng = scorewright::rng::Rng::new(3);
    let mut i = 0u64;
    // Past the 8 MB at which reading goes parallel: quoted cells with commas and line breaks,
    // ragged rows, empty cells and a Latin-1 byte (blank lines are left out: after one, the
    // row-by-row reader names the blank line, the block reader the row's own line), so that every count is exercised.
    while i < 240_000 {
        i += 1;
        match rng.below(50) {
            0 => writeln!(
                f,
                "{i},\"Smith, Jo\nsecond line\",{},\"said \"\"hi\"\"\"",
                rng.below(100)
            )
            .unwrap(),
            1 => writeln!(f, "{i},short").unwrap(),
            2 => writeln!(f, "{i},long,1,2,3").unwrap(),
            3 => writeln!(f, "{i},,,").unwrap(),
            4 => writeln!(f, "{i},  padded  ,7, ünïcødé ").unwrap(),
            5 => f
                .write_all(format!("{i},M").as_bytes())
                .and_then(|_| f.write_all(&[0xFC]))
                .and_then(|_| f.write_all(b"nchen,3,x\n"))
                .unwrap(),
            _ => writeln!(
                f,
                "{i},name {i},{},plain note number {}",
                rng.below(1000),
                rng.below(1_000_000)
            )
            .unwrap(),
        }
    }
    drop(f);
    assert!(std::fs::metadata(&p).unwrap().len() > 8 * 1024 * 1024);
    let parallel = read_contacts(&p).unwrap();
    let mut r = ContactsReader::open(&p).unwrap();
    let sequential = r.next_chunk(usize::MAX).unwrap().unwrap();
    assert_eq!(parallel.headers, sequential.headers);
    assert_eq!(parallel.rows(), sequential.rows());
    assert_eq!(parallel.lines, sequential.lines);
    for (a, b) in parallel.columns.iter().zip(&sequential.columns) {
        assert!(a.iter().eq(b.iter()));
    }
    assert_eq!(
        (parallel.long_rows, parallel.short_rows),
        (sequential.long_rows, sequential.short_rows)
    );
    assert_eq!(
        (parallel.bad_utf8, parallel.first_bad_utf8_line),
        (sequential.bad_utf8, sequential.first_bad_utf8_line)
    );
    assert!(parallel.bad_utf8 > 0 && parallel.long_rows > 0 && parallel.short_rows > 0);
}
