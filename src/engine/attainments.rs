//! A signal's attainment column, held as narrow as its values allow.
//!
//! Most attainment columns have few distinct values: a `match` on a category has one per
//! listed value, a flag or `present` two, a `scale` over a count one per count, and even a decay
//! from a date one per (value, day) pair. Such a column is held as a code a row (one byte up to
//! 256 distinct values, two up to 65,536) into a table of the exact `f64` values, instead of 8
//! bytes a row: a 1M-contact preview's 15 attainment columns fall from 120 MB to about 20 MB.
//! Reading row `i` gives the very same `f64` (the table holds its bits), so every sum, score
//! and explanation is unchanged; a column of more distinct values stays dense.
//!
//! Rows are read with `a[i]` or `get(i)` (as a slice is), and the fused scoring pass adds a
//! weighted block with [`Attainments::add_weighted`].

use std::ops::Index;

/// The largest table a column is coded into; a column of more distinct values stays dense.
const MAX_WIDE: usize = 1 << 16;

/// An attainment for every row.
#[derive(Clone, Debug, PartialEq)]
pub enum Attainments {
    Dense(Vec<f64>),
    /// `values[codes[i]]`: 256 values (the unused ones 0), so a byte always indexes in range.
    Narrow {
        codes: Vec<u8>,
        values: Box<[f64; 256]>,
    },
    /// `values[codes[i]]`, at most 65,536 values.
    Wide {
        codes: Vec<u16>,
        values: Vec<f64>,
    },
}

impl Default for Attainments {
    fn default() -> Attainments {
        Attainments::Dense(Vec::new())
    }
}

/// Distinct values seen so far, by their bits: an open-addressing table (a multiplicative hash
/// of the bits), far cheaper per row than a `HashMap` with SipHash, which would cost more than
/// the kernel that made the column.
struct Distinct {
    slots: Vec<u32>,
    values: Vec<f64>,
    mask: usize,
}

const EMPTY: u32 = u32::MAX;

impl Distinct {
    /// A table for a column of `rows` values: twice the most values it can keep (at most
    /// `rows`, at most `MAX_WIDE`), so it stays at most half full.
    fn new(rows: usize) -> Distinct {
        let size = (2 * rows.min(MAX_WIDE)).next_power_of_two().max(16);
        Distinct {
            slots: vec![EMPTY; size],
            values: Vec::new(),
            mask: size - 1,
        }
    }

    /// The code of `v`, given a new one when it is new; `None` when the table is full.
    fn code(&mut self, v: f64) -> Option<u32> {
        let bits = v.to_bits();
        let mut i = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 47) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                if self.values.len() >= MAX_WIDE {
                    return None;
                }
                let code = self.values.len() as u32;
                self.slots[i] = code;
                self.values.push(v);
                return Some(code);
            }
            if self.values[s as usize].to_bits() == bits {
                return Some(s);
            }
            i = (i + 1) & self.mask;
        }
    }
}

impl Attainments {
    /// The column, coded when it has at most 65,536 distinct values (by bits: `-0.0` and `0.0`
    /// are two values, so each row reads back exactly what it was).
    pub fn compact(v: Vec<f64>) -> Attainments {
        Attainments::code(&v).unwrap_or(Attainments::Dense(v))
    }

