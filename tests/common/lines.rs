//! Line diffs of two texts, for tests that hold a save to the lines its edit needs.

#![allow(dead_code)]

/// What a line diff of `a` to `b` removes and adds: the lines of each outside their longest
/// common subsequence, in order.
pub fn diff<'a>(a: &'a str, b: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
    let (x, y): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut t = vec![vec![0u32; y.len() + 1]; x.len() + 1];
    for i in (0..x.len()).rev() {
        for j in (0..y.len()).rev() {
            t[i][j] = if x[i] == y[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < x.len() || j < y.len() {
        if i < x.len() && j < y.len() && x[i] == y[j] {
            i += 1;
            j += 1;
        } else if j == y.len() || (i < x.len() && t[i + 1][j] >= t[i][j + 1]) {
            removed.push(x[i]);
            i += 1;
        } else {
            added.push(y[j]);
            j += 1;
        }
    }
    (removed, added)
}

/// Whether every line of `part` appears in `whole`, in order.
pub fn in_order(part: &[&str], whole: &str) -> bool {
    let mut lines = whole.lines();
    part.iter().all(|p| lines.any(|l| l == *p))
}

/// The lines `diff -u a b` (the system's own `diff`, as a reviewer runs it) removes and adds,
/// each with its `-` or `+`, in order, without the file headers.
pub fn diff_u(a: &std::path::Path, b: &std::path::Path) -> Vec<String> {
    let out = std::process::Command::new("diff")
        .arg("-u")
        .arg(a)
        .arg(b)
        .output()
        .unwrap_or_else(|e| panic!("diff -u cannot run: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .map(String::from)
        .collect()
}
