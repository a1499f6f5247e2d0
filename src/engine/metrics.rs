//! Measures of how well scores separate a yes/no outcome: AUC and a one-variable logistic fit;
//! ranks and Spearman's rank correlation, by counting; and of what a rate means: the Wilson
//! interval of a proportion and the Brier score.

use std::sync::Arc;

/// The area under the ROC curve: the chance that a random positive scores above a random
/// negative, ties counting half (the Mann-Whitney U over both class sizes). `None` when one
/// class is empty. Rows without an outcome are skipped.
pub fn auc(scores: &[f64], outcome: &[Option<bool>]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores
        .iter()
        .zip(outcome)
        .filter_map(|(&s, o)| o.map(|o| (s, o)))
        .collect();
    auc_pairs(&mut pairs)
}

/// AUC over (score, outcome) pairs; sorts them in place.
pub fn auc_pairs(pairs: &mut [(f64, bool)]) -> Option<f64> {
    let pos = pairs.iter().filter(|p| p.1).count();
    let neg = pairs.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the positives' ranks, ties given their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        let p = pairs[i..=j].iter().filter(|x| x.1).count();
        rank_sum += avg * p as f64;
        i = j + 1;
    }
    let u = rank_sum - (pos as f64 * (pos as f64 + 1.0)) / 2.0;
    Some(u / (pos as f64 * neg as f64))
}

/// The mean log-likelihood of the outcome under the best logistic curve over the score
/// (p = 1 / (1 + e^-(a + b x)), x = score / 100), fitted by Newton's method. `None` when one
/// class is empty.
pub fn log_likelihood(scores: &[f64], outcome: &[Option<bool>]) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = scores
        .iter()
        .zip(outcome)
        .filter_map(|(&s, o)| o.map(|o| (s / 100.0, f64::from(u8::from(o)))))
        .unzip();
    let pos = y.iter().filter(|&&t| t > 0.5).count();
    if pos == 0 || pos == y.len() {
        return None;
    }
    let (_, _, ll) = logistic_fit(&x, &y, 0.0, 0.0);
    Some(ll / y.len() as f64)
}

/// The logistic curve p = 1 / (1 + e^-(a + b x)) of most likelihood for outcomes `y` (0 or 1),
/// by Newton's method from (a, b); returns (a, b, the summed log-likelihood).
pub fn logistic_fit(x: &[f64], y: &[f64], a: f64, b: f64) -> (f64, f64, f64) {
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let (mut a, mut b) = (a, b);
    for _ in 0..25 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&v, &t) in x.iter().zip(y) {
            let p = sigmoid(a + b * v);
            let w = p * (1.0 - p);
            ga += t - p;
            gb += (t - p) * v;
            haa += w;
            hab += w * v;
            hbb += w * v * v;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a += da;
        b += db;
        if da.abs() + db.abs() < 1e-10 {
            break;
        }
    }
    let ll = x
        .iter()
        .zip(y)
        .map(|(&v, &t)| {
            let p = sigmoid(a + b * v).clamp(1e-12, 1.0 - 1e-12);
            t * p.ln() + (1.0 - t) * (1.0 - p).ln()
        })
        .sum();
    (a, b, ll)
}

/// Rows ordered by value, highest first, ties in row order: the order a stable descending sort
/// gives, found by counting instead of comparing.
pub fn order_desc(values: &[f64]) -> Vec<u32> {
    let mut b = RankBuffers::default();
    sorted_desc(values, &mut b);
    b.sorted.into_iter().map(|(_, row)| row).collect()
}

/// The memory a ranking is computed in, kept from one ranking to the next: at a million rows
/// a ranking needs 24 MB (the bucket scatter 16 MB, ranks and centred ranks 4 MB each), and
/// fresh memory costs a page fault per 4 KiB, more than the counting itself. The preview's
/// worker holds one and gives back the ranks the screen no longer shows (`keep_ranks`).
#[derive(Debug, Default)]
pub struct RankBuffers {
    sorted: Vec<(f64, u32)>,
    at: Vec<u32>,
    rank: Vec<u32>,
    centred: Vec<i32>,
}