    /// The column coded, or `None` when it has more than 65,536 distinct values.
    pub fn code(v: &[f64]) -> Option<Attainments> {
        let mut seen = Distinct::new(v.len());
        let mut codes: Vec<u16> = Vec::with_capacity(v.len());
        // The last value and its code: runs of one value (most rows of a sparse signal) skip the
        // table.
        let mut last: Option<(u64, u16)> = None;
        for &x in v {
            let bits = x.to_bits();
            let code = match last {
                Some((b, c)) if b == bits => c,
                _ => match seen.code(x) {
                    Some(c) => {
                        // At most MAX_WIDE codes, so each fits in 16 bits.
                        let c = c as u16;
                        last = Some((bits, c));
                        c
                    }
                    None => return None,
                },
            };
            codes.push(code);
        }
        if seen.values.len() <= 256 {
            let mut values = Box::new([0.0; 256]);
            values[..seen.values.len()].copy_from_slice(&seen.values);
            Some(Attainments::Narrow {
                codes: codes.into_iter().map(|c| c as u8).collect(),
                values,
            })
        } else {
            Some(Attainments::Wide {
                codes,
                values: seen.values,
            })
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Attainments::Dense(v) => v.len(),
            Attainments::Narrow { codes, .. } => codes.len(),
            Attainments::Wide { codes, .. } => codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s attainment, `None` past the end (as a slice's `get`).
    pub fn get(&self, i: usize) -> Option<&f64> {
        match self {
            Attainments::Dense(v) => v.get(i),
            Attainments::Narrow { codes, values } => codes.get(i).map(|&c| &values[c as usize]),
            Attainments::Wide { codes, values } => {
                codes.get(i).and_then(|&c| values.get(c as usize))
            }
        }
    }

    /// Every row's attainment, as a plain column.
    pub fn to_vec(&self) -> Vec<f64> {
        match self {
            Attainments::Dense(v) => v.clone(),
            Attainments::Narrow { codes, values } => {
                codes.iter().map(|&c| values[c as usize]).collect()
            }
            Attainments::Wide { codes, values } => codes
                .iter()
                .map(|&c| values.get(c as usize).copied().unwrap_or(0.0))
                .collect(),
        }
    }

    /// The bytes the column holds (codes and table).
    pub fn bytes(&self) -> usize {
        match self {
            Attainments::Dense(v) => 8 * v.len(),
            Attainments::Narrow { codes, .. } => codes.len() + 8 * 256,
            Attainments::Wide { codes, values } => 2 * codes.len() + 8 * values.len(),
        }
    }

    /// `acc[k] += w * self[start + k]` for each `k` of `acc`: the same product and add as a
    /// dense column gives, so the same sums.
    pub fn add_weighted(&self, w: f64, start: usize, acc: &mut [f64]) {
        let end = start + acc.len();
        match self {
            Attainments::Dense(v) => {
                for (r, x) in acc.iter_mut().zip(&v[start..end]) {
                    *r += w * x;
                }
            }
            Attainments::Narrow { codes, values } => {
                // The products once per value, then one look-up a row: w * values[c] is the
                // very product a dense column would give.
                let mut by_code = [0.0f64; 256];
                for (p, v) in by_code.iter_mut().zip(values.iter()) {
                    *p = w * v;
                }
                for (r, &c) in acc.iter_mut().zip(&codes[start..end]) {
                    *r += by_code[c as usize];
                }
            }
            Attainments::Wide { codes, values } => {
                for (r, &c) in acc.iter_mut().zip(&codes[start..end]) {
                    *r += w * values.get(c as usize).copied().unwrap_or(0.0);
                }
            }
        }
    }
}

impl Index<usize> for Attainments {
    type Output = f64;
    fn index(&self, i: usize) -> &f64 {
        match self {
            Attainments::Dense(v) => &v[i],
            Attainments::Narrow { codes, values } => &values[codes[i] as usize],
            Attainments::Wide { codes, values } => &values[codes[i] as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_values_are_coded_in_a_byte_and_read_back_exactly() {
        let v = vec![0.5, 0.0, -0.0, 0.5, 1.0, f64::NAN, 0.1 + 0.2];
        let a = Attainments::compact(v.clone());
        let Attainments::Narrow { codes, .. } = &a else {
            panic!("{a:?}")
        };
        // Codes in the order values first show: 0.5, 0, -0, 0.5 again, 1, NaN, 0.30000000000000004.
        assert_eq!(codes, &[0, 1, 2, 0, 3, 4, 5]);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.to_vec()), bits(&v));
        assert_eq!(a[2].to_bits(), (-0.0f64).to_bits());
        assert_eq!(a.get(7), None);
        assert_eq!(a.len(), 7);
    }

    #[test]
    fn more_than_256_values_take_two_bytes_and_more_than_65536_stay_dense() {
        let v: Vec<f64> = (0..1000).map(|i| (i % 300) as f64 / 7.0).collect();
        let a = Attainments::compact(v.clone());
        assert!(matches!(a, Attainments::Wide { .. }));
        assert_eq!(a.to_vec(), v);
        assert_eq!(a.bytes(), 2 * 1000 + 8 * 300);
        let v: Vec<f64> = (0..70_000).map(|i| i as f64).collect();
        let a = Attainments::compact(v.clone());
        assert!(matches!(a, Attainments::Dense(_)));
        assert_eq!(a.to_vec(), v);
    }

    #[test]
    fn a_weighted_block_adds_what_a_dense_column_adds() {
        // 0.1 x 3 + 0.7 x 0.3 in f64, row by row, from the same start.
        let v: Vec<f64> = (0..50).map(|i| [0.3, 1.0 / 3.0, 0.0, 0.7][i % 4]).collect();
        for a in [
            Attainments::compact(v.clone()),
            Attainments::Dense(v.clone()),
            Attainments::Wide {
                codes: (0..50).map(|i| (i % 4) as u16).collect(),
                values: vec![0.3, 1.0 / 3.0, 0.0, 0.7],
            },
        ] {
            let mut acc = vec![0.1; 20];
            a.add_weighted(0.7, 10, &mut acc);
            let want: Vec<f64> = (10..30).map(|i| 0.1 + 0.7 * v[i]).collect();
            assert_eq!(acc, want);
        }
    }
}
