//! k-anonymity and (distinct) l-diversity over quasi-identifiers.
//!
//! Rows are grouped into equivalence classes by the tuple of their quasi-identifier values
//! (missing is its own value). k is the size of the smallest class; l is the smallest number
//! of distinct sensitive values in a class. Memory grows with the number of classes, not rows.

use std::collections::{HashMap, HashSet};

/// One equivalence class: its size and the distinct sensitive values in it.
type Class = (u64, HashSet<Option<String>>);

/// Accumulates equivalence classes row by row.
#[derive(Debug, Default)]
pub struct ClassCounter {
    classes: HashMap<Vec<Option<String>>, Class>,
    rows: u64,
    track_sensitive: bool,
}

/// Sizes and diversity of the equivalence classes.
#[derive(Debug, Clone, PartialEq)]
pub struct KReport {
    /// Rows counted.
    pub rows: u64,
    /// Equivalence classes.
    pub classes: u64,
    /// Size of the smallest class (0 for no rows).
    pub k: u64,
    /// Classes smaller than the target k, and the rows in them (when a target was given).
    pub below_k: Option<(u64, u64)>,
    /// Smallest number of distinct sensitive values in a class (when a sensitive column was given).
    pub l: Option<u64>,
    /// Classes with a single sensitive value (homogeneous: membership reveals it).
    pub homogeneous: Option<u64>,
    /// Class-size histogram: classes of size 1, 2, 3–4, 5–9, 10–99, 100+.
    pub histogram: [u64; 6],
}

impl ClassCounter {
    /// A counter; `sensitive` says whether l-diversity is tracked.
    pub fn new(sensitive: bool) -> ClassCounter {
        ClassCounter {
            track_sensitive: sensitive,
            ..Default::default()
        }
    }

    /// Adds a row with its quasi-identifier tuple and sensitive value.
    pub fn add(&mut self, key: Vec<Option<String>>, sensitive: Option<&Option<String>>) {
        self.rows += 1;
        let entry = self.classes.entry(key).or_default();
        entry.0 += 1;
        if self.track_sensitive
            && let Some(s) = sensitive
            && !entry.1.contains(s)
        {
            entry.1.insert(s.clone());
        }
    }

    /// The report against a target `k`.
    pub fn report(&self, target_k: Option<u64>) -> KReport {
        let k = self.classes.values().map(|c| c.0).min().unwrap_or(0);
        let mut histogram = [0u64; 6];
        for (n, _) in self.classes.values() {
            let bin = match n {
                1 => 0,
                2 => 1,
                3..=4 => 2,
                5..=9 => 3,
                10..=99 => 4,
                _ => 5,
            };
            histogram[bin] += 1;
        }
        let below_k = target_k.map(|t| {
            self.classes
                .values()
                .filter(|c| c.0 < t)
                .fold((0, 0), |(c, r), x| (c + 1, r + x.0))
        });
        let (l, homogeneous) = if self.track_sensitive {
            (
                Some(
                    self.classes
                        .values()
                        .map(|c| c.1.len() as u64)
                        .min()
                        .unwrap_or(0),
                ),
                Some(self.classes.values().filter(|c| c.1.len() == 1).count() as u64),
            )
        } else {
            (None, None)
        };
        KReport {
            rows: self.rows,
            classes: self.classes.len() as u64,
            k,
            below_k,
            l,
            homogeneous,
            histogram,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn k_and_l_on_a_textbook_table() {
        // Machanavajjhala et al. (2007), table 3 shape: 3 classes of 4 rows.
        let mut c = ClassCounter::new(true);
        let rows = [
            ("130**", "<30", "Heart"),
            ("130**", "<30", "Heart"),
            ("130**", "<30", "Viral"),
            ("130**", "<30", "Viral"),
            ("1485*", ">=40", "Cancer"),
            ("1485*", ">=40", "Heart"),
            ("1485*", ">=40", "Viral"),
            ("1485*", ">=40", "Viral"),
            ("130**", "3*", "Cancer"),
            ("130**", "3*", "Cancer"),
            ("130**", "3*", "Cancer"),
            ("130**", "3*", "Cancer"),
        ];
        for (zip, age, d) in rows {
            c.add(vec![s(zip), s(age)], Some(&s(d)));
        }
        let r = c.report(Some(5));
        assert_eq!((r.rows, r.classes, r.k), (12, 3, 4));
        assert_eq!(r.below_k, Some((3, 12)));
        assert_eq!(r.l, Some(1));
        assert_eq!(r.homogeneous, Some(1));
        assert_eq!(r.histogram, [0, 0, 3, 0, 0, 0]);
    }

    #[test]
    fn empty_input() {
        let r = ClassCounter::new(false).report(Some(2));
        assert_eq!((r.k, r.classes, r.l), (0, 0, None));
    }
}