impl RankBuffers {
    /// Takes a ranking's columns back for the next one, unless something else still holds
    /// its ranks (a comparison on screen, the baseline's kept ranking).
    pub fn keep(&mut self, r: Ranking) {
        self.keep_ranks(r.rank);
        if r.centred.capacity() > self.centred.capacity() {
            self.centred = r.centred;
        }
    }

    /// Takes ranks back once nothing else holds them.
    pub fn keep_ranks(&mut self, rank: Arc<Vec<u32>>) {
        if let Ok(rank) = Arc::try_unwrap(rank)
            && rank.capacity() > self.rank.capacity()
        {
            self.rank = rank;
        }
    }
}

/// A buffer of `n` copies of `fill`, in the memory `v` held.
fn refill<T: Copy>(mut v: Vec<T>, n: usize, fill: T) -> Vec<T> {
    v.clear();
    v.resize(n, fill);
    v
}

/// A buffer of `n` values in the memory `v` held, for a caller that writes every one: what
/// `v` held is left in place (only new room is filled), since the fill of 16 MB of scatter
/// and 4 MB of ranks at a million rows was a tenth of a ranking.
fn sized<T: Copy>(mut v: Vec<T>, n: usize, fill: T) -> Vec<T> {
    v.resize(n, fill);
    v
}

/// Sorts a bucket's few rows, highest value first, ties in row order (stable), by insertion:
/// at about eight rows a bucket the library's sort spent more in its set-up than in comparing.
/// Larger buckets (many equal scores, or values outside 0..100 in an end bucket) go to the
/// library's stable sort.
fn sort_bucket(part: &mut [(f64, u32)]) {
    if part.len() > 32 {
        part.sort_by(|x, y| y.0.total_cmp(&x.0));
        return;
    }
    for i in 1..part.len() {
        let x = part[i];
        let mut j = i;
        // Only past strictly smaller values: an equal one keeps its place ahead (stable).
        while j > 0 && part[j - 1].0.total_cmp(&x.0).is_lt() {
            part[j] = part[j - 1];
            j -= 1;
        }
        part[j] = x;
    }
}

/// Each value with its row, highest first, ties in row order, into `b.sorted`. Values are
/// spread over buckets by where they fall in 0..=100 (scores' range), so the buckets are
/// filled in one counting pass and one scatter pass; only rows that share a bucket are
/// compared, exactly, by `total_cmp`, next to each other in memory. A value outside the range
/// (or NaN) goes to the end bucket on its side and is still placed exactly, only at the cost
/// of comparisons.
fn sorted_desc(values: &[f64], b: &mut RankBuffers) {
    let n = values.len();
    // About eight rows a bucket, at most 2^17 buckets: the count table (512 KiB) stays in the
    // core's cache, where one bucket per row (4 MiB at a million) made the counting and the
    // scatter wait on memory for two thirds of the ranking's time; sorting eight neighbours
    // costs less.
    let k = (n / 8).next_power_of_two().clamp(16, 1 << 17);
    let scale = k as f64 / 100.0;
    let top = k - 1;
    let bucket = |v: f64| -> usize {
        if v.is_nan() {
            // `total_cmp` puts a NaN with the sign bit below every number, one without above.
            return if v.is_sign_negative() { top } else { 0 };
        }
        if v <= 0.0 {
            return top;
        }
        // Monotone in v (rounding of a product by a positive constant is), so buckets are in
        // order; `min` catches values of 100 and above.
        top - ((v * scale) as usize).min(top)
    };
    // Counts, then where each bucket starts; the scatter moves each start to its bucket's end.
    let mut at = refill(std::mem::take(&mut b.at), k, 0u32);
    for &v in values {
        at[bucket(v)] += 1;
    }
    let mut sum = 0u32;
    for a in &mut at {
        let count = *a;
        *a = sum;
        sum += count;
    }
    // Every slot is written by the scatter; the fill only makes the length.
    let mut sorted = sized(std::mem::take(&mut b.sorted), n, (0.0f64, 0u32));
    for (i, &v) in values.iter().enumerate() {
        let b = bucket(v);
        sorted[at[b] as usize] = (v, i as u32);
        at[b] += 1;
    }
    let mut from = 0usize;
    for &end in &at {
        // Stable: rows with equal values keep their row order.
        sort_bucket(&mut sorted[from..end as usize]);
        from = end as usize;
    }
    b.at = at;
    b.sorted = sorted;
}

