//! Sets of completion indexes as ordered intervals (upstream `orderedIntervals` in
//! `pkg/controller/job/indexed_job_utils.go`): how an Indexed Job's `status.completedIndexes`
//! and `status.failedIndexes` are read and written (`"1,3-5,7"`; two neighbours print as
//! `"3,4"`), and a success policy's `succeededIndexes` are read.

use std::fmt;

/// Disjoint, ordered, non-adjacent inclusive intervals `(first, last)`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Intervals(pub Vec<(i64, i64)>);

impl Intervals {
    /// Read an interval string with no upper bound (a knob's index list).
    pub fn parse(s: &str) -> Intervals {
        Intervals::parse_below(s, i64::MAX)
    }

    /// upstream `parseIndexesFromString`: intervals below `completions`; an interval starting at
    /// or above it ends the list, one ending above it is cut; unreadable pieces are skipped.
    pub fn parse_below(s: &str, completions: i64) -> Intervals {
        let mut out: Vec<(i64, i64)> = Vec::new();
        if s.is_empty() {
            return Intervals(out);
        }
        for piece in s.split(',') {
            let mut limits = piece.split('-');
            let Some(first) = limits.next().and_then(|x| x.trim().parse::<i64>().ok()) else { continue };
            if first >= completions {
                break;
            }
            let last = match limits.next() {
                Some(y) => match y.trim().parse::<i64>() {
                    Ok(y) => y.min(completions - 1),
                    Err(_) => continue,
                },
                None => first,
            };
            match out.last_mut() {
                Some(prev) if prev.1 == first - 1 => prev.1 = last,
                _ => out.push((first, last)),
            }
        }
        Intervals(out)
    }

    /// upstream `withOrderedIndexes`: these intervals plus `indexes` (ascending).
    pub fn with_indexes(&self, indexes: &[i64]) -> Intervals {
        self.merge(&Intervals(indexes.iter().map(|&i| (i, i)).collect()))
    }

    /// upstream `merge`: the union of two interval lists.
    pub fn merge(&self, other: &Intervals) -> Intervals {
        let mut all: Vec<(i64, i64)> = self.0.iter().chain(&other.0).copied().collect();
        all.sort_by_key(|&(first, _)| first);
        let mut out: Vec<(i64, i64)> = Vec::with_capacity(all.len());
        for (first, last) in all {
            match out.last_mut() {
                Some(prev) if first <= prev.1 + 1 => prev.1 = prev.1.max(last),
                _ => out.push((first, last)),
            }
        }
        Intervals(out)
    }

    /// upstream `total`: how many indexes.
    pub fn total(&self) -> i64 {
        self.0.iter().map(|(first, last)| last - first + 1).sum()
    }

    /// upstream `has`.
    pub fn contains(&self, index: i64) -> bool {
        let at = self.0.partition_point(|&(_, last)| last < index);
        self.0.get(at).is_some_and(|&(first, _)| first <= index)
    }

    /// How many of `other`'s indexes are also here (upstream `matchSucceededIndexesRule`'s
    /// overlap count).
    pub fn overlap(&self, other: &Intervals) -> i64 {
        let (mut i, mut j, mut count) = (0, 0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            count += (a.1.min(b.1) - a.0.max(b.0) + 1).max(0);
            if a.1 < b.1 {
                i += 1;
            } else if a.1 > b.1 {
                j += 1;
            } else {
                i += 1;
                j += 1;
            }
        }
        count
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// upstream `orderedIntervals.String`: `"0-2,4"`, and two neighbours as `"3,4"`.
impl fmt::Display for Intervals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, &(first, last)) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{first}")?;
            if last == first + 1 {
                write!(f, ",{last}")?;
            } else if last > first {
                write!(f, "-{last}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closed index intervals as a test case writes them.
    type Spans = &'static [(i64, i64)];

    fn iv(v: &[(i64, i64)]) -> Intervals {
        Intervals(v.to_vec())
    }

    /// upstream `TestParseIndexesFromString`.
    #[test]
    fn parse_like_upstream() {
        let cases: &[(&str, &str, i64, Spans)] = &[
            ("empty", "", 0, &[]),
            ("one index", "1", 3, &[(1, 1)]),
            ("one interval", "1-2", 3, &[(1, 2)]),
            ("mixed intervals", "0,1-3,5,7-10", 12, &[(0, 3), (5, 5), (7, 10)]),
            ("interval and index over limit", "0,1-3,5,7-10", 6, &[(0, 3), (5, 5)]),
            ("single interval over limit", "7-10", 8, &[(7, 7)]),
            ("interval starting after limit", "0,7-10", 6, &[(0, 0)]),
            ("corrupted interval is skipped", "0,2-x,4", 6, &[(0, 0), (4, 4)]),
        ];
        for (name, s, completions, want) in cases {
            assert_eq!(Intervals::parse_below(s, *completions), iv(want), "{name}");
        }
    }

    /// upstream `TestIntervalsHaveIndex`.
    #[test]
    fn has_like_upstream() {
        let ivs = iv(&[(1, 3), (5, 5), (7, 10)]);
        for (index, want) in
            [(0, false), (1, true), (3, true), (4, false), (5, true), (6, false), (10, true), (11, false)]
        {
            assert_eq!(ivs.contains(index), want, "{index}");
        }
        assert!(!Intervals::default().contains(0), "empty");
    }

    /// upstream `TestCalculateSucceededIndexes`' string forms and `orderedIntervals.String`.
    #[test]
    fn strings_like_upstream() {
        let cases: &[(&[(i64, i64)], &str)] = &[
            (&[], ""),
            (&[(0, 0)], "0"),
            (&[(3, 4)], "3,4"),
            (&[(0, 2), (4, 4)], "0-2,4"),
            (&[(1, 1), (3, 5)], "1,3-5"),
        ];
        for (v, want) in cases {
            assert_eq!(iv(v).to_string(), *want);
        }
    }

    /// upstream `TestMergeIntervals` and `withOrderedIndexes`.
    #[test]
    fn merge_like_upstream() {
        let cases: &[(&str, Spans, Spans, Spans)] = &[
            ("empty", &[], &[], &[]),
            ("merge with empty", &[(1, 3)], &[], &[(1, 3)]),
            ("adjacent", &[(1, 3)], &[(4, 5)], &[(1, 5)]),
            ("overlapping", &[(1, 3), (8, 10)], &[(2, 9)], &[(1, 10)]),
            ("disjoint", &[(1, 2)], &[(5, 6), (8, 8)], &[(1, 2), (5, 6), (8, 8)]),
            ("contained", &[(0, 10)], &[(3, 4)], &[(0, 10)]),
        ];
        for (name, a, b, want) in cases {
            assert_eq!(iv(a).merge(&iv(b)), iv(want), "{name}");
        }
        assert_eq!(iv(&[(1, 3)]).with_indexes(&[0, 5, 6]), iv(&[(0, 3), (5, 6)]));
    }

    /// upstream `TestMatchSucceededIndexesRule`'s overlap count.
    #[test]
    fn overlap_counts_common_indexes() {
        assert_eq!(iv(&[(0, 4)]).overlap(&iv(&[(2, 6)])), 3);
        assert_eq!(iv(&[(0, 0), (2, 2), (4, 4)]).overlap(&iv(&[(0, 4)])), 3);
        assert_eq!(iv(&[(0, 1)]).overlap(&iv(&[(5, 6)])), 0);
        assert_eq!(iv(&[(1, 3), (6, 9)]).overlap(&iv(&[(0, 2), (8, 8)])), 3);
    }
}
