//! Weights: percentages with at most two decimals, held as integer hundredths of a percent.
//!
//! Invariant: a `Weight` is never negative and never carries more than two decimals, so the
//! check that a group sums to exactly 100% is an integer comparison (`10_000` hundredths),
//! never a float comparison. Writing a weight back gives what was written (`25`, `12.5`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One hundred percent, in hundredths of a percent.
pub const FULL: i64 = 10_000;

/// A weight in hundredths of a percent: `Weight(1250)` is 12.5%.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(pub i64);

impl Weight {
    pub const ZERO: Weight = Weight(0);
    pub const HUNDRED: Weight = Weight(FULL);

    /// The weight as a fraction of the whole: 12.5% is 0.125.
    pub fn fraction(self) -> f64 {
        self.0 as f64 / FULL as f64
    }

    /// The weight in percent: 12.5% is 12.5.
    pub fn percent(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Parses what a user typed ("12.5", "25", " 7.25 %") into a weight, or says why not.
    pub fn parse(text: &str) -> Result<Weight, String> {
        let t = text.trim().trim_end_matches('%').trim();
        if t.is_empty() {
            return Err("a weight is a number from 0 to 100".into());
        }
        let v: f64 = t
            .parse()
            .map_err(|_| format!("'{t}' is not a number: a weight is a number from 0 to 100"))?;
        Weight::from_percent(v)
    }

    /// A weight from a percentage, refusing negatives, more than 100, and a third decimal.
    pub fn from_percent(v: f64) -> Result<Weight, String> {
        if !v.is_finite() {
            return Err("a weight must be a finite number".into());
        }
        if v < 0.0 {
            return Err(format!(
                "weight {} is negative: weights are 0 to 100",
                fmt_num(v)
            ));
        }
        if v > 100.0 {
            return Err(format!("weight {} is over 100%", fmt_num(v)));
        }
        let hundredths = (v * 100.0).round();
        if (hundredths - v * 100.0).abs() > 1e-6 {
            return Err(format!(
                "weight {} has more than two decimals: write it like 12.5 or 12.25",
                fmt_num(v)
            ));
        }
        Ok(Weight(hundredths as i64))
    }
}

fn fmt_num(v: f64) -> String {
    let s = format!("{v}");
    s
}

impl fmt::Display for Weight {
    /// `25`, `12.5`, `12.25`: the shortest form that is exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (whole, frac) = (a / 100, a % 100);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else if frac % 10 == 0 {
            write!(f, "{sign}{whole}.{}", frac / 10)
        } else {
            write!(f, "{sign}{whole}.{frac:02}")
        }
    }
}