/// One column's ranks, computed once (see `order_desc`) and reused for as long as the column
/// stands: the preview keeps the baseline's while edits are compared with it. Rows are counted
/// in `u32` and ranks centred in `i32`: up to 2^31 rows, far more than a preview holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ranking {
    /// Per row: 1 for the highest value; ties keep row order. Shared, so that a comparison
    /// holds the ranks without a copy.
    pub rank: Arc<Vec<u32>>,
    /// Per row: twice its average rank from the lowest (ties share the average), minus n + 1.
    /// Centred this way the ranks sum to exactly 0, so Spearman's sums are exact integers.
    centred: Vec<i32>,
    /// The sum of `centred` squared.
    square_sum: i128,
    /// Spearman's cross sum with another ranking of the same rows, taken while this one was
    /// ranked (`new_against`), with that ranking's ranks to know it by. Such a ranking writes
    /// no `centred` column: it is correlated with the one it was ranked against, and only it.
    against: Option<(Arc<Vec<u32>>, i128)>,
}

impl Ranking {
    pub fn new(values: &[f64]) -> Ranking {
        Ranking::new_in(values, &mut RankBuffers::default())
    }

    /// `new`, computed in (and taking its columns from) buffers kept from earlier rankings.
    pub fn new_in(values: &[f64], b: &mut RankBuffers) -> Ranking {
        // Every row's centred rank is written by its tie group.
        let mut centred = sized(std::mem::take(&mut b.centred), values.len(), 0i32);
        let mut r = Ranking::walk(values, b, |c, group| {
            for &(_, row) in group {
                centred[row as usize] = c;
            }
        });
        r.centred = centred;
        r
    }

    /// `new_in`, with Spearman's cross sum against `base` (a ranking of the same rows) taken
    /// while this ranking's tie groups are walked: each group's centred rank times the sum of
    /// `base`'s centred ranks over its rows. The preview correlates every edit with the one
    /// baseline; this reads the baseline's column per row where `new_in` then `spearman` wrote
    /// a centred rank per row at random and summed both columns again (8 MB and 4 MB of random
    /// writes at a million rows). The sum is the same integer, so the correlation is the same
    /// number. The result's `spearman` answers for `base` only (see `against`).
    pub fn new_against(values: &[f64], b: &mut RankBuffers, base: &Ranking) -> Ranking {
        if base.centred.len() != values.len() {
            // Nothing to read per row (other rows, or `base` itself ranked against another).
            return Ranking::new_in(values, b);
        }
        let mut cross = 0i128;
        let mut r = Ranking::walk(values, b, |c, group| {
            // Below 2^31 rows each centred rank is under 2^31 in size, so a group's sum (at
            // most 2^31 of them) stays under 2^62.
            let s: i64 = group
                .iter()
                .map(|&(_, row)| i64::from(base.centred[row as usize]))
                .sum();
            cross += i128::from(c) * i128::from(s);
        });
        r.against = Some((base.rank.clone(), cross));
        r
    }

