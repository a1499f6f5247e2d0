//! Measures of how well scores separate a yes/no outcome: AUC and a one-variable logistic fit;
//! and of what a rate means: the Wilson interval of a proportion and the Brier score.

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

/// Ranks with ties sharing their average rank (1 is the lowest).
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
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

/// Spearman's rank correlation: Pearson's over average ranks. `None` when either is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    let (ra, rb) = (average_ranks(a), average_ranks(b));
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