impl Serialize for Weight {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Weight;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a weight: a percentage from 0 to 100 with at most two decimals")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Weight, E> {
                Weight::from_percent(v as f64).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Weight, E> {
                Weight::from_percent(v as f64).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Weight, E> {
                Weight::from_percent(v).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Weight, E> {
                Weight::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A sum of weights, in hundredths, with the words a person reads ("92.5%: 7.5% left").
pub fn describe_sum(sum: i64) -> String {
    let total = Weight(sum);
    match sum.cmp(&FULL) {
        std::cmp::Ordering::Equal => "100%".to_string(),
        std::cmp::Ordering::Less => format!("{total}%: {}% left", Weight(FULL - sum)),
        std::cmp::Ordering::Greater => format!("{total}%: {}% over", Weight(sum - FULL)),
    }
}

/// Spreads what is left to 100% evenly over the weights (or takes the excess evenly), so that
/// they sum to exactly 100.00%. The last hundredths go to the first weights, one each.
pub fn balance_even(weights: &[Weight]) -> Vec<Weight> {
    let n = weights.len() as i64;
    if n == 0 {
        return Vec::new();
    }
    let sum: i64 = weights.iter().map(|w| w.0).sum();
    let mut out: Vec<i64> = weights.iter().map(|w| w.0).collect();
    let mut diff = FULL - sum;
    // Spread in rounds so that no weight goes below zero when taking away.
    while diff != 0 {
        let movable: Vec<usize> = (0..out.len()).filter(|&i| diff > 0 || out[i] > 0).collect();
        let m = movable.len() as i64;
        if m == 0 {
            break;
        }
        let share = diff / m;
        let mut rest = diff - share * m;
        for &i in &movable {
            let mut d = share;
            if rest > 0 {
                d += 1;
                rest -= 1;
            } else if rest < 0 {
                d -= 1;
                rest += 1;
            }
            let new = (out[i] + d).max(0);
            diff -= new - out[i];
            out[i] = new;
        }
    }
    out.into_iter().map(Weight).collect()
}

/// Scales the weights proportionally so that they sum to exactly 100.00%, by largest
/// remainder. All-zero weights are spread evenly.
pub fn balance_proportional(weights: &[Weight]) -> Vec<Weight> {
    if weights.is_empty() {
        return Vec::new();
    }
    if weights.iter().all(|w| w.0 == 0) {
        return balance_even(weights);
    }
    scale_to(weights, FULL)
}

/// Scales the weights proportionally so that they sum to exactly `total` hundredths, by
/// largest remainder: how a group makes room for a new member of weight `FULL - total`.
/// All-zero weights stay zero.
pub fn scale_to(weights: &[Weight], total: i64) -> Vec<Weight> {
    let sum: i64 = weights.iter().map(|w| w.0).sum();
    if sum <= 0 {
        return weights.to_vec();
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut sum_out = 0i64;
    for (i, w) in weights.iter().enumerate() {
        let exact = w.0 as i128 * total as i128;
        let q = (exact / sum as i128) as i64;
        let r = (exact % sum as i128) as i64;
        out.push(q);
        rems.push((r, i));
        sum_out += q;
    }
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total - sum_out;
    for (_, i) in rems {
        if left <= 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out.into_iter().map(Weight).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_as_written() {
        assert_eq!(Weight::parse("12.5"), Ok(Weight(1250)));
        assert_eq!(Weight::parse("25"), Ok(Weight(2500)));
        assert_eq!(Weight::parse(" 7.25 %"), Ok(Weight(725)));
        assert_eq!(Weight(1250).to_string(), "12.5");
        assert_eq!(Weight(725).to_string(), "7.25");
        assert_eq!(Weight(2500).to_string(), "25");
        assert_eq!(Weight(5).to_string(), "0.05");
    }

    #[test]
    fn refuses_bad_weights() {
        assert!(Weight::parse("abc").unwrap_err().contains("not a number"));
        assert!(Weight::parse("-5").unwrap_err().contains("negative"));
        assert!(Weight::parse("120").unwrap_err().contains("over 100"));
        assert!(Weight::parse("1.234").unwrap_err().contains("two decimals"));
    }

    #[test]
    fn describes_sums() {
        assert_eq!(describe_sum(9250), "92.5%: 7.5% left");
        assert_eq!(describe_sum(10_500), "105%: 5% over");
        assert_eq!(describe_sum(10_000), "100%");
    }

    #[test]
    fn balance_even_spreads_the_remainder() {
        // 30/30/30 leaves 10%: 3.34 + 3.33 + 3.33.
        let w = balance_even(&[Weight(3000), Weight(3000), Weight(3000)]);
        assert_eq!(w, vec![Weight(3334), Weight(3333), Weight(3333)]);
        assert_eq!(w.iter().map(|w| w.0).sum::<i64>(), FULL);
        // Taking away never goes below zero: 90 + 30 takes 20 away, 10 each.
        let w = balance_even(&[Weight(9000), Weight(3000)]);
        assert_eq!(w, vec![Weight(8000), Weight(2000)]);
        let w = balance_even(&[Weight(10_000), Weight(500)]);
        assert_eq!(w.iter().map(|w| w.0).sum::<i64>(), FULL);
        assert!(w.iter().all(|w| w.0 >= 0));
    }

    #[test]
    fn balance_proportional_keeps_ratios() {
        // 20/20/40 scales to 25/25/50.
        let w = balance_proportional(&[Weight(2000), Weight(2000), Weight(4000)]);
        assert_eq!(w, vec![Weight(2500), Weight(2500), Weight(5000)]);
        let w = balance_proportional(&[Weight(1), Weight(1), Weight(1)]);
        assert_eq!(w.iter().map(|w| w.0).sum::<i64>(), FULL);
    }
}