    /// Ranks `values` in `b` (ranks from the top, the sum of centred ranks squared) and calls
    /// `group` with each tie group's centred rank (twice the average rank from the lowest,
    /// minus n + 1) and its rows, highest values first.
    fn walk(
        values: &[f64],
        b: &mut RankBuffers,
        mut group: impl FnMut(i32, &[(f64, u32)]),
    ) -> Ranking {
        let n = values.len();
        sorted_desc(values, b);
        let sorted = &b.sorted;
        // Every row's rank is written below (each row is in one tie group).
        let mut rank = sized(std::mem::take(&mut b.rank), n, 0u32);
        let mut square_sum = 0i128;
        let mut i = 0;
        while i < n {
            // The tie group at positions i..=j from the top.
            let v = sorted[i].0;
            let mut j = i;
            while j + 1 < n && sorted[j + 1].0 == v {
                j += 1;
            }
            // Positions i..=j from the top are n-1-j..=n-1-i from the bottom: the average rank
            // from the lowest is n - (i + j) / 2; twice it, centred: n - 1 - i - j.
            let c = (n as i64 - 1 - i as i64 - j as i64) as i32;
            for (p, &(_, row)) in sorted[i..=j].iter().enumerate() {
                rank[row as usize] = (i + p) as u32 + 1;
            }
            group(c, &sorted[i..=j]);
            square_sum += i128::from(c) * i128::from(c) * (j + 1 - i) as i128;
            i = j + 1;
        }
        Ranking {
            rank: Arc::new(rank),
            centred: Vec::new(),
            square_sum,
            against: None,
        }
    }

    /// Each row's average rank, 1 for the lowest value (ties share their average); empty for
    /// a ranking taken against another (`new_against`), which keeps none.
    pub fn average_ranks(&self) -> Vec<f64> {
        let shift = self.centred.len() as f64 + 1.0;
        self.centred
            .iter()
            .map(|&c| (f64::from(c) + shift) / 2.0)
            .collect()
    }

    /// Spearman's rank correlation with another ranking of the same rows: Pearson's over
    /// average ranks, its sums taken exactly in integers. `None` when either column is
    /// constant, or has fewer than two rows.
    pub fn spearman(&self, other: &Ranking) -> Option<f64> {
        let n = self.rank.len();
        if n < 2 || n != other.rank.len() || self.square_sum == 0 || other.square_sum == 0 {
            return None;
        }
        // Taken while one side was ranked against the other (`new_against`): the ranks it was
        // taken against are held, so the same allocation means the same ranking.
        let known = |r: &Ranking, o: &Ranking| {
            r.against
                .as_ref()
                .filter(|(base, _)| Arc::ptr_eq(base, &o.rank))
                .map(|&(_, cross)| cross)
        };
        let cross = if Arc::ptr_eq(&self.rank, &other.rank) {
            // One ranking with itself (the preview back at its baseline): the products are
            // the squares.
            self.square_sum
        } else {
            match known(self, other).or_else(|| known(other, self)) {
                Some(cross) => cross,
                None => self.cross(other)?,
            }
        };
        Some(cross as f64 / ((self.square_sum as f64) * (other.square_sum as f64)).sqrt())
    }

    /// The sum of the products of both rankings' centred ranks, row by row; `None` when either
    /// keeps no centred ranks for these rows.
    fn cross(&self, other: &Ranking) -> Option<i128> {
        let n = self.rank.len();
        if self.centred.len() != n || other.centred.len() != n {
            return None;
        }
        // Blocks of products summed in i64, the blocks in i128: below 2^26 rows each
        // |product| is under 2^52, so 1,024 of them cannot overflow; above, one at a time.
        let block = if n < 1 << 26 { 1024 } else { 1 };
        let mut cross = 0i128;
        for (a, b) in self.centred.chunks(block).zip(other.centred.chunks(block)) {
            let block: i64 = a
                .iter()
                .zip(b)
                .map(|(&x, &y)| i64::from(x) * i64::from(y))
                .sum();
            cross += i128::from(block);
        }
        Some(cross)
    }
}

/// Spearman's rank correlation: Pearson's over average ranks. `None` when either is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    Ranking::new(a).spearman(&Ranking::new(b))
}

/// The Wilson score interval of `k` successes in `n` trials at `z` standard errors (1.96 for
/// 95%): unlike the normal approximation it stays within 0..1 and is honest for small groups
/// and rates near 0 or 1. `None` when `n` is 0.
pub fn wilson(k: usize, n: usize, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The Brier score: the mean squared difference between a predicted chance and the outcome
/// (0 or 1), over the rows whose outcome is known. `None` when none is.
pub fn brier(predicted: &[f64], outcome: &[Option<bool>]) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for (&p, o) in predicted.iter().zip(outcome) {
        if let Some(o) = o {
            let d = p - f64::from(u8::from(*o));
            sum += d * d;
            n += 1;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The ranks as they were computed before counting: a full sort, highest first, ties in
    /// row order.
    fn ranks_by_sort(values: &[f64]) -> Vec<u32> {
        let mut idx: Vec<u32> = (0..values.len() as u32).collect();
        idx.sort_by(|&a, &b| {
            values[b as usize]
                .total_cmp(&values[a as usize])
                .then(a.cmp(&b))
        });
        let mut out = vec![0u32; values.len()];
        for (r, &i) in idx.iter().enumerate() {
            out[i as usize] = r as u32 + 1;
        }
        out
    }

    /// Average ranks (1 the lowest) as they were computed before: a full sort, then ties.
    fn average_ranks_by_sort(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut out = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for &k in &idx[i..=j] {
                out[k] = avg;
            }
            i = j + 1;
        }
        out
    }

    /// Spearman's as it was computed before: Pearson's over the sorted average ranks, in f64.
    fn spearman_by_sort(a: &[f64], b: &[f64]) -> Option<f64> {
        let (ra, rb) = (average_ranks_by_sort(a), average_ranks_by_sort(b));
        let n = ra.len() as f64;
        if ra.len() < 2 {
            return None;
        }
        let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (x, y) in ra.iter().zip(&rb) {
            sab += (x - ma) * (y - mb);
            saa += (x - ma) * (x - ma);
            sbb += (y - mb) * (y - mb);
        }
        (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
    }

    /// Scores as the preview sees them: mostly in 0..=100 with many ties (round values, 0 and
    /// 100 themselves), a few close neighbours, and now and then a value outside the range.
    fn score() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => 0.0..=100.0f64,
            3 => (0..=20u32).prop_map(|k| f64::from(k) * 5.0),
            1 => Just(0.0),
            1 => Just(100.0),
            1 => (0..4u32).prop_map(|k| 50.0 + f64::from(k) * 1e-12),
            1 => prop_oneof![Just(-0.0), Just(-3.0), Just(250.0), Just(f64::INFINITY)],
        ]
    }

    proptest! {
        #[test]
        fn counted_ranks_equal_the_full_sort(
            a in proptest::collection::vec(score(), 0..300),
            seed in 0..1000u64,
        ) {
            let ours = Ranking::new(&a);
            prop_assert_eq!(&*ours.rank, &ranks_by_sort(&a));
            prop_assert_eq!(ours.average_ranks(), average_ranks_by_sort(&a));
            // A second scoring of the same rows: some values moved, the rest kept.
            let b: Vec<f64> = a
                .iter()
                .enumerate()
                .map(|(i, &v)| if (i as u64 * 31 + seed).is_multiple_of(3) { (v * 0.7 + 9.0).min(100.0) } else { v })
                .collect();
            // Ranked again in buffers that ranked other columns before (longer, shorter, or
            // this one), as the preview reuses them: the same ranks.
            let mut buffers = RankBuffers::default();
            let longer: Vec<f64> = a.iter().chain(&b).copied().collect();
            let first = Ranking::new_in(&longer, &mut buffers);
            buffers.keep(first);
            let again = Ranking::new_in(&b[..b.len() / 2], &mut buffers);
            prop_assert_eq!(&*again.rank, &ranks_by_sort(&b[..b.len() / 2]));
            buffers.keep(again);
            let reused = Ranking::new_in(&b, &mut buffers);
            prop_assert_eq!(&reused, &Ranking::new(&b));
            let (got, want) = (ours.spearman(&reused), spearman_by_sort(&a, &b));
            match (got, want) {
                (Some(g), Some(w)) => prop_assert!((g - w).abs() < 1e-9, "{} vs {}", g, w),
                (g, w) => prop_assert_eq!(g, w),
            }
            // Ranked against the first scoring, in the same reused buffers: the same ranks,
            // and the cross sum taken while walking gives the very same correlation, read
            // from either side.
            buffers.keep(reused);
            let against = Ranking::new_against(&b, &mut buffers, &ours);
            prop_assert_eq!(&*against.rank, &ranks_by_sort(&b));
            prop_assert_eq!(against.spearman(&ours), got);
            prop_assert_eq!(ours.spearman(&against), got);
        }
    }

    #[test]
    fn ranks_by_hand() {
        // Highest first; the two 30s keep row order.
        assert_eq!(order_desc(&[10.0, 30.0, 20.0, 30.0]), vec![1, 3, 2, 0]);
        let r = Ranking::new(&[10.0, 30.0, 20.0, 30.0]);
        assert_eq!(*r.rank, vec![4, 1, 3, 2]);
        // From the lowest: 10 is 1, 20 is 2, the 30s share (3 + 4) / 2.
        assert_eq!(r.average_ranks(), vec![1.0, 3.5, 2.0, 3.5]);
        // Outside the range and NaN are still placed as `total_cmp` orders them: NaN, 150,
        // 50, 0, -0, -5; 0 and -0 are equal, so they share their average rank.
        let v = [-5.0, 150.0, f64::NAN, 50.0, -0.0, 0.0];
        assert_eq!(order_desc(&v), vec![2, 1, 3, 5, 4, 0]);
        let r = Ranking::new(&v);
        assert_eq!(*r.rank, vec![6, 2, 1, 3, 5, 4]);
        assert_eq!(r.average_ranks(), vec![1.0, 5.0, 6.0, 4.0, 2.5, 2.5]);
        assert_eq!(*Ranking::new(&[]).rank, Vec::<u32>::new());
    }

    #[test]
    fn spearman_by_hand() {
        // Ranks 1.5, 1.5, 3 against 1, 2, 3: centred twice over, -1 -1 2 and -2 0 2;
        // 6 / sqrt(6 x 8) = 0.8660...
        let s = spearman(&[5.0, 5.0, 9.0], &[1.0, 2.0, 3.0]).unwrap();
        assert!((s - 6.0 / 48f64.sqrt()).abs() < 1e-15);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[4.0, 4.0], &[1.0, 2.0]), None);
        assert_eq!(spearman(&[4.0], &[1.0]), None);
        // A ranking with itself (shared, as the preview's baseline is): its squares over its
        // squares, 1; constant, none.
        let r = Ranking::new(&[5.0, 5.0, 9.0]);
        assert_eq!(r.spearman(&r), Some(1.0));
        let flat = Ranking::new(&[2.0, 2.0]);
        assert_eq!(flat.spearman(&flat), None);
    }

    #[test]
    fn buckets_sort_as_the_full_sort_small_and_large() {
        // 0 and below share the bottom bucket: 100 rows of it, mixed (the library's sort),
        // and, among 16 rows, a bucket of a few close values and ties (insertion).
        let many: Vec<f64> = (0..100)
            .map(|i| if i % 3 == 0 { -f64::from(i % 7) } else { 0.0 })
            .collect();
        assert_eq!(*Ranking::new(&many).rank, ranks_by_sort(&many));
        let few: Vec<f64> = (0..16)
            .map(|i| 50.0 + f64::from(i % 4) * 1e-9 - f64::from(i % 3) * 1e-10)
            .collect();
        assert_eq!(*Ranking::new(&few).rank, ranks_by_sort(&few));
        // By hand: 3 0 -1 0 -1 from rows 0..5: 3 (row 0), the zeros in row order (1, 3), the
        // -1s in row order (2, 4).
        assert_eq!(
            order_desc(&[3.0, 0.0, -1.0, 0.0, -1.0]),
            vec![0, 1, 3, 2, 4]
        );
    }

    #[test]
    fn spearman_taken_while_ranking_by_hand() {
        // The baseline 5, 5, 9 (centred -1 -1 2); the current 1, 2, 3 walked from the top:
        // 3 (centred 2) reads the baseline's 2, 2 (0) reads -1, 1 (-2) reads -1: 4 + 0 + 2 = 6,
        // over sqrt(6 x 8) as `spearman_by_hand` has it.
        let base = Ranking::new(&[5.0, 5.0, 9.0]);
        let now = Ranking::new_against(&[1.0, 2.0, 3.0], &mut RankBuffers::default(), &base);
        assert_eq!(*now.rank, vec![3, 2, 1]);
        assert_eq!(now.spearman(&base), Some(6.0 / 48f64.sqrt()));
        // A tie group reads the sum over its rows: 7, 7, 1 walked as {7, 7} (centred 1, rows
        // 0 and 1: -1 + -1) then 1 (-2, row 2: 2): -2 - 4 = -6; its own squares 1 + 1 + 4 = 6:
        // -6 / sqrt(6 x 6) = -1, the baseline's order exactly reversed.
        let tied = Ranking::new_against(&[7.0, 7.0, 1.0], &mut RankBuffers::default(), &base);
        assert_eq!(tied.spearman(&base), Some(-1.0));
        // It answers for the ranking it was taken against only; one of other rows is ranked
        // plainly and correlates as before.
        assert_eq!(now.spearman(&Ranking::new(&[5.0, 5.0, 9.0])), None);
        let other = Ranking::new_against(&[1.0, 2.0], &mut RankBuffers::default(), &base);
        assert_eq!(other.spearman(&Ranking::new(&[2.0, 1.0])), Some(-1.0));
    }

    #[test]
    fn auc_by_hand() {
        // Positives 3 and 4 over negatives 1 and 2: every pair ordered: 1.
        let y = [Some(false), Some(false), Some(true), Some(true)];
        assert_eq!(auc(&[1.0, 2.0, 3.0, 4.0], &y), Some(1.0));
        assert_eq!(auc(&[4.0, 3.0, 2.0, 1.0], &y), Some(0.0));
        // Positive 2 vs negatives 1 and 3, positive 4 beats both: (1 + 2) / 4 = 0.75.
        let y = [Some(false), Some(true), Some(false), Some(true)];
        assert_eq!(auc(&[1.0, 2.0, 3.0, 4.0], &y), Some(0.75));
        // A tie between a positive and a negative counts half: (0.5) / 1.
        assert_eq!(auc(&[5.0, 5.0], &[Some(true), Some(false)]), Some(0.5));
        // Unknown outcomes are skipped; one class only has no AUC.
        assert_eq!(
            auc(&[1.0, 2.0, 9.0], &[Some(false), Some(true), None]),
            Some(1.0)
        );
        assert_eq!(auc(&[1.0], &[Some(true)]), None);
    }

    #[test]
    fn wilson_and_brier_by_hand() {
        // 8 of 10: p = 0.8, z = 1.96, z^2 = 3.8416; centre (0.8 + 0.19208) / 1.38416 = 0.71675;
        // half 1.96 x sqrt(0.016 + 0.009604) / 1.38416 = 0.22658: 0.4902 to 0.9433.
        let (lo, hi) = wilson(8, 10, 1.96).unwrap();
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        // 0 of 5 still has an upper bound above 0, and the interval stays inside 0..1.
        let (lo, hi) = wilson(0, 5, 1.96).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.4 && hi < 0.5, "{hi}");
        assert_eq!(wilson(0, 0, 1.96), None);
        // Chances 0.8 and 0.2 for a yes and a no: (0.04 + 0.04) / 2; the unknown is skipped.
        let b = brier(&[0.8, 0.2, 0.5], &[Some(true), Some(false), None]).unwrap();
        assert!((b - 0.04).abs() < 1e-12);
        assert_eq!(brier(&[0.5], &[None]), None);
    }

    #[test]
    fn log_likelihood_prefers_separating_scores() {
        let y: Vec<Option<bool>> = (0..100).map(|i| Some(i % 3 == 0)).collect();
        let good: Vec<f64> = (0..100)
            .map(|i| if i % 3 == 0 { 80.0 } else { 20.0 } + (i % 7) as f64)
            .collect();
        let noise: Vec<f64> = (0..100).map(|i| ((i * 37) % 100) as f64).collect();
        assert!(log_likelihood(&good, &y).unwrap() > log_likelihood(&noise, &y).unwrap());
    }
}
